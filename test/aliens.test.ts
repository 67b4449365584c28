// Alien dependencies (language modules): read like any line, resolved from AlienVFS-shaped trees
// (<AlienVFS>/<Manager>:<Module>/<Version>/, or the same under Programs) like programs, and put in
// front of their language's search path in the view. The modules are real, from Debian packages
// (python3-mako, python3-markupsafe, libxml-writer-perl, lua-posix, ruby-rainbow), with a second
// version made by changing the version in the module's own file; real interpreters (python3, perl,
// lua5.3, ruby) load them inside the view.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appTree, chosen, copyModule, modules, pythonLaunches, runner, settle } from './helpers/aliens.js';
import { rootTests } from './helpers/suite.js';
import { runnerAs, shareTree, type As } from './helpers/users.js';

const launchTest = rootTests(import.meta.url, 'views built as root');
const rootOnly = rootTests(import.meta.url, "root's rules for a tree other users can write");

/** Two versions of mako and of XML::Writer (the second made by editing the module's own version), one of markupsafe. */
function addModules(root: string, alienDir = 'Mount/AlienVFS'): string {
  const aliens = path.join(root, alienDir);
  const mako = path.join(modules.python('python3-mako'), 'mako');
  const writer = path.join(modules.perl(), 'XML');
  copyModule(path.join(aliens, 'PIP3:mako/1.2.4'), { mako });
  copyModule(path.join(aliens, 'PIP3:mako/1.1.0'), { mako }, [
    'mako/__init__.py',
    /__version__ = "1\.2\.4"/,
    '__version__ = "1.1.0"',
  ]);
  copyModule(path.join(aliens, 'PIP3:markupsafe/2.1.2'), {
    markupsafe: path.join(modules.python('python3-markupsafe'), 'markupsafe'),
  });
  copyModule(path.join(aliens, 'CPAN:XML::Writer/0.900'), { XML: writer });
  copyModule(path.join(aliens, 'CPAN:XML::Writer/0.4.1'), { XML: writer }, [
    'XML/Writer.pm',
    /\$VERSION = "0\.900";/,
    '$VERSION = "0.4.1";',
  ]);
  return root;
}

const tree = (deps: string, alienDir?: string) => addModules(appTree({ App: deps }), alienDir);

test('an Alien line is resolved like a program line: same order, newest fitting, names keep case and ::', () => {
  const root = tree('PIP3:mako >= 1.0\nCPAN:XML::Writer < 0.6 [perl]\n');
  const resolved = runner(['--root', root, '--resolve', 'App', '--json']);
  assert.is(resolved.status, 0, resolved.stderr);
  const chosen = Object.fromEntries(
    JSON.parse(resolved.stdout).dependencies.map((d: { name: string; version: string }) => [d.name, d.version]),
  );
  assert.equal(chosen, { 'PIP3:mako': '1.2.4', 'CPAN:XML::Writer': '0.4.1' });
  const why = runner(['--root', root, '--why', 'App', 'PIP3:mako']);
  assert.is(why.status, 0, why.stderr);
  assert.match(why.stdout, /PIP3:mako 1\.2\.4/);
});

test('a real line mixing an Alien and a program as alternatives: the first that can be satisfied', () => {
  const line = 'CPAN:XML::Writer 0.4.1 [perl] | Perl-XML-Writer 0.4.1 [perl]\n';
  const root = tree(line);
  assert.equal(chosen(root), ['CPAN:XML::Writer 0.900']);
  fs.rmSync(path.join(root, 'Mount/AlienVFS/CPAN:XML::Writer'), { recursive: true });
  fs.mkdirSync(path.join(root, 'Programs/Perl-XML-Writer/0.4.1'), { recursive: true });
  assert.equal(chosen(root), ['Perl-XML-Writer 0.4.1']);
});

