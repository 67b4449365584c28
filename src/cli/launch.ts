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
import { findConflicts } from '../overlay/conflicts.js';
import { executePlan, loadAddon } from '../overlay/execute.js';
import { INDEX_DIRS, scanLayer, type Layer } from '../overlay/layers.js';
import { PER_LINUX32, planMounts, type MountPlan } from '../overlay/plan.js';
import { planJson, planText } from '../overlay/serialize.js';
import { viewEnvironment } from '../overlay/view-env.js';
import { resolveOptionsOf, type Options } from './options.js';
import { ownDirectory, xdgDir } from './xdg.js';
import { info, out, warn } from './output.js';

/**
 * Set in the view when Runner execs a `#!` script itself: a Runner started for that same script
 * inside the view means the script's first line leads back to Runner, which would loop.
 */
const SCRIPT_MARK = 'RUNNER_SCRIPT_VIEW';

/** The command's arguments exactly as the kernel gave them to us (not re-encoded by Node). */
function rawCommandArgv(count: number, dryRun: boolean): Uint8Array[] {
  if (dryRun) return process.argv.slice(-count).map((a) => Buffer.from(a));
  return loadAddon().rawArgv().slice(-count);
}

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

export function buildPlan(options: Options, resolveOptions: ResolveOptions, run: ResolvedRun, exec: MountPlan['exec']): MountPlan {
  const paths = resolveOptions.paths;
  if (!fs.existsSync(paths.index)) throw new RunnerError(`the Index ${paths.index} does not exist (wrong --root?)`, ExitCode.view);
  const how = howToRun(run.architecture);
  if (how === undefined) throw new RunnerError(`${run.target.via} wants ${run.architecture} (${run.archSource}), which this ${hostArch()} host cannot run`, ExitCode.architecture);
  const layers = layersOf(run);
  const chosen = versionsOf(run);
  const removals = options.noRemovedeps ? [] : findConflicts(run.world, chosen, layers);
  const envFiles = options.noSourceEnv ? [] : layers.map((l) => path.join(l.path, 'Resources/Environment'));
  const view = viewEnvironment(process.env, paths.index, envFiles, run.world.readPolicy);
  const { problems } = view;
  // The mark names only the script this launch execs itself; an outer view's mark is replaced.
  const env = view.env.filter(([key]) => key !== SCRIPT_MARK);
  const file = run.target.file;
  if (!run.script && file !== undefined && readFirstLine(file)?.startsWith('#!')) env.push([SCRIPT_MARK, realpathOr(file, file)]);
  for (const p of problems) warn(`${p.file}:${p.line}: ${p.message}; line ignored`);
  const removed = new Set(removals);
  const found = findInView(exec.file, new Map(env).get('PATH') ?? '', paths.index, layers, options.pure, removed);
  if (!found) throw new RunnerError(`${exec.file}: command not found in the view`, ExitCode.notFound);
  const resolvedExec = { ...exec, file: found.file, missing: missingInterpreter(found.source) };
  const loader = how === 'linux32' && run.target.file ? placeLoader(run.target.file, run.architecture, layers, [paths.programs, paths.index]) : undefined;
  return planMounts({
    index: paths.index,
    layers,
    loader,
    indexDirs: presentIndexDirs(paths.index, options.fallback),
    pure: options.pure,
    rootless: process.getuid?.() !== 0,
    writeLayer: options.dryRun ? 'tmpfs' : writeLayerFor(options),
    removals,
    personality: how === 'linux32' ? PER_LINUX32 : undefined,
    fallback: options.fallback,
    env,
    exec: resolvedExec,
    dependsOn: [paths.index, ...chosen.map((c) => c.path)],
  });
}

/** What to exec: the command as given, or for a Runner script its interpreter with the script. */
function execOf(run: ResolvedRun, options: Options): MountPlan['exec'] {
  const argv = rawCommandArgv(options.rest.length, options.dryRun);
  if (!run.script || !run.target.file) return { file: options.rest[0], argv };
  // A script found on PATH is passed by the path it was found at, so the interpreter can open it.
  const scriptPath = options.rest[0].includes('/') ? argv[0] : Buffer.from(run.target.file);
  return { file: run.script.interpreter[0], argv: [...run.script.interpreter.map((w) => Buffer.from(w)), scriptPath, ...argv.slice(1)] };
}

function refuseReentry(file: string | undefined): void {
  const marked = process.env[SCRIPT_MARK];
  if (!marked || !file || realpathOr(file, file) !== marked) return;
  throw new RunnerError(`${file}: starting it again through Runner inside the view Runner set up for it would loop (its first line leads back to Runner); stopped`, ExitCode.usage);
}

export async function launchAction(options: Options): Promise<number> {
  const resolveOptions = resolveOptionsOf(options);
  const world = newWorld(resolveOptions);
  const target = commandTarget(world, options.rest[0], withCommandDirs(world, options.with));
  refuseReentry(target.file);
  const run = resolveTarget(world, target, resolveOptions);
  run.warnings.forEach(warn);
  const plan = buildPlan(options, resolveOptions, run, execOf(run, options));
  if (options.verbose > 0) {
    const deps = run.dependencies.map((d) => `${d.name} ${d.version}`).join(', ') || 'no dependencies';
    const program = run.program ? `${run.program.name} ${run.program.version}` : run.target.via;
    info(`${program} (${run.architecture}, from ${run.archSource}) with ${deps}`);
    run.notes().forEach((note) => info(note));
    if (run.archLayers.length > 0) info(`${run.architecture} layers added: ${run.archLayers.map((d) => `${d.name} ${d.version}`).join(', ')}`);
    if (options.verbose > 1) info(planText(plan));
  }
  if (options.dryRun) {
    out(options.json ? planJson(plan) : planText(plan));
    return ExitCode.ok;
  }
  return executePlan(plan);
}
