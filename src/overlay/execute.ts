// Hands a plan to the native executor: Node execve()s into runner-exec (same pid), which builds
// the view in a fresh single-threaded process and execs the command. Never returns on success.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { bootHooks } from '../boot/hooks.js';
import { ExitCode, RunnerError } from '../resolver/errors.js';
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
  applyEnvOps(plan: Buffer, env: (string | Buffer)[]): { env: Buffer[]; warnings: string[] };
  /** What runner-front's re-check of a plan-cache record finds at `path` (addon/batch-stat.h). */
  identity(path: string | Buffer, follow: boolean, owner: boolean): string;
  userNamespaces(path: string): string[];
}

/** A checkout (it has the build files) runs its own build; an installed package its prebuilt part. */
const isCheckout = fs.existsSync(path.join(packageRoot(), 'binding.gyp'));

/** Where the native part is: a source build (build/Release), else prebuilds/linux-<arch> (`npm run release`). */
function nativeDir(): string {
  const built = path.join(packageRoot(), 'build/Release');
  if (isCheckout || fs.existsSync(built)) return built;
  return path.join(packageRoot(), 'prebuilds', `${process.platform}-${process.arch}`);
}

const buildDir = nativeDir();
export const helperPath = path.join(buildDir, 'runner-exec');

let addon: Addon | undefined;
export function loadAddon(): Addon {
  if (addon) return addon;
  const file = path.join(buildDir, 'runner_addon.node');
  try {
    addon = createRequire(import.meta.url)(file) as Addon;
  } catch (error) {
    // An installation whose native part was never built (npm install --ignore-scripts) or does not
    // load here: one line that says what is missing and how to build it, never a require stack.
    const why = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'is missing' : `does not load here (${String((error as Error).message).split('\n')[0]})`;
    // A checkout can build it; an installed package carries its prebuilt part and no sources.
    const how = isCheckout
      ? `build it with 'npm run build' in ${packageRoot()} (needs make, python3 and a C++ compiler)`
      : `this package has none for ${process.platform}-${process.arch} that loads here; build Runner from its source ('npm ci && npm run build' in a checkout, with make, python3 and a C++ compiler)`;
    throw new RunnerError(`Runner's native part ${file} ${why}; ${how}`, ExitCode.usage);
  }
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
  try {
    return native.execve(helperPath, ['runner-exec', '--plan-fd', String(fd)]);
  } catch (error) {
    // execve returned: the executor is missing or broken (an installation that was not built).
    throw new RunnerError(`cannot start Runner's executor ${helperPath} (${error instanceof Error ? error.message.replace(/^execve \S+: /, '') : String(error)}); reinstall Runner, or run 'npm run build' in a checkout`, ExitCode.usage);
  }
}

/**
 * The environment `ops` make of `base`, by the executor's own code (addon/env-ops.cc): what the
 * planner looks the command up with, and what --dry-run shows. A `base` value may be bytes (one
 * that is not UTF-8, as rawEnv gives it); `env` has the values as text, `bytes` as they will be.
 */
export function applyEnvOps(ops: readonly EnvOp[], base: Readonly<Record<string, string | Buffer | undefined>>): { env: Map<string, string>; bytes: Map<string, Buffer>; warnings: string[] } {
  const entries = Object.entries(base).flatMap(([k, v]) => (v === undefined ? [] : [Buffer.concat([Buffer.from(`${k}=`), Buffer.from(v)])]));
  const result = loadAddon().applyEnvOps(serializeOps(PLAN_MAGIC, ops.map(envOperation)), entries);
  const env = new Map<string, string>();
  const bytes = new Map<string, Buffer>();
  for (const entry of result.env) {
    const at = entry.indexOf(0x3d); // '='
    const name = entry.toString('utf8', 0, at);
    bytes.set(name, entry.subarray(at + 1));
    env.set(name, entry.toString('utf8', at + 1));
  }
  return { env, bytes, warnings: result.warnings };
}
