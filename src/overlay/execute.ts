// Hands a plan to the native executor: Node execve()s into runner-exec (same pid), which builds
// the view in a fresh single-threaded process and execs the command. Never returns on success.
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import type { MountPlan } from './plan.js';
import { serializePlan } from './serialize.js';

interface Addon {
  rawArgv(): Buffer[];
  memfd(name: string, data: Buffer): number;
  execve(file: string, argv: (string | Buffer)[], env: string[]): never;
}

const buildDir = path.join(packageRoot(), 'build/Release');
export const helperPath = path.join(buildDir, 'runner-exec');

let addon: Addon | undefined;
export function loadAddon(): Addon {
  addon ??= createRequire(import.meta.url)(path.join(buildDir, 'runner_addon.node')) as Addon;
  return addon;
}

export function executePlan(plan: MountPlan): never {
  const native = loadAddon();
  const fd = native.memfd('runner-plan', serializePlan(plan));
  const env = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  return native.execve(helperPath, ['runner-exec', '--plan-fd', String(fd)], env);
}
