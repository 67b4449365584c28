// `Runner [options] COMMAND [ARGS...]`: resolve, scan, plan, then hand over to the executor.
import fs from 'node:fs';
import path from 'node:path';
import { placeLoader } from '../arch/loader.js';
import { findInView, missingInterpreter } from '../overlay/exec-path.js';
import { howToRun, hostArch } from '../arch/wanted.js';
import { ExitCode, RunnerError } from '../resolver/errors.js';
import { newWorld, resolveTarget, withCommandDirs, type ResolvedRun, type ResolveOptions } from '../run/resolve.js';
import { commandTarget } from '../run/target.js';
import { realpathOr } from '../resolver/programs.js';
import { readFirstLine } from '../script/shebang.js';
import { findConflicts, upperDirectories } from '../overlay/conflicts.js';
import { callerVariablesRead, type EnvOp } from '../overlay/environment.js';
import { cappedWarnings } from '../util/capped-warnings.js';
import { layersOthersCanChange, treeOthersCanChange, type AncestorsChecked } from '../util/root-safety.js';
import { checkName } from '../views/names.js';
import { applyEnvOps, executePlan } from '../overlay/execute.js';
import { INDEX_DIRS, scanLayer, type Layer } from '../overlay/layers.js';
import { indexLowers, PER_LINUX32, planMounts, type Exec, type MountPlan } from '../overlay/plan.js';
import { planJson, planText } from '../overlay/serialize.js';
import { viewEnvironment } from '../overlay/view-env.js';
import { resolveOptionsOf, type Options } from './options.js';
import { cacheTurnedOff, ownDirectory, xdgDir } from './xdg.js';
import { info, out, outText, recordWarnings, warn } from './output.js';
import { observe } from '../cache/observe.js';
import { corruptEntry, writeCacheEntry } from '../cache/entry.js';
import { exactEnv, rawArguments } from './raw-args.js';
import { commandWord, DEFAULT_SEARCH_PATH, displayPath, fromBytes, pathKey, type FilePath } from '../util/file-path.js';

/**
 * Set in the view when Runner execs a `#!` script itself: a Runner started for that same script
 * inside the view means the script's first line leads back to Runner, which would loop.
 */
const SCRIPT_MARK = 'RUNNER_SCRIPT_VIEW';

/** Every version the run uses, in layer order (top first): dependencies, program, architecture layers. */
function versionsOf(run: ResolvedRun): { name: string; version: string; path: string }[] {
  return [...run.dependencies, ...(run.program ? [run.program] : []), ...run.archLayers];
}

export function layersOf(run: ResolvedRun): Layer[] {
  return versionsOf(run).map((v) => scanLayer(`${v.name} ${v.version}`, v.path, v.name, v.version));
}

function writeLayerFor(options: Options): string {
  if (!options.noCleanup) return 'tmpfs';
  const base = ownDirectory(path.join(xdgDir('XDG_STATE_HOME', '.local/state'), 'Runner'));
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(base, 'view-'));
  } catch (error) {
    throw new RunnerError(`cannot create the write layer in ${base}: ${(error as NodeJS.ErrnoException).code}`, ExitCode.view);
  }
  info(`write layer kept in ${dir} (-C)`);
  return dir;
}

