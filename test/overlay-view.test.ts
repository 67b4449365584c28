// Conflict removal on every kind of Index link, --check, -C, and commands outside Programs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { findConflicts, linkOwner, upperDirectories } from '../src/overlay/conflicts.js';
import { mountOperations } from '../src/overlay/serialize.js';
import { scanLayer } from '../src/resolver/layers.js';
import { goboPaths } from '../src/resolver/paths.js';
import { World } from '../src/resolver/programs.js';
import { compile } from './helpers/cc.js';
import { rng } from './helpers/planted.js';
import { bytePath, linkIndex, makeTree, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, runnerAs, shareTree, TEST_USER, type As } from './helpers/users.js';

ensureTestUser();

function lib() {
  const root = makeTree({
    programs: {
      Lib: {
        '1.0': { files: { 'lib/libx.so.1': '', 'lib/common.so': '', 'share/lib/doc': '' } },
        '2.0': {
          files: {
            'lib/libx.so.2': '',
            'lib/libv2only.so': '',
            'lib64/lib64only.so': '',
            'lib/common.so': '',
            'share/lib/doc': '',
            'bin/libtool2': '',
          },
        },
      },
    },
    current: { Lib: '2.0' },
  });
  const index = path.join(root, 'System/Index');
  const link = (rel: string, target: string) => {
    fs.mkdirSync(path.dirname(path.join(index, rel)), { recursive: true });
    fs.symlinkSync(target, path.join(index, rel));
  };
  link('lib/libx.so.2', '../../../Programs/Lib/2.0/lib/libx.so.2');
  link('lib/libv2only.so', path.join(root, 'Programs/Lib/2.0/lib/libv2only.so'));
  link('lib/lib64only.so', '../../../Programs/Lib/Current/lib64/lib64only.so');
  link('lib/common.so', '../../../Programs/Lib/2.0/lib/common.so');
  link('share/lib/doc', '../../../../Programs/Lib/Current/share/lib/doc');
  link('bin/libtool2', '/Programs/Lib/2.0/bin/libtool2');
  return { root, index, world: new World(goboPaths(root)) };
}

test('which version an Index link leads into: relative, absolute, through Current', () => {
  const { index, world } = lib();
  assert.equal(linkOwner(world, path.join(index, 'lib/libx.so.2')), { name: 'Lib', version: '2.0' });
  assert.equal(linkOwner(world, path.join(index, 'lib/libv2only.so')), { name: 'Lib', version: '2.0' });
  assert.equal(linkOwner(world, path.join(index, 'lib/lib64only.so')), { name: 'Lib', version: '2.0' });
  assert.is(linkOwner(world, path.join(index, 'bin/libtool2')), undefined, 'a link into another root is not ours');
});

test('wrappers are layered and their other versions hidden, as SymlinkProgram links them into bin', () => {
  const root = makeTree({
    programs: {
      W: {
        '1': { files: { 'Resources/Wrappers/w': 'one' } },
        '2': { files: { 'Resources/Wrappers/w': 'two', 'Resources/Wrappers/w2only': '' } },
      },
    },
    current: { W: '2' },
  });
  const index = path.join(root, 'System/Index/bin');
  fs.symlinkSync('../../../Programs/W/2/Resources/Wrappers/w', path.join(index, 'w'));
  fs.symlinkSync('../../../Programs/W/2/Resources/Wrappers/w2only', path.join(index, 'w2only'));
  const layer = scanLayer('W 1', path.join(root, 'Programs/W/1'), 'W', '1');
  assert.equal(layer.feeds.bin, [path.join(root, 'Programs/W/1/Resources/Wrappers')]);
  assert.equal(findConflicts(new World(goboPaths(root)), [{ name: 'W', version: '1' }], [layer]), [
    path.join(index, 'w2only'),
  ]);
});

