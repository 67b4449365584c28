// The plan of one launch: from a resolved run to the mounts, the view's environment and what to
// exec (docs/architecture.md). Reads the tree and the caller's environment; mounts nothing.
import fs from 'node:fs';
import path from 'node:path';
import { placeLoader } from '../arch/loader.js';
import { howToRun, hostArch } from '../arch/wanted.js';
import { cappedWarnings } from '../base/capped-warnings.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { commandWord, displayPath, fromBytes, pathKey, type FilePath } from '../base/file-path.js';
import { info, warn } from '../base/output.js';
import { exactEnv } from '../base/raw-args.js';
import { layersOthersCanChange, treeOthersCanChange, type AncestorsChecked } from '../base/root-safety.js';
import { ownDirectory, xdgDir } from '../base/xdg.js';
import { findConflicts, upperDirectories } from '../overlay/conflicts.js';
import { callerVariablesRead, type EnvOp } from '../overlay/environment.js';
import { findInView, missingInterpreter } from '../overlay/exec-path.js';
import { indexLowers, PER_LINUX32, planMounts, type Exec, type MountPlan } from '../overlay/plan.js';
import { viewEnvironment } from '../overlay/view-env.js';
import { alienEnvironment, type ChosenAlien } from '../overlay/alien-env.js';
import { isAlien } from '../resolver/paths.js';
import { INDEX_DIRS, scanLayer, type Layer } from '../resolver/layers.js';
import { realpathOr } from '../base/directories.js';
import { readFirstLine } from '../script/shebang.js';
import { applyEnvOps } from './execute.js';
import type { ResolvedRun, ResolveOptions } from './resolve.js';

/** What planning a launch needs of the command line (cli/options.ts's Options holds all of it). */
export interface PlanOptions {
  pure: boolean;
  fallback: boolean;
  noSourceEnv: boolean;
  noCleanup: boolean;
  noRemovedeps: boolean;
  dryRun: boolean;
  /** A named view (--name): every Index directory is overlaid. */
  name?: string;
}

/**
 * Set in the view when Runner execs a `#!` script itself: a Runner started for that same script
 * inside the view means the script's first line leads back to Runner, which would loop.
 */
const SCRIPT_MARK = 'RUNNER_SCRIPT_VIEW';

/**
 * Every version the run layers, in layer order (top first): dependencies, program, architecture
 * layers. Aliens are not layers (aliensOf).
 */
export function versionsOf(run: ResolvedRun): { name: string; version: string; path: string }[] {
  return [
    ...run.dependencies.filter((d) => !isAlien(d.name)),
    ...(run.program ? [run.program] : []),
    ...run.archLayers,
  ];
}

/**
 * The Aliens (language modules) the run chose, in layer order: they go on search paths, each at
 * `<Index>/<home>/.Runner-alien-<n>`, where the view binds its directory (alien-env.ts says why).
 * Modules of one manager prefix share a directory: it is bound, and put on the path, once.
 */
export function aliensOf(run: ResolvedRun, index: string, home: string): ChosenAlien[] {
  const byDir = new Map<string, ChosenAlien>();
  for (const d of run.dependencies)
    if (isAlien(d.name) && !byDir.has(d.path))
      byDir.set(d.path, {
        ...d,
        inView: path.join(index, home, `.Runner-alien-${byDir.size}`),
        within: run.world.searchDirs(d.name, d.version),
      });
  return [...byDir.values()];
}

export function layersOf(run: ResolvedRun): Layer[] {
  return versionsOf(run).map((v) => scanLayer(`${v.name} ${v.version}`, v.path, v.name, v.version));
}

