// Aliens read from their managers' own prefixes (<root>/System/Aliens/<Manager>/, where GoboLinux's
// Alien-* scripts install) when no AlienVFS directory lists them: the version comes from the
// manager's metadata (PIP's dist-info and egg-info, the .pm's $VERSION and perllocal.pod, LuaRocks'
// rock_manifest, RubyGems' gemspecs), all from real Debian packages, and real interpreters load the
// modules in the view. The metadata is untrusted input like any other of the tree.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appTree, chosen, copyModule, modules, pythonLaunches, runner, settle } from './helpers/aliens.js';
import { projectRoot } from './helpers/run.js';
import { rootTests } from './helpers/suite.js';
import { tempDir } from './helpers/tree.js';
import { envAs, runnerAs, shareTree, type As } from './helpers/users.js';

const launchTest = rootTests(import.meta.url, 'views built as root');
const rootOnly = rootTests(import.meta.url, "root's rules for a tree other users can write");

const site = (root: string, python = '3.11') =>
  path.join(root, `System/Aliens/PIP/${python}/lib/python${python}/site-packages`);
const perl5 = (root: string) => path.join(root, 'System/Aliens/CPAN/lib/perl5');
const luaRocks = (root: string) => path.join(root, 'System/Aliens/LuaRocks');
const gems = (root: string) => path.join(root, 'System/Aliens/RubyGems');

/**
 * Each manager's prefix as its installer leaves it: mako (an egg-info directory) and packaging (a
 * dist-info) with `pip --prefix`, XML::Writer with INSTALL_BASE, luaposix in a rocks tree, and two
 * versions of rainbow in one gem directory.
 */
function prefixTree(deps: string): string {
  const root = appTree({ App: deps });
  const python = modules.python('python3-mako');
  copyModule(site(root), {
    mako: path.join(python, 'mako'),
    'Mako-1.2.4.dev0.egg-info': path.join(python, 'Mako-1.2.4.dev0.egg-info'),
    packaging: path.join(modules.python('python3-packaging'), 'packaging'),
    'packaging-23.0.dist-info': path.join(modules.python('python3-packaging'), 'packaging-23.0.dist-info'),
  });
  copyModule(perl5(root), { XML: path.join(modules.perl(), 'XML') });
  const lua = modules.lua();
  copyModule(luaRocks(root), {
    'share/lua/5.3/posix': path.join(lua.share, 'posix'),
    'lib/lua/5.3/posix.so': path.join(lua.lib, 'posix.so'),
  });
  // What `luarocks install` records of a rock: its manifest, in a directory named by its version.
  fs.mkdirSync(path.join(luaRocks(root), 'lib/luarocks/rocks-5.3/luaposix/33.4.0-1'), { recursive: true });
  fs.writeFileSync(
    path.join(luaRocks(root), 'lib/luarocks/rocks-5.3/luaposix/33.4.0-1/rock_manifest'),
    'rock_manifest = {\n   lua = {\n      posix = {\n         ["init.lua"] = "0"\n      }\n   }\n}\n',
  );
  const rainbow = modules.ruby();
  for (const version of ['3.1.1', '3.0.0'])
    copyModule(
      gems(root),
      {
        [`specifications/rainbow-${version}.gemspec`]: path.join(rainbow, 'specifications/rainbow-3.1.1.gemspec'),
        [`gems/rainbow-${version}`]: path.join(rainbow, 'gems/rainbow-3.1.1'),
      },
      [`specifications/rainbow-${version}.gemspec`, /3\.1\.1/g, version],
    );
  return root;
}

const all = 'PIP3:mako >= 1.0\nPIP3:packaging\nCPAN:XML::Writer\nLuaRocks:luaposix\nRubyGems:rainbow\n';

test('each manager prefix says its module version: dist-info, egg-info, $VERSION, rock_manifest, the newest gemspec', () => {
  assert.equal(chosen(prefixTree(all)), [
    'PIP3:mako 1.2.4.dev0',
    'PIP3:packaging 23.0',
    'CPAN:XML::Writer 0.900',
    'LuaRocks:luaposix 33.4.0-1',
    'RubyGems:rainbow 3.1.1',
  ]);
});

test('the one installed version is held to the line: too old or missing is 120 with the command that installs it', () => {
  const root = prefixTree('PIP3:mako >= 1.3\n');
  const old = runner(['--root', root, '--resolve', 'App']);
  assert.is(old.status, 120);
  assert.match(
    old.stderr,
    /PIP3:mako fits >= 1\.3 \(installed: 1\.2\.4\.dev0\); Alien --install PIP3:mako installs one/,
  );
  const missing = runner(['--root', prefixTree('CPAN:XML::Parser\n'), '--resolve', 'App']);
  assert.is(missing.status, 120);
  assert.match(missing.stderr, /CPAN:XML::Parser is not installed \(Alien --install CPAN:XML::Parser installs it\)/);
  // PIP3 is Python 3's pip: a module only Python 2's prefix holds is not PIP3's.
  const python2 = prefixTree('PIP3:mako\nPIP:mako\n');
  fs.renameSync(path.join(python2, 'System/Aliens/PIP/3.11'), path.join(python2, 'System/Aliens/PIP/2.7'));
  fs.renameSync(
    path.join(python2, 'System/Aliens/PIP/2.7/lib/python3.11'),
    path.join(python2, 'System/Aliens/PIP/2.7/lib/python2.7'),
  );
  const only2 = runner(['--root', python2, '--resolve', 'App']);
  assert.is(only2.status, 120, only2.stderr);
  assert.match(only2.stderr, /PIP3:mako is not installed/);
  fs.writeFileSync(path.join(python2, 'Programs/App/1.0/Resources/Dependencies'), 'PIP:mako\n');
  assert.equal(chosen(python2), ['PIP:mako 1.2.4.dev0'], "PIP is Python 2's");
});

