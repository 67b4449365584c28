// The plan cache and the native warm path (issue 10, items 1–3): `Runner` as installed runs a
// launch it planned before without starting Node, and a plan is never used once anything it was
// derived from has changed. Whether Node ran is observed, not assumed: a preloaded library marks
// every Node start (helpers/cc.ts: nodeStartCounter).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(
  import.meta.url,
  "root's checks of the plan cache, loop-mounted file systems, and the unprivileged user",
);
import * as assert from 'uvu/assert';
import { lastUnseenChange } from '../src/cache/observe.js';
import { loadAddon } from '../src/base/addon.js';
import { nodeStartCounter } from './helpers/cc.js';
import { projectRoot } from './helpers/run.js';
import { bytePath, linkIndex, makeTree, tempDir, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, frontCommand, shareTree } from './helpers/users.js';

const front = path.join(projectRoot, 'bin/Runner');
const cacheHome = tempDir('runner-cache-');
// The test user's Node starts are counted too.
const { env: counting, count: nodeStarts } = nodeStartCounter(tempDir('runner-marks-'));

/** Files changed less than 50 ms before planning are not trusted for the cache ("racy"): wait that out. */
function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 80);
}

const app = (root: string) => `#!/bin/sh
printf 'greet=%s tool=%s env=%s foo=%s conflict=%s args=' "$(greet)" "$(tool)" "$GREETING" "$FOO" "$(test -e ${root}/System/Index/share/only-in-1 && echo visible || echo hidden)"
printf '[%s]' "$@"
echo
`;
const say = (text: string) => `#!/bin/sh\necho ${text}\n`;

function tree(): string {
  const root = tempDir('runner-cache-tree-');
  makeTree(
    {
      programs: {
        App: { '1.0': { deps: 'Greet >= 1.0\nTool\n', files: { 'bin/app': app(root) } } },
        // No Current: the newest version that fits is chosen.
        Greet: {
          '1.0': { files: { 'bin/greet': say('1.0'), 'share/only-in-1': 'x' } },
          '2.0': { files: { 'bin/greet': say('2.0') } },
        },
        Tool: { '1.0': { files: { 'bin/tool': say('t1') } }, '2.0': { files: { 'bin/tool': say('t2') } } },
      },
      current: { App: '1.0', Tool: '1.0' },
    },
    root,
  );
  linkIndex(root, { App: '1.0', Tool: '1.0' });
  settle();
  return root;
}

interface Launch {
  status: number | null;
  stdout: string;
  stderr: string;
  viaNode: boolean;
}

function launch(args: string[], env: NodeJS.ProcessEnv = {}): Launch {
  return launchWith(args, env);
}

