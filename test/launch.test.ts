// The launcher for real: namespaces, overlays and processes, as root and as an unprivileged user.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { groupLayers, MAX_LOWER_LAYERS, type Group } from '../src/overlay/plan.js';
import { ARGV_DUMP, compile, DENY_SYSCALLS } from './helpers/cc.js';
import { projectRoot } from './helpers/run.js';
import { bytePath, linkIndex, makeTree, tempDir, writeFile } from './helpers/tree.js';
import {
  ensureTestUser,
  envAs,
  frontCommand,
  rootlessPackage,
  runnerAs,
  runnerCommand,
  shareTree,
  type As,
} from './helpers/users.js';

const SHOW = `#!/bin/sh
idx=\${LD_LIBRARY_PATH%%:*}/..
echo "greet=$(greet)"
echo "lib=$(ls $idx/lib | tr '\\n' ' ')"
echo "bin=$(ls $idx/bin | tr '\\n' ' ')"
`;
const TOOL = `#!/bin/sh
idx=\${LD_LIBRARY_PATH%%:*}/..
case "$1" in
  status) exit "$2" ;;
  term) kill -TERM $$ ;;
  wait) echo ready; exec sleep 100 ;;
  write) echo written > "$idx/bin/newfile" && cat "$idx/bin/newfile" ;;
  pid) echo $$ ;;
  extra) extra ;;
esac
`;

/** 'dümp' in Latin-1: not UTF-8, so only its bytes name the file. */
const LATIN1_DUMP = Buffer.from('64fc6d70', 'hex');
/** 'grüß' in Latin-1. */
const LATIN1_GREET = Buffer.from('6772fcdf', 'hex');
/** 'dür', 'café' and 'cafè' in Latin-1: as text (U+FFFD for the odd byte) the last two are one name. */
const LATIN1_DIR = Buffer.from('64fc72', 'hex');
const LATIN1_CAFE_ACUTE = Buffer.from('636166e9', 'hex');
const LATIN1_CAFE_GRAVE = Buffer.from('636166e8', 'hex');

function world(): string {
  ensureTestUser();
  const root = makeTree({
    programs: {
      Greet: {
        '1.0': { files: { 'bin/greet': '#!/bin/sh\necho Greet 1.0\n' } },
        '2.0': { files: { 'bin/greet': '#!/bin/sh\necho Greet 2.0\n' } },
      },
      LibFoo: { '1.0': { files: { 'lib/libfoo.so.1': 'one' } }, '2.0': { files: { 'lib/libfoo.so.2': 'two' } } },
      App: { '1.0': { deps: 'Greet >= 1.0, < 2.0\nLibFoo < 2.0\n', files: { 'bin/app': SHOW } } },
      Extra: {
        '1.0': { files: { 'bin/extra': '#!/bin/sh\necho Extra 1.0\n' } },
        '2.0': { files: { 'bin/extra': '#!/bin/sh\necho Extra 2.0\n' } },
      },
      Tool: { '1.0': { deps: 'Greet\n', files: { 'bin/tool': TOOL } } },
      Dump: { '1.0': { deps: 'LibFoo < 2\n' } },
      Broken: { '1.0': { files: { 'bin/true': '#!/no/such/interpreter\n' } } },
    },
    current: { Greet: '2.0', LibFoo: '2.0', App: '1.0', Extra: '2.0', Tool: '1.0', Dump: '1.0' },
  });
  compile(ARGV_DUMP, path.join(root, 'Programs/Dump/1.0/bin/dump'));
  linkIndex(root, { Greet: '2.0', LibFoo: '2.0', App: '1.0', Extra: '2.0', Tool: '1.0', Dump: '1.0' });
  /** A copy of a version's command under a name that is not UTF-8, in its bin and linked in the Index. */
  const latin1Command = (version: string, command: string, name: Buffer) => {
    fs.copyFileSync(
      path.join(root, `Programs/${version}/bin/${command}`),
      bytePath(root, `/Programs/${version}/bin/`, name),
    );
    fs.symlinkSync(bytePath(`../../../Programs/${version}/bin/`, name), bytePath(root, '/System/Index/bin/', name));
  };
  // The same program under a name that is not UTF-8 (Latin-1 'dümp').
  latin1Command('Dump/1.0', 'dump', LATIN1_DUMP);
  // And a command of Greet 2.0 (the Index's version, not App's) under the Latin-1 name 'grüß'.
  latin1Command('Greet/2.0', 'greet', LATIN1_GREET);
  // Both Greets have share/dür/doc, which the Index links to 2.0's; 1.0 has share/café, 2.0 has
  // share/cafè, which the Index links too.
  for (const version of ['1.0', '2.0']) {
    fs.mkdirSync(bytePath(root, `/Programs/Greet/${version}/share/`, LATIN1_DIR), { recursive: true });
    fs.writeFileSync(bytePath(root, `/Programs/Greet/${version}/share/`, LATIN1_DIR, '/doc'), `doc ${version}\n`);
  }
  fs.writeFileSync(bytePath(root, '/Programs/Greet/1.0/share/', LATIN1_CAFE_ACUTE), '');
  fs.writeFileSync(bytePath(root, '/Programs/Greet/2.0/share/', LATIN1_CAFE_GRAVE), '');
  fs.mkdirSync(bytePath(root, '/System/Index/share/', LATIN1_DIR), { recursive: true });
  fs.symlinkSync(
    bytePath('../../../../Programs/Greet/2.0/share/', LATIN1_DIR, '/doc'),
    bytePath(root, '/System/Index/share/', LATIN1_DIR, '/doc'),
  );
  fs.symlinkSync(
    bytePath('../../../Programs/Greet/2.0/share/', LATIN1_CAFE_GRAVE),
    bytePath(root, '/System/Index/share/', LATIN1_CAFE_GRAVE),
  );
  // A file only Greet 2.0 has, below the top of the Index's share: hiding it from a view of 1.0
  // removes an entry in a directory that only the (root-owned) Index provides.
  writeFile(path.join(root, 'Programs/Greet/2.0/share/greet/only2'), '');
  fs.mkdirSync(path.join(root, 'System/Index/share/greet'));
  fs.symlinkSync('../../../../Programs/Greet/2.0/share/greet/only2', path.join(root, 'System/Index/share/greet/only2'));
  return shareTree(root);
}

