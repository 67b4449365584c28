// Assembling a run, above the resolver: the target (run/target.ts), the architecture it needs
// (arch/), a Runner script's header (script/) and `-d` files feed the pure core in resolver/
// (grammar, version order, candidates, solver), which knows nothing of ELF files or scripts.
// Target + options in, resolved run out. Reads the tree, never mounts.
import path from 'node:path';
import { foreignArchLayers } from '../arch/layers.js';
import { hostArch, wantedArch, type WantedArch } from '../arch/wanted.js';
import { readCompatibilityList } from '../resolver/compat.js';
import type { Requirement } from '../resolver/dependencies.js';
import type { ReadPolicy } from '../resolver/metadata-file.js';
import type { GoboPaths } from '../resolver/paths.js';
import { requirementsOrFail, World } from '../resolver/programs.js';
import { solve, type Choice, type Resolution, type RootRequirements } from '../resolver/solver.js';
import type { Target } from './target.js';
import { readScriptHeader, type ScriptHeader } from '../script/header.js';

export interface ResolveOptions {
  paths: GoboPaths;
  /** `-a`. */
  arch?: string;
  /** `-d FILE`, in the order given. */
  dependencyFiles?: string[];
  strict?: boolean;
  /** `-p`: also leaves out the foreign-architecture layers. */
  pure?: boolean;
  preferNewest?: boolean;
  ignoreMissing?: boolean;
  /** `--trust-tree`: as root, read metadata that other users can write (see metadata-file.ts). */
  trustTree?: boolean;
  /** `--strict-metadata`: malformed Dependencies lines are fatal, not skipped with a warning. */
  strictMetadata?: boolean;
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
  return requirementsOrFail(world.dependencyFile(path.resolve(file)), strictMetadata);
}

export function resolveTarget(world: World, target: Target, options: ResolveOptions): ResolvedRun {
  const program = target.program;
  const wanted = wantedArch({
    flag: options.arch,
    file: target.file,
    declared: program && world.architecture(program.name, program.version),
  });
  const roots: RootRequirements[] = (options.dependencyFiles ?? []).map((file) => ({
    by: file,
    requirements: requirementsOf(world, file, options.strictMetadata),
    parsed: world.dependencyFile(path.resolve(file)),
  }));
  // A Runner script's own `#!Runner dependency` lines come next; the program's own lines are
  // read by the solver when it pins the program, after these.
  const script = target.file ? readScriptHeader(target.file, world.parseOptions) : undefined;
  if (script && target.file) roots.push({ by: target.file, requirements: script.requirements });
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
  return { ownersMustBeRoot: process.getuid?.() === 0 && !options.trustTree };
}
