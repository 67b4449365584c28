// The native executor on hand-made plans: failures name operation, path and errno, nothing stays
// half-mounted, and -f undoes what was mounted before running without the view.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { planMounts, type PlanInput } from '../src/overlay/plan.js';
import { serializePlan } from '../src/overlay/serialize.js';
import { makeTree, tempDir, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, rootlessPackage, shareTree, TEST_USER, type As } from './helpers/users.js';

ensureTestUser();
const root = shareTree(makeTree({ programs: { A: { '1': { files: { 'bin/a': 'a' } } } } }));
const index = path.join(root, 'System/Index');

function input(overrides: Partial<PlanInput>): PlanInput {
  return {
    index,
    layers: [],
    indexDirs: ['bin'],
    pure: false,
    rootless: false,
    writeLayer: 'tmpfs',
    removals: [],
    personality: undefined,
    fallback: false,
    envOps: [{ kind: 'set', name: 'PATH', origin: 'test', parts: [{ text: '/usr/bin:/bin' }] }],
    exec: {
      file: '/bin/sh',
      argv: ['sh', '-c', `ls ${index}/bin; grep ${root} /proc/self/mountinfo | wc -l`].map((a) => Buffer.from(a)),
      fixed: 0,
      from: 0,
    },
    ...overrides,
  };
}

const layer = (dir: string) => ({
  label: dir,
  name: undefined,
  version: undefined,
  path: dir,
  feeds: { bin: [dir], include: [], lib: [], libexec: [], share: [] },
});

