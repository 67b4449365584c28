// Packaging: the tarball `npm pack` makes carries a prebuilt native part for linux-x64 and
// linux-arm64 (npm run release). Installed with `npm install -g` by an ordinary user into a prefix
// of their own, with no install script and no compiler, it gives a `Runner` that is the native
// front itself and works rootless, cold (through Node) and warm (from the plan cache, without Node).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(
  import.meta.url,
  'the release build root (debootstrap), and the unprivileged user it installs as',
);
import * as assert from 'uvu/assert';
import { nodeStartCounter } from './helpers/cc.js';
import { arm64Node, arm64Sysroot, ensurePrebuilds, PLATFORMS, PREBUILT_FILES } from './helpers/prebuilds.js';
import { projectRoot } from './helpers/run.js';
import { linkIndex, makeTree, tempDir } from './helpers/tree.js';
import { ensureTestUser, envAs, isRoot, shareTree, TEST_USER } from './helpers/users.js';

ensureTestUser();
const prebuilds = isRoot() ? ensurePrebuilds() : '';
const fixtures = path.join(projectRoot, 'fixtures');

const readelf = (args: string[], file: string) => execFileSync('readelf', [...args, '-W', file], { encoding: 'utf8' });
/** The newest GLIBC_x.y symbol version the file needs (objdump -T lists what the loader must find). */
const newestGlibc = (file: string) =>
  [...execFileSync('objdump', ['-T', file], { encoding: 'utf8' }).matchAll(/GLIBC_(\d+)\.(\d+)/g)]
    .map((m) => [Number(m[1]), Number(m[2])])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .at(-1);

test('the prebuilt part: x64 and arm64, stripped, a static front, nothing needing glibc newer than 2.31', () => {
  for (const platform of PLATFORMS) {
    for (const name of PREBUILT_FILES) {
      const file = path.join(prebuilds, platform, name);
      assert.match(
        readelf(['-h'], file),
        platform === 'linux-x64' ? /Machine:\s+Advanced Micro Devices X86-64/ : /Machine:\s+AArch64/,
        file,
      );
      assert.not.match(readelf(['-S'], file), /\.symtab/, `${file} is stripped`);
      if (name === 'Runner') {
        assert.not.match(readelf(['-l'], file), /INTERP/, `${file} is static`);
        continue;
      }
      const [major, minor] = newestGlibc(file) ?? [0, 0];
      assert.ok(major < 2 || (major === 2 && minor <= 31), `${file} needs GLIBC_${major}.${minor}`);
    }
  }
});

test('arm64 under qemu-user (a binfmt_misc of its own in a user namespace): --version, --resolve and --check run; a launch says what qemu lacks', () => {
  const work = tempDir('runner-arm64-');
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
    cwd: projectRoot,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1) as string;
  execFileSync('tar', ['xzf', path.join(work, packed), '-C', work]);
  const runner = path.join(work, 'package/prebuilds/linux-arm64/Runner');
  // The kernel hands arm64 programs to qemu-aarch64 inside this namespace only; the host's
  // binfmt_misc is left as it is. Each command's output is closed by a line with its exit status.
  const script = `set -e
mount -t binfmt_misc none /proc/sys/fs/binfmt_misc
printf '%s' ':qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/bin/qemu-aarch64:F' >/proc/sys/fs/binfmt_misc/register
set +e
for words in '--version' '--root ${fixtures} --resolve App' '--root ${fixtures} --check' '--root ${fixtures} app hello'; do
  ${runner} $words 2>&1; echo "[exit $?]"
done`;
  const seen = spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--fork', 'bash', '-c', script], {
    encoding: 'utf8',
    env: {
      PATH: `${path.dirname(arm64Node())}:/usr/bin:/bin`,
      QEMU_LD_PREFIX: arm64Sysroot(),
      HOME: work,
      NO_COLOR: '1',
      RUNNER_NO_CACHE: '1',
    },
  });
  assert.is(seen.status, 0, seen.stderr);
  const parts = seen.stdout.split(/\[exit (\d+)\]\n/);
  const [version, , resolved, , check, , launch, launchStatus] = parts;
  assert.is(version, `Runner ${JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version}\n`);
  assert.match(resolved, /^App 1\.0  \S+  aarch64\n├─ Greet 1\.0 /);
  assert.match(check, /^ok  mount-namespace$/m);
  assert.match(check, /^ok  index /m);
  // qemu-user 7.2 does not implement the new mount API: one line, the mount failure's code.
  assert.is(launch, 'Runner: fsopen tmpfs: Function not implemented\n');
  assert.is(launchStatus, '122');
});

