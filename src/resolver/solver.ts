// The transitive solver: one version per name for the whole run, chosen in preference order
// (Current when it fits, else the newest that does; `--newest`: always the newest), by PubGrub's
// conflict-driven learning (pubgrub/). This file states the GoboLinux problem to the engine:
//   - a package per program name (matched ignoring letter case), its versions the installed ones;
//   - the run itself is the root package: it pins the program and carries `-d`/script lines;
//   - a Dependencies line with one choice is a dependency; a line with `|` alternatives (or
//     CompatibilityList substitutes) or `[flags]` becomes a virtual package whose versions are
//     its choices in order, plus "skip" for an optional (flagged) line;
//   - a version is unavailable when its Architecture differs or its metadata cannot be read.
// Deterministic: the same tree always gives the same answer.
import { namesToTry, type CompatibilityList } from './compat.js';
import { orderSatisfies, type Constraint } from './constraint.js';
import { formatProblem, type Alternative, type ParseResult, type Requirement } from './dependencies.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { explainExclusion, explainFailure, type Why, type Option } from './explain.js';
import type { PackageInfo } from './report.js';
import type { World } from './programs.js';
import { cappedWarnings } from '../base/capped-warnings.js';
import { mapped, mappedNumbers } from './pubgrub/arrays.js';
import { NoSolution, solvePubGrub, type Effort, type EngineSettings, type Problem } from './pubgrub/pubgrub.js';
import {
  allVersions,
  indices,
  isEmptySet,
  negative,
  noVersions,
  positive,
  single,
  without,
  type Term,
  type VersionSet,
} from './pubgrub/term.js';
import { compareKeys, isSnapshot, versionKey, type Item } from './version.js';

const SNAPSHOT_RANK = 'a version-control snapshot ranks below numbered versions';

/** Who asked for what: one line of some Dependencies file, on behalf of a program or a file. */
export interface Demand {
  by: string;
  requirement: Requirement;
  alternative: Alternative;
  /** The name actually used (differs from the alternative's under CompatibilityList or case). */
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
  /** What -v tells: choices that are not Current and why, optional lines skipped (worked out
   * from the derivation only when asked). */
  notes(): string[];
  /** Why an installed version of a program was not chosen (for --why), from the derivation. */
  whyNot(name: string, version: string): string;
  /** How much searching it took (for bench/resolve). */
  effort: Effort;
}

export interface RootRequirements {
  by: string;
  requirements: Requirement[];
  /** The parse the requirements came from, for its warnings. */
  parsed?: ParseResult;
}

export interface SolveOptions {
  world: World;
  program: { name: string; version: string } | undefined;
  /** `-d FILE` contents first, then a script header's lines. */
  roots: RootRequirements[];
  architecture: string;
  compat: CompatibilityList;
  /** `--newest`: ignore Current, always prefer the newest fitting version (the C original). */
  preferNewest?: boolean;
  /** `--ignore-missing`: skip what no installed version can satisfy, with a warning (the C original). */
  ignoreMissing?: boolean;
  /** `--strict-metadata`: a version whose Dependencies has malformed lines cannot be used. */
  strictMetadata?: boolean;
  /** The engine's settings (the tests change them; DEFAULT_ENGINE otherwise). */
  engine?: EngineSettings;
}

const ROOT = '\0run';
const NO_CHOICES: readonly string[] = [];

/** An incompatibility a choice brings: its terms, and the fact behind it. */
type Brought = { terms: [string, Term][]; why: Why };

interface LineUse {
  requirement: Requirement;
  by: string;
  options: Option[];
  /** The virtual package of a line with choices, if it has one, and its versions: the choices'
   * names, then "skip" for an optional line (made once: the solver asks for them at every step). */
  virtual: string | undefined;
  choices: readonly string[];
}

/** Malformed lines of a file, as warnings (or, under --strict-metadata, the reason it is refused). */
export function metadataProblems(parsed: ParseResult): string[] {
  if (parsed.problems.length === 0 && parsed.fixes.length === 0) return []; // most files: asked of each chosen version
  const all = [...parsed.problems.map((p) => `${formatProblem(p)}; line skipped`), ...parsed.fixes.map(formatProblem)];
  const file = (parsed.problems[0] ?? parsed.fixes[0])?.file;
  return file === undefined ? all : cappedWarnings(file, all);
}

