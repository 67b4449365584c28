// The transitive solver: one version per name for the whole run, chosen in preference order
// (Current when it fits, else newest), with backtracking when a later constraint rules out an
// earlier choice. Deterministic: the same tree always gives the same answer.
import { namesToTry, type CompatibilityList } from './compat.js';
import { satisfiesAll, type Constraint } from './constraint.js';
import type { Alternative, Requirement } from './dependencies.js';
import { ExitCode, RunnerError } from './errors.js';
import { requirementsOrFail, type ProgramVersions, type World } from './programs.js';

/** Who asked for what: one line of some Dependencies file, on behalf of a program or a file. */
export interface Demand {
  by: string;
  requirement: Requirement;
  alternative: Alternative;
  /** The name actually used (differs from the alternative's under CompatibilityList). */
  name: string;
}

export interface Choice {
  name: string;
  version: string;
  path: string;
  demands: Demand[];
}

export interface Resolution {
  program: { name: string; version: string; path: string } | undefined;
  /** Layer order, top first: `-d` files' choices, then the program's, breadth first. */
  dependencies: Choice[];
  architecture: string;
  warnings: string[];
}

export interface RootRequirements {
  by: string;
  requirements: Requirement[];
}

export interface SolveOptions {
  world: World;
  program: { name: string; version: string } | undefined;
  /** `-d FILE` contents first, then the program's own Dependencies. */
  roots: RootRequirements[];
  architecture: string;
  compat: CompatibilityList;
  /** `--newest`: ignore Current, always prefer the newest fitting version (the C original). */
  preferNewest?: boolean;
  /** `--ignore-missing`: skip what no installed version can satisfy, with a warning (the C original). */
  ignoreMissing?: boolean;
}

/** Backtracking is exponential in the worst case; beyond this many steps we stop and say so. */
const STEP_LIMIT = 200_000;

interface Pending {
  by: string;
  requirement: Requirement;
}

/** Candidate versions in preference order, with the reason each other installed one was passed over. */
export function preferredVersions(
  world: World,
  program: ProgramVersions,
  constraints: readonly Constraint[],
  architecture: string,
  preferNewest = false,
): string[] {
  const fitting = program.versions.filter(
    (v) => satisfiesAll(v, constraints) && world.fitsArch(program.name, v, architecture),
  );
  const current = program.current;
  if (preferNewest || current === undefined || !fitting.includes(current)) return fitting;
  return [current, ...fitting.filter((v) => v !== current)];
}

function describeDemand(d: { by: string; requirement: Requirement }): string {
  return `${d.by} needs ${d.requirement.text}`;
}

export function solve(options: SolveOptions): Resolution {
  const { world, compat, architecture } = options;
  const warnings: string[] = [];
  const chosen = new Map<string, Choice>();
  const order: string[] = [];
  const pending: Pending[] = [];
  let steps = 0;
  let failure = { depth: -1, message: '' };

  const fail = (depth: number, message: string): false => {
    if (depth > failure.depth) failure = { depth, message };
    return false;
  };

  const warnOnce = (message: string) => {
    if (!warnings.includes(message)) warnings.push(message);
  };

  const enqueue = (by: string, requirements: Requirement[]) => {
    for (const requirement of requirements) pending.push({ by, requirement });
  };

  const ownDependencies = (name: string, version: string): Requirement[] => {
    return requirementsOrFail(world.dependencies(name, version));
  };

  if (options.program) {
    const { name, version } = options.program;
    chosen.set(name, { name, version, path: world.versionDir(name, version), demands: [] });
  }
  for (const root of options.roots) enqueue(root.by, root.requirements);

  const search = (position: number): boolean => {
    if (++steps > STEP_LIMIT)
      throw new RunnerError(`gave up after ${STEP_LIMIT} steps of backtracking; the constraints are too tangled to untie`, ExitCode.unsatisfiable);
    if (position === pending.length) return true;
    const item = pending[position];
    const { requirement } = item;
    if (requirement.alien) {
      warnOnce(`${requirement.file}:${requirement.line}: '${requirement.name}' is an Alien dependency (${requirement.name.split(':')[0]}); Runner does not handle those, skipped`);
      return search(position + 1);
    }
    let installedAny = false;
    let fitsAlone = false;
    const conflicts: string[] = [];
    const notFitting: string[] = [];
    for (const alternative of requirement.alternatives) {
      for (const name of namesToTry(compat, alternative.name)) {
        const demand: Demand = { by: item.by, requirement, alternative, name };
        const existing = chosen.get(name);
        const program = world.program(name);
        if (!program) continue;
        for (const escaped of program.escaped) warnOnce(`${world.versionDir(name, escaped)} leads outside ${world.paths.programs}; ignored`);
        if (program.versions.length > 0) installedAny = true;
        const candidates = preferredVersions(world, program, alternative.constraints, architecture, options.preferNewest);
        if (candidates.length > 0) fitsAlone = true;
        else notFitting.push(`${name}: installed ${program.versions.join(', ') || 'none'}`);
        if (existing) {
          if (satisfiesAll(existing.version, alternative.constraints)) {
            existing.demands.push(demand);
            if (search(position + 1)) return true;
            existing.demands.pop();
          } else {
            const earlier = existing.demands[0];
            const why = earlier ? describeDemand(earlier) : `${name} ${existing.version} is the program being run`;
            conflicts.push(`${why}; ${describeDemand(item)}; no version of ${name} fits both`);
          }
          continue;
        }
        for (const version of candidates) {
          const queued = pending.length;
          chosen.set(name, { name, version, path: world.versionDir(name, version), demands: [demand] });
          order.push(name);
          enqueue(`${name} ${version}`, ownDependencies(name, version));
          if (search(position + 1)) return true;
          order.pop();
          chosen.delete(name);
          pending.length = queued;
        }
      }
    }
    if (!fitsAlone && options.ignoreMissing) {
      warnOnce(`${describeDemand(item)} (${requirement.file}:${requirement.line}), which nothing installed satisfies; skipped (--ignore-missing)`);
      return search(position + 1);
    }
    if (!installedAny) {
      const names = requirement.alternatives.flatMap((a) => namesToTry(compat, a.name));
      return fail(position, `${describeDemand(item)}, but ${[...new Set(names)].join(' or ')} is not installed (${requirement.file}:${requirement.line})`);
    }
    if (!fitsAlone) {
      const arch = ` for ${architecture}`;
      return fail(position, `${describeDemand(item)}${arch}; ${notFitting.join('; ')}; none fits (${requirement.file}:${requirement.line})`);
    }
    return fail(position, conflicts[0] ?? `${describeDemand(item)}: no combination of versions fits`);
  };

  if (!search(0)) throw new RunnerError(failure.message, ExitCode.unsatisfiable);
  const program = options.program && chosen.get(options.program.name);
  return {
    program: program && { name: program.name, version: program.version, path: program.path },
    dependencies: order.map((name) => chosen.get(name) as Choice),
    architecture,
    warnings,
  };
}

