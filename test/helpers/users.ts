// Running Runner as an unprivileged user, for the rootless path. The checkout may sit under a
// private home (/root is 0700), so the built package and the trees it runs on are copied to a
// world-readable place first.
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot, resultOf, type Result } from './run.js';
import { tempDir } from './tree.js';

export const TEST_USER = 'runner-test';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Creates the unprivileged test user once (as root; another user's run skips those tests: suite.ts). */
export function ensureTestUser(): void {
  if (!isRoot()) return;
  if (spawnSync('id', [TEST_USER]).status !== 0) execFileSync('useradd', ['--create-home', TEST_USER]);
}

let packageCopy: string | undefined;

/** A world-readable copy of the built package (dist, build/Release, runtime node_modules). */
export function rootlessPackage(): string {
  if (packageCopy) return packageCopy;
  const dir = tempDir('runner-pkg-');
  for (const part of ['bin', 'dist', 'build/Release', 'package.json', 'node_modules']) {
    fs.cpSync(path.join(projectRoot, part), path.join(dir, part), {
      recursive: true,
      filter: (src) => !/node_modules\/(typescript|@types|uvu)(\/|$)/.test(src),
    });
  }
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  fs.chmodSync(dir, 0o755);
  packageCopy = dir;
  return dir;
}

/** Makes a tree readable by everyone (test trees are made by root in a 0700 mkdtemp). */
export function shareTree(dir: string): string {
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  return dir;
}

export type As = 'root' | 'user';

/** The command line that runs the CLI as root or as the test user (setpriv execs: the pid is kept). */
export function runnerCommand(who: As, args: string[]): string[] {
  if (who === 'root') return [process.execPath, path.join(projectRoot, 'dist/bundle/main.cjs'), ...args];
  const cli = path.join(rootlessPackage(), 'dist/bundle/main.cjs');
  return ['setpriv', `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, '--init-groups', process.execPath, cli, ...args];
}

export function envAs(who: As, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = who === 'root' ? (process.env.HOME ?? '/root') : `/home/${TEST_USER}`;
  // The test user's plan cache is in their own home (root's test cache is not theirs to write).
  const { FORCE_COLOR: _forced, XDG_CACHE_HOME: rootCache, XDG_RUNTIME_DIR: rootRuntime, ...env } = process.env;
  if (who === 'root' && rootRuntime) env.XDG_RUNTIME_DIR = rootRuntime;
  if (who === 'root' && rootCache) env.XDG_CACHE_HOME = rootCache;
  // The user gets a PATH of their own: root's may name directories only root can enter.
  const PATH = who === 'root' ? env.PATH : '/usr/local/bin:/usr/bin:/bin';
  return { ...env, HOME: home, USER: who === 'root' ? 'root' : TEST_USER, PATH, NO_COLOR: '1', ...extra };
}

/** `Runner` as installed (bin/Runner, the native front: the plan cache, else Node), for root or the test user. */
export function frontCommand(who: As, args: string[]): string[] {
  if (who === 'root') return [path.join(projectRoot, 'bin/Runner'), ...args];
  return [
    'setpriv',
    `--reuid=${TEST_USER}`,
    `--regid=${TEST_USER}`,
    '--init-groups',
    path.join(rootlessPackage(), 'bin/Runner'),
    ...args,
  ];
}

/** Runs the CLI as root or as the unprivileged test user. */
export function runnerAs(who: As, args: string[], options: SpawnSyncOptions = {}): Result {
  const command = runnerCommand(who, args);
  return resultOf(
    spawnSync(command[0], command.slice(1), {
      encoding: 'utf8',
      timeout: 120_000,
      cwd: '/',
      env: envAs(who),
      ...options,
    }),
  );
}
