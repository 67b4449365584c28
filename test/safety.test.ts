// Hostile and unusual trees (issue 9): nothing outside the view is ever removed or written, reads
// are bounded, and every failure is one line with a documented exit code.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { nodeStartCounter } from './helpers/cc.js';
import { projectRoot } from './helpers/run.js';
import { linkIndex, makeTree, tempDir, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, runnerAs, runnerCommand, shareTree, TEST_USER, type As } from './helpers/users.js';

const SHOW = "#!/bin/sh\necho \"lib=$(ls ${LD_LIBRARY_PATH%%:*} | tr '\\n' ' ')\"\n";

/**
 * Y 1.0 supplies `lib/sub` as a directory symlink that, seen from System/Index/lib, leads out of
 * the tree into `victimdir`; the Index shows Y 2.0 with a real `lib/sub/victim` entry, which
 * conflict removal puts on its list. Removing it through the link would delete the host's file.
 */
function hostileRemovalWorld(who: As): { root: string; victim: string } {
  ensureTestUser();
  const base = tempDir('runner-hostile-');
  const root = path.join(base, 'tree');
  makeTree(
    {
      programs: {
        Y: {
          '1.0': { files: { 'lib/liby.so.1': 'one' } },
          '2.0': { files: { 'lib/sub/victim': 'index entry', 'lib/liby.so.2': 'two' } },
        },
        App: { '1.0': { deps: 'Y < 2.0\n', files: { 'bin/app': SHOW } } },
      },
      current: { Y: '2.0', App: '1.0' },
    },
    root,
  );
  fs.symlinkSync('../../../../victimdir', path.join(root, 'Programs/Y/1.0/lib/sub'));
  linkIndex(root, { Y: '2.0', App: '1.0' });
  const victim = path.join(base, 'victimdir/victim');
  writeFile(victim, 'precious\n');
  shareTree(base);
  if (who === 'user') spawnSync('chown', ['-R', TEST_USER, path.join(base, 'victimdir')]);
  return { root, victim };
}

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: conflict removal never follows a layer's directory symlink out of the view`, () => {
    const { root, victim } = hostileRemovalWorld(who);
    const plan = runnerAs(who, ['--root', root, '--dry-run', 'app']);
    assert.match(plan.stdout, /remove .*System\/Index\/lib\/sub\/victim/, 'the trap is on the removal list');
    const seen = runnerAs(who, ['--root', root, 'app']);
    assert.is(seen.status, 0, seen.stderr);
    assert.match(seen.stdout, /liby\.so\.1/);
    assert.match(seen.stderr, /warning: not removing .*lib\/sub\/victim: .* a symlink is never followed/);
    assert.is(fs.readFileSync(victim, 'utf8'), 'precious\n', 'the host file survives');
  });
}

test('root: -f also covers a namespace that cannot be created', () => {
  const { root } = hostileRemovalWorld('root');
  // Root without CAP_SYS_ADMIN: unshare(CLONE_NEWNS) fails with EPERM.
  const command = [
    'setpriv',
    '--bounding-set=-all',
    '--inh-caps=-all',
    ...runnerCommand('root', ['--root', root, '-f', 'app']),
  ];
  const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8', env: envAs('root') });
  assert.match(
    result.stderr,
    /^Runner: warning: unshare\(CLONE_NEWNS\): Operation not permitted: root here may not mount: it lacks CAP_SYS_ADMIN, or a seccomp filter or security module forbids it \(a container's defaults do\); running without the private view \(-f\)$/m,
  );
  assert.is(result.status, 0, result.stderr);
  const without = spawnSync(command[0], command.filter((w) => w !== '-f').slice(1), {
    encoding: 'utf8',
    env: envAs('root'),
  });
  assert.is(without.status, 122, without.stderr);
});

/** A small tree whose App 1.0 has the given Resources/Dependencies set up by `plant`. */
function plantedWorld(plant: (resources: string, root: string) => void): string {
  const root = makeTree({
    programs: {
      Greet: { '1.0': {}, '2.0': {} },
      App: { '1.0': { files: { 'bin/app': '#!/bin/sh\necho app ran\n' } } },
    },
    current: { Greet: '2.0', App: '1.0' },
  });
  linkIndex(root, { Greet: '2.0', App: '1.0' });
  plant(path.join(root, 'Programs/App/1.0/Resources'), root);
  return root;
}

const resolve = (root: string, ...extra: string[]) =>
  runnerAs('root', ['--root', root, ...extra, '--resolve', 'App'], { timeout: 20_000 });

test('a Resources that is a file, not a directory, holds no metadata: the run resolves, with no internal error', () => {
  const root = plantedWorld((resources) => {
    fs.rmSync(resources, { recursive: true, force: true });
    fs.writeFileSync(resources, 'not a directory\n');
  });
  const result = resolve(root);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /App 1\.0/);
  assert.not.match(result.stderr, /internal error/);
});

