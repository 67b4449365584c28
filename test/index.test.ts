import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import { rootTests } from './helpers/suite.js';
import * as assert from 'uvu/assert';
import { makeTree, tempDir } from './helpers/tree.js';
import { cli, projectRoot, runner } from './helpers/run.js';

const rootTest = rootTests(import.meta.url, 'they run as root');

const listing = (index: string) =>
  (fs.readdirSync(index, { recursive: true }) as string[])
    .filter((p) => fs.lstatSync(path.join(index, p)).isSymbolicLink())
    .sort()
    .map((p) => `${p} -> ${fs.readlinkSync(path.join(index, p))}`);

test('built from scratch, the fixtures Index is exactly the committed one', () => {
  const copy = path.join(tempDir(), 'fixtures');
  fs.cpSync(path.join(projectRoot, 'fixtures'), copy, { recursive: true, verbatimSymlinks: true });
  fs.rmSync(path.join(copy, 'System/Index'), { recursive: true });
  const seen = runner(['--root', copy, '--index']);
  assert.is(seen.status, 0, seen.stderr);
  assert.equal(listing(path.join(copy, 'System/Index')), listing(path.join(projectRoot, 'fixtures/System/Index')));
  assert.equal(fs.readdirSync(path.join(copy, 'System/Index')).sort(), ['bin', 'include', 'lib', 'libexec', 'share']);
});

function tree() {
  return makeTree({
    programs: {
      Alpha: {
        '1.0': {
          files: {
            'bin/tool': 'a',
            'sbin/daemon': 'd',
            'lib64/liba.so': 'l',
            'share/alpha/data/x.txt': 'x',
            'Resources/Wrappers/wrapped': 'w',
            'share/common': 'alpha',
          },
        },
      },
      Beta: {
        '2.0': { files: { 'lib/libb.so': 'b', 'include/b.h': 'h', 'libexec/helper': 'e', 'share/common': 'beta' } },
        '1.0': { files: { 'lib/old.so': 'o' } },
      },
      NoCurrent: { '1.0': { files: { 'bin/ghost': 'g' } } },
    },
    current: { Alpha: '1.0', Beta: '2.0' },
  });
}

test('sources map as SymlinkProgram does; links are relative; conflicts name both programs', () => {
  const root = tree();
  const seen = runner(['--root', root, '--index']);
  assert.is(seen.status, 0, seen.stderr);
  assert.equal(listing(path.join(root, 'System/Index')), [
    'bin/daemon -> ../../../Programs/Alpha/1.0/sbin/daemon',
    'bin/tool -> ../../../Programs/Alpha/1.0/bin/tool',
    'bin/wrapped -> ../../../Programs/Alpha/1.0/Resources/Wrappers/wrapped',
    'include/b.h -> ../../../Programs/Beta/2.0/include/b.h',
    'lib/liba.so -> ../../../Programs/Alpha/1.0/lib64/liba.so',
    'lib/libb.so -> ../../../Programs/Beta/2.0/lib/libb.so',
    'libexec/helper -> ../../../Programs/Beta/2.0/libexec/helper',
    'share/alpha/data/x.txt -> ../../../../../Programs/Alpha/1.0/share/alpha/data/x.txt',
    'share/common -> ../../../Programs/Alpha/1.0/share/common',
  ]);
  assert.is(seen.stderr, 'Runner: warning: share/common: kept Alpha 1.0, not Beta 2.0\n');
  assert.match(seen.stdout, /9 added, 0 updated, 0 removed, 0 unchanged, 1 conflicts/);
  // The tree can move: relative links still lead to the files.
  const moved = `${root}-moved`;
  fs.renameSync(root, moved);
  assert.is(fs.readFileSync(path.join(moved, 'System/Index/share/alpha/data/x.txt'), 'utf8'), 'x');
});