function writeLayerFor(options: PlanOptions): string {
  if (!options.noCleanup) return 'tmpfs';
  const base = ownDirectory(path.join(xdgDir('XDG_STATE_HOME', '.local/state'), 'Runner'));
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(base, 'view-'));
  } catch (error) {
    throw new RunnerError(
      `cannot create the write layer in ${base}: ${(error as NodeJS.ErrnoException).code}`,
      ExitCode.view,
    );
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

export function buildPlan(
  options: PlanOptions,
  resolveOptions: ResolveOptions,
  run: ResolvedRun,
  exec: Exec,
): MountPlan {
  const paths = resolveOptions.paths;
  if (!fs.existsSync(paths.index))
    throw new RunnerError(`the Index ${paths.index} does not exist (wrong --root?)`, ExitCode.view);
  const how = howToRun(run.architecture);
  if (how === undefined)
    throw new RunnerError(
      `${run.target.via} wants ${run.architecture} (${run.archSource}), which this ${hostArch()} host cannot run`,
      ExitCode.architecture,
    );
  const layers = layersOf(run);
  // Root's view stands on the tree, on every layer and on every Alien directory it binds: none may
  // be another user's to change (a module there runs in root's interpreter).
  const checked: AncestorsChecked = new Map();
  const untrusted = run.world.readPolicy.ownersMustBeRoot
    ? (treeOthersCanChange(paths.programs, paths.index, INDEX_DIRS, checked) ??
      layersOthersCanChange(
        [
          ...layers.map((l) => ({ dir: l.path, sources: Object.values(l.feeds).flat() })),
          ...run.dependencies.filter((d) => isAlien(d.name)).map((d) => ({ dir: d.path, sources: [d.path] })),
        ],
        checked,
      ))
    : undefined;
  if (untrusted)
    throw new RunnerError(
      `${untrusted}; running as root, Runner does not trust it (--trust-tree overrides)`,
      ExitCode.badMetadata,
    );
  const chosen = versionsOf(run);
  const removals = options.noRemovedeps ? [] : findConflicts(run.world, chosen, layers);
  const envFiles = options.noSourceEnv ? [] : layers.map((l) => path.join(l.path, 'Resources/Environment'));
  const { ops: envOps, problems } = viewEnvironment(paths.index, envFiles, run.world.readPolicy);
  const indexDirs = presentIndexDirs(paths.index, options.fallback);
  // The Aliens are shown in lib (any Index directory would do; lib is where modules usually are).
  const aliens = aliensOf(run, paths.index, indexDirs.includes('lib') ? 'lib' : (indexDirs[0] ?? 'lib'));
  if (aliens.length > 0 && indexDirs.length === 0)
    throw new RunnerError(`the Index ${paths.index} has no directory to show Alien dependencies in`, ExitCode.view);
  envOps.push(...alienEnvironment(aliens));
  // The mark names only the script this launch execs itself; an outer view's mark is replaced.
  envOps.push({ kind: 'unset', name: SCRIPT_MARK });
  const file = run.target.file;
  if (!run.script && file !== undefined && readFirstLine(file)?.startsWith('#!'))
    envOps.push({
      kind: 'set',
      name: SCRIPT_MARK,
      origin: 'Runner',
      parts: [{ text: realpathOr(file, displayPath(file)) }],
    });
  for (const file of new Set(problems.map((p) => p.file))) {
    const lines = problems.filter((p) => p.file === file).map((p) => `${p.file}:${p.line}: ${p.message}; line ignored`);
    cappedWarnings(file, lines).forEach(warn);
  }
  const removed = new Set(removals.map(pathKey));
  const found = findInView(exec.file, viewPathOf(envOps), paths.index, layers, options.pure, removed);
  if (!found) throw new RunnerError(`${displayPath(exec.file)}: command not found in the view`, ExitCode.notFound);
  const resolvedExec = { ...exec, file: found.file, missing: missingInterpreter(found.source) };
  const loader =
    how === 'linux32' && run.target.file
      ? placeLoader(run.target.file, run.architecture, layers, [paths.programs, paths.index])
      : undefined;
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
    dependsOn: [paths.index, ...chosen.map((c) => c.path), ...aliens.map((a) => a.path)],
    overlayEvery: options.name !== undefined,
    directoryBinds: aliens.map((a) => ({ source: a.path, target: a.inView })),
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
export function viewEnvOf(ops: readonly EnvOp[]): Map<string, string> {
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
export function execOf(run: ResolvedRun, options: { rest: string[] }, argv: Uint8Array[]): Exec {
  if (!run.script || !run.target.file) return { file: commandWord(options.rest[0], argv[0]), argv, fixed: 0, from: 0 };
  const interpreter = run.script.interpreter.map((w) => Buffer.from(w));
  // A script found on PATH is passed by the path it was found at, so the interpreter can open it.
  if (options.rest[0].includes('/'))
    return { file: run.script.interpreter[0], argv: [...interpreter, ...argv], fixed: interpreter.length, from: 0 };
  return {
    file: run.script.interpreter[0],
    argv: [...interpreter, Buffer.from(run.target.file), ...argv.slice(1)],
    fixed: interpreter.length + 1,
    from: 1,
  };
}

export function refuseReentry(file: FilePath | undefined): void {
  const marked = process.env[SCRIPT_MARK];
  if (!marked || !file || realpathOr(file, displayPath(file)) !== marked) return;
  throw new RunnerError(
    `${displayPath(file)}: starting it again through Runner inside the view Runner set up for it would loop (its first line leads back to Runner); stopped`,
    ExitCode.usage,
  );
}
