// Assembling a run, above the resolver: the target (run/target.ts), the architecture it needs
// (arch/), a Runner script's header (script/) and `-d` files feed the pure core in resolver/
// (grammar, version order, candidates, solver), which knows nothing of ELF files or scripts.
// Target + options in, resolved run out. Reads the tree, never mounts.
import path from 'node:path';
import { foreignArchLayers } from '../arch/layers.js';
import { hostArch, programCommands, wantedArch, type WantedArch } from '../arch/wanted.js';
import { readCompatibilityList } from '../resolver/compat.js';
import { nameProblem, type Requirement } from '../resolver/dependencies.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import type { ReadPolicy } from '../resolver/metadata-file.js';
import { INDEX_SOURCES, type GoboPaths } from '../resolver/paths.js';
import { requirementsOrFail, World } from '../resolver/programs.js';
import { solve, type Choice, type Resolution, type RootRequirements } from '../resolver/solver.js';
import type { EngineSettings } from '../resolver/pubgrub/pubgrub.js';
import type { Target } from './target.js';
import { readScriptHeader, type ScriptHeader } from '../script/header.js';
import { absolutePath, displayPath } from '../base/file-path.js';
import { isHostRoot } from '../base/root-safety.js';

export interface ResolveOptions {
  paths: GoboPaths;
  /** `-a`. */
  arch?: string;
  /** `-d FILE`, in the order given. */
  dependencyFiles?: string[];
  /** `--with NAME[/VERSION]`, in the order given. */
  withPrograms?: string[];
  strict?: boolean;
  /** `-p`: also leaves out the foreign-architecture layers. */
  pure?: boolean;
  preferNewest?: boolean;
  ignoreMissing?: boolean;
  /** `--trust-tree`: as root, read metadata that other users can write (see metadata-file.ts). */
  trustTree?: boolean;
  /** `--strict-metadata`: malformed Dependencies lines are fatal, not skipped with a warning. */
  strictMetadata?: boolean;
  /** The solver engine's settings, for the tests. */
  engine?: EngineSettings;
}

export interface ResolvedRun extends Resolution {
  /** For a run on another architecture than the host's: every installed program of that
   * architecture not already chosen, as extra layers below the program (the C original's rule). */
  archLayers: Choice[];
  /** The `#!Runner` header, when the target is a Runner script. */
  script: ScriptHeader | undefined;
  target: Target;
  archSource: WantedArch['source'];
  world: World;
}

export function requirementsOf(world: World, file: string, strictMetadata = false): Requirement[] {
  return requirementsOrFail(world.dependencyFile(absolutePath(file)), strictMetadata);
}

/**
 * `--with NAME[/VERSION]` as a requirement of the run: `NAME = VERSION`, or `NAME` (its Current).
 * It is `-d` with a program instead of a file: resolved with everything else, one version per name.
 */
export function withRequirement(spec: string, index: number): Requirement {
  const [name, version, ...rest] = spec.split('/');
  const problem =
    nameProblem(name ?? '') ??
    (rest.length > 0 || version === '' ? `'${spec}' is not NAME or NAME/VERSION` : undefined);
  if (problem) throw new RunnerError(`--with ${spec}: ${problem}`, ExitCode.usage);
  const constraints = version === undefined ? [] : [{ op: '=' as const, version }];
  const text = version === undefined ? name : `${name} = ${version}`;
  return {
    name,
    alternatives: [{ name, constraints }],
    optional: false,
    alien: false,
    file: '--with',
    line: index + 1,
    text,
  };
}

/** The bin directories of `--with` programs (the version named, else Current, else the newest). */
export function withCommandDirs(world: World, specs: readonly string[]): string[] {
  return specs.flatMap((spec) => {
    const [asked, version] = spec.split('/');
    const canonical = world.canonicalName(asked);
    const name = typeof canonical === 'string' ? canonical : asked;
    const program = world.program(name);
    const chosen = version ?? program?.current ?? program?.versions[0];
    if (!program || !chosen || !program.versions.includes(chosen)) return [];
    return INDEX_SOURCES.bin.map((sub) => path.join(world.versionDir(name, chosen), sub));
  });
}

export function resolveTarget(world: World, target: Target, options: ResolveOptions): ResolvedRun {
  const program = target.program;
  const wanted = wantedArch({
    flag: options.arch,
    file: target.file,
    declared: program && world.architecture(program.name, program.version),
    commands: () => (program ? programCommands(world.versionDir(program.name, program.version)) : []),
  });
  // `--with` programs first: they are the view's top layers; then `-d` files.
  const withs = options.withPrograms ?? [];
  const roots: RootRequirements[] =
    withs.length > 0 ? [{ by: `--with ${withs.join(' ')}`, requirements: withs.map(withRequirement) }] : [];
  for (const file of options.dependencyFiles ?? []) {
    roots.push({
      by: file,
      requirements: requirementsOf(world, file, options.strictMetadata),
      parsed: world.dependencyFile(absolutePath(file)),
    });
  }
  // A Runner script's own `#!Runner dependency` lines come next; the program's own lines are
  // read by the solver when it pins the program, after these.
  const script = target.file ? readScriptHeader(target.file, world.parseOptions) : undefined;
  if (script && target.file) roots.push({ by: displayPath(target.file), requirements: script.requirements });
  if (program) requirementsOrFail(world.dependencies(program.name, program.version), options.strictMetadata);
  const resolution = solve({
    world,
    program,
    roots,
    architecture: wanted.arch,
    compat: readCompatibilityList(options.paths, world.readPolicy),
    preferNewest: options.preferNewest,
    ignoreMissing: options.ignoreMissing,
    strictMetadata: options.strictMetadata,
    engine: options.engine,
  });
  const foreign = wanted.arch !== hostArch() && !options.pure;
  const taken = new Set([...resolution.dependencies.map((d) => d.name), ...(program ? [program.name] : [])]);
  const archLayers = foreign ? foreignArchLayers(world, wanted.arch, taken) : [];
  const warnings = [...world.warnings, ...resolution.warnings];
  return { ...resolution, warnings, archLayers, script, target, archSource: wanted.source, world };
}

export function newWorld(options: ResolveOptions): World {
  return new World(options.paths, { strict: options.strict }, readPolicyOf(options));
}

/** Root refuses metadata other users can write, unless the tree is declared trusted. */
export function readPolicyOf(options: ResolveOptions): ReadPolicy {
  return { ownersMustBeRoot: isHostRoot() && !options.trustTree };
}
