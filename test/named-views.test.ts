// Named views (issue 12): real processes in real namespaces, root and rootless. What a view holds
// and who is in it is checked from outside (--list, the host's Index) and from inside (--enter).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { bytePath, linkIndex, makeTree, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, frontCommand, shareTree, TEST_USER, type As } from './helpers/users.js';

ensureTestUser();

/** `writable`: the Index directories are open to everyone, for the test user's writes into the view (root refuses such a tree). */
function tree(writable: boolean): string {
  const root = makeTree({
    programs: {
      App: {
        '1.0': {
          deps: 'Greet < 2.0\n',
          files: { 'bin/app': '#!/bin/sh\necho written > "$INDEX/share/note"\necho started\nexec sleep "${1:-300}"\n' },
        },
      },
      Greet: {
        '1.0': { files: { 'bin/greet': '#!/bin/sh\necho greet 1.0\n' } },
        '2.0': { files: { 'bin/greet': '#!/bin/sh\necho greet 2.0\n' } },
      },
      Tool: { '1.0': { files: { 'bin/tool': '#!/bin/sh\ncat "$INDEX/share/note"; greet\n' } } },
      Clash: { '1.0': { deps: 'Greet >= 2.0\n', files: { 'bin/clash': '#!/bin/sh\ngreet\n' } } },
    },
    current: { App: '1.0', Greet: '2.0', Tool: '1.0', Clash: '1.0' },
  });
  linkIndex(root, { App: '1.0', Greet: '2.0', Tool: '1.0', Clash: '1.0' });
  shareTree(root);
  if (writable) openIndex(root);
  return root;
}

/** Rootless, a write into the view's Index needs the directory's own permission. */
function openIndex(root: string): void {
  for (const dir of ['bin', 'share', 'lib', 'include', 'libexec'])
    fs.chmodSync(path.join(root, 'System/Index', dir), 0o777);
}

function run(who: As, args: string[], env: NodeJS.ProcessEnv = {}) {
  const command = frontCommand(who, args);
  return spawnSync(command[0], command.slice(1), { encoding: 'utf8', cwd: '/', env: envAs(who, env), timeout: 60_000 });
}

function background(who: As, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const command = frontCommand(who, args);
  return spawn(command[0], command.slice(1), { cwd: '/', env: envAs(who, env), stdio: 'ignore' });
}

/** Where `who`'s view records are: root's in /run/Runner, the test user's in their home (no XDG_RUNTIME_DIR). */
function recordsDir(who: As): string {
  return who === 'root' ? '/run/Runner' : `/home/${TEST_USER}/.local/state/Runner/views`;
}

interface Listed {
  name: string;
  processes: number[];
  versions: Record<string, string>;
  rootless: boolean;
}

const listed = (who: As): Listed[] => JSON.parse(run(who, ['--list', '--json']).stdout || '[]') as Listed[];

