// Runs the built CLI as a real process and captures what it did.
import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tree.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const cli = path.join(projectRoot, 'dist/bundle/main.cjs');

/**
 * The user's own cache (the tests point XDG_CACHE_HOME at a scratch directory, below): what is
 * slow to make and the same for every run (the release's build root, Node for arm64, Debian
 * packages) is kept there.
 */
export const userCache = path.join(os.userInfo().homedir, '.cache', 'gobo-runner');

// Every launch keeps its plan in the plan cache: the tests' plans go to a cache of their own, not
// to the home directory of whoever runs the tests.
process.env.XDG_CACHE_HOME = tempDir('runner-test-cache-');

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

export function runner(args: string[], options: SpawnSyncOptions = {}): Result {
  return resultOf(spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, ...options }));
}

/** What a finished process did, or the error that kept it from running. */
export function resultOf(result: SpawnSyncReturns<string | Buffer>): Result {
  if (result.error) throw result.error;
  return {
    status: result.status,
    signal: result.signal,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    pid: result.pid ?? 0,
  };
}