test("conflict removal: other versions' entries go, unless a higher layer provides the name", () => {
  const { root, index, world } = lib();
  const layers = [scanLayer('Lib 1.0', path.join(root, 'Programs/Lib/1.0'), 'Lib', '1.0')];
  assert.equal(findConflicts(world, [{ name: 'Lib', version: '1.0' }], layers), [
    path.join(index, 'lib/lib64only.so'),
    path.join(index, 'lib/libv2only.so'),
    path.join(index, 'lib/libx.so.2'),
  ]);
  assert.equal(
    findConflicts(world, [{ name: 'Lib', version: '2.0' }], []),
    [],
    'nothing to hide for the Current version',
  );
});

test('conflict removal compares names that are not UTF-8 by their bytes', () => {
  const { root, index, world } = lib();
  // Latin-1 names, which Node would decode to one and the same 'caf\uFFFD' and 'd\uFFFDr'.
  const cafeAcute = Buffer.from('caf\xe9', 'latin1');
  const cafeGrave = Buffer.from('caf\xe8', 'latin1');
  const dir = Buffer.from('d\xfcr', 'latin1');
  const version = (v: string, ...rest: (string | Buffer)[]) => bytePath(root, `/Programs/Lib/${v}/share/`, ...rest);
  for (const v of ['1.0', '2.0']) {
    fs.mkdirSync(version(v, dir), { recursive: true });
    fs.writeFileSync(version(v, dir, '/doc'), `doc ${v}`);
  }
  fs.writeFileSync(version('1.0', cafeAcute), '');
  fs.writeFileSync(version('2.0', cafeGrave), '');
  // The Index shows 2.0: a real directory 'dür' with a link in it, and a link 'cafè'.
  fs.mkdirSync(bytePath(index, '/share/', dir));
  fs.symlinkSync(bytePath('../../../../Programs/Lib/2.0/share/', dir, '/doc'), bytePath(index, '/share/', dir, '/doc'));
  fs.symlinkSync(bytePath('../../../Programs/Lib/2.0/share/', cafeGrave), bytePath(index, '/share/', cafeGrave));
  const layers = [scanLayer('Lib 1.0', path.join(root, 'Programs/Lib/1.0'), 'Lib', '1.0')];
  const removed = findConflicts(world, [{ name: 'Lib', version: '1.0' }], layers).map((p) =>
    Buffer.from(p).toString('latin1'),
  );
  // 'cafè' goes although 1.0 has 'café'; 'dür/doc' stays, because 1.0 provides it.
  assert.ok(removed.includes(bytePath(index, '/share/', cafeGrave).toString('latin1')), removed.join(' '));
  assert.not.ok(removed.includes(bytePath(index, '/share/', dir, '/doc').toString('latin1')), removed.join(' '));
});

test('rootless removals get their directories in the write layer only where the view shows directories', () => {
  // Three lowers of the share overlay, top first, as overlayfs merges them.
  const root = makeTree({ programs: {} });
  const [top, middle, index] = ['top', 'middle', 'index'].map((name) => path.join(root, name));
  writeFile(path.join(index, 'a/b/c/gone'), '');
  writeFile(path.join(middle, 'a/b/x'), ''); // 'a/b' a directory here too: merged
  writeFile(path.join(top, 'link/gone'), '');
  writeFile(path.join(index, 'link/deep/gone'), '');
  fs.symlinkSync('elsewhere', path.join(top, 'link2'));
  writeFile(path.join(index, 'link2/gone'), '');
  writeFile(path.join(middle, 'file'), ''); // a file hides the Index's directory 'file'
  writeFile(path.join(index, 'file/gone'), '');
  writeFile(path.join(top, 'cut/t'), ''); // 'cut' a directory on top, a file in the middle:
  writeFile(path.join(middle, 'cut'), ''); // the view merges no lower below the file
  writeFile(path.join(index, 'cut/deep/gone'), '');
  const target = '/view/share';
  const mounts = [{ target, lowers: [top, middle, index] }];
  const dirs = (...removals: string[]) =>
    upperDirectories(
      mounts,
      removals.map((r) => `${target}/${r}`),
    ).map((d) => String(d).slice(target.length + 1));
  assert.equal(dirs('a/b/c/gone'), ['a', 'a/b', 'a/b/c']);
  assert.equal(dirs('top-level'), [], 'an entry at the top of the overlay needs none');
  assert.equal(
    dirs('link/deep/gone'),
    ['link', 'link/deep'],
    'a directory of the top layer and one only the Index has',
  );
  assert.equal(dirs('link2/gone'), [], 'a symlink on top: a directory in the upper would hide it');
  assert.equal(dirs('file/gone'), [], 'a file above the Index directory hides it');
  assert.equal(
    dirs('cut/deep/gone'),
    ['cut'],
    "the Index's cut/deep is not in the view: the file above it stops the merge",
  );
  assert.equal(dirs('a/b/c/gone', 'a/b/x2'), ['a', 'a/b', 'a/b/c'], 'each directory once');
  // Names that are not UTF-8 are walked by their bytes.
  const latin1 = Buffer.from('d\xfcr', 'latin1');
  fs.mkdirSync(bytePath(index, '/', latin1));
  const made = upperDirectories(mounts, [bytePath(target, '/', latin1, '/gone')]);
  assert.equal(
    made.map((d) => Buffer.from(d).toString('latin1')),
    [bytePath(target, '/', latin1).toString('latin1')],
  );
});

