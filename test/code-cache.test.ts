// V8's code cache of the CLI bundle (src/boot/): the first start writes it, later starts compile
// with it, and a cache file that is not the caller's own, is writable by others, is a symlink, is
// for another build or is corrupt is never used: the start compiles from source and replaces it.
// "Used" is observed from outside: the loader writes the file only when it had none it could use,
// so a file that stays the same inode was accepted, and one that is replaced was not.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { projectRoot } from './helpers/run.js';
import { tempDir } from './helpers/tree.js';
import { ensureTestUser, envAs, runnerCommand, TEST_USER, type As } from './helpers/users.js';

function start(who: As, cacheHome: string, args = ['--version'], extra: NodeJS.ProcessEnv = {}) {
  const [command, ...rest] = runnerCommand(who, args);
  const result = spawnSync(command, rest, {
    encoding: 'utf8',
    env: envAs(who, { XDG_CACHE_HOME: cacheHome, ...extra }),
  });
  assert.is(result.stderr, '', 'nothing said on stderr');
  assert.is(result.status, 0);
  assert.match(result.stdout, /^Runner \d+\.\d+\.\d+\n$/);
  return result;
}

/** The code cache files under `cacheHome`. */
function codeFiles(cacheHome: string): string[] {
  const dir = path.join(cacheHome, 'Runner');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => n.startsWith('code-'))
        .map((n) => path.join(dir, n))
    : [];
}

function theCodeFile(cacheHome: string): string {
  const files = codeFiles(cacheHome);
  assert.is(files.length, 1, 'one code cache file');
  return files[0];
}

/** A fresh cache home for `who`, with a code cache file written by a first start. */
function primed(who: As = 'root'): { home: string; file: string } {
  const home = tempDir('runner-code-');
  if (who === 'user') fs.chownSync(home, uidOf(TEST_USER), uidOf(TEST_USER));
  start(who, home);
  return { home, file: theCodeFile(home) };
}

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

test("the first start writes the cache (the caller's, mode 0600, naming its bundle); the next start uses it", () => {
  ensureTestUser();
  const { home, file } = primed();
  const stat = fs.lstatSync(file);
  assert.ok(stat.isFile());
  assert.is(stat.uid, process.getuid?.());
  assert.is(stat.mode & 0o777, 0o600);
  assert.ok(fs.statSync(path.dirname(file)).mode % 0o1000 === 0o700, 'the cache directory is private');
  assert.match(
    fs.readFileSync(file).subarray(0, 200).toString('latin1'),
    /^RUNNER-CODE-1 \d+:\d+:\d+:\d+:\d+ node v\d+\.\d+\.\d+ \w+\n/,
  );
  assert.ok(stat.size > 10_000, 'it holds compiled code');
  start('root', home);
  const again = fs.lstatSync(file);
  assert.is(again.ino, stat.ino, 'accepted: not written again');
  assert.is(again.mtimeMs, stat.mtimeMs);
});

test("a run of an action the cache does not cover writes it again, once, with that action's code", () => {
  const { home, file } = primed();
  const covers = (f: string) => /\ncovers ([\w,]*)\n/.exec(fs.readFileSync(f).subarray(0, 400).toString('latin1'))?.[1];
  assert.is(covers(file), 'version');
  const first = fs.lstatSync(file);
  const resolve = () => {
    const [command, ...rest] = runnerCommand('root', [
      '--root',
      path.join(projectRoot, 'fixtures'),
      '--resolve',
      'App',
    ]);
    const result = spawnSync(command, rest, { encoding: 'utf8', env: envAs('root', { XDG_CACHE_HOME: home }) });
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stdout, /Greet 1\.0/);
  };
  resolve();
  const second = fs.lstatSync(file);
  assert.is.not(second.ino, first.ino, 'written again');
  assert.is(covers(file), 'version,resolve');
  assert.ok(second.size > first.size, `it holds the solver's code too (${first.size} -> ${second.size} bytes)`);
  assert.is(second.mode & 0o777, 0o600);
  resolve();
  start('root', home);
  assert.is(fs.lstatSync(file).ino, second.ino, 'covered: not written again');
  // A launch that stops early (no such command) has not compiled the planner: it claims nothing.
  const [command, ...rest] = runnerCommand('root', ['--root', path.join(projectRoot, 'fixtures'), 'no-such-command']);
  const failed = spawnSync(command, rest, { encoding: 'utf8', env: envAs('root', { XDG_CACHE_HOME: home }) });
  assert.is(failed.status, 127, failed.stderr);
  assert.is(fs.lstatSync(file).ino, second.ino, 'a failed run leaves the cache as it was');
  assert.is(covers(file), 'version,resolve');
});

test("a cache that is corrupt, for another build, writable by others, someone else's or a symlink is not used, and is replaced", () => {
  const spoil: [string, (file: string) => void][] = [
    [
      'corrupt code',
      (f) => {
        const bytes = fs.readFileSync(f);
        const header = bytes.indexOf(10) + 1;
        bytes.fill(0x5a, header + 16, header + 4096);
        fs.writeFileSync(f, bytes);
      },
    ],
    ['truncated', (f) => fs.truncateSync(f, 100)],
    [
      'another build',
      (f) =>
        fs.writeFileSync(
          f,
          fs
            .readFileSync(f)
            .toString('latin1')
            .replace(/^RUNNER-CODE-1 \d+/, 'RUNNER-CODE-1 1'),
          'latin1',
        ),
    ],
    [
      'another Node',
      (f) =>
        fs.writeFileSync(
          f,
          fs
            .readFileSync(f)
            .toString('latin1')
            .replace(/ node v[\d.]+/, ' node v1.0.0'),
          'latin1',
        ),
    ],
    ['writable by group', (f) => fs.chmodSync(f, 0o620)],
    ['readable by others', (f) => fs.chmodSync(f, 0o604)],
    ["someone else's", (f) => fs.chownSync(f, uidOf(TEST_USER), uidOf(TEST_USER))],
  ];
  ensureTestUser();
  for (const [what, change] of spoil) {
    const { home, file } = primed();
    change(file);
    const before = fs.lstatSync(file);
    start('root', home);
    const after = fs.lstatSync(theCodeFile(home));
    assert.is.not(after.ino, before.ino, `${what}: replaced`);
    assert.is(after.uid, 0, what);
    assert.is(after.mode & 0o777, 0o600, what);
    // And the replacement is one a next start accepts.
    start('root', home);
    assert.is(fs.lstatSync(file).ino, after.ino, `${what}: the new one is used`);
  }
});