class GoboProblem implements Problem<Why> {
  readonly root = ROOT;
  private readonly virtuals = new Map<string, LineUse>();
  /** Requester package and version → its lines, as the solver saw them. */
  readonly lines = new Map<string, LineUse[]>();

  constructor(private readonly options: SolveOptions) {}

  private get world(): World {
    return this.options.world;
  }

  versions(pkg: string): readonly string[] {
    if (pkg === ROOT) return ['run'];
    const virtual = this.virtuals.get(pkg);
    if (virtual) return virtual.choices;
    return this.world.program(pkg)?.versions ?? [];
  }

  preference(pkg: string): number[] {
    const versions = this.versions(pkg);
    const program =
      pkg === ROOT || this.virtuals.has(pkg) || this.options.preferNewest ? undefined : this.world.program(pkg);
    const current = program?.current === undefined ? -1 : program.versions.indexOf(program.current);
    // Current first, then the others newest first (in the order of `versions`).
    return mappedNumbers(versions, (_, i) => (current < 0 || i > current ? i : i === 0 ? current : i - 1));
  }

  unavailable(pkg: string, index: number): Why | undefined {
    if (pkg === ROOT || this.virtuals.has(pkg)) return undefined;
    const version = this.versions(pkg)[index];
    const reason = this.unusable(pkg, version);
    return reason === undefined ? undefined : { kind: 'unavailable', name: pkg, version, reason };
  }

  /** Why a version cannot be a candidate at all, if it cannot. */
  unusable(name: string, version: string): string | undefined {
    try {
      const arch = this.world.architecture(name, version);
      if (!this.world.fitsArch(name, version, this.options.architecture))
        return `is for ${arch}, not ${this.options.architecture}`;
      const parsed = this.world.dependencies(name, version);
      const fileProblem = parsed.problems.find((p) => p.line === 0);
      if (fileProblem) return `cannot be used: ${formatProblem(fileProblem)}`;
      if (this.options.strictMetadata && (parsed.problems.length > 0 || parsed.fixes.length > 0))
        return `cannot be used (--strict-metadata): ${metadataProblems(parsed)[0]}`;
    } catch (error) {
      if (error instanceof RunnerError && error.exitCode === ExitCode.badMetadata)
        return `cannot be used: ${error.message}`;
      throw error;
    }
    return undefined;
  }

  rootCause(): Why {
    return { kind: 'root' };
  }

  noVersions(pkg: string, allowed: VersionSet): Why {
    return { kind: 'none', name: pkg, versions: indices(allowed).map((i) => this.versions(pkg)[i]) };
  }

  /** By program name: the sort key of each installed version, made once for all its lines. */
  private readonly versionKeys = new Map<string, readonly (readonly Item[])[]>();

  /** The installed versions (by index) that fit `constraints`: compared by sort key, which costs
   * less than finding a line already worked out under a key made of its text. */
  private fitting(name: string, versions: readonly string[], constraints: readonly Constraint[]): VersionSet {
    if (versions.length === 0) return noVersions(0);
    let keys = this.versionKeys.get(name);
    if (keys === undefined) this.versionKeys.set(name, (keys = mapped(versions, versionKey)));
    let set = allVersions(versions.length);
    for (const c of constraints) {
      const wanted = versionKey(c.version);
      for (let i = 0; i < versions.length; i++)
        if (!orderSatisfies(c.op, compareKeys(keys[i], wanted))) set = without(set, i);
    }
    return set;
  }

  /** One line's choices: every alternative under each name CompatibilityList gives it. */
  private optionsOf(requirement: Requirement): Option[] {
    const { alternatives } = requirement;
    // Most lines: one alternative that CompatibilityList does not name, so one choice.
    if (alternatives.length === 1 && !this.options.compat.has(alternatives[0].name))
      return [this.option(alternatives[0], alternatives[0].name)];
    const options: Option[] = [];
    for (const alternative of alternatives)
      for (const asked of namesToTry(this.options.compat, alternative.name))
        options.push(this.option(alternative, asked));
    // CompatibilityList names that are not installed are tried only when nothing else is.
    const installed = options.filter((o) => o.installed.length > 0 || o.asked === o.alternative.name);
    return (installed.length > 0 ? installed : options).slice(); // kept all run: exact size
  }

  /** The choice of `alternative` under the name `asked` (its own, or a CompatibilityList one). */
  private option(alternative: Alternative, asked: string): Option {
    const canonical = this.world.canonicalName(asked);
    const name = typeof canonical === 'string' ? canonical : asked;
    const versions = typeof canonical === 'string' ? (this.world.program(name)?.versions ?? []) : [];
    const set = this.fitting(name, versions, alternative.constraints);
    const ambiguous = typeof canonical === 'string' ? undefined : canonical;
    return { name, asked, alternative, set, installed: versions, ambiguous };
  }