test('AlienVFS, where it lists a module, wins over the prefix; the prefix serves what it does not list', () => {
  const root = prefixTree('PIP3:mako\nPIP3:packaging\n');
  copyModule(path.join(root, 'Mount/AlienVFS/PIP3:mako/1.1.0'), {
    mako: path.join(modules.python('python3-mako'), 'mako'),
  });
  assert.equal(chosen(root), ['PIP3:mako 1.1.0', 'PIP3:packaging 23.0']);
});

test('a .pm that computes its $VERSION: perllocal.pod, as ExtUtils::MakeMaker writes it at install, says it', () => {
  const root = prefixTree('CPAN:XML::Writer >= 0.9\n');
  const arch = path.join(perl5(root), 'x86_64-linux-gnu-thread-multi');
  fs.mkdirSync(path.join(arch, 'auto/XML/Writer'), { recursive: true });
  fs.renameSync(path.join(perl5(root), 'XML'), path.join(arch, 'XML'));
  const pm = path.join(arch, 'XML/Writer.pm');
  fs.writeFileSync(pm, fs.readFileSync(pm, 'utf8').replace(/\$VERSION = "0\.900";/, '$VERSION = do { "0.900" };'));
  const pod = path.join(arch, 'perllocal.pod');
  for (const version of ['0.612', '0.900'])
    fs.appendFileSync(
      pod,
      execFileSync(
        'perl',
        ['-MExtUtils::Command::MM', '-e', 'perllocal_install', 'Module', 'XML::Writer'].concat([
          'installed into',
          perl5(root),
          'LINKTYPE',
          'dynamic',
          'VERSION',
          version,
          'EXE_FILES',
          '',
        ]),
      ),
    );
  assert.equal(chosen(root), ['CPAN:XML::Writer 0.900']);
  fs.rmSync(pod);
  const unknown = runner(['--root', root, '--resolve', 'App']);
  assert.is(unknown.status, 121);
  assert.match(unknown.stderr, /^Runner: .*XML\/Writer\.pm: states no \$VERSION, and no perllocal\.pod records one\n$/);
});

for (const who of ['root', 'user'] as As[]) {
  launchTest(`${who}: Python, Perl, Lua and Ruby load their modules from the managers' prefixes in the view`, () => {
    const root = shareTree(prefixTree(all));
    const shown = `${root}/System/Index/lib/.Runner-alien-`;
    const script = [
      'python3 -c "import mako, packaging; print(mako.__file__, packaging.__version__)"',
      'perl -MXML::Writer -e "print \\"\\$XML::Writer::VERSION \\$INC{q(XML/Writer.pm)}\\n\\""',
      'lua5.3 -e "print(require(\\"posix\\").version)"',
      'ruby -e "require %q(rainbow); puts Gem.loaded_specs[%q(rainbow)].full_gem_path"',
      'echo "$PYTHONPATH"',
    ].join('; ');
    const seen = runnerAs(who, ['--root', root, 'app', 'sh', '-c', script]);
    assert.is(seen.status, 0, seen.stderr);
    assert.is(
      seen.stdout,
      [
        // mako and packaging share one prefix: one bind, on PYTHONPATH once.
        `${shown}0/mako/__init__.py 23.0`,
        `0.900 ${shown}1/XML/Writer.pm`,
        'posix for Lua 5.3 / luaposix 33.4.0',
        `${shown}3/gems/rainbow-3.1.1`,
        `${shown}0`,
        '',
      ].join('\n'),
    );
  });
}

test('--dry-run shows the prefix directories bound and the search paths they go on', () => {
  const root = prefixTree(all);
  const plan = runner(['--root', root, '--dry-run', 'app', 'true']);
  assert.is(plan.status, 0, plan.stderr);
  const shown = `${root}/System/Index/lib/.Runner-alien-`;
  assert.ok(plan.stdout.includes(`bind ${site(root)} onto ${shown}0 (created)`), plan.stdout);
  assert.ok(plan.stdout.includes(`bind ${luaRocks(root)} onto ${shown}2 (created)`), plan.stdout);
  assert.ok(plan.stdout.includes(`env LUA_PATH=${shown}2/share/lua/5.3/?.lua;${shown}2/share/lua/5.3/?/init.lua;;`));
  assert.ok(plan.stdout.includes(`env LUA_CPATH=${shown}2/lib/lua/5.3/?.so;;`));
  assert.ok(plan.stdout.includes(`env GEM_PATH=${shown}3\n`));
});