test('a second run changes nothing; removing a Current removes its links; a new Current updates them', () => {
  const root = tree();
  runner(['--root', root, '--index']);
  const before = listing(path.join(root, 'System/Index'));
  const again = runner(['--root', root, '--index', '--json']);
  assert.equal(JSON.parse(again.stdout), {
    added: [],
    updated: [],
    removed: [],
    unchanged: 9,
    conflicts: ['share/common: kept Alpha 1.0, not Beta 2.0'],
  });
  assert.equal(listing(path.join(root, 'System/Index')), before);
  fs.rmSync(path.join(root, 'Programs/Alpha/Current'));
  const removed = JSON.parse(runner(['--root', root, '--index', '--json']).stdout);
  assert.equal(removed.removed.sort(), [
    'bin/daemon',
    'bin/tool',
    'bin/wrapped',
    'lib/liba.so',
    'share/alpha/data/x.txt',
  ]);
  assert.equal(removed.updated, ['share/common'], 'Beta now provides share/common');
  assert.not.ok(fs.existsSync(path.join(root, 'System/Index/share/alpha')), 'emptied directories go too');
  fs.rmSync(path.join(root, 'Programs/Beta/Current'));
  fs.symlinkSync('1.0', path.join(root, 'Programs/Beta/Current'));
  const switched = JSON.parse(runner(['--root', root, '--index', '--json']).stdout);
  assert.equal(switched.added, ['lib/old.so']);
  assert.equal(switched.removed.sort(), ['include/b.h', 'lib/libb.so', 'libexec/helper', 'share/common']);
});

test('links that do not lead into Programs, and real files, are left alone', () => {
  const root = tree();
  fs.mkdirSync(path.join(root, 'System/Index/bin'), { recursive: true });
  fs.symlinkSync('/usr/bin/env', path.join(root, 'System/Index/bin/env'));
  fs.writeFileSync(path.join(root, 'System/Index/bin/tool'), 'a real file');
  const seen = runner(['--root', root, '--index']);
  assert.match(seen.stderr, /bin\/tool: a real file or directory is in the way of Alpha 1\.0; left alone/);
  assert.is(fs.readlinkSync(path.join(root, 'System/Index/bin/env')), '/usr/bin/env');
  assert.is(fs.readFileSync(path.join(root, 'System/Index/bin/tool'), 'utf8'), 'a real file');
  assert.is(spawnSync('true').status, 0);
});

const snapshot = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).sort();

test('a directory link in a real Index is expanded, never written through; Programs is never written', () => {
  const root = makeTree({
    programs: {
      Foo: { '1.0': { files: { 'share/foo/a.txt': 'a', 'share/foo/sub/b.txt': 'b' } } },
      Bar: { '1.0': { files: { 'share/foo/bar.txt': 'bar' } } },
    },
    current: { Foo: '1.0', Bar: '1.0' },
  });
  // SymlinkProgram links a directory whole while only one program provides it.
  fs.symlinkSync('../../../Programs/Foo/1.0/share/foo', path.join(root, 'System/Index/share/foo'));
  const before = snapshot(path.join(root, 'Programs'));
  const seen = runner(['--root', root, '--index', '--json']);
  assert.is(seen.status, 0, seen.stderr);
  assert.equal(snapshot(path.join(root, 'Programs')), before, 'nothing written into Programs');
  const foo = path.join(root, 'System/Index/share/foo');
  assert.ok(fs.lstatSync(foo).isDirectory() && !fs.lstatSync(foo).isSymbolicLink(), 'expanded into a real directory');
  assert.equal(listing(foo), [
    'a.txt -> ../../../../Programs/Foo/1.0/share/foo/a.txt',
    'bar.txt -> ../../../../Programs/Bar/1.0/share/foo/bar.txt',
    'sub/b.txt -> ../../../../../Programs/Foo/1.0/share/foo/sub/b.txt',
  ]);
  assert.ok(JSON.parse(seen.stdout).updated.includes('share/foo'));
  assert.equal(
    JSON.parse(runner(['--root', root, '--index', '--json']).stdout).updated,
    [],
    'a second run changes nothing',
  );
});