test('a removal at the top of its overlay, or in a directory made in the write layer, is a whiteout before that overlay; any other is removed after the mounts', () => {
  const mounts = [
    { target: '/v/lib', layers: ['/a/lib'] },
    { target: '/v/share', layers: ['/a/share'] },
  ];
  const removals = [
    '/v/lib/libx.so.2',
    '/v/share/man/man1/x.1',
    '/v/share/doc',
    '/v/share/info/x.info',
    Buffer.from('/v/lib/caf\xe9', 'latin1'),
  ];
  // As rootless: the directories that hold removals below the top are made in the write layer
  // (here man and man1, not info: say the view shows no directory there).
  const ops = mountOperations(mounts, removals, ['/v/share/man', '/v/share/man/man1']).map((op) =>
    op.map((t) => Buffer.from(t).toString('latin1')).join(' '),
  );
  assert.equal(ops, [
    'whiteout /v/lib libx.so.2',
    'whiteout /v/lib caf\xe9',
    'overlay /v/lib 1 /a/lib',
    'upperdir /v/share man',
    'upperdir /v/share man/man1',
    'whiteout /v/share man/man1/x.1',
    'whiteout /v/share doc',
    'overlay /v/share 1 /a/share',
    'remove /v/share info/x.info',
  ]);
  // As root, no directory is made: the kernel copies one up where an entry in it is removed.
  const asRoot = mountOperations(mounts, ['/v/share/man/man1/x.1', '/v/share/doc']).map((op) => op.join(' '));
  assert.equal(asRoot, [
    'overlay /v/lib 1 /a/lib',
    'whiteout /v/share doc',
    'overlay /v/share 1 /a/share',
    'remove /v/share man/man1/x.1',
  ]);
});

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: --check says what this kernel and user allow`, () => {
    const { root } = lib();
    shareTree(root);
    const seen = runnerAs(who, ['--root', root, '--check']);
    assert.is(seen.status, 0, seen.stdout + seen.stderr);
    const names = seen.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    // CI installs gcc-multilib, so the host has an i386 loader.
    assert.equal(names, [
      `ok ${who === 'root' ? 'mount-namespace' : 'user-namespace'}`,
      'ok lowerdir+',
      'ok overlay',
      'ok index',
      'ok i686',
    ]);
    const missing = runnerAs(who, ['--root', path.join(root, 'nowhere'), '--check', '--json']);
    assert.is(missing.status, 1);
    assert.equal(JSON.parse(missing.stdout).index, {
      ok: false,
      detail: `${path.join(root, 'nowhere/System/Index')} does not exist`,
    });
  });

  test(`${who}: an entry of another version at the top of an overlay is hidden by a whiteout made in its upper`, () => {
    const listLib = '#!/bin/sh\nls -A "${LD_LIBRARY_PATH%%:*}"\n';
    const root = makeTree({
      programs: {
        Lib: {
          '1.0': { files: { 'lib/libx.so.1': '', 'lib/common.so': '' } },
          '2.0': { files: { 'lib/libx.so.2': '', 'lib/common.so': '' } },
        },
        App: { '1.0': { deps: 'Lib < 2.0\n', files: { 'bin/app': listLib } } },
      },
      current: { Lib: '2.0', App: '1.0' },
    });
    linkIndex(root, { Lib: '2.0', App: '1.0' });
    shareTree(root);
    const seen = runnerAs(who, ['--root', root, '--no-cache', '-C', 'app']);
    assert.is(seen.status, 0, seen.stderr);
    assert.equal(seen.stdout.trim().split('\n').sort(), ['common.so', 'libx.so.1']);
    // The write layer kept (-C) holds overlayfs's whiteout, a character device 0/0, for the name.
    const dir = /write layer kept in (\S+) \(-C\)/.exec(seen.stderr)?.[1] as string;
    const whiteouts = fs
      .readdirSync(dir)
      .filter((d) => d.endsWith('.upper'))
      .flatMap((d) =>
        fs.readdirSync(path.join(dir, d)).map((name) => [name, fs.lstatSync(path.join(dir, d, name))] as const),
      );
    assert.equal(
      whiteouts.map(([name, stat]) => [name, stat.isCharacterDevice(), stat.rdev]),
      [['libx.so.2', true, 0]],
    );
    fs.rmSync(dir, { recursive: true });
  });

  test(`${who}: -C keeps the write layer, with what the program wrote`, () => {
    const root = shareTree(
      makeTree({
        programs: {
          W: { '1': { files: { 'bin/w': '#!/bin/sh\necho kept > "${LD_LIBRARY_PATH%%:*}/../bin/written"\n' } } },
        },
      }),
    );
    const seen = runnerAs(who, ['--root', root, '-C', path.join(root, 'Programs/W/1/bin/w')]);
    assert.is(seen.status, 0, seen.stderr);
    const dir = /write layer kept in (\S+) \(-C\)/.exec(seen.stderr)?.[1] as string;
    assert.ok(dir.startsWith(path.join(envAs(who).HOME as string, '.local/state/Runner/view-')), dir);
    assert.is(fs.readFileSync(path.join(dir, '0.upper/written'), 'utf8'), 'kept\n');
    assert.not.ok(fs.existsSync(path.join(root, 'System/Index/bin/written')));
    fs.rmSync(dir, { recursive: true });
  });

  test(`${who}: a command outside Programs runs with the Index as it is plus -d`, () => {
    const root = shareTree(
      makeTree({ programs: { Extra: { '1': { files: { 'bin/extra': '#!/bin/sh\necho extra 1\n' } } } } }),
    );
    const deps = path.join(root, 'deps');
    writeFile(deps, 'Extra\n');
    shareTree(root);
    const plain = runnerAs(who, ['--root', root, '/bin/sh', '-c', 'extra; echo "$GOBOLINUX_RUNNER"']);
    assert.match(plain.stderr, /extra: not found/);
    assert.is(plain.stdout, '1\n');
    const seen = runnerAs(who, ['--root', root, '-d', deps, '/bin/sh', '-c', 'extra']);
    assert.is(seen.stdout, 'extra 1\n', seen.stderr);
    // A setuid program: without a view it runs as it would without Runner (a rootless view, a user
    // namespace, cannot give it root's rights, and keeps it from gaining any: no_new_privs).
    const euid = path.join(root, 'euid');
    compile(
      '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("%d\\n", (int)geteuid()); return 0; }\n',
      euid,
    );
    fs.chmodSync(euid, 0o4755);
    const asWho = who === 'root' ? [] : ['setpriv', `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, '--init-groups'];
    const direct = spawnSync([...asWho, euid][0], [...asWho, euid].slice(1), { encoding: 'utf8' }).stdout;
    assert.is(runnerAs(who, ['--root', root, euid]).stdout, direct, 'no view: as without Runner');
    const user = spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).stdout;
    assert.is(
      runnerAs(who, ['--root', root, '-d', deps, euid]).stdout,
      who === 'root' ? '0\n' : user,
      "in a rootless view: the user's",
    );
  });
}