/** Runs --resolve on a prefix tree that `spoil` made hostile; the status and stderr, within a time bound. */
function resolveSpoiled(deps: string, spoil: (root: string) => void) {
  const root = prefixTree(deps);
  spoil(root);
  const before = execFileSync('find', [root, '-printf', '%p %s %T@\n'], { encoding: 'utf8' });
  const result = spawnSync(
    process.execPath,
    [path.join(projectRoot, 'dist/bundle/main.cjs'), '--root', root, '--resolve', 'App'],
    {
      encoding: 'utf8',
      cwd: '/',
      timeout: 20_000,
      env: { ...envAs('root'), RUNNER_NO_CACHE: '1' },
    },
  );
  assert.is(execFileSync('find', [root, '-printf', '%p %s %T@\n'], { encoding: 'utf8' }), before, 'nothing changed');
  return { root, status: result.status, stderr: result.stderr };
}

test('hostile prefixes: a FIFO, a huge file, links out of the prefix and a bad version are one line and 121', () => {
  const dist = (root: string) => path.join(site(root), 'packaging-23.0.dist-info/METADATA');
  const cases: [string, (root: string) => void, RegExp][] = [
    [
      'a FIFO',
      (r) => (fs.rmSync(dist(r)), execFileSync('mkfifo', [dist(r)])),
      /METADATA: is a FIFO, not a regular file/,
    ],
    ['a huge file', (r) => fs.truncateSync(dist(r), 5 * 1024 * 1024), /METADATA: is 5242880 bytes, more than/],
    [
      'a link out',
      (r) => (fs.rmSync(dist(r)), fs.symlinkSync('/etc/os-release', dist(r))),
      /METADATA: leads out of .*System\/Aliens\/PIP\n/,
    ],
    [
      'site-packages linked out',
      (r) => {
        const outside = tempDir('runner-outside-');
        fs.renameSync(site(r), path.join(outside, 'site-packages'));
        fs.symlinkSync(path.join(outside, 'site-packages'), site(r));
      },
      /site-packages[^\n]*: leads out of .*System\/Aliens\/PIP\n/,
    ],
    [
      'a bad version',
      (r) => fs.writeFileSync(dist(r), 'Metadata-Version: 2.1\nName: packaging\nVersion: 1.0/../../x\n'),
      /METADATA:3: the version "1\.0\/\.\.\/\.\.\/x" is not a version\n/,
    ],
    [
      'no version',
      (r) => fs.writeFileSync(dist(r), 'Metadata-Version: 2.1\nName: packaging\n\nVersion: 9\n'),
      /METADATA: has no Version field\n/,
    ],
    [
      'a gemspec that is a directory',
      (r) => fs.mkdirSync(path.join(gems(r), 'specifications/rainbow-9.0.gemspec')),
      /rainbow-9\.0\.gemspec: is a directory, not a regular file\n/,
    ],
  ];
  for (const [what, spoil, message] of cases) {
    const deps = what.includes('gemspec') ? 'RubyGems:rainbow\n' : 'PIP3:packaging\n';
    const { status, stderr } = resolveSpoiled(deps, spoil);
    assert.is(status, 121, `${what}: ${stderr}`);
    assert.match(stderr, /^Runner: [^\n]*\n$/, `${what}: one line`);
    assert.match(stderr, message, what);
  }
});

rootOnly('as root, a prefix another user can write is not trusted (121); --trust-tree overrides', () => {
  const root = prefixTree('PIP3:packaging\n');
  fs.chmodSync(site(root), 0o777);
  const refused = runner(['--root', root, '--resolve', 'App']);
  assert.is(refused.status, 121, refused.stderr);
  assert.match(refused.stderr, /site-packages.*Runner does not trust it/);
  assert.is(runner(['--root', root, '--trust-tree', '--resolve', 'App']).status, 0);
});

launchTest('the plan cache: a module upgraded in its prefix is seen at the next launch', () => {
  const root = prefixTree('PIP3:packaging\n');
  const launch = pythonLaunches(root, 'import importlib.metadata as m; print(m.version("packaging"))');
  assert.equal(launch(), { printed: '23.0', viaNode: true });
  settle();
  assert.equal(launch(), { printed: '23.0', viaNode: false });
  // An upgrade in place, as pip does it: the old dist-info goes, a new one comes.
  const dist = path.join(site(root), 'packaging-23.0.dist-info');
  const metadata = fs.readFileSync(path.join(dist, 'METADATA'), 'utf8').replace(/^Version: 23\.0$/m, 'Version: 23.1');
  fs.rmSync(dist, { recursive: true });
  fs.mkdirSync(path.join(site(root), 'packaging-23.1.dist-info'));
  fs.writeFileSync(path.join(site(root), 'packaging-23.1.dist-info/METADATA'), metadata);
  settle();
  assert.equal(launch(), { printed: '23.1', viaNode: true });
});

test.run();
