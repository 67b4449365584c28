// Runs the built CLI as a real process and captures what it did.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tree.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const cli = path.join(projectRoot, 'dist/bundle/main.cjs');

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
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, ...options });
  if (result.error) throw result.error;
  return {
    status: result.status,
    signal: result.signal,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    pid: result.pid ?? 0,
  };
}