  /** The incompatibilities of one requester's lines (requester: a package at one version). */
  private lineIncompatibilities(
    requester: string,
    index: number,
    by: string,
    requirements: readonly Requirement[],
  ): Brought[] {
    const uses: LineUse[] = [];
    const out: Brought[] = [];
    // The requester at this version: the first term of each of its lines' incompatibilities.
    const self: [string, Term] = [requester, positive(single(this.versions(requester).length, index))];
    for (const requirement of requirements) {
      const use: LineUse = { requirement, by, options: [], virtual: undefined, choices: NO_CHOICES };
      uses.push(use);
      const options = this.optionsOf(requirement);
      use.options = options;
      if (this.options.ignoreMissing && options.every((o) => isEmptySet(o.set))) continue;
      if (options.length === 1 && !requirement.optional) {
        const option = options[0];
        out.push({
          terms: [self, [option.name, negative(option.set)]],
          why: { kind: 'line', by, requirement, option },
        });
        // Nothing installed fits: this version cannot be used, and its other lines cannot matter
        // (a file of 300,000 missing names is one fact, not 300,000).
        if (isEmptySet(option.set)) break;
        continue;
      }
      // A choice that nothing installed fits can never be taken: it is no version of the line's
      // virtual package (a line of 16,000 alternatives, none installed, is one fact, not 16,000).
      use.options = options.some((o) => isEmptySet(o.set)) ? options.filter((o) => !isEmptySet(o.set)) : options;
      if (use.options.length === 0 && !requirement.optional) {
        out.push({ terms: [self], why: { kind: 'line', by, requirement, option: undefined, unmet: options } });
        break; // this version cannot be used: its other lines cannot matter
      }
      use.virtual = `\0${by}\0${requirement.file}:${requirement.line}`;
      // At its exact size (pubgrub/arrays.ts): kept all run, one per such line.
      const choices = new Array<string>(use.options.length + (requirement.optional ? 1 : 0));
      use.options.forEach((o, i) => (choices[i] = o.name));
      if (requirement.optional) choices[use.options.length] = 'skip';
      use.choices = choices;
      this.virtuals.set(use.virtual, use);
      const all = allVersions(this.versions(use.virtual).length);
      out.push({
        terms: [self, [use.virtual, negative(all)]],
        why: { kind: 'line', by, requirement, option: undefined },
      });
    }
    this.lines.set(`${requester}\0${index}`, uses);
    return out;
  }

  dependencies(pkg: string, index: number): Brought[] {
    if (pkg === ROOT) {
      const out: Brought[] = [];
      const { program } = this.options;
      if (program) {
        const versions = this.versions(program.name);
        const at = versions.indexOf(program.version);
        const pinned = at < 0 ? noVersions(versions.length) : single(versions.length, at);
        out.push({
          terms: [
            [ROOT, positive(single(1, 0))],
            [program.name, negative(pinned)],
          ],
          why: { kind: 'program', ...program },
        });
      }
      for (const root of this.options.roots)
        for (const brought of this.lineIncompatibilities(ROOT, 0, root.by, root.requirements)) out.push(brought);
      return out;
    }
    const virtual = this.virtuals.get(pkg);
    if (virtual) {
      const option = virtual.options[index];
      if (!option) return []; // "skip": an optional line left out
      return [
        {
          terms: [
            [pkg, positive(single(this.versions(pkg).length, index))],
            [option.name, negative(option.set)],
          ],
          why: { kind: 'option', by: virtual.by, requirement: virtual.requirement, option },
        },
      ];
    }
    const version = this.versions(pkg)[index];
    return this.lineIncompatibilities(
      pkg,
      index,
      `${pkg} ${version}`,
      this.world.dependencies(pkg, version).requirements,
    );
  }

  describe = (pkg: string): PackageInfo => {
    const use = this.virtuals.get(pkg);
    return {
      versions: this.versions(pkg),
      virtual: use !== undefined,
      root: pkg === ROOT,
      line: use && { by: use.by, text: use.requirement.text },
    };
  };
}

