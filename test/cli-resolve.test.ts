import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTree, tempDir, writeFile } from './helpers/tree.js';
import { cli, projectRoot, runner } from './helpers/run.js';
import { compile } from './helpers/cc.js';

const fixtures = path.join(projectRoot, 'fixtures');
// The test runner may force colours on; a user's pipe would not.
const { FORCE_COLOR: _forced, ...plainEnv } = process.env;

test('--resolve --json prints exactly the documented record', () => {
  const result = runner(['--root', fixtures, '--resolve', '--json', 'app']);
  assert.is(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), {
    program: { name: 'App', version: '1.0', path: path.join(fixtures, 'Programs/App/1.0') },
    dependencies: [
      { name: 'Greet', version: '1.0', path: path.join(fixtures, 'Programs/Greet/1.0'), requiredBy: ['App 1.0'] },
      { name: 'LibFoo', version: '1.0', path: path.join(fixtures, 'Programs/LibFoo/1.0'), requiredBy: ['App 1.0'] },
    ],
    architecture: 'x86_64',
  });
});

test('output larger than a pipe holds arrives whole, through a pipe the caller made non-blocking too', () => {
  const names = Array.from({ length: 1500 }, (_, i) => `Dependency${i}`);
  const root = makeTree({
    programs: {
      App: { '1.0': { deps: `${names.join('\n')}\n` } },
      ...Object.fromEntries(names.map((name) => [name, { '1.0': {} }])),
    },
  });
  // Sets O_NONBLOCK on its stdout (the pipe this test reads), then execs its arguments.
  const nonblocking = compile(
    `#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) { (void)argc; fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK); execvp(argv[1], argv + 1); return 127; }`,
    path.join(tempDir('runner-nonblocking-'), 'nonblocking'),
  );
  for (const prefix of [[], [nonblocking]]) {
    const command = [...prefix, process.execPath, cli, '--root', root, '--resolve', 'App', '--json'];
    const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.is(result.status, 0, result.stderr);
    assert.ok(result.stdout.length > 3 * 65536, `${result.stdout.length} bytes`);
    assert.is(JSON.parse(result.stdout).dependencies.length, 1500, prefix.length ? 'non-blocking' : 'a plain pipe');
  }
});

test('--resolve prints a tree; NO_COLOR and pipes give plain text', () => {
  const result = runner(['--root', fixtures, '--resolve', 'App'], { env: { ...plainEnv, NO_COLOR: '1' } });
  assert.is(result.status, 0, result.stderr);
  assert.is(
    result.stdout,
    `App 1.0  ${path.join(fixtures, 'Programs/App/1.0')}  x86_64\n├─ Greet 1.0  Greet >= 1.0, < 2.0\n└─ LibFoo 1.0  LibFoo < 2.0\n`,
  );
});

test('--why explains one choice', () => {
  const result = runner(['--root', fixtures, '--why', 'app', 'Greet'], { env: plainEnv });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /Greet 1\.0 was chosen\./);
  assert.match(result.stdout, /required by App 1\.0: Greet >= 1\.0, < 2\.0/);
  assert.match(result.stdout, /2\.0: Current, ruled out: App 1\.0 needs Greet >= 1\.0, < 2\.0/);
});

test('--why on a dependency with hundreds of versions and requirers: the newest 20, the chosen one and a count', () => {
  const versions = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`1.${i}`, {}]));
  const requirers = Object.fromEntries(
    Array.from({ length: 30 }, (_, i) => [`Req${i}`, { '1.0': { deps: 'Lib < 1.100\n' } }]),
  );
  const root = makeTree({
    programs: {
      App: { '1.0': { deps: `${Object.keys(requirers).join('\n')}\n` } },
      Lib: versions,
      ...requirers,
    },
    current: { Lib: '1.299' },
  });
  const why = runner(['--root', root, '--why', 'App', 'Lib'], { env: plainEnv });
  assert.is(why.status, 0, why.stderr);
  const lines = why.stdout.trimEnd().split('\n');
  assert.is(lines[0], 'Lib 1.99 was chosen.');
  assert.is(lines.filter((l) => l.startsWith('  required by ')).length, 20);
  assert.ok(lines.includes('  … and 10 requirements not shown'), why.stdout);
  assert.match(
    lines.find((l) => l.startsWith('  1.299: '))!,
    /^  1\.299: Current, ruled out: /,
  );
  assert.ok(lines.includes('  1.99: chosen'), why.stdout);
  assert.ok(lines.includes('  … and 279 older versions not shown'), why.stdout);
  assert.ok(lines.length < 50, `${lines.length} lines`);
});

