// What the caller hands over reaches the program, as it would without Runner (issue 10, item 4):
// open descriptors (a jobserver's pipes, `3<file`), ignored signals (`nohup`), the signal mask.
// Node loses these at start-up, so `Runner` as installed is bin/Runner → runner-front, which
// records them before Node starts; the addon and the executor restore them.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { compile } from './helpers/cc.js';
import { linkIndex, makeTree, tempDir, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, frontCommand, shareTree, type As } from './helpers/users.js';

ensureTestUser();
const REPORT = `#!/bin/sh
echo "to fd 3" >&3
echo "to fd 5" >&5
`;
const root = makeTree({ programs: { Show: { '1.0': { files: { 'bin/show': REPORT } } } }, current: { Show: '1.0' } });
linkIndex(root, { Show: '1.0' });
shareTree(root);

/** Blocks SIGUSR1 (10), then execs its arguments: a caller with a signal mask. */
const helpers = tempDir('runner-callers-');
const blockexec = compile(
  `#include <signal.h>
#include <unistd.h>
int main(int argc, char **argv) { sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR1); sigprocmask(SIG_BLOCK, &s, 0); (void)argc; execvp(argv[1], argv + 1); return 127; }`,
  path.join(helpers, 'blockexec'),
);
shareTree(helpers);

// The signal report comes from grep itself: a shell would clear the mask at start-up (dash does).
const SIGNALS = ['grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status'];

function launch(
  who: As,
  prefix: string[],
  command = ['show'],
): Promise<{ status: number | null; out: string; fd3: string; fd5: string; err: string }> {
  const full = [...prefix, ...frontCommand(who, ['--root', root, ...command])];
  return new Promise((resolve) => {
    const child = spawn(full[0], full.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'ignore', 'pipe'],
      env: envAs(who),
      cwd: '/',
    });
    const read = (i: number) => {
      let text = '';
      (child.stdio[i] as NodeJS.ReadableStream).on('data', (d) => (text += d));
      return () => text;
    };
    const [out, err, fd3, fd5] = [read(1), read(2), read(3), read(5)];
    child.on('close', (status) => resolve({ status, out: out(), err: err(), fd3: fd3(), fd5: fd5() }));
  });
}

