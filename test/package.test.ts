// Packaging (issue 10, item 7): the tarball `npm pack` makes, installed with `npm install -g` by
// an ordinary user into a prefix of their own, gives a `Runner` that is the native front itself
// and works rootless, cold (through Node) and warm (from the plan cache, without Node).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeStartCounter } from './helpers/cc.js';
import { projectRoot } from './helpers/run.js';
import { linkIndex, makeTree, tempDir } from './helpers/tree.js';
import { ensureTestUser, envAs, shareTree, TEST_USER } from './helpers/users.js';

ensureTestUser();

const asUser = (command: string[], env: NodeJS.ProcessEnv, cwd = '/') =>
  spawnSync('/usr/bin/setpriv', [`--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, '--init-groups', ...command], { encoding: 'utf8', env, cwd, timeout: 600_000 });

test('npm pack, then npm install -g as a user: Runner works, cold and warm, rootless', () => {
  const work = shareTree(tempDir('runner-pack-'));
  fs.chmodSync(work, 0o755);
  // dist/ is built already (npm test built it): no prepare run while tests read dist/.
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: projectRoot, encoding: 'utf8' });
  const tarball = path.join(work, packed.trim().split('\n').at(-1) as string);
  fs.chmodSync(tarball, 0o644);

  const home = `/home/${TEST_USER}`;
  const prefix = path.join(home, `runner-prefix-${process.pid}`);
  // Nothing but Node and npm on PATH: no compiler, make or Python. And no install script runs
  // (--ignore-scripts, npm's --strict-allow-scripts would refuse one): the tarball's prebuilt
  // native part is what runs.
  const nodeOnly = shareTree(tempDir('runner-node-only-'));
  fs.chmodSync(nodeOnly, 0o755);
  for (const tool of ['node', 'npm']) fs.symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(nodeOnly, tool));
  const env = { ...envAs('user'), PATH: nodeOnly, npm_config_cache: path.join(home, '.npm') };
  assert.is(spawnSync('/bin/sh', ['-c', 'for t in cc c++ g++ make python3; do command -v $t; done'], { env, encoding: 'utf8' }).stdout, '', 'no build tools on PATH');
  const install = asUser([path.join(nodeOnly, 'npm'), 'install', '-g', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', prefix, tarball], env);
  assert.is(install.status, 0, install.stderr);
  const unpacked = path.join(prefix, 'lib/node_modules/gobo-runner');
  assert.not.ok(fs.existsSync(path.join(unpacked, 'node_modules')), 'what the bundle holds is not installed again');
  assert.not.ok(fs.existsSync(path.join(unpacked, 'binding.gyp')), 'no build file (npm would compile at every install)');
  const check = asUser([path.join(prefix, 'bin/Runner'), '--check', '--json'], envAs('user'));
  assert.ok(JSON.parse(check.stdout).executor === undefined || JSON.parse(check.stdout).executor.ok, check.stdout);

  const runnerBin = path.join(prefix, 'bin/Runner');
  const installed = fs.realpathSync(runnerBin);
  assert.equal([...fs.readFileSync(installed).subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'bin/Runner is the native front (an ELF file), no shell in between');

  const root = tempDir('runner-pack-tree-');
  makeTree({ programs: { App: { '1.0': { deps: 'Lib\n', files: { 'bin/app': '#!/bin/sh\necho "app with $(lib)" "$@"\n' } } }, Lib: { '2.0': { files: { 'bin/lib': '#!/bin/sh\necho lib 2.0\n' } } } }, current: { App: '1.0', Lib: '2.0' } }, root);
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
  fs.rmSync(prefix, { recursive: true, force: true });
});

test('an installation whose native part was not built says so in one line (125), never a require stack', () => {
  const copy = tempDir('runner-unbuilt-');
  for (const part of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(projectRoot, part), path.join(copy, part), { recursive: true });
  const seen = spawnSync(process.execPath, [path.join(copy, 'dist/bundle/main.cjs'), '--root', path.join(projectRoot, 'fixtures'), 'app'], { encoding: 'utf8', env: { ...envAs('root'), RUNNER_NO_CACHE: '1' } });
  assert.is(seen.status, 125);
  assert.is(seen.stderr, `Runner: Runner's native part ${copy}/build/Release/runner_addon.node is missing; this package has none for linux-${process.arch} that loads here; build Runner from its source ('npm ci && npm run build' in a checkout, with make, python3 and a C++ compiler)\n`);
  // A checkout (with its build files) is told how to build it there.
  fs.copyFileSync(path.join(projectRoot, 'binding.gyp'), path.join(copy, 'binding.gyp'));
  const checkout = spawnSync(process.execPath, [path.join(copy, 'dist/bundle/main.cjs'), '--root', path.join(projectRoot, 'fixtures'), 'app'], { encoding: 'utf8', env: { ...envAs('root'), RUNNER_NO_CACHE: '1' } });
  assert.is(checkout.stderr, `Runner: Runner's native part ${copy}/build/Release/runner_addon.node is missing; build it with 'npm run build' in ${copy} (needs make, python3 and a C++ compiler)\n`);
});

test.run();