/**
 * A tree whose Index (Current 2.0 of Lib and Tool) has nested directories, some of them a single
 * link to one program's directory as SymlinkProgram makes them, and App asking for random versions.
 * Returns the tree and each version's files under share.
 */
function nestedTree(seed: number): { root: string; files: Map<string, string[]> } {
  const next = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[next(list.length)];
  const root = makeTree({
    programs: {
      App: {
        '1.0': {
          deps: `Lib ${pick(['< 2.0', '>= 2.0', ''])}\nTool ${pick(['< 2.0', ''])}\n`,
          files: { 'bin/app': VIEW_LISTING },
        },
      },
    },
    current: { App: '1.0' },
  });
  const files = new Map<string, string[]>();
  for (const program of ['Lib', 'Tool']) {
    for (const version of ['1.0', '2.0']) {
      const share = path.join(root, 'Programs', program, version, 'share');
      const names = new Set<string>();
      for (let k = 1 + next(6); k > 0; k--)
        names.add(path.join(pick(['', 'x', 'y', 'x/z', 'x/z/w']), pick(['f1', 'f2', `only${version}`])));
      for (const name of names) writeFile(path.join(share, name), `${program} ${version}\n`);
      files.set(`${program}/${version}`, [...names]);
    }
    fs.symlinkSync('2.0', path.join(root, 'Programs', program, 'Current'));
  }
  const index = path.join(root, 'System/Index');
  fs.symlinkSync('../../../Programs/App/1.0/bin/app', path.join(index, 'bin/app'));
  const tops = (program: string) => new Set((files.get(`${program}/2.0`) as string[]).map((f) => f.split('/')[0]));
  for (const program of ['Lib', 'Tool']) {
    const other = tops(program === 'Lib' ? 'Tool' : 'Lib');
    for (const file of files.get(`${program}/2.0`) as string[]) {
      const top = file.split('/')[0];
      // A directory only this program has is sometimes linked whole.
      const whole = file.includes('/') && !other.has(top) && next(2) === 0;
      const link = path.join(index, 'share', whole ? top : file);
      if (fs.existsSync(link)) continue;
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(
        path.relative(path.dirname(link), path.join(root, 'Programs', program, '2.0/share', whole ? top : file)),
        link,
      );
    }
  }
  return { root: shareTree(root), files };
}