test('a version-control snapshot ranks below numbered versions, even as Current; a bare line still takes it', () => {
  const root = makeTree({
    programs: {
      App: { '1': { deps: 'QCA >= 2.0\n' } },
      Any: { '1': { deps: 'QCA\n' } },
      QCA: { '2.0.3': {}, git: {}, '1.0': {} },
    },
    current: { QCA: 'git' },
  });
  const versions = (target: string) =>
    JSON.parse(runner(['--root', root, '--resolve', '--json', target]).stdout).dependencies.map(
      (d: { version: string }) => d.version,
    );
  assert.equal(versions('App'), ['2.0.3']);
  assert.equal(versions('Any'), ['git'], 'Current, where nothing rules it out');
  const why = runner(['--root', root, '--why', 'App', 'QCA'], { env: plainEnv });
  assert.is(why.status, 0, why.stderr);
  assert.match(
    why.stdout,
    /git: Current, ruled out: App 1 needs QCA >= 2\.0 \(a version-control snapshot ranks below numbered versions\)/,
  );
  assert.match(
    runner(['--root', root, '-v', '--resolve', 'App']).stderr,
    /QCA 2\.0\.3, not Current git: Current ruled out: .*a version-control snapshot ranks below numbered versions/,
  );
});

test('--why tells a version ruled out by a learned fact with its derivation, as a failure is told', () => {
  const root = makeTree({
    programs: {
      App: { '1.0': { deps: 'Foo\n' } },
      Foo: { '1.0.0': {}, '1.1.0': { deps: 'X\nY < 2.0\n' } },
      X: { '1.0': { deps: 'Y >= 2.0\n' } },
      Y: { '1.0': {}, '2.0': {} },
    },
  });
  const why = runner(['--root', root, '--why', 'App', 'Foo'], { env: plainEnv });
  assert.is(why.status, 0, why.stderr);
  assert.ok(
    why.stdout.includes(
      [
        '  1.1.0: ruled out, because:',
        '    Because X 1.0 needs Y >= 2.0 and Foo 1.1.0 needs X, Foo 1.1.0 needs Y 2.0.',
        '    And because Foo 1.1.0 needs Y < 2.0, Foo 1.1.0 cannot be used.',
        '  1.0.0: chosen',
      ].join('\n'),
    ),
    why.stdout,
  );
});

test('-S makes a bare version exact; -d adds a file; -a chooses the architecture', () => {
  const root = makeTree({
    programs: {
      App: { '1': { deps: 'A 1.0\nL\n' } },
      A: { '1.0': {}, '2.0': {} },
      L: { '1': { arch: 'x86_64' }, '2': { arch: 'i686' } },
      B: { '1': {} },
    },
  });
  const json = (...args: string[]) =>
    JSON.parse(runner(['--root', root, ...args, '--resolve', '--json', 'App']).stdout);
  const versions = (...args: string[]) =>
    json(...args).dependencies.map((d: { name: string; version: string }) => `${d.name} ${d.version}`);
  assert.equal(versions(), ['A 2.0', 'L 1']);
  assert.equal(versions('-S'), ['A 1.0', 'L 1']);
  assert.equal(versions('-a', 'i386'), ['A 2.0', 'L 2']);
  assert.is(json('-a', 'i386').architecture, 'i686');
  writeFile(path.join(root, 'extra'), 'B\n');
  assert.equal(versions('-d', path.join(root, 'extra')), ['B 1', 'A 2.0', 'L 1']);
});