test('a FIFO, a device, an oversized file or a broken link as Dependencies is bad metadata (121), never a hang', () => {
  const cases: [string, (resources: string) => void, RegExp][] = [
    [
      'FIFO',
      (r) => spawnSync('mkfifo', [path.join(r, 'Dependencies')]),
      /Dependencies: is a FIFO, not a regular file$/m,
    ],
    [
      '/dev/zero',
      (r) => fs.symlinkSync('/dev/zero', path.join(r, 'Dependencies')),
      /Dependencies: is a device, not a regular file$/m,
    ],
    [
      '5 MiB',
      (r) => fs.writeFileSync(path.join(r, 'Dependencies'), `Greet\n${'#'.repeat(5 * 1024 * 1024)}\n`),
      /Dependencies: is \d+ bytes, more than the 4194304 a metadata file may have$/m,
    ],
    [
      'dangling',
      (r) => fs.symlinkSync('nowhere', path.join(r, 'Dependencies')),
      /Dependencies: is a symlink that leads nowhere$/m,
    ],
    ['loop', (r) => fs.symlinkSync('Dependencies', path.join(r, 'Dependencies')), /Dependencies: is a symlink loop$/m],
    [
      'FIFO Architecture',
      (r) => spawnSync('mkfifo', [path.join(r, 'Architecture')]),
      /Architecture: is a FIFO, not a regular file$/m,
    ],
  ];
  for (const [label, plant, message] of cases) {
    const result = resolve(plantedWorld(plant));
    assert.is(result.status, 121, `${label}: ${result.stderr}`);
    assert.match(result.stderr, message, label);
    assert.is(result.stderr.trim().split('\n').length, 1, `${label}: one line`);
  }
});

test('-d /dev/zero and an Environment FIFO are bad metadata (121) naming the file', () => {
  const root = plantedWorld(() => {});
  const device = runnerAs('root', ['--root', root, '-d', '/dev/zero', '--resolve', 'App'], { timeout: 20_000 });
  assert.is(device.status, 121, device.stderr);
  assert.match(device.stderr, /^Runner: \/dev\/zero: is a device, not a regular file$/m);
  spawnSync('mkfifo', [path.join(root, 'Programs/App/1.0/Resources/Environment')]);
  const fifo = runnerAs('root', ['--root', root, 'app'], { timeout: 20_000 });
  assert.is(fifo.status, 121, fifo.stderr);
  assert.match(fifo.stderr, /Resources\/Environment: is a FIFO, not a regular file$/m);
});

test('a Current that leads into another program is ignored with a warning', () => {
  const root = plantedWorld(() => {});
  makeTree({ programs: { Hello: { '1.0': {} } } }, root);
  fs.writeFileSync(path.join(root, 'Programs/App/1.0/Resources/Dependencies'), 'Greet\n');
  fs.rmSync(path.join(root, 'Programs/Greet/Current'));
  fs.mkdirSync(path.join(root, 'Programs/Greet/1.0/x'));
  fs.symlinkSync('../Hello/1.0', path.join(root, 'Programs/Greet/Current'));
  makeTree({ programs: { Greet: { '1.0': {} } } }, root);
  const result = runnerAs('root', ['--root', root, '--json', '--resolve', 'App']);
  assert.is(result.status, 0, result.stderr);
  assert.match(
    result.stderr,
    /Programs\/Greet\/Current -> \.\.\/Hello\/1\.0 is not a version of Greet; Current ignored/,
  );
  assert.is(JSON.parse(result.stdout).dependencies[0].version, '2.0', 'no Current: the newest');
});