test('an Alien that nothing provides in a fitting version: 120 naming the line and the command that installs it; --ignore-missing warns', () => {
  const root = tree('PIP3:nosuch >= 1.0\n');
  const failed = runner(['--root', root, '--resolve', 'App']);
  assert.is(failed.status, 120);
  assert.match(failed.stderr, /PIP3:nosuch is not installed \(Alien --install PIP3:nosuch installs it\)/);
  assert.match(failed.stderr, /Dependencies/);
  const conflict = runner(['--root', tree('PIP3:mako >= 3.0\n'), '--resolve', 'App']);
  assert.is(conflict.status, 120);
  assert.match(
    conflict.stderr,
    /no installed version of PIP3:mako fits >= 3\.0 \(installed: 1\.1\.0 and 1\.2\.4\); Alien --install PIP3:mako installs one/,
  );
  const lenient = runner(['--root', root, '--ignore-missing', '--resolve', 'App']);
  assert.is(lenient.status, 0, lenient.stderr);
  assert.match(lenient.stderr, /PIP3:nosuch/);
});

test('--aliens and RUNNER_ALIENS move the AlienVFS; Aliens merged into Programs are found there', () => {
  const moved = tree('PIP3:mako < 1.2\n', 'elsewhere');
  const flag = runner(['--root', moved, '--aliens', path.join(moved, 'elsewhere'), '--resolve', 'App', '--json']);
  assert.is(flag.status, 0, flag.stderr);
  assert.match(flag.stdout, /"PIP3:mako"/);
  const variable = runner(['--root', moved, '--resolve', 'App'], { RUNNER_ALIENS: path.join(moved, 'elsewhere') });
  assert.is(variable.status, 0, variable.stderr);
  assert.is(runner(['--root', moved, '--resolve', 'App']).status, 120, 'not found without them');
  const merged = tree('PIP3:mako < 1.2\n', 'Programs');
  const inPrograms = runner(['--root', merged, '--resolve', 'App']);
  assert.is(inPrograms.status, 0, inPrograms.stderr);
  assert.match(inPrograms.stdout, /PIP3:mako.*1\.1\.0/);
});

rootOnly(
  'as root, an Alien version directory another user can write is not bound (121); --trust-tree overrides',
  () => {
    const root = tree('PIP3:mako\n');
    fs.chmodSync(path.join(root, 'Mount/AlienVFS/PIP3:mako/1.2.4'), 0o777);
    const refused = runner(['--root', root, '--dry-run', 'app', 'true']);
    assert.is(refused.status, 121, refused.stderr);
    assert.match(refused.stderr, /PIP3:mako\/1\.2\.4.*Runner does not trust it/);
    const trusted = runner(['--root', root, '--trust-tree', '--dry-run', 'app', 'true']);
    assert.is(trusted.status, 0, trusted.stderr);
  },
);

for (const who of ['root', 'user'] as As[]) {
  launchTest(`${who}: in the view, Python and Perl load the chosen module versions; the host sees none of them`, () => {
    const python = '/usr/bin/python3';
    const loadMako = ['-c', 'import mako, markupsafe; print(mako.__version__, mako.__file__)'];
    const loadWriter = ['-MXML::Writer', '-e', 'print "$XML::Writer::VERSION $INC{q(XML/Writer.pm)}\\n"'];
    for (const [deps, makoVersion, writerVersion] of [
      ['PIP3:mako < 1.2\nPIP3:markupsafe\nCPAN:XML::Writer >= 0.4, < 0.6\n', '1.1.0', '0.4.1'],
      ['PIP3:mako\nPIP3:markupsafe\nCPAN:XML::Writer\n', '1.2.4', '0.900'],
    ]) {
      const root = shareTree(tree(deps));
      // Each chosen version is bound, read-only, at a colon-free directory of the view's Index.
      const shown = `${root}/System/Index/lib/.Runner-alien-`;
      const py = runnerAs(who, ['--root', root, 'app', python, ...loadMako]);
      assert.is(py.status, 0, py.stderr);
      assert.match(py.stdout, new RegExp(`^${makoVersion.replace(/\./g, '\\.')} ${shown}\\d/mako/__init__\\.py\\n$`));
      const pl = runnerAs(who, ['--root', root, 'app', 'perl', ...loadWriter]);
      assert.is(pl.status, 0, pl.stderr);
      assert.match(pl.stdout, new RegExp(`^${writerVersion.replace(/\./g, '\\.')} ${shown}\\d/XML/Writer\\.pm\\n$`));
      const write = runnerAs(who, ['--root', root, 'app', 'sh', '-c', `touch ${shown}0/x`]);
      assert.match(write.stderr, /Read-only file system/, 'the tree cannot be written through the view');
      assert.not.ok(
        fs.readdirSync(path.join(root, 'System/Index/lib')).some((n) => n.startsWith('.Runner-alien')),
        'nothing on the host',
      );
    }
    const host = spawnSync('/usr/bin/python3', ['-c', 'import mako'], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    });
    assert.is.not(host.status, 0, 'mako is not installed on the host: the view is what provides it');
  });
}