/** Index directories that exist; one that exists but cannot be reached is an error, not a skip. */
function presentIndexDirs(index: string, fallback: boolean): string[] {
  const present: string[] = [];
  for (const dir of INDEX_DIRS) {
    try {
      if (fs.statSync(path.join(index, dir)).isDirectory()) present.push(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      const message = `${path.join(index, dir)}: ${code}`;
      if (!fallback) throw new RunnerError(`${message}; cannot build the view`, ExitCode.view);
      warn(`${message}; running without the private view (-f)`);
      return [];
    }
  }
  return present;
}

export function buildPlan(options: Options, resolveOptions: ResolveOptions, run: ResolvedRun, exec: Exec): MountPlan {
  const paths = resolveOptions.paths;
  if (!fs.existsSync(paths.index)) throw new RunnerError(`the Index ${paths.index} does not exist (wrong --root?)`, ExitCode.view);
  const how = howToRun(run.architecture);
  if (how === undefined) throw new RunnerError(`${run.target.via} wants ${run.architecture} (${run.archSource}), which this ${hostArch()} host cannot run`, ExitCode.architecture);
  const layers = layersOf(run);
  // Root's view stands on the tree and on every layer: none may be another user's to change.
  const checked: AncestorsChecked = new Map();
  const untrusted = run.world.readPolicy.ownersMustBeRoot
    ? (treeOthersCanChange(paths.programs, paths.index, INDEX_DIRS, checked) ?? layersOthersCanChange(layers.map((l) => ({ dir: l.path, sources: Object.values(l.feeds).flat() })), checked))
    : undefined;
  if (untrusted) throw new RunnerError(`${untrusted}; running as root, Runner does not trust it (--trust-tree overrides)`, ExitCode.badMetadata);
  const chosen = versionsOf(run);
  const removals = options.noRemovedeps ? [] : findConflicts(run.world, chosen, layers);
  const envFiles = options.noSourceEnv ? [] : layers.map((l) => path.join(l.path, 'Resources/Environment'));
  const { ops: envOps, problems } = viewEnvironment(paths.index, envFiles, run.world.readPolicy);
  // The mark names only the script this launch execs itself; an outer view's mark is replaced.
  envOps.push({ kind: 'unset', name: SCRIPT_MARK });
  const file = run.target.file;
  if (!run.script && file !== undefined && readFirstLine(file)?.startsWith('#!')) envOps.push({ kind: 'set', name: SCRIPT_MARK, origin: 'Runner', parts: [{ text: realpathOr(file, displayPath(file)) }] });
  for (const file of new Set(problems.map((p) => p.file))) {
    const lines = problems.filter((p) => p.file === file).map((p) => `${p.file}:${p.line}: ${p.message}; line ignored`);
    cappedWarnings(file, lines).forEach(warn);
  }
  const removed = new Set(removals.map(pathKey));
  const found = findInView(exec.file, viewPathOf(envOps), paths.index, layers, options.pure, removed);
  if (!found) throw new RunnerError(`${displayPath(exec.file)}: command not found in the view`, ExitCode.notFound);
  const resolvedExec = { ...exec, file: found.file, missing: missingInterpreter(found.source) };
  const loader = how === 'linux32' && run.target.file ? placeLoader(run.target.file, run.architecture, layers, [paths.programs, paths.index]) : undefined;
  const indexDirs = presentIndexDirs(paths.index, options.fallback);
  const rootless = process.getuid?.() !== 0;
  const mounted = indexDirs.map((dir) => {
    const target = path.join(paths.index, dir);
    return { target, lowers: indexLowers(layers, dir, target, options.pure) };
  });
  return planMounts({
    index: paths.index,
    layers,
    loader,
    indexDirs,
    pure: options.pure,
    rootless,
    writeLayer: options.dryRun ? 'tmpfs' : writeLayerFor(options),
    removals,
    // As root, the kernel copies a directory up when an entry in it is removed.
    upperDirectories: rootless ? upperDirectories(mounted, removals) : [],
    personality: how === 'linux32' ? PER_LINUX32 : undefined,
    fallback: options.fallback,
    envOps,
    exec: resolvedExec,
    dependsOn: [paths.index, ...chosen.map((c) => c.path)],
    overlayEvery: options.name !== undefined,
  });
}

/**
 * What the view's environment operations make of the caller's variables: only those that `names`
 * depend on are read, so that a cached plan depends on no other variable.
 */
function viewVariables(ops: readonly EnvOp[], names: readonly string[]): ReturnType<typeof applyEnvOps> {
  return applyEnvOps(ops, Object.fromEntries(names.map((name) => [name, exactEnv(name)])));
}

/** The view's variables as text (what -vv and --dry-run show). */
function viewEnvOf(ops: readonly EnvOp[]): Map<string, string> {
  return viewVariables(ops, callerVariablesRead(ops)).env;
}

/**
 * The view's PATH as the executor will make it: bytes where a directory's name is not UTF-8. Only
 * what PATH is made from is read: a variable that other lines of an Environment file read
 * (`XDG_DATA_DIRS`) is the program's business, worked out for each launch by the executor.
 */
function viewPathOf(ops: readonly EnvOp[]): FilePath {
  const value = viewVariables(ops, callerVariablesRead(ops, 'PATH')).bytes.get('PATH');
  return value === undefined ? '' : fromBytes(value);
}

/** What to exec: the command as given, or for a Runner script its interpreter with the script. */
function execOf(run: ResolvedRun, options: Options, argv: Uint8Array[]): Exec {
  if (!run.script || !run.target.file) return { file: commandWord(options.rest[0], argv[0]), argv, fixed: 0, from: 0 };
  const interpreter = run.script.interpreter.map((w) => Buffer.from(w));
  // A script found on PATH is passed by the path it was found at, so the interpreter can open it.
  if (options.rest[0].includes('/')) return { file: run.script.interpreter[0], argv: [...interpreter, ...argv], fixed: interpreter.length, from: 0 };
  return { file: run.script.interpreter[0], argv: [...interpreter, Buffer.from(run.target.file), ...argv.slice(1)], fixed: interpreter.length + 1, from: 1 };
}

function refuseReentry(file: FilePath | undefined): void {
  const marked = process.env[SCRIPT_MARK];
  if (!marked || !file || realpathOr(file, displayPath(file)) !== marked) return;
  throw new RunnerError(`${displayPath(file)}: starting it again through Runner inside the view Runner set up for it would loop (its first line leads back to Runner); stopped`, ExitCode.usage);
}

/** Whether this launch's plan may be kept for the next (the warm path skips what these print or make). */
function cacheable(options: Options): boolean {
  return !options.noCache && !cacheTurnedOff() && !options.dryRun && !options.noCleanup && options.verbose === 0 && options.name === undefined;
}

function planLaunch(options: Options, argv: Uint8Array[]): { run: ResolvedRun; plan: MountPlan } {
  const resolveOptions = resolveOptionsOf(options);
  const world = newWorld(resolveOptions);
  const target = commandTarget(world, commandWord(options.rest[0], argv[0]), withCommandDirs(world, options.with), exactEnv('PATH') ?? DEFAULT_SEARCH_PATH);
  refuseReentry(target.file);
  const run = resolveTarget(world, target, resolveOptions);
  run.warnings.forEach(warn);
  return { run, plan: buildPlan(options, resolveOptions, run, execOf(run, options, argv)) };
}

/**
 * Plans while recording what the plan depends on, then keeps it in the plan cache for
 * runner-front (src/cache/). The command's own arguments are not part of the plan.
 */
function planAndCache(options: Options, words: Uint8Array[], argv: Uint8Array[]): MountPlan {
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

export async function launchAction(options: Options): Promise<number> {
  const args = rawArguments(options.dryRun);
  const argv = args.slice(-options.rest.length);
  if (cacheable(options)) return executePlan(planAndCache(options, args.slice(0, args.length - argv.length + 1), argv));
  // A view name that can never be used is a usage error, whatever the tree holds.
  if (options.name !== undefined) checkName(options.name);
  const { run, plan } = planLaunch(options, argv);
  if (options.verbose > 0) {
    // The entry this launch would use without -v: its words without the -v.
    const corrupt = corruptEntry(args.slice(0, args.length - argv.length + 1).filter((w) => !/^(-v+|--verbose)$/.test(Buffer.from(w).toString('latin1'))));
    if (corrupt) info(corrupt);
    const deps = run.dependencies.map((d) => `${d.name} ${d.version}`).join(', ') || 'no dependencies';
    const program = run.program ? `${run.program.name} ${run.program.version}` : run.target.via;
    info(`${program} (${run.architecture}, from ${run.archSource}) with ${deps}`);
    run.notes().forEach((note) => info(note));
    if (run.archLayers.length > 0) info(`${run.architecture} layers added: ${run.archLayers.map((d) => `${d.name} ${d.version}`).join(', ')}`);
    if (options.verbose > 1) info(planText(plan, viewEnvOf(plan.envOps)));
  }
  if (options.dryRun) {
    const env = viewEnvOf(plan.envOps);
    if (options.json) out(planJson(plan, env));
    else outText(planText(plan, env));
    return ExitCode.ok;
  }
  if (options.name !== undefined) {
    const { namedLaunch } = await import('../views/launch.js');
    return namedLaunch(options.name, plan, run, versionsOf(run));
  }
  return executePlan(plan);
}
