// Hands a plan to the native executor: Node execve()s into runner-exec (same pid), which builds
// the view in a fresh single-threaded process and execs the command. Never returns on success.
import { createRequire } from 'node:module';
import path from 'node:path';
import { bootHooks } from '../boot/hooks.js';
import { packageRoot } from '../package-root.js';
import type { EnvOp } from './environment.js';
import type { MountPlan } from './plan.js';
import { envOperation, planOperations, PLAN_MAGIC, serializeOps, type Token } from './serialize.js';

interface Addon {
  rawArgv(): Buffer[];
  memfd(name: string, data: Buffer): number;
  /** Replaces this process, with its own environment as the C `environ` holds it, byte for byte. */
  execve(file: string, argv: (string | Buffer)[]): never;
  /** The variable's value as the environment holds it (process.env has it decoded as UTF-8). */
  rawEnv(name: string): Buffer | undefined;
  applyEnvOps(plan: Buffer, env: string[]): { env: string[]; warnings: string[] };
  userNamespaces(path: string): string[];
}

const buildDir = path.join(packageRoot(), 'build/Release');
export const helperPath = path.join(buildDir, 'runner-exec');

let addon: Addon | undefined;
export function loadAddon(): Addon {
  addon ??= createRequire(import.meta.url)(path.join(buildDir, 'runner_addon.node')) as Addon;
  return addon;
}

export function executePlan(plan: MountPlan): never {
  return executeOperations(planOperations(plan));
}

/** Runs operations (a plan's, or a named view's) in runner-exec. */
export function executeOperations(ops: readonly (readonly Token[])[]): never {
  const native = loadAddon();
  const fd = native.memfd('runner-plan', serializeOps(PLAN_MAGIC, ops));
  // Node's part of the run ends here: what it compiled goes into the code cache (boot/main.ts).
  bootHooks()?.saveCodeCache(true);
  // The caller's environment as it came (the executor applies the plan's operations to it): not
  // process.env, whose UTF-8 decoding would change a value that is not UTF-8.
  return native.execve(helperPath, ['runner-exec', '--plan-fd', String(fd)]);
}

/**
 * The environment `ops` make of `base`, by the executor's own code (addon/env-ops.cc): what the
 * planner looks the command up with, and what --dry-run shows.
 */
export function applyEnvOps(ops: readonly EnvOp[], base: NodeJS.ProcessEnv): { env: Map<string, string>; warnings: string[] } {
  const entries = Object.entries(base).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  const result = loadAddon().applyEnvOps(serializeOps(PLAN_MAGIC, ops.map(envOperation)), entries);
  const env = new Map(result.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as [string, string]));
  return { env, warnings: result.warnings };
}