const root = world();
const hex = (s: string | Buffer) => Buffer.from(s).toString('hex');
const hostMounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8');

for (const who of ['root', 'user'] as As[]) {
  const run = (...args: string[]) => runnerAs(who, ['--root', root, ...args]);

  test(`${who}: the program sees its chosen versions, other versions hidden, -R shows them`, () => {
    const seen = run('app');
    assert.is(seen.status, 0, seen.stderr);
    assert.match(seen.stdout, /^greet=Greet 1\.0$/m);
    assert.match(seen.stdout, /^lib=libfoo\.so\.1 $/m);
    const unremoved = run('-R', 'app');
    assert.match(unremoved.stdout, /^lib=libfoo\.so\.1 libfoo\.so\.2 $/m);
    // Below the top of an overlay too, also rootless, where the directory is not the user's.
    const nested = (...options: string[]) =>
      run(
        ...options,
        '--with',
        'Greet/1.0',
        'sh',
        '-c',
        'ls -A "$1"/share/greet; echo end',
        'sh',
        `${root}/System/Index`,
      );
    assert.equal([nested().status, nested().stdout], [0, 'end\n'], nested().stderr);
    assert.is(nested('-R').stdout, 'only2\nend\n');
    assert.ok(fs.existsSync(path.join(root, 'System/Index/share/greet/only2')), 'the host keeps it');
    assert.not.match(hostMounts(), new RegExp(root));
    assert.is(
      spawnSync(path.join(root, 'System/Index/bin/greet'), { encoding: 'utf8' }).stdout,
      'Greet 2.0\n',
      'host view unchanged',
    );
  });

  test(`${who}: -p leaves the rest of the Index out`, () => {
    const seen = run('-p', 'app');
    assert.match(seen.stdout, /^bin=app greet $/m, seen.stderr);
    // (The Latin-1 'dümp' lists as undecodable text; where ls sorts it depends on the locale.)
    assert.match(run('app').stdout, /^bin=app (dump d\uFFFDmp|d\uFFFDmp dump) extra greet tool $/m);
  });

  test(`${who}: -d FILE adds layers on top`, () => {
    const file = path.join(root, `extra-deps-${who}`);
    writeFile(file, 'Extra < 2.0\n');
    shareTree(root);
    const seen = runnerAs(who, ['--root', root, '-d', file, 'tool', 'extra']);
    assert.is(seen.stdout, 'Extra 1.0\n', seen.stderr);
    assert.is(run('tool', 'extra').stdout, 'Extra 2.0\n');
    const conflict = runnerAs(who, ['--root', root, '-d', file, 'extra']);
    assert.is(conflict.status, 120);
    assert.match(
      conflict.stderr,
      /\n {2}Because Extra 2\.0 is the program being run and .* needs Extra < 2\.0, the run cannot be satisfied\.\n$/,
    );
  });

  test(`${who}: --with runs any command inside a program's view, resolved with everything else`, () => {
    const seen = run('--with', 'Greet/1.0', 'sh', '-c', 'greet; printf "%s\\n" "$1"', 'sh', 'arg  one');
    assert.is(seen.status, 0, seen.stderr);
    assert.is(seen.stdout, 'Greet 1.0\narg  one\n');
    assert.is(run('--with', 'greet', 'greet').stdout, 'Greet 2.0\n', 'no version: Current; any letter case');
    const clash = run('--with', 'Greet/2.0', 'app');
    assert.is(clash.status, 120);
    assert.match(
      clash.stderr,
      /Because App 1\.0 needs Greet >= 1\.0, < 2\.0 and App 1\.0 is the program being run, the run needs Greet 1\.0\.\n {2}And because --with Greet\/2\.0 needs Greet = 2\.0, the run cannot be satisfied\.\n$/,
    );
  });

  test(`${who}: a PATH directory the caller may not search is passed over, as a shell does`, () => {
    // Only root may enter it (root itself enters anything): before it, the user's launch stopped with an internal error.
    const closed = path.join(root, 'closed-dir');
    fs.mkdirSync(closed, { recursive: true });
    fs.chmodSync(closed, 0o700);
    const seen = runnerAs(who, ['--root', root, '--with', 'Greet/1.0', 'sh', '-c', 'greet'], {
      env: envAs(who, { PATH: `${closed}:/usr/bin:/bin` }),
    });
    assert.is(seen.stderr, '');
    assert.is(seen.stdout, 'Greet 1.0\n');
  });

  test(`${who}: a working directory inside the Index shows the view, as the command's PATH does`, () => {
    const bin = path.join(root, 'System/Index/bin');
    const args = ['--root', root, '--with', 'Greet/1.0', 'sh', '-c', './greet; greet; pwd'];
    // Planned by Node, then (through the front) planned and cached, then run from the cache.
    for (const command of [runnerCommand(who, args), frontCommand(who, args), frontCommand(who, args)]) {
      const seen = spawnSync(command[0], command.slice(1), { encoding: 'utf8', cwd: bin, env: envAs(who) });
      assert.is(seen.stdout, `Greet 1.0\nGreet 1.0\n${bin}\n`, seen.stderr);
    }
  });

  test(`${who}: a view inside a view works; one level deeper, overlayfs's limit is named, and -f runs without it`, () => {
    const cli = path.join(who === 'root' ? projectRoot : rootlessPackage(), 'dist/bundle/main.cjs');
    const runner = `'${process.execPath}' '${cli}' --root '${root}'`;
    const third = (options: string) => `${runner} ${options} --with Greet/1.0 sh -c greet`;
    const script = `greet; ${runner} --with Greet/2.0 sh -c "greet; ${third('')}; echo \\$?; ${third('-f')}"`;
    const seen = run('--with', 'Greet/1.0', 'sh', '-c', script);
    assert.is(seen.stdout, 'Greet 1.0\nGreet 2.0\n122\nGreet 2.0\n', seen.stderr);
    assert.match(
      seen.stderr,
      /^Runner: fsconfig create \S+\/System\/Index\/\w+ \(\d+ layers\): Invalid argument \(\S+\/System\/Index\/\w+ is an overlay already, a view's: overlayfs stacks no more than two deep/m,
    );
    assert.match(seen.stderr, /; running without the private view \(-f\)$/m);
  });

  test(`${who}: a program that cannot start fails with 126 naming what is missing, never runs the host's namesake`, () => {
    // Broken 1.0's `true` needs an interpreter that does not exist; /usr/bin/true is on PATH too.
    const seen = run('--with', 'Broken/1.0', 'true');
    assert.is(seen.status, 126, seen.stderr);
    assert.match(
      seen.stderr,
      /^Runner: .*System\/Index\/bin\/true: cannot execute: its interpreter \/no\/such\/interpreter was not found\n$/,
    );
    const missing = run('no-such-command-anywhere');
    assert.is(missing.status, 127);
  });

  test(`${who}: exit status and signals are the program's own`, () => {
    assert.is(run('tool', 'status', '7').status, 7);
    assert.is(run('tool', 'status', '0').status, 0);
    const killed = run('tool', 'term');
    assert.is(killed.signal, 'SIGTERM', 'dies of the same signal, as if run directly');
    const command = runnerCommand(who, ['--root', root, 'tool', 'term'])
      .map((w) => `'${w}'`)
      .join(' ');
    const shell = spawnSync('sh', ['-c', `${command}; echo "status $?"`], {
      encoding: 'utf8',
      env: envAs(who),
      cwd: '/',
    });
    assert.is(shell.stdout.trim(), 'status 143', 'a shell reports 128+15');
  });

  test(`${who}: argv arrives byte for byte and the pid is kept`, () => {
    const args = ['a b', '"double"', "'single'", '$HOME', '', 'line1\nline2', '*', '-v', '--', 'ünïcödé'];
    const seen = run('dump', ...args);
    assert.is(seen.status, 0, seen.stderr);
    const [pidLine, ...argvHex] = seen.stdout.trim().split('\n');
    assert.equal(argvHex, ['dump', ...args].map(hex));
    assert.is(pidLine, `pid ${seen.pid}`, 'the program has the pid Runner was started with');
    // Bytes that are not UTF-8 go through unchanged too.
    const command = runnerCommand(who, ['--root', root, 'dump'])
      .map((w) => `'${w}'`)
      .join(' ');
    const raw = spawnSync('bash', ['-c', `${command} $'\\xff\\xfe' $'caf\\xe9'`], {
      encoding: 'utf8',
      env: envAs(who),
      cwd: '/',
    });
    assert.equal(raw.stdout.trim().split('\n').slice(2), ['fffe', '636166e9'], raw.stderr);
  });

  test(`${who}: a command whose name is not UTF-8 is found by its bytes and runs under that name`, () => {
    const command = runnerCommand(who, ['--root', root])
      .map((w) => `'${w}'`)
      .join(' ');
    const shell = (line: string) => spawnSync('bash', ['-c', line], { encoding: 'utf8', env: envAs(who), cwd: '/' });
    // On PATH (the Index's bin, as the view shows it) ...
    const onPath = shell(`${command} $'d\\xfcmp' $'\\xff'`);
    assert.is(onPath.status, 0, onPath.stderr);
    assert.equal(onPath.stdout.trim().split('\n').slice(1), [LATIN1_DUMP.toString('hex'), 'ff']);
    // ... and by its path, which reaches the program as it was given.
    const file = bytePath(`${root}/Programs/Dump/1.0/bin/`, LATIN1_DUMP);
    const byPath = shell(`${command} '${root}/Programs/Dump/1.0/bin/'$'d\\xfcmp'`);
    assert.is(byPath.status, 0, byPath.stderr);
    assert.equal(byPath.stdout.trim().split('\n').slice(1), [file.toString('hex')]);
    // Greet 2.0's 'grüß' is in the host's Index; App's view (Greet 1.0) hides it.
    const inView = run('app');
    assert.match(inView.stdout, /^bin=app (dump d\uFFFDmp|d\uFFFDmp dump) extra greet tool $/m, inView.stderr);
    assert.ok(
      fs.readdirSync(path.join(root, 'System/Index/bin'), { encoding: 'buffer' }).some((n) => n.equals(LATIN1_GREET)),
      'the host keeps it',
    );
    const plan = JSON.parse(run('--dry-run', '--json', 'app').stdout);
    assert.ok(plan.removals.includes(`${root}/System/Index/bin/gr\uFFFD\uFFFD`), plan.removals.join(' '));
    // Such names in a layer are compared by their bytes too: Greet 1.0's 'dür/doc' stays in its
    // view, and 2.0's 'cafè' goes although 1.0 has a 'café'.
    const share = run(
      '--with',
      'Greet/1.0',
      'sh',
      '-c',
      'cat "$1"/share/d*/doc; ls -1 "$1"/share | od -An -tx1 | tr -d " \\n"',
      'sh',
      `${root}/System/Index`,
    );
    assert.is(share.status, 0, share.stderr);
    const [doc, names] = share.stdout.split('\n');
    assert.is(doc, 'doc 1.0');
    assert.ok(names.includes(LATIN1_CAFE_ACUTE.toString('hex')) && names.includes(LATIN1_DIR.toString('hex')), names);
    assert.not.ok(names.includes(LATIN1_CAFE_GRAVE.toString('hex')), names);
    assert.ok(
      fs
        .readdirSync(path.join(root, 'System/Index/share'), { encoding: 'buffer' })
        .some((n) => n.equals(LATIN1_CAFE_GRAVE)),
      'the host keeps it',
    );
    // --resolve and --dry-run take it as bytes too (and show it as text).
    const resolved = shell(
      `${runnerCommand(who, ['--root', root, '--resolve', '--json'])
        .map((w) => `'${w}'`)
        .join(' ')} $'d\\xfcmp'`,
    );
    assert.is(resolved.status, 0, resolved.stderr);
    assert.is(JSON.parse(resolved.stdout).program.name, 'Dump');
    const dry = shell(
      `${runnerCommand(who, ['--root', root, '--dry-run', '--json'])
        .map((w) => `'${w}'`)
        .join(' ')} $'d\\xfcmp'`,
    );
    assert.is(dry.status, 0, dry.stderr);
    assert.is(JSON.parse(dry.stdout).exec.file, `${root}/System/Index/bin/d\uFFFDmp`);
    // A PATH directory whose name is not UTF-8 ('bïn' in Latin-1) is searched by its bytes, by
    // Runner and in the view, and the program gets its path as found.
    const binDir = bytePath(`${root}/host-`, Buffer.from('62ef6e', 'hex'));
    if (!fs.existsSync(binDir)) {
      fs.mkdirSync(binDir);
      fs.writeFileSync(
        bytePath(binDir, '/hostcmd'),
        `#!/bin/sh\nprintf '%s' "$0" | od -An -tx1 | tr -d ' \\n'; echo\n`,
        { mode: 0o755 },
      );
      shareTree(root);
    }
    const onBytePath = shell(`PATH='${root}/host-'$'b\\xefn':"$PATH" ${command} hostcmd`);
    assert.is(onBytePath.status, 0, onBytePath.stderr);
    assert.is(onBytePath.stdout.trim(), bytePath(binDir, '/hostcmd').toString('hex'));
    // A name that is not there is still "not found", named as well as text can.
    const missing = shell(`${command} $'n\\xf6pe'`);
    assert.is(missing.status, 127);
    assert.match(missing.stderr, /n\uFFFDpe: command not found/);
  });

  test(`${who}: a file written into the view is gone afterwards`, () => {
    const seen = run('tool', 'write');
    assert.is(seen.stdout, 'written\n', seen.stderr);
    assert.not.ok(fs.existsSync(path.join(root, 'System/Index/bin/newfile')));
    assert.not.ok(fs.existsSync(path.join(root, 'Programs/Tool/1.0/bin/newfile')));
  });

  test(`${who}: after kill -9 no mount and no file remains`, async () => {
    const home = envAs(who).HOME as string;
    const snapshot = () => ({
      tmp: fs.readdirSync(os.tmpdir()).sort(),
      state: fs.existsSync(path.join(home, '.local/state/Runner'))
        ? fs.readdirSync(path.join(home, '.local/state/Runner'))
        : [],
    });
    const before = snapshot();
    const command = runnerCommand(who, ['--root', root, 'tool', 'wait']);
    const child = spawn(command[0], command.slice(1), {
      env: envAs(who),
      cwd: '/',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const inside = fs.readFileSync(`/proc/${child.pid}/mountinfo`, 'utf8');
    assert.match(inside, new RegExp(`${root}/System/Index/bin .* - overlay`), 'the running program has the overlay');
    assert.not.match(hostMounts(), new RegExp(root), 'the host does not');
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    assert.is(await exited, 'SIGKILL');
    assert.not.match(hostMounts(), new RegExp(root));
    assert.equal(snapshot(), before, 'nothing new in /tmp or ~/.local/state/Runner');
  });

  test(`${who}: --dry-run prints the plan and runs nothing`, () => {
    const marker = path.join(os.tmpdir(), `runner-dry-${who}`);
    const seen = run('--dry-run', '--json', 'tool', 'write', marker);
    assert.is(seen.status, 0, seen.stderr);
    const plan = JSON.parse(seen.stdout);
    assert.is(plan.format, 'runner-plan/1');
    assert.is(plan.rootless, who === 'user');
    assert.equal(
      plan.mounts.map((m: { target: string }) => path.basename(m.target)),
      ['bin', 'share'],
      'Greet 2.0 has a share directory too',
    );
    assert.equal(plan.mounts[0].layers, [
      path.join(root, 'Programs/Greet/2.0/bin'),
      path.join(root, 'Programs/Tool/1.0/bin'),
      path.join(root, 'System/Index/bin'),
    ]);
    assert.equal(plan.exec.argv, ['tool', 'write', marker]);
    assert.not.ok(fs.existsSync(path.join(root, 'System/Index/bin/newfile')));
  });

  test(`${who}: a missing Index is a clear error`, () => {
    const bare = shareTree(makeTree({ programs: { A: { '1': { files: { 'bin/a': '#!/bin/sh\n' } } } } }));
    fs.rmSync(path.join(bare, 'System'), { recursive: true });
    const seen = runnerAs(who, ['--root', bare, path.join(bare, 'Programs/A/1/bin/a')]);
    assert.is(seen.status, 122);
    assert.is(seen.stderr, `Runner: the Index ${path.join(bare, 'System/Index')} does not exist (wrong --root?)\n`);
  });

  test(`${who}: a --root that is not a directory is named, whatever the action`, () => {
    const shared = shareTree(tempDir());
    writeFile(path.join(shared, 'file'), 'x');
    const cases: [string, string][] = [
      [path.join(shared, 'gobbo'), 'no such directory'],
      [path.join(shared, 'file'), 'not a directory'],
    ];
    if (who === 'user') cases.push([path.join(tempDir(), 'gobo'), 'cannot be reached (EACCES)']);
    for (const [root, problem] of cases) {
      for (const args of [['app'], ['--resolve', 'App'], ['--index']]) {
        const seen = runnerAs(who, ['--root', root, ...args]);
        assert.is(seen.stderr, `Runner: --root ${root}: ${problem}\n`);
        assert.is(seen.status, 125);
      }
    }
  });
}

test('user: an Index the user cannot enter is a clear error, and -f runs without the view', () => {
  const closed = world();
  fs.chmodSync(path.join(closed, 'System/Index'), 0o700);
  const app = path.join(closed, 'Programs/App/1.0/bin/app');
  const seen = runnerAs('user', ['--root', closed, app]);
  assert.is(seen.status, 122);
  assert.is(seen.stderr, `Runner: ${closed}/System/Index/bin: EACCES; cannot build the view\n`);
  const fallback = runnerAs('user', ['--root', closed, '-f', app]);
  assert.is(
    fallback.stderr.split('\n')[0],
    `Runner: warning: ${closed}/System/Index/bin: EACCES; running without the private view (-f)`,
  );
  assert.is(fallback.status, 0);
  assert.match(fallback.stdout, /^greet=$/m, 'no view: greet is not found');
});

/**
 * A real program linked against a real shared library, two versions of which are installed with
 * the same soname (as a minor upgrade keeps it), and a plugin it dlopen()s by name: the dynamic
 * loader finds both through LD_LIBRARY_PATH in the Index, as on GoboLinux.
 */
function linkedWorld(): string {
  const root = makeTree({
    programs: { LibGreet: { '1.0': {}, '2.0': {} }, App: { '1.0': { deps: 'LibGreet < 2.0\n' } } },
    current: { LibGreet: '2.0', App: '1.0' },
  });
  for (const version of ['1.0', '2.0']) {
    const lib = path.join(root, 'Programs/LibGreet', version, 'lib');
    compile(`const char *greet_version(void) { return "${version}"; }`, path.join(lib, 'libgreet.so.1'), [
      '-shared',
      '-fPIC',
      '-Wl,-soname,libgreet.so.1',
    ]);
    compile(`const char *plugin_version(void) { return "${version}"; }`, path.join(lib, 'greet-plugin.so'), [
      '-shared',
      '-fPIC',
    ]);
  }
  const app = `#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
const char *greet_version(void);
int main(void) {
  void *plugin = dlopen("greet-plugin.so", RTLD_NOW);
  const char *(*plugin_version)(void) = plugin ? (const char *(*)(void))dlsym(plugin, "plugin_version") : 0;
  printf("linked=%s plugin=%s\\n", greet_version(), plugin_version ? plugin_version() : dlerror());
  char line[4096];
  FILE *maps = fopen("/proc/self/maps", "r");
  while (maps && fgets(line, sizeof line, maps))
    if (strstr(line, "libgreet.so.1")) { printf("mapped=%s", strchr(line, '/')); break; }
  return 0;
}`;
  compile(app, path.join(root, 'Programs/App/1.0/bin/app'), [
    path.join(root, 'Programs/LibGreet/1.0/lib/libgreet.so.1'),
    '-ldl',
  ]);
  linkIndex(root, { LibGreet: '2.0', App: '1.0' });
  return shareTree(root);
}

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: a real program loads the library versions of its view, linked and dlopen()ed`, () => {
    const linked = linkedWorld();
    const app = path.join(linked, 'Programs/App/1.0/bin/app');
    // Without Runner, through the Index, the loader finds the Current 2.0 of both.
    const direct = spawnSync(app, [], {
      encoding: 'utf8',
      env: { LD_LIBRARY_PATH: path.join(linked, 'System/Index/lib') },
    });
    assert.match(direct.stdout, /^linked=2\.0 plugin=2\.0\n/, direct.stderr);
    const seen = runnerAs(who, ['--root', linked, 'app']);
    assert.is(seen.stderr, '');
    // From the view's Index, where the 1.0 layer shows its own file.
    assert.is(seen.stdout, `linked=1.0 plugin=1.0\nmapped=${linked}/System/Index/lib/libgreet.so.1\n`);
  });
}

/**
 * Runs `command` (as root here) inside a user namespace that maps ids 0-65535 to themselves and
 * whose user.max_user_namespaces is 0: a host where user namespaces are turned off, for every
 * process in it. The maps are written from outside, as only real root can map more than itself.
 */
async function withUserNamespacesOff(
  command: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  // The shell that waits for the maps started without them, as no one: the one it execs is root.
  const setUp = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@" </dev/null';
  const child = spawn('unshare', ['-U', '--', 'sh', '-c', 'read go && exec sh -c "$0" sh "$@"', setUp, ...command], {
    env,
    cwd: '/',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ours = fs.readlinkSync('/proc/self/ns/user');
  for (let i = 0; i < 500 && fs.readlinkSync(`/proc/${child.pid}/ns/user`) === ours; i++)
    await new Promise((r) => setTimeout(r, 10));
  fs.writeFileSync(`/proc/${child.pid}/uid_map`, '0 0 65536\n');
  fs.writeFileSync(`/proc/${child.pid}/gid_map`, '0 0 65536\n');
  child.stdin.end('go\n');
  return { status: await done, stdout, stderr };
}

test('user: where user namespaces are turned off, the error says so, cold, warm, under --check and -f', async () => {
  const app = path.join(root, 'Programs/App/1.0/bin/app');
  const why =
    'unshare(CLONE_NEWUSER|CLONE_NEWNS): No space left on device: user namespaces are turned off here (user.max_user_namespaces is 0); run Runner as root, or let an administrator allow them';
  assert.is(runnerAs('user', ['--root', root, app]).status, 0); // the front's plan is cached now
  for (const command of [runnerCommand('user', ['--root', root, app]), frontCommand('user', ['--root', root, app])]) {
    const seen = await withUserNamespacesOff(command, envAs('user'));
    assert.is(seen.stderr, `Runner: ${why}\n`);
    assert.is(seen.status, 122);
  }
  const check = await withUserNamespacesOff(runnerCommand('user', ['--check']), envAs('user'));
  assert.match(check.stdout, `no  user-namespace  ${why}\n`);
  assert.is(check.status, 1);
  const fallback = await withUserNamespacesOff(runnerCommand('user', ['--root', root, '-f', app]), envAs('user'));
  assert.is(fallback.stderr, `Runner: warning: ${why}; running without the private view (-f)\n`);
  assert.match(fallback.stdout, /^greet=Greet 2\.0$/m, 'no view: the Index as it is');
  assert.is(fallback.status, 0);
});

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: under umask 077 the view's Index directories keep their own modes, and the program the caller's umask`, () => {
    const tree = makeTree({
      programs: { Greet: { '1.0': { files: { 'bin/greet': '#!/bin/sh\n', 'share/greet/x': 'x' } } } },
      current: { Greet: '1.0' },
    });
    linkIndex(tree, { Greet: '1.0' });
    shareTree(tree);
    const index = path.join(tree, 'System/Index');
    fs.chmodSync(path.join(index, 'share'), 0o775);
    const show = `umask; stat -c '%a %n' ${index}/bin ${index}/share${who === 'root' ? ` && setpriv --reuid=65534 --regid=65534 --clear-groups ls ${index}/bin` : ''}`;
    const command = runnerCommand(who, ['--root', tree, '--with', 'Greet', 'sh', '-c', show]);
    const seen = spawnSync('sh', ['-c', 'umask 077 && exec "$@"', 'sh', ...command], {
      encoding: 'utf8',
      env: envAs(who),
      cwd: '/',
    });
    assert.is(seen.stderr, '');
    // As the host shows them (0700 before: no other user, such as a daemon that dropped root, could enter).
    assert.is(seen.stdout, `0077\n755 ${index}/bin\n775 ${index}/share\n${who === 'root' ? 'greet\n' : ''}`);
  });
}

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: a caller without PATH (env -i) finds and runs what exec's default path finds, cold and warm`, () => {
    // Outside Runner, `env -i ls /` runs /bin/ls (glibc's default search path). Before, Runner
    // said "ls: command not found", and the program's PATH was the Index's bin alone.
    const { PATH: _unset, ...withoutPath } = envAs(who);
    const show = ['--root', root, 'sh', '-c', 'echo "$PATH"; ls -d /'];
    for (const command of [runnerCommand(who, show), frontCommand(who, show), frontCommand(who, show)]) {
      const seen = spawnSync(command[0], command.slice(1), { encoding: 'utf8', env: withoutPath, cwd: '/' });
      assert.is(seen.stderr, '');
      assert.is(seen.stdout, `${root}/System/Index/bin:/bin:/usr/bin\n/\n`);
    }
    const bare = runnerAs(who, ['--root', root, 'ls', '-d', '/'], { env: withoutPath });
    assert.equal([bare.status, bare.stdout, bare.stderr], [0, '/\n', '']);
  });
}