/** App's script: every entry of the view's share (type, name, link) and the content of every file
 * it reaches, through the Index's links too. */
const VIEW_LISTING = `#!/bin/sh
cd "\${LD_LIBRARY_PATH%%:*}/../share" || exit 9
find . -printf '%y %p %l\\n' | LC_ALL=C sort
find -L . -type f | LC_ALL=C sort | while read -r f; do printf '%s: ' "$f"; cat "$f"; done
`;

test('generated nested Index trees: root and rootless see the same view, with no file of another version and every file of the chosen ones', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const { root, files } = nestedTree(seed);
    const resolved = runnerAs('root', ['--root', root, '--resolve', '--json', 'App']);
    assert.is(resolved.status, 0, resolved.stderr);
    const chosen = new Map(
      (JSON.parse(resolved.stdout).dependencies as { name: string; version: string }[]).map((d) => [d.name, d.version]),
    );
    const views = (['root', 'user'] as As[]).map((who) => {
      const seen = runnerAs(who, ['--root', root, '--no-cache', 'app']);
      assert.is(seen.stderr, '', `seed ${seed}, ${who}`);
      assert.is(seen.status, 0);
      return seen.stdout;
    });
    assert.is(views[1], views[0], `seed ${seed}: the rootless view differs`);
    const contents = new Map(
      views[0]
        .split('\n')
        .filter((l) => l.startsWith('./'))
        .map((l) => l.split(': ') as [string, string]),
    );
    for (const [file, content] of contents) {
      const [program, version] = content.split(' ');
      assert.is(chosen.get(program), version, `seed ${seed}: ${file} is ${content}`);
    }
    for (const [program, version] of chosen) {
      for (const file of files.get(`${program}/${version}`) ?? [])
        assert.ok(contents.has(`./${file}`), `seed ${seed}: ${program} ${version}'s ${file} is missing from the view`);
    }
  }
});

test.run();