test('a file in one program and a directory in another is one warning naming both; a foreign link in the way is left alone', () => {
  const root = makeTree({
    programs: {
      Aa: { '1.0': { files: { 'share/x': 'a file' } } },
      Bb: { '1.0': { files: { 'share/x/y': 'in a directory', 'share/locale/de/z.mo': 'z' } } },
    },
    current: { Aa: '1.0', Bb: '1.0' },
  });
  const elsewhere = tempDir('runner-foreign-');
  fs.symlinkSync(elsewhere, path.join(root, 'System/Index/share/locale'));
  const seen = runner(['--root', root, '--index']);
  assert.is(seen.status, 0, seen.stderr);
  assert.match(
    seen.stderr,
    /^Runner: warning: share\/x: Aa 1\.0 has a file there, Bb 1\.0 a directory; kept Aa 1\.0's$/m,
  );
  assert.match(
    seen.stderr,
    /^Runner: warning: share\/locale: a symlink out of Programs is in the way of Bb 1\.0's share\/locale\/de\/z\.mo; left alone$/m,
  );
  assert.is(fs.readlinkSync(path.join(root, 'System/Index/share/x')), '../../../Programs/Aa/1.0/share/x');
  assert.equal(fs.readdirSync(elsewhere), [], 'nothing written through the foreign link');
});

rootTest('as root, --index writes no Index that another user could redirect, unless --trust-tree', () => {
  const refusal =
    '; running as root, Runner does not write an Index another user could redirect (--trust-tree overrides)\n';
  // A tree another user owns: they could swap System/Index for a symlink between check and write.
  const theirs = tree();
  fs.chownSync(path.join(theirs, 'System'), 1234, 1234);
  const before = fs.readdirSync(path.join(theirs, 'System'), { recursive: true });
  const refused = runner(['--root', theirs, '--index']);
  assert.is(refused.stderr, `Runner: ${theirs}/System is owned by uid 1234, not root${refusal}`);
  assert.is(refused.status, 122);
  assert.equal(fs.readdirSync(path.join(theirs, 'System'), { recursive: true }), before, 'nothing written');
  assert.is(runner(['--root', theirs, '--index', '--trust-tree']).status, 0);
  // A directory inside the Index that everyone may write.
  const open = tree();
  assert.is(runner(['--root', open, '--index']).status, 0);
  const share = path.join(open, 'System/Index/share/alpha');
  fs.chmodSync(share, 0o777);
  const inside = runner(['--root', open, '--index']);
  assert.is(inside.stderr, `Runner: ${share} is writable by everyone${refusal}`);
  assert.is(inside.status, 122);
  // The sticky /tmp above every test tree is fine: no one else may rename root's entries in it.
  fs.chmodSync(share, 0o755);
  const fine = runner(['--root', open, '--index']);
  assert.is(fine.status, 0, fine.stderr);
});

test("the Index is everyone's: its directories are 0755 under any umask", () => {
  const root = tree();
  fs.rmSync(path.join(root, 'System'), { recursive: true });
  const seen = spawnSync(
    'sh',
    ['-c', 'umask 077 && exec "$@"', 'sh', process.execPath, cli, '--root', root, '--index'],
    { encoding: 'utf8' },
  );
  assert.is(seen.status, 0, seen.stderr);
  const index = path.join(root, 'System/Index');
  const dirs = [
    path.join(root, 'System'),
    index,
    ...(fs.readdirSync(index, { recursive: true }) as string[])
      .map((p) => path.join(index, p))
      .filter((p) => fs.lstatSync(p).isDirectory()),
  ];
  assert.ok(dirs.length > 7, 'nested directories too');
  for (const dir of dirs) assert.is((fs.statSync(dir).mode & 0o777).toString(8), '755', dir);
});

rootTest('--index on a read-only tree is one clear line and exit 122', () => {
  const root = tree();
  // A real read-only file system: a read-only bind mount in a private mount namespace.
  const script = `mount --bind -o ro "$1" "$1" && exec "$2" "$3" --root "$1" --index`;
  const seen = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', root, process.execPath, cli],
    { encoding: 'utf8' },
  );
  assert.is(seen.status, 122, seen.stderr);
  assert.match(seen.stderr, /^Runner: cannot write the Index: \S*\/System\/Index\S*: EROFS$/m);
  assert.is(seen.stderr.trim().split('\n').length, 1);
});

test.run();