launchTest('two programs of one tree that need two versions of one module: each launch gets its own', () => {
  const root = addModules(
    appTree({
      Old: 'PIP3:mako < 1.2\nPIP3:markupsafe\nCPAN:XML::Writer < 0.6\n',
      New: 'PIP3:mako >= 1.2\nPIP3:markupsafe\nCPAN:XML::Writer >= 0.9\n',
    }),
  );
  const seen = (program: string) => {
    const script =
      'python3 -c "import mako; print(mako.__version__)"; perl -MXML::Writer -e "print \\$XML::Writer::VERSION"';
    const run = runner(['--root', root, program, 'sh', '-c', script]);
    assert.is(run.status, 0, run.stderr);
    return run.stdout;
  };
  assert.is(seen('old'), '1.1.0\n0.4.1');
  assert.is(seen('new'), '1.2.4\n0.900');
});

/**
 * luaposix 33.4.0 as Debian has it and a 33.3.0 made by editing its version; rainbow 3.1.1 and a
 * 3.0.0 likewise (its gemspec's version and stub line).
 */
function addLuaAndRuby(root: string): string {
  const aliens = path.join(root, 'Mount/AlienVFS');
  const lua = modules.lua();
  // AlienVFS shows a rock's files as they sit on the module path: Lua and C modules side by side.
  const rock = { posix: path.join(lua.share, 'posix'), 'posix.so': path.join(lua.lib, 'posix.so') };
  copyModule(path.join(aliens, 'LuaRocks:luaposix/33.4.0'), rock);
  copyModule(path.join(aliens, 'LuaRocks:luaposix/33.3.0'), rock, [
    'posix/init.lua',
    /luaposix 33\.4\.0/,
    'luaposix 33.3.0',
  ]);
  const gems = modules.ruby();
  for (const version of ['3.1.1', '3.0.0'])
    copyModule(
      path.join(aliens, `RubyGems:rainbow/${version}`),
      {
        [`specifications/rainbow-${version}.gemspec`]: path.join(gems, 'specifications/rainbow-3.1.1.gemspec'),
        [`gems/rainbow-${version}`]: path.join(gems, 'gems/rainbow-3.1.1'),
      },
      [`specifications/rainbow-${version}.gemspec`, /3\.1\.1/g, version],
    );
  return root;
}