function execute(who: As, plan: PlanInput) {
  const file = path.join(tempDir(), 'plan');
  fs.writeFileSync(file, serializePlan(planMounts({ ...plan, rootless: who === 'user' })));
  shareTree(path.dirname(file));
  fs.chmodSync(path.dirname(file), 0o755);
  const helper = path.join(rootlessPackage(), 'build/Release/runner-exec');
  const command =
    who === 'root' ? [helper] : ['setpriv', `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, '--init-groups', helper];
  return spawnSync(command[0], [...command.slice(1), '--plan', file], { encoding: 'utf8', env: envAs(who) });
}

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: a plan runs: layers on top, the mount only inside`, () => {
    const seen = execute(who, input({ layers: [layer(path.join(root, 'Programs/A/1/bin'))] }));
    assert.is(seen.stderr, '');
    assert.is(seen.stdout, 'a\n1\n');
  });

  test(`${who}: a failing layer names operation, path and errno; nothing stays mounted`, () => {
    const missing = path.join(root, 'no/such/layer');
    const seen = execute(who, input({ layers: [layer(path.join(root, 'Programs/A/1/bin')), layer(missing)] }));
    assert.is(seen.status, 122);
    assert.is(seen.stderr, `Runner: fsconfig lowerdir+ ${missing}: No such file or directory\n`);
  });

  test(`${who}: a directory made in the write layer is in the view, as the user's own; one leading out of the view is refused`, () => {
    const bin = path.join(index, 'bin');
    const list = ['sh', '-c', `stat -c '%U %F' ${bin}/made/deeper`].map((a) => Buffer.from(a));
    const layers = [layer(path.join(root, 'Programs/A/1/bin'))];
    const seen = execute(
      who,
      input({
        layers,
        upperDirectories: [`${bin}/made/deeper`],
        exec: { file: '/bin/sh', argv: list, fixed: 0, from: 0 },
      }),
    );
    assert.is(seen.stderr, '');
    assert.is(seen.stdout, `${who === 'root' ? 'root' : TEST_USER} directory\n`);
    assert.not.ok(fs.existsSync(path.join(bin, 'made')), 'the host has no such directory');
    const out = execute(who, input({ layers, upperDirectories: [`${bin}/../outside`] }));
    assert.is(out.status, 122);
    assert.is(
      out.stderr,
      `Runner: upperdir ${bin}/../outside: Invalid argument (not a directory path inside the view)\n`,
    );
  });

  test(`${who}: -f undoes earlier mounts and runs without the view, with one warning`, () => {
    const missing = path.join(root, 'no/such/layer');
    const plan = input({
      fallback: true,
      indexDirs: ['bin', 'lib'],
      layers: [
        {
          ...layer(path.join(root, 'Programs/A/1/bin')),
          feeds: { bin: [path.join(root, 'Programs/A/1/bin')], lib: [missing], include: [], libexec: [], share: [] },
        },
      ],
    });
    const seen = execute(who, plan);
    assert.is(
      seen.stderr,
      `Runner: warning: fsconfig lowerdir+ ${missing}: No such file or directory; running without the private view (-f)\n`,
    );
    assert.is(seen.stdout, '0\n', 'bin was mounted, then undone: the program sees the plain Index');
    assert.is(seen.status, 0);
  });

  test(`${who}: -p with nothing to show empties an Index directory`, () => {
    writeFile(path.join(index, 'share/host-only'), 'x');
    shareTree(root);
    const seen = execute(
      who,
      input({
        pure: true,
        indexDirs: ['share'],
        exec: { file: '/bin/ls', argv: ['ls', '-A', `${index}/share`].map((a) => Buffer.from(a)), fixed: 0, from: 0 },
      }),
    );
    assert.is(seen.stderr, '');
    assert.is(seen.stdout, '');
  });

  test(`${who}: exactly the planned file is exec'd: a failure is 126 with the reason, never a PATH search`, () => {
    // A word is not searched on PATH: `true` exists in /usr/bin, but the plan names no file.
    const word = execute(who, input({ exec: { file: 'true', argv: [Buffer.from('true')], fixed: 0, from: 0 } }));
    assert.is(word.status, 126);
    assert.is(word.stderr, 'Runner: true: cannot execute: it was not found\n');
    const broken = path.join(root, 'Programs/A/1/true');
    writeFile(broken, '#!/no/such/interpreter\n', 0o755);
    shareTree(root);
    const missing = execute(
      who,
      input({
        envOps: [
          { kind: 'set', name: 'PATH', origin: 'test', parts: [{ text: `${path.dirname(broken)}:/usr/bin:/bin` }] },
        ],
        exec: {
          file: broken,
          argv: [Buffer.from('true')],
          missing: 'its interpreter /no/such/interpreter was not found',
          fixed: 0,
          from: 0,
        },
      }),
    );
    assert.is(missing.status, 126, "not the host's true further down PATH");
    assert.is(
      missing.stderr,
      `Runner: ${broken}: cannot execute: its interpreter /no/such/interpreter was not found\n`,
    );
    const plain = path.join(root, 'Programs/A/1/plain-file');
    writeFile(plain, 'not a program\n', 0o644);
    const notExec = execute(who, input({ exec: { file: plain, argv: [Buffer.from('a')], fixed: 0, from: 0 } }));
    assert.is(notExec.status, 126);
    assert.match(notExec.stderr, /Permission denied/);
  });
}

test('malformed plans are refused with 125', () => {
  const helper = path.join(rootlessPackage(), 'build/Release/runner-exec');
  const dir = tempDir();
  const cases: [Buffer, RegExp][] = [
    [Buffer.from('nonsense\0'), /not a RUNNER-PLAN-1 plan/],
    [Buffer.from('RUNNER-PLAN-1\0explode\0'), /unknown operation 'explode'/],
    [Buffer.from('RUNNER-PLAN-1\0exec\0/bin/sh\0hint\x009\0sh\0'), /bad count '9'/],
    [Buffer.from('RUNNER-PLAN-1\0unsetenv\0X\0'), /no exec operation/],
    // A cache entry's records are for runner-front to check, not operations to run.
    [
      Buffer.from('RUNNER-PLAN-1\0uid\x000\0exec\0/bin/true\0hint\x001\0true\0'),
      /'uid' is not an operation of the executor/,
    ],
    [Buffer.from('RUNNER-PLAN-1\0exec'), /does not end with a NUL/],
  ];
  for (const [bytes, message] of cases) {
    fs.writeFileSync(path.join(dir, 'plan'), bytes);
    const seen = spawnSync(helper, ['--plan', path.join(dir, 'plan')], { encoding: 'utf8' });
    assert.is(seen.status, 125);
    assert.match(seen.stderr, message);
  }
});

test.run();