test("a uid with no entry in the user database and no HOME (a container's --user 4242) runs, cold and warm, without a cache", () => {
  const app = path.join(root, 'Programs/App/1.0/bin/app');
  const asNobody = (...args: string[]) =>
    spawnSync(
      'setpriv',
      [
        '--reuid=4242',
        '--regid=4242',
        '--clear-groups',
        path.join(rootlessPackage(), 'bin/Runner'),
        '--root',
        root,
        ...args,
      ],
      { encoding: 'utf8', cwd: '/', env: { PATH: '/usr/bin:/bin' } },
    );
  for (let i = 0; i < 2; i++) {
    const seen = asNobody(app);
    assert.is(seen.stderr, '');
    assert.match(seen.stdout, /^greet=Greet 1\.0$/m);
    assert.is(seen.status, 0);
  }
  assert.is(asNobody('--resolve', 'App', '--json').status, 0);
  const kept = asNobody('-C', app);
  assert.is(
    kept.stderr,
    'Runner: no home directory: HOME is not set and uid 4242 has no entry in the user database; set HOME or XDG_STATE_HOME\n',
  );
  assert.is(kept.status, 122);
});

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: a view that a seccomp filter or security module forbids names why`, () => {
    const deny = compile(DENY_SYSCALLS, path.join(shareTree(tempDir()), 'deny'));
    const app = path.join(root, 'Programs/App/1.0/bin/app');
    const rootCannot =
      "Operation not permitted: root here may not mount: it lacks CAP_SYS_ADMIN, or a seccomp filter or security module forbids it (a container's defaults do)";
    const expected =
      who === 'root'
        ? { unshare: `unshare(CLONE_NEWNS): ${rootCannot}`, mount: `mount(MS_REC|MS_PRIVATE) /: ${rootCannot}` }
        : {
            // Docker's default seccomp profile: no user namespaces for unprivileged users.
            unshare:
              "unshare(CLONE_NEWUSER|CLONE_NEWNS): Operation not permitted: this system does not let unprivileged users make user namespaces (the sysctl kernel.unprivileged_userns_clone, or a sandbox's seccomp filter); run Runner as root, or let an administrator allow them",
            // What AppArmor's restriction on Ubuntu 23.10+ does: the namespace is made, but may not mount.
            mount:
              'mount(MS_REC|MS_PRIVATE) /: Operation not permitted: this user namespace may not mount: a seccomp filter or security module forbids it; run Runner as root',
          };
    for (const calls of ['unshare', 'mount'] as const) {
      const command = runnerCommand(who, ['--root', root, app]);
      const seen = spawnSync(deny, [calls, ...command], { encoding: 'utf8', env: envAs(who), cwd: '/' });
      assert.is(seen.stderr, `Runner: ${expected[calls]}\n`);
      assert.is(seen.status, 122);
    }
  });
}

test('root: a read-only Index still gets its view (overlay never writes to it)', () => {
  const command = runnerCommand('root', ['--root', root, 'app'])
    .map((w) => `'${w}'`)
    .join(' ');
  const script = `mount --bind ${root}/System/Index ${root}/System/Index && mount -o remount,bind,ro ${root}/System/Index && touch ${root}/System/Index/x 2>/dev/null && echo writable; ${command}`;
  const seen = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    encoding: 'utf8',
    env: envAs('root'),
  });
  assert.is(seen.status, 0, seen.stderr);
  assert.not.match(seen.stdout, /writable/);
  assert.match(seen.stdout, /^greet=Greet 1\.0$/m);
});

/** A tree of `count` one-command programs P0000…, and a program Big that needs all of them (its
 * bin/big counts the commands it sees and runs the first and last); with `apps`, programs BigN
 * (bin/bigN) that each need the first N. */
function manyLayers(count: number, apps?: number[]): string {
  const programs: Record<string, Record<string, { files?: Record<string, string>; deps?: string }>> = {};
  const names = Array.from({ length: count }, (_, i) => `P${String(i).padStart(4, '0')}`);
  for (const name of names)
    programs[name] = { '1': { files: { [`bin/${name.toLowerCase()}`]: `#!/bin/sh\necho ${name}\n` } } };
  const app = (n: number, command: string) => ({
    '1': {
      deps: names.slice(0, n).join('\n') + '\n',
      files: {
        [`bin/${command}`]:
          '#!/bin/sh\nls "${LD_LIBRARY_PATH%%:*}/../bin" | wc -l\np0000\np' + String(n - 1).padStart(4, '0') + '\n',
      },
    },
  });
  if (apps === undefined) programs.Big = app(count, 'big');
  for (const n of apps ?? []) programs[`Big${n}`] = app(n, `big${n}`);
  return shareTree(makeTree({ programs }));
}

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: the mount(2) path of older kernels works, and says clearly when layers overflow a page`, () => {
    const classic = (r: string, ...args: string[]) =>
      runnerAs(who, ['--root', r, ...args], { env: envAs(who, { RUNNER_MOUNT_API: 'classic' }) });
    const seen = classic(root, 'app');
    assert.is(seen.stderr, '');
    assert.match(seen.stdout, /^greet=Greet 1\.0$/m);
    assert.match(seen.stdout, /^lib=libfoo\.so\.1 $/m);
    const big = manyLayers(300);
    const overflow = classic(big, path.join(big, 'Programs/Big/1/bin/big'));
    assert.is(overflow.status, 122);
    assert.is(
      overflow.stderr,
      `Runner: mount overlay ${big}/System/Index/bin: Argument list too long (302 layers do not fit in mount(2)'s 4096-byte options)\n`,
    );
  });
}

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: mount(2) and lowerdir+ give the same view; a path mount(2) cannot take goes to lowerdir+`, () => {
    const using = (api: string) =>
      runnerAs(who, ['--root', root, 'app'], { env: envAs(who, { RUNNER_MOUNT_API: api }) });
    const classic = using('classic');
    const lowerdirPlus = using('new');
    assert.is(lowerdirPlus.stderr, '');
    assert.is(lowerdirPlus.stdout, classic.stdout);
    assert.is(using('').stdout, classic.stdout, 'by default: mount(2), its options fit');
    // A comma in a layer's path cannot be written in mount(2)'s options.
    const odd = shareTree(makeTree({ programs: { 'A,B': { '1': { files: { 'bin/ab': '#!/bin/sh\necho ab\n' } } } } }));
    const seen = runnerAs(who, ['--root', odd, path.join(odd, 'Programs/A,B/1/bin/ab')]);
    assert.is(seen.stderr, '');
    assert.is(seen.stdout, 'ab\n');
  });
}

// argc and an FNV-1a hash of every word after argv[0] with its NUL: what arrived, for an argv of megabytes.
const ARGV_SUM = `
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  unsigned long long h = 1469598103934665603ULL;
  for (int i = 1; i < argc; i++)
    for (size_t j = 0, n = strlen(argv[i]) + 1; j < n; j++) h = (h ^ (unsigned char)argv[i][j]) * 1099511628211ULL;
  printf("%d %llx\\n", argc, h);
  return 0;
}
`;

function argvSum(words: readonly string[]): string {
  let h = 1469598103934665603n;
  for (const byte of Buffer.from(words.map((w) => `${w}\0`).join('')))
    h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 1099511628211n);
  return `${words.length + 1} ${h.toString(16)}\n`;
}

test('root: the longest command line the program can be started with is run byte for byte, cold and warm', () => {
  // A short path for the command: the program's own exec names it where the caller's named Runner.
  const dir = fs.mkdtempSync('/tmp/r');
  try {
    const file = compile(ARGV_SUM, path.join(dir, 's'));
    const env = (cache: '0' | '1') => ({
      PATH: `${dir}:/usr/bin:/bin`,
      HOME: '/root',
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      RUNNER_NO_CACHE: cache,
    });
    const runner = (words: string[], cache: '0' | '1' = '1') =>
      spawnSync(path.join(projectRoot, 'bin/Runner'), ['--root', root, 's', ...words], {
        encoding: 'utf8',
        env: env(cache),
      });
    // The environment the view gives the program (its Index on PATH and LD_LIBRARY_PATH, …)
    // counts against the kernel's limit with its words: the limit is the program's own exec's.
    const viewEnv = Object.fromEntries(
      spawnSync(path.join(projectRoot, 'bin/Runner'), ['--root', root, 'env', '-0'], {
        encoding: 'utf8',
        env: env('1'),
      })
        .stdout.split('\0')
        .filter(Boolean)
        .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    const tooLong = (words: string[]) =>
      (spawnSync(file, words, { argv0: 's', env: viewEnv }).error as NodeJS.ErrnoException | undefined)?.code ===
      'E2BIG';
    // The most 100-byte words the kernel takes, then the longest last word beside them.
    const word = (i: number) => `${String(i).padStart(6, '0')}${'x'.repeat(94)}`;
    const words = (n: number, last = 0) => [
      ...Array.from({ length: n }, (_, i) => word(i)),
      ...(last > 0 ? ['y'.repeat(last)] : []),
    ];
    let [fits, fails] = [0, 100_000];
    while (fails - fits > 1) {
      const mid = (fits + fails) >> 1;
      if (tooLong(words(mid))) fails = mid;
      else fits = mid;
    }
    let [lastFits, lastFails] = [0, 101];
    while (lastFails - lastFits > 1) {
      const mid = (lastFits + lastFails) >> 1;
      if (tooLong(words(fits, mid))) lastFails = mid;
      else lastFits = mid;
    }
    const atLimit = words(fits, lastFits);
    assert.ok(tooLong([...atLimit, 'z']), 'one more word does not fit');
    for (const [what, cache] of [
      ['cold', '1'],
      ['planned', '0'],
      ['warm', '0'],
    ] as const) {
      const seen = runner(atLimit, cache);
      assert.is(seen.stderr, '', what);
      assert.is(seen.status, 0, what);
      assert.is(seen.stdout, argvSum(atLimit), what);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// overlayfs takes at most 500 lower layers, and a read-only overlay at least 2: the counts on
// either side of each multiple of 500 are where a grouping can leave a group of one.
test('every layer count from 1 to 2,100 is grouped into overlays the kernel takes, in order', () => {
  for (let count = 1; count <= 2100; count++) {
    const lowers = Array.from({ length: count }, (_, i) => `/l${i}`);
    const groups: Group[] = [];
    const refs = groupLayers('/I/bin', lowers, groups, MAX_LOWER_LAYERS);
    assert.ok(refs.length >= 1 && refs.length <= MAX_LOWER_LAYERS, `${count}: ${refs.length} top layers`);
    if (count <= MAX_LOWER_LAYERS) {
      assert.equal(refs, lowers);
      continue;
    }
    for (const g of groups)
      assert.ok(g.layers.length >= 2 && g.layers.length <= MAX_LOWER_LAYERS, `${count}: a group of ${g.layers.length}`);
    assert.equal(
      groups.flatMap((g) => g.layers),
      lowers,
      `${count}: every layer once, top first`,
    );
  }
});

test('root: views of 499 to 2,001 layers are built (the boundaries of 500-layer groups)', () => {
  const counts = [499, 500, 501, 999, 1000, 1001, 1500, 2001];
  const big = manyLayers(
    counts.at(-1)! - 2,
    counts.map((layers) => layers - 2),
  );
  for (const layers of counts) {
    const deps = layers - 2;
    const seen = runnerAs('root', ['--root', big, path.join(big, `Programs/Big${deps}/1/bin/big${deps}`)]);
    assert.is(seen.stderr, '', `${layers} layers`);
    assert.is(seen.status, 0, `${layers} layers`);
    assert.is(seen.stdout, `${deps + 1}\nP0000\nP${String(deps - 1).padStart(4, '0')}\n`, `${layers} layers`);
  }
});

test('user: a view of 1,001 layers is built', () => {
  const big = manyLayers(999, [999]);
  const seen = runnerAs('user', ['--root', big, path.join(big, 'Programs/Big999/1/bin/big999')]);
  assert.is(seen.stderr, '');
  assert.is(seen.stdout, `1000\nP0000\nP0998\n`);
});

for (const count of [300, 600]) {
  for (const who of ['root', 'user'] as As[]) {
    test(`${who}: ${count} dependency layers`, () => {
      const big = manyLayers(count);
      const seen = runnerAs(who, ['--root', big, path.join(big, 'Programs/Big/1/bin/big')]);
      assert.is(seen.status, 0, seen.stderr);
      assert.is(seen.stdout, `${count + 1}\nP0000\nP${String(count - 1).padStart(4, '0')}\n`);
    });
  }
}

test.run();