function waitFor<T>(what: string, probe: () => T | undefined, ms = 15_000): T {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

/** Running (a zombie waiting for its parent to reap it is not). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: two commands in one view share its write layer; a new program grows the view; another version is refused`, () => {
    const root = tree(who === 'user');
    const index = path.join(root, 'System/Index');
    const name = `share-${who}`;
    const first = background(who, ['--root', root, '--name', name, 'app'], { INDEX: index });
    waitFor('the view', () => listed(who).find((v) => v.name === name && v.processes.length > 0));
    waitFor('the note', () =>
      run(who, ['--enter', name, 'cat', `${index}/share/note`]).stdout === 'written\n' ? true : undefined,
    );
    assert.not.ok(fs.existsSync(path.join(index, 'share/note')), 'the write stays in the view');

    // Tool is not in the view: it is added for the whole view, and sees what App wrote.
    const second = run(who, ['--root', root, '--name', name, 'tool'], { INDEX: index });
    assert.is(second.stderr, '');
    assert.is(
      second.stdout,
      'written\ngreet 1.0\n',
      'the view holds Greet 1.0 (App asked for < 2.0), not the Current 2.0',
    );
    const inside = run(who, ['--enter', name, 'sh', '-c', 'tool; ls "$0"', `${index}/bin`], { INDEX: index });
    assert.is(inside.stdout, 'written\ngreet 1.0\napp\nclash\ngreet\ntool\n', '--enter sees the grown view');
    assert.equal(listed(who).find((v) => v.name === name)?.versions, { Greet: '1.0', App: '1.0', Tool: '1.0' });
    // Without a command, --enter starts $SHELL.
    const shell = path.join(root, 'probe-shell');
    fs.writeFileSync(shell, '#!/bin/sh\necho "shell $#"; greet\n', { mode: 0o755 });
    assert.is(run(who, ['--enter', name], { SHELL: shell }).stdout, 'shell 0\ngreet 1.0\n');

    const clash = run(who, ['--root', root, '--name', name, 'clash']);
    assert.is(clash.status, 120);
    assert.is(clash.stderr, `Runner: view '${name}' holds Greet 1.0; Clash 1.0 needs Greet 2.0\n`);

    assert.is(run(who, ['--kill', name, '--signal', 'SIGKILL']).status, 0);
    // The event loop does not run while the test waits synchronously: ask /proc, not the ChildProcess.
    waitFor('the first command to end', () => (alive(first.pid!) ? undefined : true));
    assert.is(
      listed(who).find((v) => v.name === name),
      undefined,
    );
  });

  test(`${who}: entries below the top of the Index are hidden when the view starts and when it grows`, () => {
    // Greet 2.0 and Lib 2.0 (Current, in the Index) each have a file 1.0 lacks, one level down.
    const root = makeTree({
      programs: {
        App: { '1.0': { deps: 'Greet < 2.0\n', files: { 'bin/app': '#!/bin/sh\nexec sleep 300\n' } } },
        Greet: {
          '1.0': { files: { 'share/greet/common': '1' } },
          '2.0': { files: { 'share/greet/common': '2', 'share/greet/only2': '' } },
        },
        Late: {
          '1.0': {
            deps: 'Lib < 2.0\n',
            files: { 'bin/late': '#!/bin/sh\nls -A "$INDEX/share/greet" "$INDEX/share/lib"\n' },
          },
        },
        Lib: {
          '1.0': { files: { 'share/lib/common': '1' } },
          '2.0': { files: { 'share/lib/common': '2', 'share/lib/only2': '' } },
        },
      },
      current: { App: '1.0', Greet: '2.0', Late: '1.0', Lib: '2.0' },
    });
    linkIndex(root, { App: '1.0', Greet: '2.0', Late: '1.0', Lib: '2.0' });
    shareTree(root);
    const index = path.join(root, 'System/Index');
    const name = `deep-${who}`;
    const first = background(who, ['--root', root, '--name', name, 'app']);
    waitFor('the view', () => listed(who).find((v) => v.name === name && v.processes.length > 0));
    const grown = run(who, ['--root', root, '--name', name, 'late'], { INDEX: index });
    assert.is(grown.stderr, '');
    assert.is(grown.stdout, `${index}/share/greet:\ncommon\n\n${index}/share/lib:\ncommon\n`);
    assert.is(
      run(who, ['--enter', name, 'cat', `${index}/share/greet/common`, `${index}/share/lib/common`]).stdout,
      '11',
    );
    assert.ok(
      fs.existsSync(path.join(index, 'share/greet/only2')) && fs.existsSync(path.join(index, 'share/lib/only2')),
      'the host keeps them',
    );
    assert.is(run(who, ['--kill', name, '--signal', 'SIGKILL']).status, 0);
    waitFor('the view to end', () => (alive(first.pid!) ? undefined : true));
  });

  test(`${who}: --enter finds a command whose name is not UTF-8 by its bytes, as the view shows it`, () => {
    const root = tree(who === 'user');
    // 'grüß' in Latin-1, in Greet 1.0 (the view's) and 2.0 (the host Index's).
    const name = Buffer.from('6772fcdf', 'hex');
    for (const version of ['1.0', '2.0'])
      fs.writeFileSync(bytePath(root, `/Programs/Greet/${version}/bin/`, name), `#!/bin/sh\necho bytes ${version}\n`, {
        mode: 0o755,
      });
    fs.symlinkSync(bytePath('../../../Programs/Greet/2.0/bin/', name), bytePath(root, '/System/Index/bin/', name));
    const view = `bytes-${who}`;
    background(who, ['--root', root, '--name', view, 'app'], { INDEX: path.join(root, 'System/Index') });
    waitFor('the view', () => listed(who).find((v) => v.name === view && v.processes.length > 0));
    const command = frontCommand(who, ['--enter', view])
      .map((w) => `'${w}'`)
      .join(' ');
    const entered = spawnSync('sh', ['-c', `${command} "$(printf 'gr\\374\\337')"`], {
      encoding: 'utf8',
      cwd: '/',
      env: envAs(who),
    });
    assert.is(entered.stdout, 'bytes 1.0\n', entered.stderr);
    assert.is(run(who, ['--kill', view]).status, 0);
  });

  test(`${who}: what a growth killed on the way left does not wedge the view; a growth at the same moment gets 122`, () => {
    const root = tree(who === 'user');
    const name = `stuck-${who}`;
    const env = { INDEX: path.join(root, 'System/Index') };
    background(who, ['--root', root, '--name', name, 'app'], env);
    waitFor('the view', () => listed(who).find((v) => v.name === name && v.processes.length > 0));
    const records = recordsDir(who);
    const id = (
      fs
        .readdirSync(records)
        .find(
          (e) => e.endsWith('.json') && JSON.parse(fs.readFileSync(path.join(records, e), 'utf8')).name === name,
        ) as string
    ).slice(0, 16);
    // A growth killed by kill -9: its write directories in the view, its staged record beside it.
    const left = run(who, [
      '--enter',
      name,
      'sh',
      '-c',
      `mkdir "$0/g1-0.upper" "$0/g1-0.work"`,
      path.join(records, `${id}.mnt`),
    ]);
    assert.is(left.status, 0, left.stderr);
    const killed = spawn('sleep', ['0']);
    const staged = path.join(records, `.${id}.grow`);
    const deadRecord = {
      ...JSON.parse(fs.readFileSync(path.join(records, `${id}.json`), 'utf8')),
      stagedBy: { id, pid: killed.pid, start: 'gone' },
    };
    fs.writeFileSync(staged, JSON.stringify(deadRecord), { mode: 0o600 });
    if (who === 'user') spawnSync('chown', [TEST_USER, staged]);
    const grow = run(who, ['--root', root, '--name', name, 'tool'], env);
    assert.is(grow.status, 0, grow.stderr);
    assert.is(grow.stdout, 'written\ngreet 1.0\n');
    assert.equal(listed(who).find((v) => v.name === name)?.versions, { Greet: '1.0', App: '1.0', Tool: '1.0' });
    assert.not.ok(fs.existsSync(staged), "the dead growth's staged record is gone");
    // A growth that holds the view now (a live process staged it): the other gets 122, and the
    // view and its record stay as they were.
    const holder = spawn('sleep', ['60']);
    const start = fs.readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
    fs.writeFileSync(staged, JSON.stringify({ ...deadRecord, stagedBy: { id, pid: holder.pid, start } }), {
      mode: 0o600,
    });
    if (who === 'user') spawnSync('chown', [TEST_USER, staged]);
    const second = run(who, ['--root', root, '--name', name, 'clash'], env);
    assert.is(second.status, 120, 'another version of Greet: refused before any growth');
    const busy = run(who, ['--root', root, '--name', name, 'sh', '-c', 'true'], env);
    assert.is(busy.status, 0, 'a command the view holds everything for joins without growing');
    writeFile(path.join(root, 'Programs/Extra/1.0/bin/extra'), '#!/bin/sh\necho extra\n', 0o755);
    shareTree(root);
    const blocked = run(who, ['--root', root, '--name', name, path.join(root, 'Programs/Extra/1.0/bin/extra')], env);
    assert.is(blocked.status, 122, blocked.stderr);
    assert.match(
      blocked.stderr,
      new RegExp(`view '${name}' is growing in another launch right now; try again when it is done`),
    );
    assert.equal(listed(who).find((v) => v.name === name)?.versions, { Greet: '1.0', App: '1.0', Tool: '1.0' });
    holder.kill('SIGKILL');
    waitFor('the holder to end', () => (alive(holder.pid!) ? undefined : true));
    const grown = run(who, ['--root', root, '--name', name, path.join(root, 'Programs/Extra/1.0/bin/extra')], env);
    assert.is(grown.stdout, 'extra\n', `its holder gone, the view grows: ${grown.stderr}`);
    assert.is(run(who, ['--kill', name]).status, 0);
  });

  test(`${who}: many first launches of one name at once make exactly one view; the others join it`, () => {
    const root = tree(who === 'user');
    const env = { INDEX: path.join(root, 'System/Index') };
    for (let trial = 0; trial < 3; trial++) {
      const name = `race-${who}-${trial}`;
      const launches = Array.from({ length: 12 }, () => background(who, ['--root', root, '--name', name, 'app'], env));
      waitFor(
        'every launch in a view',
        () => {
          const views = listed(who).filter((v) => v.name === name);
          return views.length === 1 && views[0].processes.length >= launches.length ? views : undefined;
        },
        30_000,
      );
      assert.is(listed(who).filter((v) => v.name === name).length, 1, `trial ${trial}: one view`);
      assert.is(run(who, ['--kill', name]).status, 0);
      assert.equal(
        listed(who).filter((v) => v.name === name),
        [],
      );
    }
    const claims = [0, 1, 2].map(
      (trial) => `name-${crypto.createHash('sha256').update(`/race-${who}-${trial}`).digest('hex').slice(0, 32)}.claim`,
    );
    assert.equal(
      fs.readdirSync(recordsDir(who)).filter((e) => claims.includes(e)),
      [],
      'the names are let go with their views',
    );
  });

  test(`${who}: a name that starts with '-' is a name; one whose bytes are not UTF-8 is refused; what a killed launch left is removed`, () => {
    const root = tree(who === 'user');
    const env = { INDEX: path.join(root, 'System/Index') };
    background(who, ['--root', root, '--name', '-x', 'app'], env);
    waitFor('the view -x', () => listed(who).find((v) => v.name === '-x' && v.processes.length > 0));
    assert.is(run(who, ['--enter', '-x', 'greet']).stdout, 'greet 1.0\n');
    assert.is(run(who, ['--kill', '-x']).status, 0);
    const latin1 = frontCommand(who, ['--root', root, '--name'])
      .map((w) => `'${w}'`)
      .join(' ');
    for (const bytes of ['\\376', '\\377', '\\200']) {
      const seen = spawnSync('sh', ['-c', `${latin1} "$(printf '${bytes}')" app`], {
        encoding: 'utf8',
        cwd: '/',
        env: envAs(who, env),
      });
      assert.is(seen.status, 125, bytes);
      assert.match(seen.stderr, /contains bytes that are not UTF-8/);
    }
    const records = recordsDir(who);
    const orphan = path.join(records, '00000000000000b5.mnt');
    fs.mkdirSync(orphan, { recursive: true });
    if (who === 'user') spawnSync('chown', [TEST_USER, orphan]);
    // The temp files of a claim and of a growth whose launch was killed before it removed them.
    const hash = crypto.createHash('sha256').update(`/killed-${who}`).digest('hex').slice(0, 32);
    const killed = [`name-${hash}.claim.999999.tmp`, '.00000000000000b5.grow.999999.tmp'];
    const young = path.join(records, `name-${hash}.claim.999998.tmp`);
    for (const file of [...killed.map((name) => path.join(records, name)), young]) {
      fs.writeFileSync(file, '{}');
      if (who === 'user') spawnSync('chown', [TEST_USER, file]);
      if (file !== young) fs.utimesSync(file, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    }
    run(who, ['--list']);
    assert.not.ok(fs.existsSync(orphan), 'removed by the next look');
    assert.equal(
      fs.readdirSync(records).filter((e) => e.endsWith('.tmp')),
      [path.basename(young)],
      'the temp files older than a minute are removed; a young one may be a launch at work',
    );
    fs.rmSync(young);
  });

  test(`${who}: views nest; an unnamed launch inside belongs to the view; --rename carries children; --kill of the parent ends all, a double-forked daemon too`, () => {
    const root = tree(who === 'user');
    const parent = `outer-${who}`;
    const env = { INDEX: path.join(root, 'System/Index') };
    background(who, ['--root', root, '--name', parent, 'app'], env);
    waitFor('the parent', () => listed(who).find((v) => v.name === parent));
    const marker = who === 'root' ? '311' : '312';
    const runner = frontCommand(who, [])[frontCommand(who, []).length - 1];
    background(who, [
      '--enter',
      parent,
      runner,
      '--root',
      root,
      '--name',
      'inner',
      'sh',
      '-c',
      `setsid sh -c "sleep ${marker} & exit"; exec sleep 300`,
    ]);
    waitFor('the child view', () => listed(who).find((v) => v.name === `${parent}/inner` && v.processes.length >= 2));
    const pidOf = (pattern: string) =>
      waitFor(pattern, () => {
        const found = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).stdout.trim();
        return found ? Number(found) : undefined;
      });
    const daemon = pidOf(`^sleep ${marker}$`);
    // Listed again now: the child view can be seen with two processes before the daemon exists.
    const withDaemon = listed(who);
    assert.ok(
      withDaemon.find((v) => v.name === parent)?.processes.includes(daemon),
      'the daemon is in the parent view too',
    );
    assert.ok(
      withDaemon.find((v) => v.name === `${parent}/inner`)?.processes.includes(daemon),
      'the daemon is in the child view',
    );

    // An unnamed launch inside the parent: no view of its own, but one of the parent's processes.
    const unnamedMarker = who === 'root' ? '313' : '314';
    background(who, ['--enter', parent, runner, '--root', root, 'app', unnamedMarker], env);
    const unnamed = pidOf(`^sleep ${unnamedMarker}$`);
    const views = listed(who);
    assert.ok(views.find((v) => v.name === parent)?.processes.includes(unnamed));
    assert.not.ok(views.find((v) => v.name === `${parent}/inner`)?.processes.includes(unnamed));
    assert.equal(
      views.map((v) => v.name).filter((n) => n.startsWith(parent)),
      [parent, `${parent}/inner`],
    );

    // The tree as --list prints it: the child indented under its parent.
    const text = run(who, ['--list'])
      .stdout.split('\n')
      .filter((l) => l.includes(parent) || l.includes('inner'));
    assert.match(
      text[0],
      new RegExp(
        `^${parent}  ${who === 'root' ? 'root' : 'rootless'}, \\d+ processes, App 1\\.0 \\(\\S+\\) with App 1\\.0, Greet 1\\.0, since `,
      ),
    );
    assert.match(text[1], /^  inner  /);

    // Inside the parent, names are relative to it, and nothing outside it can be reached.
    const inside = (args: string[]) => run(who, ['--enter', parent, runner, ...args]);
    assert.equal(
      (JSON.parse(inside(['--list', '--json']).stdout) as Listed[]).map((v) => v.name),
      ['inner'],
    );
    assert.is(inside(['--enter', 'inner', 'sh', '-c', 'greet']).stdout, 'greet 1.0\n');
    const leave = inside(['--enter', parent, 'true']);
    assert.is(leave.status, 127);
    assert.match(leave.stderr, new RegExp(`no live view named '${parent}'`));

    assert.is(run(who, ['--rename', parent, `${parent}-2`]).status, 0);
    assert.equal(
      listed(who)
        .map((v) => v.name)
        .filter((n) => n.startsWith(parent)),
      [`${parent}-2`, `${parent}-2/inner`],
    );
    const killed = run(who, ['--kill', `${parent}-2`]);
    assert.is(killed.status, 0, killed.stderr);
    for (const pid of [daemon, unnamed]) assert.not.ok(alive(pid), `process ${pid} is gone`);
    assert.equal(
      listed(who).filter((v) => v.name.startsWith(parent)),
      [],
    );
  });

  test(`${who}: --rename; a view whose processes all died by kill -9 is not listed, its record is removed`, () => {
    const root = tree(who === 'user');
    const name = `stale-${who}`;
    background(who, ['--root', root, '--name', name, 'app'], { INDEX: path.join(root, 'System/Index') });
    waitFor('the view', () => listed(who).find((v) => v.name === name));
    assert.is(run(who, ['--rename', name, `${name}-renamed`]).status, 0);
    const view = waitFor('the renamed view', () => listed(who).find((v) => v.name === `${name}-renamed`));
    for (const pid of view.processes) process.kill(pid, 'SIGKILL');
    waitFor('the processes to die', () => (view.processes.some(alive) ? undefined : true));
    assert.equal(
      listed(who).filter((v) => v.name.startsWith(name)),
      [],
    );
    assert.is(run(who, ['--enter', `${name}-renamed`, 'true']).status, 127);
  });
}

test("another user cannot see, enter or kill a view; root sees and ends a user's view", () => {
  const root = tree(false);
  const env = { INDEX: path.join(root, 'System/Index') };
  background('root', ['--root', root, '--name', 'secret', 'app'], env);
  waitFor("root's view", () => listed('root').find((v) => v.name === 'secret'));
  assert.equal(listed('user'), []);
  for (const action of [
    ['--enter', 'secret', 'true'],
    ['--kill', 'secret'],
  ]) {
    const refused = run('user', action);
    assert.is(refused.status, 127);
    assert.match(refused.stderr, /no live view named 'secret'/);
  }
  assert.ok(
    listed('root').find((v) => v.name === 'secret'),
    'still running',
  );
  assert.is(run('root', ['--kill', 'secret']).status, 0);

  openIndex(root);
  background('user', ['--root', root, '--name', 'mine', 'app'], env);
  const theirs = waitFor("the user's view, seen by root", () =>
    listed('root').find((v) => v.name === '~runner-test/mine'),
  );
  assert.is(theirs.rootless, true);
  assert.is(run('root', ['--enter', '~runner-test/mine', 'cat', `${env.INDEX}/share/note`]).stdout, 'written\n');
  // Root enters a user's view as that user: the same identity the user has in it, not an unmapped root.
  const idInside = (who: As, name: string) => run(who, ['--enter', name, 'sh', '-c', 'id -u; id -G']).stdout;
  assert.is(idInside('root', '~runner-test/mine'), idInside('user', 'mine'));

  // Records are the user's to write, so never trusted: a record naming root's cgroup (where this
  // test runs) is not a root view; one whose namespace ids match a live user namespace but not a
  // mount namespace in it (ids are reused inode numbers) is stale; a FIFO does not hang --list.
  const uid = Number(spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).stdout);
  const userDir = recordsDir('user');
  const cgroupMount = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[f.indexOf('-') + 1] === 'cgroup2')![4];
  const ownCgroup = path.join(cgroupMount, /^0::(\/.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'))![1]);
  for (const forged of ['a1', 'a2', 'a3'])
    for (const ext of ['json', 'ns']) fs.rmSync(path.join(userDir, `00000000000000${forged}.${ext}`), { force: true });
  const isMine = (e: string) =>
    e.endsWith('.json') &&
    fs.lstatSync(path.join(userDir, e)).isFile() &&
    JSON.parse(fs.readFileSync(path.join(userDir, e), 'utf8')).name === 'mine';
  const mineId = fs.readdirSync(userDir).find(isMine);
  const mineNs = fs.readFileSync(path.join(userDir, String(mineId).replace('.json', '.ns')), 'utf8');
  const forge = (id: string, name: string, ns: string, cgroup?: string) => {
    const record = {
      id,
      name,
      parent: null,
      uid: 0,
      rootless: false,
      started: new Date().toISOString(),
      program: 'x',
      versions: {},
      arch: 'x86_64',
      envOps: [],
      mounts: [],
      generation: 0,
      cgroup,
    };
    for (const [file, text] of [
      [`${id}.json`, JSON.stringify(record)],
      [`${id}.ns`, ns],
    ]) {
      fs.writeFileSync(path.join(userDir, file), text);
      fs.chownSync(path.join(userDir, file), uid, uid);
    }
  };
  const rootCgroup = path.join(ownCgroup, 'runner-view-00000000000000a1');
  if (fs.existsSync(rootCgroup)) fs.rmdirSync(rootCgroup);
  fs.mkdirSync(rootCgroup);
  const rootProcess = spawn('sleep', ['315'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(rootCgroup, 'cgroup.procs'), String(rootProcess.pid));
  forge('00000000000000a1', 'forged-cgroup', 'user:[1]\nmnt:[1]\n', rootCgroup);
  forge('00000000000000a2', 'reused-ids', `${mineNs.split('\n')[0]}\nmnt:[4026531840]\n`);
  spawnSync('mkfifo', [path.join(userDir, '00000000000000a3.json')]);
  fs.chownSync(path.join(userDir, '00000000000000a3.json'), uid, uid);
  const names = listed('root').map((v) => v.name);
  assert.ok(names.includes('~runner-test/mine'));
  assert.not.ok(
    names.some((n) => /forged|reused/.test(n)),
    names.join(', '),
  );
  assert.is(run('root', ['--kill', '~runner-test/forged-cgroup']).status, 127);
  assert.is(run('root', ['--enter', '~runner-test/reused-ids', 'true']).status, 127);
  assert.ok(alive(rootProcess.pid!), "root's process in the cgroup the record named was not signalled");
  rootProcess.kill('SIGKILL');
  waitFor('the root process to end', () => (alive(rootProcess.pid!) ? undefined : true));
  fs.rmdirSync(rootCgroup);
  fs.rmSync(path.join(userDir, '00000000000000a3.json'));

  // A record whose name no --name gives (the user wrote it so): listed escaped, on one line, and
  // root can still end it by that text or by its id.
  const minePath = path.join(userDir, String(mineId));
  fs.writeFileSync(
    minePath,
    JSON.stringify({ ...JSON.parse(fs.readFileSync(minePath, 'utf8')), name: 'daemon\u001b[2J\nfake line' }),
  );
  const text = run('root', ['--list']).stdout;
  assert.match(
    text,
    /^~runner-test\/daemon\\x1b\[2J\\x0afake line \(a name no --name gives; id [0-9a-f]{16}\)  rootless, /m,
  );
  assert.not.match(text, /^fake line/m);
  assert.not.ok(text.includes('\u001b'), 'no escape character reaches the terminal');
  assert.ok(listed('root').some((v) => v.name === '~runner-test/daemon\\x1b[2J\\x0afake line'));
  assert.is(run('root', ['--kill', '~runner-test/daemon\\x1b[2J\\x0afake line']).status, 0);
  assert.equal(listed('user'), []);
});

test('names with /, .., control characters or over 255 bytes are refused', () => {
  // A tree root would refuse (121): a name that can never be used is said first, as a usage error.
  const root = tree(true);
  for (const [name, why] of [
    ['a/b', "contains '/'"],
    ['..', 'is . or ..'],
    ['x\u0001y', 'contains a control character'],
    ['n'.repeat(256), 'is longer than 255 bytes'],
  ]) {
    const seen = run('root', ['--root', root, `--name=${name}`, 'app']);
    assert.is(seen.status, 125, name);
    assert.match(seen.stderr, new RegExp(`Runner: view name '.*' ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  }
  assert.is(run('root', ['--root', root, '--name=', 'app']).stderr, 'Runner: --name needs a value\n');
  assert.is(run('root', ['--kill', '../x']).status, 125);
});

test.run();