for (const who of ['root', 'user'] as As[]) {
  launchTest(`${who}: in the view, Lua and Ruby load the chosen luaposix and rainbow`, () => {
    const loadPosix = ['-e', 'print(require("posix").version); print(package.searchpath("posix", package.path))'];
    const loadRainbow = ['-e', 'require "rainbow"; s = Gem.loaded_specs["rainbow"]; puts s.version, s.full_gem_path'];
    for (const [deps, posix, rainbow] of [
      ['LuaRocks:luaposix < 33.4\nRubyGems:rainbow < 3.1\n', '33.3.0', '3.0.0'],
      ['LuaRocks:luaposix\nRubyGems:rainbow\n', '33.4.0', '3.1.1'],
    ]) {
      const root = shareTree(addLuaAndRuby(appTree({ App: deps })));
      const shown = `${root}/System/Index/lib/.Runner-alien-`;
      const lua = runnerAs(who, ['--root', root, 'app', '/usr/bin/lua5.3', ...loadPosix]);
      assert.is(lua.status, 0, lua.stderr);
      assert.match(
        lua.stdout,
        new RegExp(`^posix for Lua 5\\.3 / luaposix ${posix.replace(/\./g, '\\.')}\\n${shown}0/posix/init\\.lua\\n$`),
      );
      const ruby = runnerAs(who, ['--root', root, 'app', '/usr/bin/ruby', ...loadRainbow]);
      assert.is(ruby.status, 0, ruby.stderr);
      assert.is(ruby.stdout, `${rainbow}\n${shown}1/gems/rainbow-${rainbow}\n`);
    }
    const host = spawnSync('/usr/bin/lua5.3', ['-e', 'require "posix"'], { env: { PATH: '/usr/bin:/bin' } });
    assert.is.not(host.status, 0, 'luaposix is not installed on the host: the view is what provides it');
  });
}

launchTest(
  "Cabal: ghc-pkg in the view finds the chosen version of split first, and GHC's global database after it",
  () => {
    const conf = modules.haskell();
    const real = /^version: *(\S+)$/m.exec(fs.readFileSync(conf, 'utf8'))![1];
    const [ghcPkg, ...global] = modules.ghcPkg();
    const root = appTree({ App: 'Cabal:split\n' });
    const older = real.replace(/\d+$/, (n) => String(Number(n) - 1));
    for (const version of [real, older]) {
      // A version's package database, made from the real registration and indexed by ghc-pkg itself.
      const db = path.join(root, `Mount/AlienVFS/Cabal:split/${version}/package.conf.d`);
      const edit: [string, RegExp, string] = [
        `split-${version}.conf`,
        new RegExp(real.replace(/\./g, '\\.'), 'g'),
        version,
      ];
      copyModule(db, { [`split-${version}.conf`]: conf }, edit);
      execFileSync(ghcPkg, [...global, 'recache', `--package-db=${db}`], { stdio: 'ignore' });
    }
    const field = (deps: string, name: string) => {
      fs.writeFileSync(path.join(root, 'Programs/App/1.0/Resources/Dependencies'), deps);
      return runner(['--root', root, 'app', ghcPkg, ...global, 'field', name, 'version']);
    };
    assert.is(field('Cabal:split\n', 'split').stdout, `version: ${real}\n`);
    assert.is(field(`Cabal:split < ${real}\n`, 'split').stdout, `version: ${older}\n`);
    const base = field('Cabal:split\n', 'base');
    assert.is(base.status, 0, base.stderr);
    assert.match(base.stdout, /^version: \d/, 'the trailing ":" keeps the global database');
    const host = spawnSync(ghcPkg, [...global, 'field', 'split', 'version'], { encoding: 'utf8' });
    assert.is.not(host.status, 0, 'split is not in the global database: the view is what provides it');
  },
);

launchTest(
  'the plan cache: a warm launch keeps the chosen Alien; a new version in AlienVFS is seen at the next launch',
  () => {
    const root = tree('PIP3:mako\nPIP3:markupsafe\n');
    const launch = pythonLaunches(root, 'import mako; print(mako.__version__)');
    assert.equal(launch(), { printed: '1.2.4', viaNode: true });
    settle();
    assert.equal(launch(), { printed: '1.2.4', viaNode: false });
    copyModule(
      path.join(root, 'Mount/AlienVFS/PIP3:mako/1.3.0'),
      { mako: path.join(modules.python('python3-mako'), 'mako') },
      ['mako/__init__.py', /__version__ = "1\.2\.4"/, '__version__ = "1.3.0"'],
    );
    settle();
    assert.equal(launch(), { printed: '1.3.0', viaNode: true });
  },
);

test.run();