test('errors are one line with a documented exit code', () => {
  const root = makeTree({
    programs: { App: { '1': { deps: 'Python >= 3,0, < 4.0\n' } }, Bad: { '1': { deps: 'Ghost\n' } } },
  });
  const cases: [string[], number, RegExp][] = [
    [['--resolve', 'App'], 0, /^Runner: warning: .*Dependencies:1:13: '0' has no operator .*; line skipped$/m],
    [['--strict-metadata', '--resolve', 'App'], 121, /Dependencies:1:13: '0' has no operator/],
    [['--resolve', 'Bad'], 120, /Bad 1 needs Ghost, but Ghost is not installed/],
    [['--resolve', 'Nope'], 127, /Nope: no such command, program or path/],
    [['--resolve'], 125, /usage: Runner --resolve TARGET/],
    [['--frobnicate'], 125, /unknown option --frobnicate \(see Runner --help\)/],
  ];
  for (const [args, status, message] of cases) {
    const result = runner(['--root', root, ...args]);
    assert.is(result.status, status, args.join(' '));
    assert.match(result.stderr, message);
    assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.not.match(result.stderr, /\n\s+at /);
  }
});

test('actions that launch nothing take options after TARGET; extra words are a usage error; --version', () => {
  const json = runner(['--root', fixtures, '--resolve', 'App', '--json']);
  assert.is(json.status, 0, json.stderr);
  assert.is(JSON.parse(json.stdout).program.name, 'App');
  const extra = runner(['--root', fixtures, '--resolve', 'app', 'extra']);
  assert.is(extra.status, 125);
  assert.is(extra.stderr, "Runner: unexpected word 'extra' (usage: Runner --resolve TARGET)\n");
  const why = runner(['--root', fixtures, '--why', 'app', 'Greet', '--json', 'more', 'words']);
  assert.is(why.status, 125);
  assert.match(why.stderr, /unexpected words 'more' 'words'/);
  assert.match(
    runner(['--root', fixtures, '--index', 'stray']).stderr,
    /unexpected word 'stray' \(usage: Runner --index\)/,
  );
  const version = runner(['--version']);
  assert.is(version.status, 0);
  assert.is(
    version.stdout,
    `Runner ${JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version}\n`,
  );
});

test('two actions, an option without its action, or an empty value are usage errors, never silently dropped', () => {
  const cases: [string[], string][] = [
    [['--index', '--resolve', 'App'], '--resolve and --index are two actions; give one'],
    [['--check', '--list'], '--check and --list are two actions; give one'],
    [['--kill', 'v', '--enter', 'w'], '--kill and --enter are two actions; give one'],
    [['--signal', 'TERM', 'app'], '--signal goes with --kill'],
    [['--remove', 'app'], '--remove goes with --desktop'],
    [['--kill', 'no-such-view', '--signal', 'FOO'], '--signal FOO: not a signal'],
    [['-d'], '--dependencies needs a value'],
    [['-d', '', 'app'], '--dependencies needs a value'],
    [['--with', '', 'app'], '--with needs a value'],
    // An option that the action does not read: `--desktop -p` wrote entries that run without -p.
    [['--desktop', '-p', 'App'], '--pure does nothing with --desktop (it shapes the view of a launch)'],
    [['--resolve', '--name', 'v', 'App'], '--name does nothing with --resolve (it shapes the view of a launch)'],
    [['--check', '-a', 'i686'], '--arch does nothing with --check'],
    [['--list', '-d', 'file'], '--dependencies does nothing with --list'],
    [['--why', 'App', 'Greet', '--json'], '--json does nothing with --why'],
    [['--json', 'app'], '--json goes with --dry-run, --resolve, --check, --index or --list'],
  ];
  for (const [args, message] of cases) {
    const seen = runner(['--root', fixtures, ...args]);
    assert.is(seen.stderr, `Runner: ${message}\n`, args.join(' '));
    assert.is(seen.status, 125);
  }
  // --why is --resolve's explanation, not another action; the options a resolution reads go
  // with both, as --json goes with --dry-run.
  assert.is(runner(['--root', fixtures, '--resolve', '--why', 'app', 'Greet']).status, 0);
  assert.is(runner(['--root', fixtures, '-a', 'x86_64', '--newest', '-S', '--why', 'app', 'Greet']).status, 0);
  const plan = runner(['--root', fixtures, '--dry-run', '--json', '-p', '-E', '-R', 'app']);
  assert.is(plan.status, 0, plan.stderr);
  assert.ok(JSON.parse(plan.stdout).mounts.length > 0);
});