function launchWith(args: string[], env: NodeJS.ProcessEnv): Launch {
  const before = nodeStarts();
  const result = spawnSync(front, args, {
    encoding: 'utf8',
    cwd: '/',
    env: { ...envAs('root'), XDG_CACHE_HOME: cacheHome, ...counting, FOO: 'foo', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, viaNode: nodeStarts() > before };
}

/** Runs twice: the first plans (Node), the second must come from the cache with the same result. */
function coldThenWarm(args: string[], env: NodeJS.ProcessEnv = {}): Launch {
  return coldThenWarmWith(args, env);
}

function coldThenWarmWith(args: string[], env: NodeJS.ProcessEnv): Launch {
  const cold = launch(args, env);
  assert.ok(cold.viaNode, 'the first launch plans with Node');
  const warm = launch(args, env);
  assert.is(warm.stdout, cold.stdout, 'the warm launch does what the cold one did');
  assert.is(warm.stderr, cold.stderr);
  assert.is(warm.status, cold.status);
  assert.not.ok(warm.viaNode, 'the second launch runs from the cache, without Node');
  return warm;
}

/** After a change: the very next launch sees it (and plans afresh); the one after is warm again. */
function seesChange(args: string[], expected: RegExp, env: NodeJS.ProcessEnv = {}): void {
  seesChangeWith(args, expected, env);
}

function seesChangeWith(args: string[], expected: RegExp, env: NodeJS.ProcessEnv): void {
  const next = launch(args, env);
  assert.match(next.stdout, expected, next.stderr);
  assert.ok(next.viaNode, 'a stale plan is not used');
  settle();
  const cold = launch(args, env);
  assert.match(cold.stdout, expected, cold.stderr);
  const warm = launch(args, env);
  assert.match(warm.stdout, expected, warm.stderr);
  assert.not.ok(warm.viaNode, 'and the new plan is cached');
}

test('what the planner records is printed by the code that re-checks it, and is what Node stats find', () => {
  const { identity } = loadAddon();
  const dir = tempDir('runner-identity-');
  const file = path.join(dir, 'file');
  writeFile(file, 'some bytes');
  fs.symlinkSync('file', path.join(dir, 'link'));
  const latin1 = bytePath(dir, '/caf', Buffer.from([0xe9]));
  fs.writeFileSync(latin1, '');
  const asNode = (stat: fs.BigIntStats) =>
    `${stat.dev}:${stat.ino}:${stat.mode}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
  for (const at of [dir, file, path.join(dir, 'link')]) {
    assert.is(identity(at, true, false), asNode(fs.statSync(at, { bigint: true })), `stat of ${at}`);
    assert.is(identity(at, false, false), asNode(fs.lstatSync(at, { bigint: true })), `lstat of ${at}`);
  }
  assert.is.not(
    identity(path.join(dir, 'link'), false, false),
    identity(file, false, false),
    'a symlink not followed is itself',
  );
  assert.is(
    identity(latin1, false, false),
    asNode(fs.lstatSync(latin1, { bigint: true })),
    'a name that is not UTF-8, by its bytes',
  );
  const own = fs.lstatSync(file);
  assert.is(identity(file, false, true), `${own.uid}:${own.gid}:${own.mode}`, 'an owner record');
  assert.is(identity(path.join(dir, 'none'), true, false), 'E2', 'nothing there');
  assert.is(identity(path.join(file, 'below'), false, true), 'E20', 'below a file');
  assert.throws(() => identity('a\0b', true, false), /identity\(path/, 'a path the kernel cannot take');
});

/** A loop-mounted file system made by `mkfs` (as root), unmounted and removed at exit. */
function coarseFileSystem(mkfs: string[]): string {
  // Outside the test run's directory, which is removed at exit before this could be unmounted.
  const dir = fs.mkdtempSync('/tmp/runner-coarse-');
  const image = path.join(dir, 'image');
  const mount = path.join(dir, 'mnt');
  fs.mkdirSync(mount);
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 64 << 20);
  process.on('exit', () => {
    spawnSync('umount', [mount]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (const command of [
    [...mkfs, image],
    ['mount', '-o', 'loop', image, mount],
  ]) {
    const made = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
    assert.is(made.status, 0, `${command.join(' ')}: ${made.stderr}`);
  }
  fs.chmodSync(mount, 0o755);
  return mount;
}

/** Sleeps until just past the start of the next second. */
function startOfSecond(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000 - (Date.now() % 1000) + 20);
}

// git's "racy clean" problem: a file changed within the timestamp granule of a file system that
// keeps whole seconds keeps its identity. Here on ext4 with 128-byte inodes, for real; FAT's 2 s
// granule below by the rule (this kernel has no vfat to mount).
test('on ext4 -I 128 (whole-second timestamps) an edit within the same second is seen, and plans are still cached', () => {
  const mount = coarseFileSystem(['mkfs.ext4', '-q', '-F', '-I', '128']);
  const tree4 = path.join(mount, 'tree');
  assert.is(spawnSync('cp', ['-a', tree(), tree4]).status, 0);
  const file = path.join(tree4, 'Programs/App/1.0/Resources/Dependencies');
  const args = ['--root', tree4, 'app'];
  const mtime = () => fs.statSync(file, { bigint: true }).mtimeNs;
  // The edit must land in the same second as the first write (same size, same times): on a slow
  // machine the launches between may take longer, and the scenario is tried again.
  let sameSecond = false;
  for (let attempt = 0; attempt < 5 && !sameSecond; attempt++) {
    startOfSecond();
    fs.writeFileSync(file, 'Greet >= 1.0, < 2.0\nTool\n');
    const first = mtime();
    assert.is(first % 1_000_000_000n, 0n, 'the file system keeps whole seconds');
    settle();
    for (let i = 0; i < 2; i++) assert.match(launch(args).stdout, /greet=1\.0/);
    fs.writeFileSync(file, 'Greet >= 2.0, < 3.0\nTool\n');
    sameSecond = mtime() === first;
    for (let i = 0; i < 3; i++) assert.match(launch(args).stdout, /greet=2\.0/, `launch ${i} after the edit`);
  }
  assert.ok(sameSecond, 'an edit within the second of the first write was made');
  // Once its granule is over, a plan is kept and runs warm.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
  launch(args);
  const warm = launch(args);
  assert.match(warm.stdout, /greet=2\.0/);
  assert.not.ok(warm.viaNode, 'cached once the file is older than its granule');
});

test("whole-second times count to the end of FAT's 2 s granule; finer ones as they are", () => {
  const s = 1_000_000_000n;
  assert.is(lastUnseenChange(1700000000n * s, 1700000000n * s), 1700000002n * s);
  assert.is(lastUnseenChange(1700000000n * s, 1700000001n * s), 1700000003n * s);
  assert.is(lastUnseenChange(1700000000n * s + 5n, 1700000000n * s), 1700000000n * s + 5n);
  assert.is(lastUnseenChange(1700000000n * s, 1700000000n * s + 123n), 1700000000n * s + 123n);
});

test('an entry changed in any byte is not run: the checksum over it fails, it is planned afresh and replaced', () => {
  const root = tree();
  const args = ['--root', root, 'app'];
  const dir = path.join(cacheHome, 'Runner');
  const expected = 'greet=2.0 tool=t1 env= foo=foo conflict=hidden args=[]\n';
  coldThenWarm(args);
  const file = fs
    .readdirSync(dir)
    .map((n) => path.join(dir, n))
    .find((f) => fs.readFileSync(f).includes(Buffer.from(root))) as string;
  const original = fs.readFileSync(file);
  let state = 7;
  const next = (n: number) => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
  for (let i = 0; i < 40; i++) {
    const mutated = Buffer.from(original);
    const at = next(mutated.length);
    mutated[at] ^= 1 + next(255);
    fs.writeFileSync(file, mutated, { mode: 0o600 });
    const seen = launch(args);
    assert.ok(seen.viaNode, `byte ${at}: not run`);
    assert.is(seen.stdout, expected, `byte ${at}`);
    assert.is(seen.stderr, '', `byte ${at}: silently`);
    assert.equal(fs.readFileSync(file), original, `byte ${at}: replaced by what Runner writes`);
  }
  fs.writeFileSync(file, Buffer.concat([original.subarray(0, 40), Buffer.from('x'), original.subarray(41)]), {
    mode: 0o600,
  });
  assert.match(
    launch(['-v', ...args]).stderr,
    /plan cache's entry .* is not what Runner wrote \(its checksum fails\)/,
    '-v says so',
  );
});

test("a launch planned before runs without Node, with this launch's arguments and environment", () => {
  const root = tree();
  const warm = coldThenWarm(['--root', root, 'app', 'a', 'b c']);
  assert.is(warm.stdout, 'greet=2.0 tool=t1 env= foo=foo conflict=hidden args=[a][b c]\n');
  const other = launch(['--root', root, 'app', '', '\u00e9\u00e9', '--root', 'x'], { FOO: 'bar' });
  assert.not.ok(other.viaNode, 'other arguments and variables the plan does not depend on: still warm');
  assert.is(other.stdout, 'greet=2.0 tool=t1 env= foo=bar conflict=hidden args=[][\u00e9\u00e9][--root][x]\n');
  // Bytes that are not UTF-8 arrive as they were given (a shell passes them; Node's spawn cannot).
  const bytes = spawnSync('sh', ['-c', `exec "$0" --root "$1" app "$(printf '\\377\\376')"`, front, root], {
    env: { ...envAs('root'), XDG_CACHE_HOME: cacheHome },
  });
  assert.equal(
    bytes.stdout,
    Buffer.concat([
      Buffer.from('greet=2.0 tool=t1 env= foo= conflict=hidden args=['),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(']\n'),
    ]),
  );
});

test('a command word that is not UTF-8 runs cold and warm; a change under that name is seen', () => {
  const root = tree();
  // App's script again, under the Latin-1 name 'äpp', in its bin and in the Index.
  const name = Buffer.from('e47070', 'hex');
  const file = bytePath(root, '/Programs/App/1.0/bin/', name);
  fs.copyFileSync(path.join(root, 'Programs/App/1.0/bin/app'), file);
  fs.symlinkSync(bytePath('../../../Programs/App/1.0/bin/', name), bytePath(root, '/System/Index/bin/', name));
  settle();
  // A shell passes the bytes; Node's spawn cannot.
  const run = () => {
    const started = nodeStarts();
    const result = spawnSync('sh', ['-c', `exec "$0" --root "$1" "$(printf '\\344pp')" x`, front, root], {
      encoding: 'utf8',
      env: { ...envAs('root'), XDG_CACHE_HOME: cacheHome, ...counting },
    });
    return { stdout: result.stdout, stderr: result.stderr, viaNode: nodeStarts() > started };
  };
  const cold = run();
  assert.is(cold.stdout, 'greet=2.0 tool=t1 env= foo= conflict=hidden args=[x]\n', cold.stderr);
  assert.ok(cold.viaNode, 'the first launch plans with Node');
  const warm = run();
  assert.is(warm.stdout, cold.stdout, warm.stderr);
  assert.not.ok(warm.viaNode, 'the second runs from the cache');
  // The plan's questions about that name are its bytes: the file rewritten in place (its
  // directory unchanged) as a Runner script that pins Greet 1.x is seen at once.
  fs.writeFileSync(file, '#!/usr/bin/env Runner\n#!Runner dependency Greet < 2.0\ngreet\n');
  const changed = run();
  assert.is(changed.stdout, '1.0\n', changed.stderr);
  assert.ok(changed.viaNode, 'a stale plan is not used');
  // A command found in a PATH directory whose name is not UTF-8 ('bïn'): cold, then warm.
  const dir = bytePath(root, '/host-', Buffer.from('62ef6e', 'hex'));
  fs.mkdirSync(dir);
  fs.writeFileSync(bytePath(dir, '/hostcmd'), say('host'), { mode: 0o755 });
  settle();
  const viaPath = () => {
    const started = nodeStarts();
    const result = spawnSync(
      'sh',
      ['-c', `PATH="$1/host-$(printf 'b\\357n')":"$PATH" exec "$0" --root "$1" hostcmd`, front, root],
      { encoding: 'utf8', env: { ...envAs('root'), XDG_CACHE_HOME: cacheHome, ...counting } },
    );
    return { stdout: result.stdout, stderr: result.stderr, viaNode: nodeStarts() > started };
  };
  const first = viaPath();
  assert.is(first.stdout, 'host\n', first.stderr);
  assert.ok(first.viaNode);
  const second = viaPath();
  assert.is(second.stdout, 'host\n', second.stderr);
  assert.not.ok(second.viaNode, 'its plan is kept and used');
});

test('a version installed or removed, Current switched: the next launch sees it', () => {
  const root = tree();
  const args = ['--root', root, 'app'];
  coldThenWarm(args);
  writeFile(path.join(root, 'Programs/Greet/3.0/bin/greet'), say('3.0'), 0o755);
  seesChange(args, /greet=3\.0/);
  fs.rmSync(path.join(root, 'Programs/Greet/3.0'), { recursive: true });
  seesChange(args, /greet=2\.0/);
  fs.rmSync(path.join(root, 'Programs/Tool/Current'));
  fs.symlinkSync('2.0', path.join(root, 'Programs/Tool/Current'));
  seesChange(args, /tool=t2/);
});

for (const [how, batch] of [
  ['through io_uring', '1'],
  ['one statx each', '0'],
]) {
  test(`a Dependencies, Architecture or Environment file edited or added: the next launch sees it (identities ${how})`, () => {
    const root = tree();
    const args = ['--root', root, 'app'];
    editsAreSeen(root, args, { RUNNER_STAT_BATCH: batch });
  });
}

function editsAreSeen(root: string, args: string[], extra: NodeJS.ProcessEnv): void {
  const launch = (a: string[]) => launchWith(a, extra);
  const coldThenWarm = (a: string[]) => coldThenWarmWith(a, extra);
  const seesChange = (a: string[], expected: RegExp) => seesChangeWith(a, expected, extra);
  coldThenWarm(args);
  assert.is(launch(args).viaNode, false);
  const deps = path.join(root, 'Programs/App/1.0/Resources/Dependencies');
  fs.writeFileSync(deps, 'Greet <  2.0\nTool\n'); // the same size as before
  seesChange(args, /greet=1\.0/);
  fs.writeFileSync(deps, 'Greet >= 1.0\nTool\n');
  seesChange(args, /greet=2\.0/);
  writeFile(path.join(root, 'Programs/Greet/2.0/Resources/Architecture'), 'i686\n');
  seesChange(args, /greet=1\.0/);
  fs.rmSync(path.join(root, 'Programs/Greet/2.0/Resources/Architecture'));
  seesChange(args, /greet=2\.0/);
  const env = path.join(root, 'Programs/Greet/2.0/Resources/Environment');
  writeFile(env, 'export GREETING=hello\n');
  seesChange(args, /env=hello/);
  fs.writeFileSync(env, 'export GREETING=howdy\n');
  seesChange(args, /env=howdy/);
}

test('a name looked for and not found is re-checked as its directory: what appears there later, even through a dangling link, is seen', () => {
  // A plan records "nothing at Resources/Environment" as the identity of the directory above
  // (cache/observe.ts): a version without Resources, a Resources that is a dangling link.
  const root = tree();
  const args = ['--root', root, 'app'];
  const resources = path.join(root, 'Programs/Greet/2.0/Resources');
  fs.rmSync(resources, { recursive: true, force: true });
  settle();
  coldThenWarm(args);
  writeFile(path.join(resources, 'Environment'), 'export GREETING=made\n');
  seesChange(args, /env=made/);
  fs.rmSync(resources, { recursive: true });
  const elsewhere = path.join(tempDir(), 'resources');
  fs.symlinkSync(elsewhere, resources);
  settle();
  assert.match(coldThenWarm(args).stdout, /env= /);
  writeFile(path.join(elsewhere, 'Environment'), 'export GREETING=linked\n');
  seesChange(args, /env=linked/);
});

test("the environment is applied to each launch's caller, never replayed", () => {
  const root = tree();
  writeFile(path.join(root, 'Programs/Greet/2.0/Resources/Environment'), 'export GREETING="hi $WHO"\n');
  settle();
  const args = ['--root', root, 'app'];
  coldThenWarm(args, { WHO: 'ann' });
  assert.match(launch(args, { WHO: 'bob' }).stdout, /env=hi bob /);
  assert.match(launch(args, { WHO: 'ann' }).stdout, /env=hi ann /);
});

test("a conditional expansion (as Scripts' own Environment file has) is worked out for each launch's caller", () => {
  const root = tree();
  writeFile(
    path.join(root, 'Programs/Greet/2.0/Resources/Environment'),
    'alias l=\'List\'\nexport GREETING="${goboShared}${XDG_DATA_DIRS:+:${XDG_DATA_DIRS}}"\n',
  );
  settle();
  const args = ['--root', root, 'app'];
  assert.match(coldThenWarm(args, { goboShared: '/s', XDG_DATA_DIRS: '/a:/b' }).stdout, /env=\/s:\/a:\/b /);
  for (const [XDG_DATA_DIRS, seen] of [
    [undefined, '/s'],
    ['', '/s'],
    ['/c', '/s:/c'],
  ]) {
    const warm = launch(args, { goboShared: '/s', XDG_DATA_DIRS });
    assert.ok(warm.stdout.includes(`env=${seen} `), warm.stdout);
    assert.not.ok(warm.viaNode, 'PATH is not made from it: the plan holds, the executor works it out');
    assert.is(warm.stderr, '', 'an alias is nothing to warn about');
  }
});

test('an Index entry that conflict removal must hide, added later, is hidden at once', () => {
  const root = tree();
  const args = ['--root', root, 'app'];
  coldThenWarm(args);
  const entry = path.join(root, 'System/Index/share/only-in-1');
  fs.symlinkSync('../../../Programs/Greet/1.0/share/only-in-1', entry);
  seesChange(args, /conflict=hidden/);
  assert.is(
    launch(['--root', root, '-R', 'app']).stdout.includes('conflict=visible'),
    true,
    '-R keeps it: the test can see the difference',
  );
});

test('a -d file or a script header edited, a PATH that finds another command, other options', () => {
  const root = tree();
  const dfile = path.join(tempDir(), 'deps');
  writeFile(dfile, 'Greet < 2.0\n');
  settle();
  coldThenWarm(['--root', root, '-d', dfile, 'app']);
  fs.writeFileSync(dfile, 'Greet > 1.0\n');
  seesChange(['--root', root, '-d', dfile, 'app'], /greet=2\.0/);

  const script = path.join(tempDir(), 'script');
  const shebang = `#!/usr/bin/env -S Runner --root ${root}`;
  writeFile(script, `${shebang}\n#!Runner dependency Greet < 2.0\ngreet\n`, 0o755);
  settle();
  const viaHeader = () => {
    const before = nodeStarts();
    const env = {
      ...envAs('root'),
      XDG_CACHE_HOME: cacheHome,
      ...counting,
      PATH: `${path.dirname(front)}:/usr/bin:/bin`,
    };
    const r = spawnSync(script, [], { encoding: 'utf8', env });
    return { out: r.stdout + r.stderr, viaNode: nodeStarts() > before };
  };
  assert.is(viaHeader().out, '1.0\n');
  assert.equal(viaHeader(), { out: '1.0\n', viaNode: false });
  fs.writeFileSync(script, `${shebang}\n#!Runner dependency Greet > 1.0\ngreet\n`);
  assert.equal(viaHeader(), { out: '2.0\n', viaNode: true });

  const [first, second] = [tempDir(), tempDir()];
  writeFile(path.join(second, 'hello'), say('second'), 0o755);
  settle();
  const pathOf = (dirs: string[]) => ({ PATH: [...dirs, '/usr/bin', '/bin'].join(':') });
  assert.is(coldThenWarm(['--root', root, 'hello'], pathOf([first, second])).stdout, 'second\n');
  writeFile(path.join(first, 'hello'), say('first'), 0o755);
  seesChange(['--root', root, 'hello'], /^first\n$/, pathOf([first, second]));
  assert.is(launch(['--root', root, 'hello'], pathOf([second])).stdout, 'second\n', 'another PATH: another command');

  writeFile(path.join(root, 'Programs/Greet/2.0/Resources/Environment'), 'export GREETING=set\n');
  settle();
  assert.match(coldThenWarm(['--root', root, 'app']).stdout, /env=set/);
  assert.match(coldThenWarm(['--root', root, '-E', 'app']).stdout, /env= /, '-E is another plan');
});

test("a NODE_* variable an Environment file reads is the caller's, cold and warm; a change is seen", () => {
  const root = tree();
  // PATH is made from it too: the command's lookup depends on it, so the plan does.
  writeFile(
    path.join(root, 'Programs/Tool/1.0/Resources/Environment'),
    'NODE_PATH="$NODE_PATH:/from-tool"\nPATH="$PATH:$NODE_PATH"\n',
  );
  writeFile(path.join(root, 'Programs/App/1.0/bin/show'), '#!/bin/sh\necho "$NODE_PATH"\n', 0o755);
  settle();
  const warm = coldThenWarm(['--root', root, path.join(root, 'Programs/App/1.0/bin/show')], { NODE_PATH: '/caller' });
  assert.is(warm.stdout, '/caller:/from-tool\n');
  // Recorded under its own name, as for any variable the view's PATH is made from.
  seesChange(['--root', root, path.join(root, 'Programs/App/1.0/bin/show')], /^\/other:\/from-tool$/m, {
    NODE_PATH: '/other',
  });
});

test('warnings are said again on the warm path', () => {
  const root = tree();
  // The second line's right-to-left override (U+202E) is escaped by the front as by Node.
  writeFile(path.join(root, 'Programs/Greet/2.0/Resources/Environment'), 'source /etc/profile\nevil\u202etxt\n');
  settle();
  const warm = coldThenWarm(['--root', root, 'app']);
  assert.match(warm.stderr, /Environment:1: 'source \/etc\/profile' is not an assignment/);
  assert.match(warm.stderr, /Environment:2: 'evil\\u202etxt' is not an assignment/);
});

/** A writer of the plan cache killed with SIGKILL between writing its temp file and renaming it. */
function killedWriter(): string {
  const dir = path.join(cacheHome, 'Runner');
  const writer = `
    import fs from 'node:fs';
    const { writeAtomically } = await import(${JSON.stringify(path.join(projectRoot, 'dist/src/base/atomic-write.js'))});
    fs.renameSync = () => process.kill(process.pid, 'SIGKILL');
    writeAtomically(${JSON.stringify(dir)}, 'plan-killed', 'half');`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', writer], { encoding: 'utf8' });
  assert.is(child.signal, 'SIGKILL', child.stderr);
  const left = fs.readdirSync(dir).filter((name) => name.startsWith(`.tmp-${child.pid}-`));
  assert.is(left.length, 1, 'kill -9 left its temp file: no finally ran');
  return path.join(dir, left[0]);
}

test('what a writer killed by kill -9 left in the cache is removed by the next write', () => {
  const root = tree();
  const abandoned = killedWriter();
  const minutesAgo = new Date(Date.now() - 5 * 60_000);
  fs.utimesSync(abandoned, minutesAgo, minutesAgo);
  const recent = killedWriter(); // its pid could be in use in another pid namespace: left a while
  const live = path.join(cacheHome, 'Runner', `.tmp-${process.pid}-plan-being-written`);
  writeFile(live, 'x');
  fs.utimesSync(live, minutesAgo, minutesAgo);
  assert.ok(launch(['--root', root, 'app']).viaNode, 'a cold launch writes its plan');
  assert.not.ok(fs.existsSync(abandoned), "the dead writer's temp file is gone");
  assert.ok(fs.existsSync(recent) && fs.existsSync(live), "a recent one and a live writer's stay");
  fs.rmSync(recent);
  fs.rmSync(live);
});

test('--no-cache and RUNNER_NO_CACHE=1 plan afresh and keep nothing; the result is the same', () => {
  const root = tree();
  const dir = path.join(cacheHome, 'Runner');
  const entries = () => (fs.existsSync(dir) ? fs.readdirSync(dir).length : 0);
  const before = entries();
  for (const run of [
    () => launch(['--root', root, '--no-cache', 'app']),
    () => launch(['--root', root, 'app'], { RUNNER_NO_CACHE: '1' }),
  ]) {
    const first = run();
    const second = run();
    assert.ok(first.viaNode && second.viaNode);
    assert.is(second.stdout, 'greet=2.0 tool=t1 env= foo=foo conflict=hidden args=[]\n');
  }
  assert.is(entries(), before, 'no entry written');
  coldThenWarm(['--root', root, 'app']);
  assert.ok(
    launch(['--root', root, 'app'], { RUNNER_NO_CACHE: '1' }).viaNode,
    'RUNNER_NO_CACHE=1 also skips an entry that exists',
  );
});

test("an entry that is corrupt, from another build, writable by others, a symlink or someone else's is a miss", () => {
  const root = tree();
  const args = ['--root', root, 'app'];
  const dir = path.join(cacheHome, 'Runner');
  const expected = 'greet=2.0 tool=t1 env= foo=foo conflict=hidden args=[]\n';
  const entryOf = () => {
    coldThenWarm(args);
    const found = fs
      .readdirSync(dir)
      .map((n) => path.join(dir, n))
      .find((f) => fs.readFileSync(f).includes(Buffer.from(root)));
    assert.ok(found);
    return found as string;
  };
  const spoil: [string, (file: string) => void][] = [
    ['truncated', (f) => fs.truncateSync(f, fs.statSync(f).size - 7)],
    ['garbage', (f) => fs.writeFileSync(f, 'RUNNER-CACHE-1\0exec\0')],
    [
      'another build',
      (f) =>
        fs.writeFileSync(
          f,
          fs
            .readFileSync(f)
            .toString('latin1')
            .replace(/build\0\d+:\d+/, 'build\x000:0'),
          'latin1',
        ),
    ],
    ['writable by others', (f) => fs.chmodSync(f, 0o666)],
    ["someone else's", (f) => fs.chownSync(f, 1, 1)],
    [
      'a symlink',
      (f) => {
        const elsewhere = path.join(tempDir(), 'entry');
        fs.copyFileSync(f, elsewhere);
        fs.rmSync(f);
        fs.symlinkSync(elsewhere, f);
      },
    ],
  ];
  for (const [what, change] of spoil) {
    const file = entryOf();
    change(file);
    const seen = launch(args);
    assert.ok(seen.viaNode, `${what}: not used`);
    assert.is(seen.status, 0, `${what}: ${seen.stderr}`);
    assert.is(seen.stdout, expected, what);
    assert.is(seen.stderr, '', `${what}: never an error`);
    fs.rmSync(file, { force: true });
  }
});

test("a warm launch keeps the caller's descriptors, ignored signals, exit status and pid", () => {
  const root = tree();
  writeFile(
    path.join(root, 'Programs/Tool/1.0/bin/report'),
    '#!/bin/sh\ncat <&3\ngrep ^SigIgn /proc/self/status\necho $$ >&2\nexit 7\n',
    0o755,
  );
  linkIndex(root, { Tool: '1.0' });
  const data = path.join(tempDir(), 'data');
  writeFile(data, 'from fd 3\n');
  settle();
  const run = () => {
    const before = nodeStarts();
    const fd = fs.openSync(data, 'r');
    const result = spawnSync('nohup', [front, '--root', root, 'report'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe', fd],
      env: { ...envAs('root'), XDG_CACHE_HOME: cacheHome, ...counting },
    });
    fs.closeSync(fd);
    return { ...result, viaNode: nodeStarts() > before };
  };
  run();
  const warm = run();
  assert.not.ok(warm.viaNode);
  assert.is(warm.status, 7);
  assert.match(warm.stdout, /^from fd 3\nSigIgn:\s+0*1\n$/, 'fd 3 open, SIGHUP ignored (nohup), nothing else');
  assert.is(warm.stderr.trim(), String(warm.pid), 'the program has the pid of the process that was started');
});

test("the caller's environment reaches the program byte for byte, cold and warm, also through an Environment file", () => {
  const root = tree();
  // A value that is not UTF-8 (Latin-1 text, a binary token): Node decodes the environment as
  // UTF-8 and would hand on U+FFFD instead. It can only be set from outside Node: sh makes it.
  writeFile(path.join(root, 'Programs/Tool/1.0/bin/bytes'), '#!/bin/sh\nprintf \'%s|%s\' "$RAW" "$WRAPPED"\n', 0o755);
  writeFile(path.join(root, 'Programs/Tool/1.0/Resources/Environment'), 'export WRAPPED="<$RAW>"\n');
  linkIndex(root, { Tool: '1.0' });
  settle();
  const run = () => {
    const before = nodeStarts();
    const result = spawnSync(
      'sh',
      ['-c', 'export RAW="$(printf \'caf\\351 \\377\\376\')"; exec "$@"', 'sh', front, '--root', root, 'bytes'],
      { env: { ...envAs('root'), XDG_CACHE_HOME: cacheHome, ...counting } },
    );
    return { ...result, viaNode: nodeStarts() > before };
  };
  const expected = Buffer.from([
    ...Buffer.from('caf'),
    0xe9,
    0x20,
    0xff,
    0xfe,
    0x7c,
    0x3c,
    ...Buffer.from('caf'),
    0xe9,
    0x20,
    0xff,
    0xfe,
    0x3e,
  ]);
  const cold = run();
  assert.ok(cold.viaNode, 'the first launch plans with Node');
  assert.equal([...cold.stdout], [...expected], cold.stderr.toString());
  const warm = run();
  assert.not.ok(warm.viaNode);
  assert.equal([...warm.stdout], [...expected], warm.stderr.toString());
});

test("root with another user's HOME (su, sudo -E) writes nothing there: no cache, and -C or --name say why", () => {
  ensureTestUser();
  const root = tree();
  const uid = Number(spawnSync('id', ['-u', 'runner-test'], { encoding: 'utf8' }).stdout);
  const home = tempDir('runner-their-home-');
  fs.chownSync(home, uid, uid);
  const theirs = { HOME: home, XDG_CACHE_HOME: undefined, XDG_STATE_HOME: undefined, XDG_RUNTIME_DIR: home };
  for (let i = 0; i < 2; i++) {
    const seen = launch(['--root', root, 'app', 'x'], theirs);
    assert.is(seen.stdout, 'greet=2.0 tool=t1 env= foo=foo conflict=hidden args=[x]\n', seen.stderr);
    assert.ok(seen.viaNode, 'nothing was cached');
  }
  const refused = `Runner: ${home} belongs to uid ${uid}: as root, Runner writes nothing under another user's directory (HOME or XDG_* kept from that user, as by su or sudo -E)\n`;
  const kept = launch(['--root', root, '-C', 'app'], theirs);
  assert.is(kept.stderr, refused, 'the state directory under it');
  assert.is(kept.status, 122);
  // Root's view records are in /run/Runner, whatever HOME and XDG_RUNTIME_DIR say.
  const named = launch(['--root', root, '--name', `v${process.pid}`, 'app'], theirs);
  assert.is(named.stderr, '', 'the views directory is not under it');
  assert.is(named.status, 0);
  assert.equal(fs.readdirSync(home), [], 'their home is as it was');
});

test('rootless: the warm path works for an unprivileged user, in their own cache', () => {
  ensureTestUser();
  const root = shareTree(tree());
  settle(); // shareTree's chmod changed the files: a plan made within 50 ms of it is not kept
  const command = frontCommand('user', ['--root', root, 'app', 'x']);
  const run = () => {
    const before = nodeStarts();
    const result = spawnSync(command[0], command.slice(1), {
      encoding: 'utf8',
      cwd: '/',
      env: { ...envAs('user'), ...counting },
    });
    return { ...result, viaNode: nodeStarts() > before };
  };
  const cold = run();
  assert.is(cold.stdout, 'greet=2.0 tool=t1 env= foo= conflict=hidden args=[x]\n', cold.stderr);
  const warm = run();
  assert.is(warm.stdout, cold.stdout);
  assert.not.ok(warm.viaNode, 'warm for the user too');
});

test.run();