test('control characters from metadata are escaped in every message', () => {
  const root = plantedWorld((r) => writeFile(path.join(r, 'Dependencies'), 'Gr\x1b[31meet \x07>= 1.0\n'));
  const result = resolve(root);
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(result.stderr), JSON.stringify(result.stderr));
  assert.match(result.stderr, /\\x1b/);
});

test('what --resolve, --index and --dry-run print for people escapes names from the tree too', () => {
  // A program directory named so (no Dependencies line could name it: the grammar refuses such
  // characters), reached by the path of its command.
  const evil = 'Ev\x1b[2Jil\u202e';
  const root = makeTree({
    programs: { [evil]: { '1.0': { files: { 'bin/tool\u200b': '#!/bin/sh\n' } } }, Greet: { '1.0': {} } },
    current: { [evil]: '1.0', Greet: '1.0' },
  });
  writeFile(path.join(root, 'Programs', evil, '1.0/Resources/Dependencies'), 'Greet\n');
  const tool = path.join(root, 'Programs', evil, '1.0/bin/tool\u200b');
  const raw = /[\x00-\x09\x0b-\x1f\x7f\u202e\u200b]/;
  const outputs = {
    resolve: runnerAs('root', ['--root', root, '--resolve', tool]),
    index: runnerAs('root', ['--root', root, '--index', '-v']),
    dryRun: runnerAs('root', ['--root', root, '--dry-run', tool]),
  };
  for (const [action, result] of Object.entries(outputs)) {
    assert.is(result.status, 0, `${action}: ${result.stderr}`);
    assert.not.match(result.stdout, raw, `${action}: ${JSON.stringify(result.stdout)}`);
    // --index lists the Index's own names (bin/...), the others the program's directory too.
    assert.match(
      result.stdout,
      action === 'index' ? /bin\/tool\\u200b/ : /Ev\\x1b\[2Jil\\u202e/,
      `${action}: ${JSON.stringify(result.stdout)}`,
    );
  }
  const json = runnerAs('root', ['--root', root, '--resolve', '--json', tool]);
  assert.is(JSON.parse(json.stdout).program.name, evil, "JSON keeps the name itself (its escapes are JSON's)");
});

test('characters that hide or reorder text are escaped too; a byte order mark before the first line is not part of it', () => {
  // Right-to-left override (U+202E), zero-width space (U+200B), pop isolate (U+2069): a name that
  // displays as something else. A byte order mark starts both files, as some editors write them.
  const root = plantedWorld((r) => {
    writeFile(path.join(r, 'Dependencies'), '\ufeffGreet >= 1.0\nEvil\u202e1.0 =< \u200bx\u2069\n');
    writeFile(path.join(r, 'Environment'), '\ufeffexport A=1\n');
  });
  const result = resolve(root);
  assert.is(result.status, 0, result.stderr);
  assert.not.match(result.stderr, /[\u202e\u200b\u2069\ufeff]/);
  assert.match(result.stderr, /Dependencies:2:5: .*\\u202e/);
  assert.not.match(result.stderr, /Dependencies:1:/, 'the first line is read without its byte order mark');
  fs.writeFileSync(path.join(root, 'Programs/App/1.0/bin/app'), '#!/bin/sh\necho "A=$A"\n');
  const launched = runnerAs('root', ['--root', root, 'app']);
  assert.is(launched.stdout, 'A=1\n', launched.stderr);
});

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: -C never writes through a planted symlink, and an unwritable state directory is a clear 122`, () => {
    const root = shareTree(plantedWorld(() => {}));
    const state = shareTree(tempDir('runner-state-'));
    const elsewhere = shareTree(tempDir('runner-elsewhere-'));
    if (who === 'user') spawnSync('chown', ['-R', TEST_USER, state, elsewhere]);
    fs.symlinkSync(elsewhere, path.join(state, 'Runner'));
    const planted = runnerAs(who, ['--root', root, '-C', 'app'], { env: envAs(who, { XDG_STATE_HOME: state }) });
    assert.is(planted.status, 122, planted.stderr);
    assert.match(planted.stderr, /Runner is a symlink; refusing to write through it$/m);
    assert.equal(fs.readdirSync(elsewhere), [], 'nothing was written through the link');
    const unwritable = runnerAs(who, ['--root', root, '-C', 'app'], {
      env: envAs(who, { XDG_STATE_HOME: '/proc/runner-state' }),
    });
    assert.is(unwritable.status, 122, unwritable.stderr);
    assert.match(unwritable.stderr, /^Runner: cannot create \/proc\/runner-state\/Runner: E[A-Z]+$/m);
    // A relative XDG_STATE_HOME is ignored (XDG Base Directory spec): the default under $HOME.
    const relative = runnerAs(who, ['--root', root, '-C', 'app'], {
      env: envAs(who, { XDG_STATE_HOME: 'relative/state' }),
    });
    assert.is(relative.status, 0, relative.stderr);
    const kept = /write layer kept in (\/(root|home\/runner-test)\/\.local\/state\/Runner\/view-\S+) \(-C\)/.exec(
      relative.stderr,
    )?.[1];
    assert.ok(kept, relative.stderr);
    fs.rmSync(kept, { recursive: true }); // kept as asked: the test removes what it made
  });
}

test('Environment files: a value that doubles per line and a NUL are warnings naming the line, not internal errors', () => {
  const doubling = ['A=x', ...Array.from({ length: 40 }, () => 'A=$A$A'), 'export B=fine'].join('\n');
  const root = plantedWorld((r) => {
    writeFile(path.join(r, 'Environment'), `${doubling}\nC=a\0b\n`);
  });
  fs.writeFileSync(path.join(root, 'Programs/App/1.0/bin/app'), '#!/bin/sh\necho "A=${#A} B=$B C=${C-unset}"\n');
  const result = runnerAs('root', ['--root', root, 'app']);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /^A=65536 B=fine C=unset$/m);
  assert.match(result.stderr, /Environment:18: A=… grows beyond 131072 bytes/);
  assert.match(result.stderr, /Environment:43: contains a NUL byte/);
  assert.not.match(result.stderr, /internal error/);
});

// More than a JavaScript call can take as arguments (about 120,000 on this Node): what is read from
// a tree is never spread into a call, and a file's warnings are counted, not all said.
const HUGE = 150_000;

test('huge metadata files: the run goes on, each file says its first 10 problems and counts the rest', () => {
  const root = plantedWorld((r) => {
    writeFile(path.join(r, 'Dependencies'), 'Bad!!line\n'.repeat(HUGE));
    writeFile(
      path.join(r, 'Environment'),
      `${'export A=1\nbogus line\n'.repeat(HUGE)}export ${'B=$A '.repeat(HUGE)}\n`,
    );
  });
  fs.writeFileSync(path.join(root, 'Programs/App/1.0/bin/app'), '#!/bin/sh\necho "A=$A B=$B"\n');
  const result = runnerAs('root', ['--root', root, '--no-cache', 'app']);
  assert.is(result.status, 0, result.stderr.slice(-2000));
  assert.is(result.stdout, 'A=1 B=1\n');
  const lines = result.stderr.trimEnd().split('\n');
  assert.is(lines.length, 22, result.stderr.slice(0, 4000));
  assert.match(lines[0], /Dependencies:1:4: unexpected '!'; line skipped$/);
  assert.match(
    lines[10],
    new RegExp(`Dependencies: ${HUGE - 10} more problems like these not shown \\(${HUGE} in all\\)$`),
  );
  assert.match(lines[11], /Environment:2: 'bogus line' is not an assignment/);
  assert.match(
    lines[21],
    new RegExp(`Environment: ${HUGE - 10} more problems like these not shown \\(${HUGE} in all\\)$`),
  );
});

test(`root: an Index of ${HUGE} entries that all lead into another version is hidden whole`, () => {
  // 300,000 files: in memory where there is a tmpfs (on this disk they take a minute of system time).
  const base = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : tempDir(), 'runner-huge-index-'));
  try {
    const root = makeTree(
      {
        programs: {
          Big: { '1.0': { files: { 'share/big/only-in-1': '' } }, '2.0': {} },
          App: {
            '1.0': {
              deps: 'Big < 2.0\n',
              files: { 'bin/app': '#!/bin/sh\nls "$(dirname "$0")/../share/big" | wc -l\n' },
            },
          },
        },
        current: { Big: '2.0', App: '1.0' },
      },
      base,
    );
    const share = path.join(root, 'Programs/Big/2.0/share/big');
    const index = path.join(root, 'System/Index/share/big');
    fs.mkdirSync(share, { recursive: true });
    fs.mkdirSync(index, { recursive: true });
    for (let i = 0; i < HUGE; i++) {
      fs.writeFileSync(path.join(share, `f${i}`), '');
      fs.symlinkSync(`../../../../Programs/Big/2.0/share/big/f${i}`, path.join(index, `f${i}`));
    }
    linkIndex(root, { App: '1.0' });
    // A plan made within 50 ms of a change to what it read is not kept ("racy"): wait that out.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 80);
    // Through the front as installed, planned once (the plan cache entry is about 24 MB), then warm.
    const { env: counting, count: nodeStarts } = nodeStartCounter(tempDir('runner-marks-'));
    const env = { ...envAs('root'), XDG_CACHE_HOME: tempDir('runner-huge-cache-'), ...counting };
    const launch = () => {
      const before = nodeStarts();
      const result = spawnSync(
        path.join(projectRoot, 'bin/Runner'),
        ['--root', root, path.join(root, 'System/Index/bin/app')],
        { encoding: 'utf8', env },
      );
      return { ...result, viaNode: nodeStarts() > before };
    };
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 80); // files changed just now are not cached ("racy")
    for (const [run, planned] of [
      ['cold', true],
      ['warm', false],
    ] as const) {
      const result = launch();
      assert.is(result.stderr, '', run);
      assert.is(result.stdout.trim(), '1', `${run}: only Big 1.0's own file is left`);
      assert.is(
        result.viaNode,
        planned,
        run === 'warm' ? 'the large plan is kept and run without Node' : 'planned by Node',
      );
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('root refuses metadata in a program directory that another user can write, itself or where its symlink leads', () => {
  ensureTestUser();
  const open = plantedWorld((r) => writeFile(path.join(r, 'Dependencies'), 'Greet\n'));
  const appDir = path.join(open, 'Programs/App');
  fs.chmodSync(appDir, 0o777);
  const refused = resolve(open);
  assert.is(refused.status, 121, refused.stderr);
  assert.match(
    refused.stderr,
    new RegExp(`Dependencies: is in ${appDir}, which is writable by everyone; running as root`),
  );
  fs.chmodSync(appDir, 0o755);
  assert.is(resolve(open).status, 0, "the same tree with the directory root's alone");

  // Programs/App a symlink to a directory others can write: the directory it leads to counts.
  const linked = plantedWorld((r) => writeFile(path.join(r, 'Dependencies'), 'Greet\n'));
  const real = path.join(linked, 'Programs/.App-real');
  fs.renameSync(path.join(linked, 'Programs/App'), real);
  fs.symlinkSync('.App-real', path.join(linked, 'Programs/App'));
  fs.chmodSync(real, 0o777);
  const viaLink = resolve(linked);
  assert.is(viaLink.status, 121, viaLink.stderr);
  assert.match(
    viaLink.stderr,
    new RegExp(
      `Dependencies: is in ${path.join(linked, 'Programs/App')}, which is writable by everyone; running as root`,
    ),
  );
  fs.chmodSync(real, 0o755);
  assert.is(resolve(linked).status, 0, resolve(linked).stderr);
});

test('root refuses metadata that another user can write, unless --trust-tree', () => {
  ensureTestUser();
  const worldWritable = plantedWorld((r) => writeFile(path.join(r, 'Dependencies'), 'Greet\n', 0o666));
  fs.chmodSync(path.join(worldWritable, 'Programs/App/1.0/Resources/Dependencies'), 0o666);
  const refused = resolve(worldWritable);
  assert.is(refused.status, 121, refused.stderr);
  assert.match(
    refused.stderr,
    /Dependencies: is writable by everyone; running as root, Runner does not trust it \(--trust-tree overrides\)$/m,
  );
  assert.is(resolve(worldWritable, '--trust-tree').status, 0);

  const userOwned = plantedWorld((r) => writeFile(path.join(r, 'Environment'), 'export LD_PRELOAD=/tmp/evil.so\n'));
  spawnSync('chown', ['-R', TEST_USER, path.join(userOwned, 'Programs/App')]);
  const launch = runnerAs('root', ['--root', userOwned, 'app']);
  assert.is(launch.status, 121, launch.stderr);
  assert.match(launch.stderr, /is owned by uid \d+, not root; running as root/);
  // The same tree is fine for that user: the policy is about root.
  const asUser = runnerAs('user', ['--root', shareTree(userOwned), 'app']);
  assert.is(asUser.status, 0, asUser.stderr);
});

test("root follows a symlinked Programs or Index directory to where it leads: root's alone is fine, another user's is refused", () => {
  ensureTestUser();
  const uid = Number(spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).stdout);
  const root = plantedWorld(() => undefined);
  // Programs elsewhere, reached through a link (a link's own mode, 0777, means nothing).
  const elsewhere = tempDir('runner-elsewhere-');
  fs.renameSync(path.join(root, 'Programs'), path.join(elsewhere, 'Programs'));
  fs.symlinkSync(path.join(elsewhere, 'Programs'), path.join(root, 'Programs'));
  fs.renameSync(path.join(root, 'System/Index/lib'), path.join(root, 'System/Index/lib64'));
  fs.symlinkSync('lib64', path.join(root, 'System/Index/lib'));
  const launch = () => runnerAs('root', ['--root', root, 'app']);
  const fine = launch();
  assert.is(fine.stderr, '');
  assert.is(fine.stdout, 'app ran\n');
  fs.chownSync(elsewhere, uid, uid);
  const refused = launch();
  assert.is(
    refused.stderr,
    `Runner: ${elsewhere} is owned by uid ${uid}, not root; running as root, Runner does not trust it (--trust-tree overrides)\n`,
  );
  assert.is(refused.status, 121);
});