test("a symlink at the cache's name is not followed: its target stays as it was", () => {
  const { home, file } = primed();
  const target = path.join(tempDir(), 'target');
  fs.copyFileSync(file, target);
  fs.chmodSync(target, 0o600);
  const content = fs.readFileSync(target);
  fs.rmSync(file);
  fs.symlinkSync(target, file);
  start('root', home);
  assert.ok(fs.lstatSync(file).isFile(), "the link was replaced by a file of the caller's");
  assert.equal(fs.readFileSync(target), content, 'the target is untouched');
});

test('RUNNER_NO_CACHE=1 and --no-cache write none; a cache directory that cannot be written costs nothing but the cache', () => {
  const home = tempDir('runner-code-');
  start('root', home, ['--version'], { RUNNER_NO_CACHE: '1' });
  start('root', home, ['--no-cache', '--version']);
  assert.equal(codeFiles(home), []);
  // XDG_CACHE_HOME under a regular file: no directory can be made there.
  const blocked = path.join(tempDir(), 'file');
  fs.writeFileSync(blocked, '');
  start('root', path.join(blocked, 'cache'));
  start('root', path.join(blocked, 'cache'));
  assert.ok(fs.statSync(blocked).isFile());
});

test("as an unprivileged user: the cache is theirs, and root's cache planted in their directory is not used", () => {
  ensureTestUser();
  const { home, file } = primed('user');
  const stat = fs.lstatSync(file);
  assert.is(stat.uid, uidOf(TEST_USER));
  assert.is(stat.mode & 0o777, 0o600);
  start('user', home);
  assert.is(fs.lstatSync(file).ino, stat.ino, 'their own cache is used');
  // A file of root's at the name (the user cannot write it): not theirs, so not used; the
  // directory is theirs, so the start replaces it.
  const planted = `${file}.planted`;
  fs.copyFileSync(file, planted);
  fs.chownSync(planted, 0, 0);
  fs.renameSync(planted, file);
  const before = fs.lstatSync(file);
  assert.is(before.uid, 0);
  start('user', home);
  const after = fs.lstatSync(file);
  assert.is.not(after.ino, before.ino);
  assert.is(after.uid, uidOf(TEST_USER));
});

test('an installation without its CLI bundle says so in one line and exits 125', () => {
  const pkg = tempDir('runner-broken-');
  fs.mkdirSync(path.join(pkg, 'dist/bundle'), { recursive: true });
  fs.copyFileSync(path.join(projectRoot, 'dist/bundle/main.cjs'), path.join(pkg, 'dist/bundle/main.cjs'));
  const result = spawnSync(process.execPath, [path.join(pkg, 'dist/bundle/main.cjs'), '--version'], {
    encoding: 'utf8',
  });
  assert.is(result.status, 125);
  assert.is(result.stdout, '');
  assert.is(result.stderr, `Runner: cannot read ${path.join(pkg, 'dist/bundle/cli.cjs')} (ENOENT); reinstall Runner\n`);
});

test.run();

test("Runner as installed (runner-front) starts Node with package.json's config.nodeFlags; its code cache and that of a start without them are two files, each accepted again", () => {
  // V8 refuses code cached under other flags: one file for both would be thrown away by each in turn.
  const home = tempDir('runner-code-');
  const front = path.join(projectRoot, 'bin/Runner');
  const viaFront = () => {
    const result = spawnSync(front, ['--version'], { encoding: 'utf8', env: envAs('root', { XDG_CACHE_HOME: home }) });
    assert.is(result.status, 0, result.stderr);
  };
  viaFront();
  const frontFile = theCodeFile(home);
  start('root', home);
  const files = codeFiles(home);
  assert.is(files.length, 2, 'a file for each set of flags');
  const nodeFile = files.find((f) => f !== frontFile) as string;
  const before = [fs.lstatSync(frontFile).ino, fs.lstatSync(nodeFile).ino];
  viaFront();
  start('root', home);
  assert.equal(
    [fs.lstatSync(frontFile).ino, fs.lstatSync(nodeFile).ino],
    before,
    'both accepted: neither written again',
  );
  // The flags the front passed are the configured ones: a start with them by hand uses its file.
  const { nodeFlags } = (
    JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { config: { nodeFlags: string } }
  ).config;
  const byHand = spawnSync(
    process.execPath,
    [...nodeFlags.split(' '), path.join(projectRoot, 'dist/bundle/main.cjs'), '--version'],
    { encoding: 'utf8', env: envAs('root', { XDG_CACHE_HOME: home }) },
  );
  assert.is(byHand.status, 0, byHand.stderr);
  assert.is(codeFiles(home).length, 2, 'no third file');
  assert.is(fs.lstatSync(frontFile).ino, before[0], "the front's file accepted for the same flags");
});
