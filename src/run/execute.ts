// Hands a plan to the native executor: Node execve()s into runner-exec (same pid), which builds
// the view in a fresh single-threaded process and execs the command. Never returns on success.
import { helperPath, loadAddon } from '../base/addon.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import type { EnvOp } from '../overlay/environment.js';
import { envOperation, PLAN_MAGIC, serializeOps, type Token } from '../overlay/serialize.js';

/** Runs operations (a plan's, or a named view's) in runner-exec. */
export function executeOperations(ops: readonly (readonly Token[])[]): never {
  const native = loadAddon();
  const fd = native.memfd('runner-plan', serializeOps(PLAN_MAGIC, ops));
  // The caller's environment as it came (the executor applies the plan's operations to it): not
  // process.env, whose UTF-8 decoding would change a value that is not UTF-8.
  try {
    return native.execve(helperPath, ['runner-exec', '--plan-fd', String(fd)]);
  } catch (error) {
    // execve returned: the executor is missing or broken (an installation that was not built).
    throw new RunnerError(
      `cannot start Runner's executor ${helperPath} (${error instanceof Error ? error.message.replace(/^execve \S+: /, '') : String(error)}); reinstall Runner, or run 'npm run build' in a checkout`,
      ExitCode.usage,
    );
  }
}

/**
 * The environment `ops` make of `base`, by the executor's own code (addon/env-ops.cc): what the
 * planner looks the command up with, and what --dry-run shows. A `base` value may be bytes (one
 * that is not UTF-8, as rawEnv gives it); `env` has the values as text, `bytes` as they will be.
 */
export function applyEnvOps(
  ops: readonly EnvOp[],
  base: Readonly<Record<string, string | Buffer | undefined>>,
): { env: Map<string, string>; bytes: Map<string, Buffer>; warnings: string[] } {
  const entries = Object.entries(base).flatMap(([k, v]) =>
    v === undefined ? [] : [Buffer.concat([Buffer.from(`${k}=`), Buffer.from(v)])],
  );
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