export function solve(options: SolveOptions): Resolution {
  const { world } = options;
  const problem = new GoboProblem(options);
  let solution;
  try {
    solution = solvePubGrub(problem, options.engine);
  } catch (error) {
    if (!(error instanceof NoSolution)) throw error;
    throw new RunnerError(explainFailure(error.incompatibility, problem.describe), ExitCode.unsatisfiable);
  }
  const { decisions } = solution;
  const versionOf = (name: string): string | undefined => {
    const at = decisions.get(name);
    return at === undefined ? undefined : problem.versions(name)[at];
  };

  const warnings = new Set<string>(); // each said once, in the order first met
  const notes: string[] = [];
  const warnOnce = (message: string) => warnings.add(message);
  for (const root of options.roots) if (root.parsed) metadataProblems(root.parsed).forEach(warnOnce);

  // Breadth first from the run's own lines, then the program's: the layer order, and who asked.
  const chosen = new Map<string, Choice>();
  const order: Choice[] = [];
  const queue: [string, number][] = [[ROOT, 0]];
  if (options.program) queue.push([options.program.name, decisions.get(options.program.name) ?? 0]);
  for (let q = 0; q < queue.length; q++) {
    const [requester, index] = queue[q];
    if (requester !== ROOT) {
      const version = problem.versions(requester)[index];
      metadataProblems(world.dependencies(requester, version)).forEach(warnOnce);
      for (const escaped of world.program(requester)?.escaped ?? [])
        warnOnce(`${world.versionDir(requester, escaped)} leads outside ${world.paths.programs}; ignored`);
    }
    for (const use of problem.lines.get(`${requester}\0${index}`) ?? []) {
      const { requirement } = use;
      const where = () => `${requirement.file}:${requirement.line}`;
      const picked =
        use.virtual === undefined ? (use.options.length === 1 ? 0 : -1) : (decisions.get(use.virtual) ?? -1);
      const option = use.options[picked];
      if (!option || versionOf(option.name) === undefined) {
        if (options.ignoreMissing && use.options.every((o) => isEmptySet(o.set)))
          warnOnce(
            `${use.by} needs ${requirement.text} (${where()}), which nothing installed satisfies; skipped (--ignore-missing)`,
          );
        else if (requirement.optional)
          notes.push(
            `${use.by}: optional '${requirement.text}' (${where()}) skipped: ${use.options.every((o) => isEmptySet(o.set)) ? 'nothing installed fits it' : 'it does not fit with the rest'}`,
          );
        continue;
      }
      const demand: Demand = { by: use.by, requirement, alternative: option.alternative, name: option.name };
      if (options.program?.name === option.name) continue;
      let choice = chosen.get(option.name);
      if (!choice) {
        const version = versionOf(option.name) as string;
        choice = { name: option.name, version, path: world.versionDir(option.name, version), demands: [] };
        chosen.set(option.name, choice);
        order.push(choice);
        queue.push([option.name, decisions.get(option.name) as number]);
      }
      choice.demands.push(demand);
    }
  }

  const whyNot = (name: string, version: string): string => {
    const versions = problem.versions(name);
    const at = versions.indexOf(version);
    if (at < 0) return 'not installed';
    const unusable = problem.unusable(name, version);
    if (unusable) return unusable;
    const excluded = explainExclusion(solution.solution, name, at, problem.describe);
    // A bound rules a snapshot out by its rank; the order of preference passes it over by its
    // rank unless Current decided.
    const byRank =
      isSnapshot(version) &&
      (excluded !== undefined || options.preferNewest || chosen.get(name)?.version !== world.program(name)?.current);
    const why =
      excluded ??
      (options.preferNewest
        ? 'fits, but a newer version fits too (--newest)'
        : 'fits, but comes later in preference order (Current, then newest)');
    return byRank ? `${why} (${SNAPSHOT_RANK})` : why;
  };
  const explainedNotes = (): string[] => {
    const notCurrent: string[] = [];
    for (const choice of order) {
      const current = world.program(choice.name)?.current;
      if (current !== undefined && current !== choice.version && !options.preferNewest)
        notCurrent.push(
          `${choice.name} ${choice.version}, not Current ${current}: Current ${whyNot(choice.name, current)}`,
        );
    }
    return [...notCurrent, ...notes];
  };

  const program = options.program && {
    ...options.program,
    path: world.versionDir(options.program.name, options.program.version),
  };
  return {
    program,
    dependencies: order,
    architecture: options.architecture,
    warnings: [...warnings],
    notes: explainedNotes,
    whyNot,
    effort: solution.effort,
  };
}
