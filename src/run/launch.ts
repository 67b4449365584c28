// One launch, from the command line's words to the executor: the target, its resolution and plan
// (or the plan cache's record of them), then runner-exec (docs/architecture.md).
import { bootHooks } from '../base/boot-hooks.js';
import { commandWord, DEFAULT_SEARCH_PATH } from '../base/file-path.js';
import { recordWarnings, warn } from '../base/output.js';
import { exactEnv, rawArguments } from '../base/raw-args.js';
import { cacheTurnedOff } from '../base/xdg.js';
import { writeCacheEntry } from '../cache/entry.js';
import { observe } from '../cache/observe.js';
import type { MountPlan } from '../overlay/plan.js';
import { planOperations, type Token } from '../overlay/serialize.js';
import { executeOperations } from './execute.js';
import { buildPlan, execOf, refuseReentry, type PlanOptions } from './plan.js';
import { newWorld, resolveTarget, withCommandDirs, type ResolvedRun, type ResolveOptions } from './resolve.js';
import { commandTarget } from './target.js';

/** What a launch needs of the command line (cli/options.ts's Options, with its ResolveOptions). */
export interface LaunchOptions extends PlanOptions {
  resolve: ResolveOptions;
  with: string[];
  /** The command and its arguments, as given. */
  rest: string[];
  noCache: boolean;
  verbose: number;
}

/** The launch's words as bytes: all of them (the plan cache's key) and the command's own argv. */
export function launchWords(options: LaunchOptions): { words: Uint8Array[]; argv: Uint8Array[] } {
  const words = rawArguments(options.dryRun);
  return { words, argv: words.slice(-options.rest.length) };
}

/** Whether this launch's plan may be kept for the next (the warm path skips what these print or make). */
export function cacheable(options: LaunchOptions): boolean {
  return (
    !options.noCache &&
    !cacheTurnedOff() &&
    !options.dryRun &&
    !options.noCleanup &&
    options.verbose === 0 &&
    options.name === undefined
  );
}

export function planLaunch(options: LaunchOptions, argv: Uint8Array[]): { run: ResolvedRun; plan: MountPlan } {
  const resolveOptions = options.resolve;
  const world = newWorld(resolveOptions);
  const target = commandTarget(
    world,
    commandWord(options.rest[0], argv[0]),
    withCommandDirs(world, options.with),
    exactEnv('PATH') ?? DEFAULT_SEARCH_PATH,
  );
  refuseReentry(target.file);
  const run = resolveTarget(world, target, resolveOptions);
  run.warnings.forEach(warn);
  return { run, plan: buildPlan(options, resolveOptions, run, execOf(run, options, argv)) };
}

/**
 * Plans while recording what the plan depends on, then keeps it in the plan cache for
 * runner-front (src/cache/). The command's own arguments are not part of the plan.
 */
export function planAndCache(options: LaunchOptions, words: Uint8Array[], argv: Uint8Array[]): MountPlan {
  const warnings: string[] = [];
  const startedNs = BigInt(Date.now()) * 1_000_000n;
  recordWarnings(warnings);
  try {
    const { result, observation } = observe(() => planLaunch(options, argv));
    writeCacheEntry({ words, observation, startedNs, warnings, plan: result.plan });
    return result.plan;
  } finally {
    recordWarnings(undefined);
  }
}

/**
 * Node's part of the run ends here: what it compiled goes into the code cache (boot/main.ts), then
 * runner-exec, in this same process, runs the operations.
 */
export function startOperations(ops: readonly (readonly Token[])[]): never {
  bootHooks()?.saveCodeCache(true);
  return executeOperations(ops);
}

export function startPlan(plan: MountPlan): never {
  return startOperations(planOperations(plan));
}