const asUser = (command: string[], env: NodeJS.ProcessEnv, cwd = '/') =>
  spawnSync('/usr/bin/setpriv', [`--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, '--init-groups', ...command], {
    encoding: 'utf8',
    env,
    cwd,
    timeout: 600_000,
  });

test('npm pack, then npm install -g as a user: Runner works, cold and warm, rootless', () => {
  const work = shareTree(tempDir('runner-pack-'));
  fs.chmodSync(work, 0o755);
  // dist/ is built already (npm test built it): no prepare run while tests read dist/.
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  const tarball = path.join(work, packed.trim().split('\n').at(-1) as string);
  fs.chmodSync(tarball, 0o644);

  const home = `/home/${TEST_USER}`;
  const prefix = path.join(home, `runner-prefix-${process.pid}`);
  // Nothing but Node and npm on PATH: no compiler, make or Python. And no install script runs
  // (--ignore-scripts, npm's --strict-allow-scripts would refuse one): the tarball's prebuilt
  // native part is what runs.
  const nodeOnly = shareTree(tempDir('runner-node-only-'));
  fs.chmodSync(nodeOnly, 0o755);
  for (const tool of ['node', 'npm'])
    fs.symlinkSync(
      execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
      path.join(nodeOnly, tool),
    );
  const env = { ...envAs('user'), PATH: nodeOnly, npm_config_cache: path.join(home, '.npm') };
  assert.is(
    spawnSync('/bin/sh', ['-c', 'for t in cc c++ g++ make python3; do command -v $t; done'], { env, encoding: 'utf8' })
      .stdout,
    '',
    'no build tools on PATH',
  );
  // npm's --strict-allow-scripts refuses a package with an install script it was not told to allow.
  // (npm 11.19 stops with ENOENT if the prefix has no lib/ yet, so it goes second.)
  for (const flag of ['--ignore-scripts', '--strict-allow-scripts']) {
    const install = asUser(
      [path.join(nodeOnly, 'npm'), 'install', '-g', flag, '--no-audit', '--no-fund', '--prefix', prefix, tarball],
      env,
    );
    assert.is(install.status, 0, `${flag}: ${install.stderr}`);
  }
  const unpacked = path.join(prefix, 'lib/node_modules/gobo-runner');
  assert.not.ok(fs.existsSync(path.join(unpacked, 'node_modules')), 'what the bundle holds is not installed again');
  assert.not.ok(
    fs.existsSync(path.join(unpacked, 'binding.gyp')),
    'no build file (npm would compile at every install)',
  );
  assert.not.ok(fs.existsSync(path.join(unpacked, 'addon')), 'no C++ sources');
  // npm links the package's man page into the prefix: `man Runner` finds it there.
  const manual = spawnSync('man', ['-M', path.join(prefix, 'share/man'), 'Runner'], {
    encoding: 'utf8',
    env: { ...envAs('user'), MANPAGER: 'cat', MANWIDTH: '80' },
  });
  assert.match(manual.stdout, /Runner - run a GoboLinux program/, manual.stderr);
  const check = asUser([path.join(prefix, 'bin/Runner'), '--check', '--json'], envAs('user'));
  assert.ok(JSON.parse(check.stdout).executor === undefined || JSON.parse(check.stdout).executor.ok, check.stdout);

  const runnerBin = path.join(prefix, 'bin/Runner');
  const installed = fs.realpathSync(runnerBin);
  assert.is(
    installed,
    path.join(unpacked, 'prebuilds/linux-x64/Runner'),
    "npm's link leads to the prebuilt front, no shell in between",
  );

  const root = tempDir('runner-pack-tree-');
  makeTree(
    {
      programs: {
        App: { '1.0': { deps: 'Lib\n', files: { 'bin/app': '#!/bin/sh\necho "app with $(lib)" "$@"\n' } } },
        Lib: { '2.0': { files: { 'bin/lib': '#!/bin/sh\necho lib 2.0\n' } } },
      },
      current: { App: '1.0', Lib: '2.0' },
    },
    root,
  );
  linkIndex(root, { App: '1.0' });
  shareTree(root);
  const { env: counting, count: nodeStarts } = nodeStartCounter(shareTree(tempDir('runner-pack-marks-')));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 80);

  const launch = () => {
    const before = nodeStarts();
    const result = asUser([runnerBin, '--root', root, 'app', 'one'], { ...envAs('user'), ...counting });
    return { out: result.stdout, err: result.stderr, status: result.status, viaNode: nodeStarts() > before };
  };
  const cold = launch();
  assert.equal(cold, { out: 'app with lib 2.0 one\n', err: '', status: 0, viaNode: true });
  const warm = launch();
  assert.equal(warm, { out: 'app with lib 2.0 one\n', err: '', status: 0, viaNode: false });
  const version = asUser([runnerBin, '--version'], envAs('user'));
  assert.match(version.stdout, /^Runner \d+\.\d+\.\d+\n$/);
  // A prebuilt front starts the Node on PATH, as npm's own commands do; without one, it says so.
  const noNode = asUser([runnerBin, '--version'], { ...envAs('user'), PATH: '/nonexistent' });
  assert.equal(
    [noNode.status, noNode.stderr],
    [125, "Runner: cannot find Node.js ('node' on PATH); install Node.js 20.19 or later\n"],
  );
  fs.rmSync(prefix, { recursive: true, force: true });
});

test('npm run package:gobo: a GoboLinux package that, unpacked into a tree and indexed with --index, launches the demo', () => {
  execFileSync('npm', ['run', 'package:gobo', '--silent'], {
    cwd: projectRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const { version } = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
  const archive = path.join(projectRoot, `dist/gobo/Runner--${version}--x86_64.tar.bz2`);
  const tree = path.join(tempDir('runner-gobo-'), 'tree');
  fs.cpSync(fixtures, tree, { recursive: true, verbatimSymlinks: true });
  execFileSync('tar', ['xjf', archive, '-C', path.join(tree, 'Programs')]);
  const program = path.join(tree, 'Programs/Runner', version);
  assert.is(fs.readFileSync(path.join(program, 'Resources/Dependencies'), 'utf8'), 'NodeJS >= 20.19\n');
  assert.match(fs.readFileSync(path.join(program, 'Resources/Description'), 'utf8'), /^\[Name\] Runner\n\[Summary\] /);
  assert.ok(
    fs.existsSync(path.join(program, 'share/man/man1/Runner.1')),
    'the man page, where the Index links share/ from',
  );
  fs.symlinkSync(version, path.join(tree, 'Programs/Runner/Current'));
  const index = spawnSync(
    process.execPath,
    [path.join(projectRoot, 'dist/bundle/main.cjs'), '--root', tree, '--index'],
    { encoding: 'utf8', env: envAs('root') },
  );
  assert.is(index.status, 0, index.stderr);
  const runner = path.join(tree, 'System/Index/bin/Runner');
  assert.is(fs.realpathSync(runner), path.join(program, 'lib/gobo-runner/prebuilds/linux-x64/Runner'));
  const env = { ...envAs('root'), RUNNER_NO_CACHE: '1' };
  const viaIndex = spawnSync(runner, ['--root', tree, 'app'], { encoding: 'utf8', env, cwd: '/' });
  const viaCheckout = spawnSync(
    process.execPath,
    [path.join(projectRoot, 'dist/bundle/main.cjs'), '--root', fixtures, 'app'],
    { encoding: 'utf8', env, cwd: '/' },
  );
  assert.is(viaIndex.status, 0, viaIndex.stderr);
  assert.match(viaIndex.stdout, /Greet 1\.0/);
  assert.is(viaIndex.stdout, viaCheckout.stdout.replaceAll(fixtures, tree));
});

test('an installation whose native part was not built says so in one line (125), never a require stack', () => {
  const copy = tempDir('runner-unbuilt-');
  for (const part of ['dist', 'package.json'])
    fs.cpSync(path.join(projectRoot, part), path.join(copy, part), { recursive: true });
  const seen = spawnSync(
    process.execPath,
    [path.join(copy, 'dist/bundle/main.cjs'), '--root', path.join(projectRoot, 'fixtures'), 'app'],
    { encoding: 'utf8', env: { ...envAs('root'), RUNNER_NO_CACHE: '1' } },
  );
  assert.is(seen.status, 125);
  assert.is(
    seen.stderr,
    `Runner: Runner's native part ${copy}/prebuilds/linux-${process.arch}/runner_addon.node is missing; this package has none for linux-${process.arch} that loads here; build Runner from its source ('npm ci && npm run build' in a checkout, with make, python3 and a C++ compiler)\n`,
  );
  // A checkout (with its build files) is told how to build it there.
  fs.copyFileSync(path.join(projectRoot, 'binding.gyp'), path.join(copy, 'binding.gyp'));
  const checkout = spawnSync(
    process.execPath,
    [path.join(copy, 'dist/bundle/main.cjs'), '--root', path.join(projectRoot, 'fixtures'), 'app'],
    { encoding: 'utf8', env: { ...envAs('root'), RUNNER_NO_CACHE: '1' } },
  );
  assert.is(
    checkout.stderr,
    `Runner: Runner's native part ${copy}/build/Release/runner_addon.node is missing; build it with 'npm run build' in ${copy} (needs make, python3 and a C++ compiler)\n`,
  );
});

test.run();