test('root inside a user namespace that maps it to an ordinary user (a rootless container, unshare -r) is that user: no tree is refused', () => {
  ensureTestUser();
  // Root's files, which the namespace shows as 65534: owned by no one it knows.
  const root = shareTree(plantedWorld(() => undefined));
  const command = runnerCommand('user', ['--root', root, 'app']);
  command.splice(4, 0, 'unshare', '-U', '-r');
  const seen = spawnSync(command[0], command.slice(1), { encoding: 'utf8', cwd: '/', env: envAs('user') });
  assert.is(seen.stderr, '');
  assert.is(seen.stdout, 'app ran\n');
  assert.is(seen.status, 0);
});

test('root refuses to launch from a Programs, an Index or a layer that another user can change, cold and warm, unless --trust-tree', () => {
  ensureTestUser();
  const uid = Number(spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).stdout);
  const root = plantedWorld(() => undefined);
  const { env: counting, count: nodeStarts } = nodeStartCounter(tempDir('runner-marks-'));
  const front = (...args: string[]) =>
    spawnSync(path.join(projectRoot, 'bin/Runner'), ['--root', root, ...args, 'app'], {
      encoding: 'utf8',
      cwd: '/',
      env: { ...envAs('root'), ...counting },
    });
  const refusal = (dir: string, why: string) =>
    `Runner: ${dir} ${why}; running as root, Runner does not trust it (--trust-tree overrides)\n`;
  // Planned and cached while the tree is root's alone.
  for (let i = 0; i < 2; i++) assert.is(front().stdout, 'app ran\n');
  // The directories above the tree are checked for owner and mode only: new entries in them (as a
  // busy /tmp or home has all the time) leave the cached plan valid.
  writeFile(path.join(path.dirname(root), 'unrelated'), 'x');
  writeFile(path.join(os.tmpdir(), `runner-unrelated-${process.pid}`), 'x');
  const before = nodeStarts();
  assert.is(front().stdout, 'app ran\n');
  assert.is(nodeStarts(), before, 'still warm');
  fs.rmSync(path.join(os.tmpdir(), `runner-unrelated-${process.pid}`));
  // A change that hands the tree to the test user, and the change back.
  type Change = [string, () => void, () => void, string];
  const chowned = (dir: string): Change => [
    dir,
    () => fs.chownSync(dir, uid, uid),
    () => fs.chownSync(dir, 0, 0),
    `is owned by uid ${uid}, not root`,
  ];
  const opened = (dir: string): Change => [
    dir,
    () => fs.chmodSync(dir, 0o777),
    () => fs.chmodSync(dir, 0o755),
    'is writable by everyone',
  ];
  const changes: Change[] = [
    // That user could put a libc where the view's LD_LIBRARY_PATH looks first.
    chowned(path.join(root, 'System/Index/lib')),
    // Or swap a program directory for their own between planning and mounting.
    opened(path.join(root, 'Programs')),
    // Or rename the whole tree away: a directory above it.
    chowned(root),
    // A layer's directory the view shows, and a version directory with no metadata file to check.
    chowned(path.join(root, 'Programs/App/1.0/bin')),
    opened(path.join(root, 'Programs/App/1.0')),
  ];
  for (const [dir, change, undo, why] of changes) {
    change();
    const warm = front();
    assert.is(warm.stderr, refusal(dir, why), 'the cached plan is not used');
    assert.is(warm.status, 121);
    if (!dir.includes('/Programs/')) {
      const check = runnerAs('root', ['--root', root, '--check']);
      assert.match(check.stdout, `no  index  ${dir} ${why}: root launches refuse this tree (--trust-tree overrides)\n`);
      assert.is(check.status, 1);
    }
    assert.is(front('--trust-tree').stdout, 'app ran\n');
    undo();
    assert.is(front().stdout, 'app ran\n');
  }
});

test('root: a directory of the view swapped for a symlink to the same directory is noticed by the next warm launch', () => {
  // A cached plan re-checks this directory's identity through the symlink (stat follows it, and
  // finds the same directory), not its owner: the swap must show in its parent's identity.
  const root = plantedWorld(() => undefined);
  const { env: counting, count: nodeStarts } = nodeStartCounter(tempDir('runner-marks-'));
  const front = () =>
    spawnSync(path.join(projectRoot, 'bin/Runner'), ['--root', root, 'app'], {
      encoding: 'utf8',
      cwd: '/',
      env: { ...envAs('root'), ...counting },
    });
  for (let i = 0; i < 2; i++) assert.is(front().stdout, 'app ran\n');
  const warm = nodeStarts();
  assert.is(front().stdout, 'app ran\n');
  assert.is(nodeStarts(), warm, 'warm before the swap');
  const bin = path.join(root, 'Programs/App/1.0/bin');
  fs.renameSync(bin, `${bin}.real`);
  fs.symlinkSync('bin.real', bin);
  const after = front();
  assert.is(nodeStarts(), warm + 1, 'planned again after the swap');
  assert.is(after.stdout, 'app ran\n', after.stderr);
});

test.run();