const mask = (report: string, field: string) =>
  BigInt(`0x${new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(report)?.[1] ?? 'x'}`);

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: descriptors 3 and up, as a jobserver passes them, reach the program`, async () => {
    const seen = await launch(who, []);
    assert.is(seen.status, 0, seen.err);
    assert.is(seen.fd3, 'to fd 3\n');
    assert.is(seen.fd5, 'to fd 5\n');
  });

  test(`${who}: ignored signals stay ignored (nohup); what Node handles becomes default; the mask is the caller's`, async () => {
    const plain = await launch(who, [], SIGNALS);
    assert.is(mask(plain.out, 'SigIgn'), 0n, 'Node ignores SIGPIPE itself: the program must not inherit that');
    assert.is(mask(plain.out, 'SigBlk'), 0n);
    const nohup = await launch(who, ['sh', '-c', `trap '' HUP; exec "$@"`, 'sh'], SIGNALS);
    assert.is(mask(nohup.out, 'SigIgn'), 1n << 0n, 'SIGHUP (1) ignored, as the caller had it');
    const blocked = await launch(who, [blockexec], SIGNALS);
    assert.is(mask(blocked.out, 'SigBlk'), 1n << 9n, 'SIGUSR1 (10) blocked, as the caller had it');
  });

  test(`${who}: a standard descriptor the caller closed is closed for the program, cold and warm (Node would fill it with /dev/null)`, async () => {
    const stdoutClosed = ['sh', '-c', 'exec "$@" >&-', 'sh'];
    // Builtins only before the report: a pipe would take the lowest free descriptor.
    const report = [
      'sh',
      '-c',
      'for fd in 0 1 2; do [ -e /proc/$$/fd/$fd ] && printf "%s " $fd >&2; done; echo >&2; echo "[$RUNNER_CALLER_STATE]" >&2; echo out; echo "echo: $?" >&2',
    ];
    const descriptors = (err: string) => err.split('\n')[0].trim().split(' ');
    const cold = await launch(who, stdoutClosed, ['--no-cache', ...report]);
    assert.equal(descriptors(cold.err), ['0', '2'], cold.err);
    assert.match(cold.err, /^\[\]$/m, 'the record of it does not reach the program');
    assert.match(cold.err, /^echo: [1-9]/m, 'writing to stdout fails, as it would without Runner');
    await launch(who, stdoutClosed, report); // plans and caches
    const warm = await launch(who, stdoutClosed, report);
    assert.equal(descriptors(warm.err), ['0', '2'], warm.err);
    assert.match(warm.err, /^echo: [1-9]/m);
    const open = await launch(who, [], ['--no-cache', ...report]);
    assert.equal(descriptors(open.err), ['0', '1', '2'], 'an open one stays open');
  });

  test(`${who}: stdout and stderr that are pipes reach the program blocking, cold and warm (Node makes a pipe it uses non-blocking)`, async () => {
    const flags = ['grep', '-h', '^flags:', '/proc/self/fdinfo/1', '/proc/self/fdinfo/2'];
    const nonBlocking = (out: string) => out.split('\n').filter((l) => Number.parseInt(l.split(/\s+/)[1], 8) & 0o4000);
    for (const args of [['--no-cache', ...flags], ['-v', '--no-cache', ...flags], flags, flags]) {
      const seen = await launch(who, [], args);
      assert.is(seen.status, 0, seen.err);
      assert.is(seen.out.split('\n').filter(Boolean).length, 2, seen.out);
      assert.equal(nonBlocking(seen.out), [], `${args.join(' ')}: O_NONBLOCK set`);
    }
  });

  test(`${who}: the caller's NODE_* variables are the program's, not Runner's own Node's, cold and warm`, () => {
    // This Node refuses the flag (Runner would not even start) and would print module debugging.
    const env = { ...envAs(who), NODE_OPTIONS: '--no-such-flag', NODE_DEBUG: 'module', NODE_EXTRA: 'x y' };
    const report = ['sh', '-c', 'echo "$NODE_OPTIONS|$NODE_DEBUG|$NODE_EXTRA|$(env | grep -c ^RUNNER_)"'];
    for (const args of [['--no-cache', ...report], report, report]) {
      const command = frontCommand(who, ['--root', root, ...args]);
      const seen = spawnSync(command[0], command.slice(1), { encoding: 'utf8', env, cwd: '/' });
      assert.is(seen.stderr, '', args.join(' '));
      assert.is(seen.stdout, '--no-such-flag|module|x y|0\n');
    }
  });

  test(`${who}: the caller's soft limit on open files reaches the program, not the one Node raises it to`, async () => {
    const limited = ['sh', '-c', 'ulimit -Sn 256 && exec "$@"', 'sh'];
    const report = ['sh', '-c', 'ulimit -Sn'];
    const planned = await launch(who, limited, ['--no-cache', ...report]);
    assert.is(planned.out, '256\n', planned.err);
    await launch(who, limited, report); // plans and caches: the next one normally runs from the cache
    const warm = await launch(who, limited, report);
    assert.is(warm.out, '256\n', warm.err);
    const unlimited = await launch(who, [], ['--no-cache', ...report]);
    assert.not.equal(unlimited.out, '256\n', "the caller's own limit, not a fixed one");
  });
}

test("the record of the caller is not left in the program's environment", () => {
  writeFile(path.join(root, 'Programs/Show/1.0/bin/env-of'), '#!/bin/sh\nenv\n', 0o755);
  linkIndex(root, { Show: '1.0' });
  const command = frontCommand('root', ['--root', root, 'env-of']);
  const seen = spawnSync(command[0], command.slice(1), { encoding: 'utf8', env: envAs('root') });
  assert.is(seen.status, 0, seen.stderr);
  assert.not.match(seen.stdout, /RUNNER_CALLER_STATE/);
});

test.run();