test('output that cannot be written: a reader gone is a quiet 141, as SIGPIPE would be; a full disk is one line; a stderr that cannot be written changes no status', () => {
  const full = fs.openSync('/dev/full', 'w');
  const seen = spawnSync(process.execPath, [cli, '--root', fixtures, '--resolve', 'App'], {
    encoding: 'utf8',
    stdio: ['ignore', full, 'pipe'],
  });
  fs.closeSync(full);
  assert.is(seen.stderr, 'Runner: cannot write the output: ENOSPC\n');
  assert.is(seen.status, 125);
  // The reader (true) is gone long before Runner writes.
  const gone = spawnSync(
    'bash',
    [
      '-c',
      '(sleep 0.5; exec "$@") | true; echo "status ${PIPESTATUS[0]}"',
      'bash',
      process.execPath,
      cli,
      '--root',
      fixtures,
      '--resolve',
      'App',
    ],
    { encoding: 'utf8' },
  );
  assert.is(gone.stderr, '');
  assert.is(gone.stdout, 'status 141\n');
  // Messages that cannot be written are dropped: the status is what it would be.
  const noStderr = fs.openSync('/dev/full', 'w');
  for (const [args, status] of [
    [['--resolve', 'Nope'], 127],
    [['-v', '--resolve', 'App'], 0],
  ] as const) {
    const quiet = spawnSync(process.execPath, [cli, '--root', fixtures, ...args], {
      stdio: ['ignore', 'ignore', noStderr],
    });
    assert.is(quiet.status, status, args.join(' '));
  }
  fs.closeSync(noStderr);
});

test('an installation without its executor says so in one line', () => {
  // The CLI and its addon, but not runner-exec (a build that did not finish).
  const broken = tempDir('runner-broken-');
  fs.cpSync(path.join(projectRoot, 'dist/bundle'), path.join(broken, 'dist/bundle'), { recursive: true });
  fs.copyFileSync(path.join(projectRoot, 'package.json'), path.join(broken, 'package.json'));
  fs.mkdirSync(path.join(broken, 'build/Release'), { recursive: true });
  fs.copyFileSync(
    path.join(projectRoot, 'build/Release/runner_addon.node'),
    path.join(broken, 'build/Release/runner_addon.node'),
  );
  const seen = spawnSync(process.execPath, [path.join(broken, 'dist/bundle/main.cjs'), '--root', fixtures, 'app'], {
    encoding: 'utf8',
    env: { ...process.env, RUNNER_NO_CACHE: '1' },
  });
  assert.is(
    seen.stderr,
    `Runner: cannot start Runner's executor ${broken}/build/Release/runner-exec (No such file or directory); reinstall Runner, or run 'npm run build' in a checkout\n`,
  );
  assert.is(seen.status, 125);
});

test('a working directory removed under the caller: names still work, a relative path is one clear line', () => {
  const gone = path.join(tempDir(), 'gone');
  const inGone = (...args: string[]) =>
    spawnSync(
      'sh',
      [
        '-c',
        'mkdir "$1" && cd "$1" && rmdir "$1" && shift && exec "$@"',
        'sh',
        gone,
        process.execPath,
        cli,
        '--root',
        fixtures,
        ...args,
      ],
      { encoding: 'utf8' },
    );
  const resolved = inGone('--resolve', 'App', '--json');
  assert.is(resolved.status, 0, resolved.stderr);
  assert.is(JSON.parse(resolved.stdout).program.version, '1.0');
  for (const args of [
    ['--resolve', './app'],
    ['-d', 'deps', 'app'],
  ]) {
    const relative = inGone(...args);
    assert.is(
      relative.stderr,
      'Runner: the working directory no longer exists (ENOENT); cd to one that does\n',
      args.join(' '),
    );
    assert.is(relative.status, 125);
  }
  const launched = inGone('app');
  assert.is(launched.status, 0, launched.stderr);
  assert.match(launched.stdout, /Greet 1\.0 says hello/);
});

test('options stop at the first word: a program called "--resolve"-like words is never shadowed', () => {
  const result = runner(['--root', fixtures, '--dry-run', '--json', 'app', '--resolve', '-v']);
  assert.is(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).exec.argv, ['app', '--resolve', '-v']);
});

test.run();
