// Version solving by conflict-driven learning: PubGrub (Natalie Weizenbaum's algorithm for Dart's
// pub; pubgrub-rs and uv use it too). Unit propagation derives what the incompatibilities force,
// a decision picks a version in the problem's own preference order, and a conflict is resolved by
// learning a new incompatibility from the derivation and jumping back to the decision level where
// it becomes useful. Every loop is iterative; nothing here limits steps: the algorithm terminates.
import { mapped, mappedNumbers, sparse } from './arrays.js';
import { Buckets } from './buckets.js';
import { incompatibility, priorCause, type Incompatibility } from './incompatibility.js';
import { PartialSolution, SATISFIED } from './partial-solution.js';
import { allows, negative, positive, single, type Term, type VersionSet } from './term.js';
import { Watches } from './watches.js';

/** What the engine asks of the problem it solves. */
export interface Problem<E> {
  readonly root: string;
  /** The package's versions (fixed for the run); a version is its index (bit) in this list. */
  versions(pkg: string): readonly string[];
  /** All the package's version indices in the order they should be tried (fixed for the run). */
  preference(pkg: string): readonly number[];
  /** Why a version cannot be used at all (bad metadata, other architecture), if it cannot. */
  unavailable(pkg: string, version: number): E | undefined;
  /** Incompatibilities that choosing this version brings (its dependencies), as terms and cause. */
  dependencies(pkg: string, version: number): { terms: [string, Term][]; why: E }[];
  /** External causes the engine itself creates. */
  rootCause(): E;
  noVersions(pkg: string, allowed: VersionSet): E;
}

export class NoSolution<E> extends Error {
  constructor(readonly incompatibility: Incompatibility<E>) {
    super('no solution');
  }
}

export interface Solution<E> {
  /** Package → chosen version index (the root included). */
  decisions: Map<string, number>;
  /** The assignments of the final partial solution, for explaining choices. */
  solution: PartialSolution<E>;
  effort: Effort;
}

/** How much searching a solve took: the same tree always takes the same (bench/resolve prints it). */
export interface Effort {
  /** Versions decided, including those made again after a backjump. */
  decisions: number;
  /** Conflicts resolved (each ends in a backjump). */
  conflicts: number;
}

/**
 * Settings of the engine, for the tests. `chronologicalAfter`: see backjumpTarget (0 runs that
 * branch on small trees). `verifyPropagation`: check every incompatibility after each propagation
 * (slow) and throw if one is left satisfied or almost satisfied: the watches must never skip one
 * that implies something.
 */
export interface EngineSettings {
  chronologicalAfter: number;
  verifyPropagation: boolean;
}

export const DEFAULT_ENGINE: EngineSettings = { chronologicalAfter: 100, verifyPropagation: false };

/**
 * Where a conflict's backjump goes. PubGrub goes to `previousLevel`, where the learned
 * incompatibility becomes almost satisfied. Any level from there up to the satisfier's level - 1
 * works as well: what the incompatibility needs besides the satisfier was all assigned at or below
 * `previousLevel`, so it is almost satisfied at each of them and deriving from it is sound (the
 * derived term only sits at a higher level than it must; a later backjump below it checks the
 * incompatibility again). A far jump undoes many decisions that had nothing to do with the
 * conflict and are then made again; chronological backtracking (Nadel and Ryvchin, SAT 2018) goes
 * back one level instead when the jump would span more than `chronologicalAfter` levels (their
 * default is 100). docs/versions-and-solver.md has what it saves on bench/resolve's trees.
 */
export function backjumpTarget(satisfierLevel: number, previousLevel: number, chronologicalAfter: number): number {
  return satisfierLevel - 1 - previousLevel > chronologicalAfter ? satisfierLevel - 1 : previousLevel;
}

export function solvePubGrub<E>(problem: Problem<E>, settings: EngineSettings = DEFAULT_ENGINE): Solution<E> {
  return new State(problem, settings).solve();
}

/**
 * One solve: the partial solution, the incompatibilities known so far and what propagation has
 * still to look at. The main loop (solve) alternates unit propagation (propagate) and a decision
 * (decideNext); a conflict found by propagation is resolved by learning (resolveConflict).
 */
class State<E> {
  private readonly ps: PartialSolution<E>;
  /** What propagation looks at when a package's term changes (watches.ts). */
  private readonly watches: Watches<E>;
  /** Incompatibilities to check whole at the next propagation. */
  private readonly recheck: Incompatibility<E>[] = [];
  /**
   * Each incompatibility checked whole, kept under the trail length its check rests on: one past
   * the last assignment to any of its packages (what it derived included). Its standing changes
   * only through those, so a backjump that keeps them all keeps what the check established; one
   * that removes any finds it here to check again.
   */
  private readonly checkedUpTo = new Buckets<Incompatibility<E>>();
  /** Every incompatibility added, only under settings.verifyPropagation. */
  private readonly everyAdded: Incompatibility<E>[] = [];
  // By package id: the order its versions are tried in; by package id and version: whether the
  // version can be used (asked once: it never changes during a run), the incompatibility saying it
  // cannot, and the dependencies it brings (added once: after a backjump the same decision is often
  // made again, and duplicates would slow every propagation).
  private readonly preferences = sparse<readonly number[]>();
  private readonly unusable = sparse<(E | null)[]>();
  private readonly unusableFacts = sparse<Incompatibility<E>[]>();
  private readonly expanded = sparse<Incompatibility<E>[][]>();
  /**
   * Packages whose term changed and whose incompatibilities are still to be looked at: a stack (its
   * first `changedCount` places, so that emptying it frees nothing to allocate again) and, by
   * package id, whether the package is on it.
   */
  private readonly changed: number[] = [];
  private changedCount = 0;
  private readonly onChanged = sparse<boolean>();
  private readonly effort: Effort = { decisions: 0, conflicts: 0 };
  /** visit, bound once: the watches call it for each incompatibility they look at. */
  private readonly visitOne = (incompat: Incompatibility<E>) => this.visit(incompat);

  constructor(
    private readonly problem: Problem<E>,
    private readonly settings: EngineSettings,
  ) {
    this.ps = new PartialSolution<E>((pkg) => problem.versions(pkg).length);
    this.watches = new Watches<E>(this.ps.widths);
  }

  solve(): Solution<E> {
    const { problem, ps } = this;
    this.add(
      incompatibility<E>([[problem.root, negative(single(1, 0))]], { kind: 'external', why: problem.rootCause() }),
    );
    let next = ps.idOf(problem.root);
    for (;;) {
      this.propagate(next);
      const id = ps.nextUndecided();
      if (id === undefined) return { decisions: ps.decisions, solution: ps, effort: this.effort };
      this.decideNext(id);
      next = id;
    }
  }

  /** Gives the incompatibility its packages' numbers (see PartialSolution.idOf). */
  private numbered(incompat: Incompatibility<E>): Incompatibility<E> {
    incompat.ids = mappedNumbers(incompat.packages, (pkg) => this.ps.idOf(pkg));
    return incompat;
  }

  private add(incompat: Incompatibility<E>): void {
    this.watches.add(this.numbered(incompat));
    this.recheck.push(incompat);
    if (this.settings.verifyPropagation) this.everyAdded.push(incompat);
  }

  // Unit propagation. When a package's term changes, only the incompatibilities whose term for it
  // may have come to hold are looked at (watches.ts). That is complete for an incompatibility
  // checked whole on the current trail; a new one, or one checked on a part of the trail that a
  // backjump undid, is first checked whole (`recheck`).
  private propagate(start: number): void {
    this.clearChanged();
    this.markChanged(start);
    for (;;) {
      while (this.recheck.length > 0) this.checkWhole(this.recheck.pop() as Incompatibility<E>);
      if (this.changedCount === 0) {
        if (this.settings.verifyPropagation) this.verifyFixpoint();
        return;
      }
      const id = this.changed[--this.changedCount];
      this.onChanged[id] = false;
      this.watches.lookAt(id, this.ps.accumulated[id], this.visitOne);
    }
  }

  /** Checks one incompatibility whole, and files it under the trail length the check rests on. */
  private checkWhole(incompat: Incompatibility<E>): void {
    if (!this.visit(incompat)) {
      this.recheck.push(incompat); // a conflict changed the trail under the check
      return;
    }
    let restsOn = 0;
    for (const id of incompat.ids) restsOn = Math.max(restsOn, this.ps.latestAt(id) + 1);
    if (restsOn > 0) this.checkedUpTo.file(restsOn, incompat);
  }

  /** Checks one incompatibility; false after a conflict (the trail changed under the caller). */
  private visit(incompat: Incompatibility<E>): boolean {
    const relation = this.ps.relation(incompat);
    if (relation === SATISFIED) {
      const { pkg, incompat: learned } = this.resolveConflict(incompat);
      this.clearChanged();
      this.derive(learned, learned.packages.indexOf(pkg));
      return false;
    }
    if (relation >= 0) this.derive(incompat, relation);
    return true;
  }

  private derive(incompat: Incompatibility<E>, at: number): void {
    const id = incompat.ids[at];
    this.ps.derive(id, incompat.negations[at], incompat);
    this.markChanged(id);
  }

  private markChanged(id: number): void {
    if (this.onChanged[id]) return;
    this.onChanged[id] = true;
    this.changed[this.changedCount++] = id;
  }

  private clearChanged(): void {
    while (this.changedCount > 0) this.onChanged[this.changed[--this.changedCount]] = false;
  }

  /** Learns from a satisfied incompatibility until it can backjump; returns what to derive from. */
  private resolveConflict(start: Incompatibility<E>): { pkg: string; incompat: Incompatibility<E> } {
    const { ps } = this;
    this.effort.conflicts++;
    let incompat = start;
    let learned = false;
    for (;;) {
      if (this.isTerminal(incompat)) throw new NoSolution(incompat);
      const { satisfier, previousLevel } = ps.satisfier(incompat);
      const cause = ps.causeAt(satisfier);
      const level = ps.levelAt(satisfier);
      const pkg = ps.names[ps.idAt(satisfier)];
      if (cause === undefined || previousLevel !== level) {
        this.backjump(backjumpTarget(level, previousLevel, this.settings.chronologicalAfter));
        if (learned) this.add(incompat);
        return { pkg, incompat };
      }
      incompat = this.numbered(priorCause(incompat, cause, pkg));
      learned = true;
    }
  }

  /** Undoes the trail above `level`; what rested on the undone part is checked again. */
  private backjump(level: number): void {
    const from = this.ps.length;
    this.ps.backtrack(level, (id, term) => this.watches.restored(id, term));
    this.checkedUpTo.takeRange(this.ps.length + 1, from, (item) => this.recheck.push(item));
  }

  private isTerminal(incompat: Incompatibility<E>): boolean {
    if (incompat.packages.length === 0) return true;
    if (incompat.packages.length > 1) return false;
    const term = incompat.termOf(this.problem.root);
    return term !== undefined && term.positive;
  }

  /** Decision making: the first version in preference order that the term allows and can be used. */
  private decideNext(id: number): void {
    const chosen = this.chooseVersion(id);
    if (chosen === undefined) return;
    const brought = this.dependenciesOf(id, chosen);
    // A version whose own dependencies already fail is not decided: checked whole, they rule it out.
    const decision = positive(single(this.ps.widths[id], chosen));
    if (brought.every((incompat) => this.ps.relation(incompat, id, decision) !== SATISFIED)) {
      this.ps.decide(id, chosen);
      this.effort.decisions++;
    } else for (const item of brought) this.recheck.push(item);
  }

  /**
   * The version to decide for package `id`, or undefined when none can be: then an
   * incompatibility saying why is added, for propagation to find.
   */
  private chooseVersion(id: number): number | undefined {
    const { problem, ps } = this;
    const pkg = ps.names[id];
    const term = ps.accumulated[id];
    let ruledOut = 0;
    for (const version of (this.preferences[id] ??= problem.preference(pkg))) {
      if (!allows(term, version)) continue;
      const why = this.unavailable(id, version);
      if (why === undefined) return version;
      // Made once, and met again on every later pass: a backjump may have undone what it derived.
      const facts = (this.unusableFacts[id] ??= sparse());
      const fact = facts[version];
      if (fact === undefined)
        this.add(
          (facts[version] = incompatibility([[pkg, positive(single(ps.widths[id], version))]], {
            kind: 'external',
            why,
          })),
        );
      else this.recheck.push(fact);
      ruledOut++;
    }
    // Each version ruled out carries its own reason; only an empty choice needs one more.
    if (ruledOut === 0)
      this.add(
        incompatibility<E>([[pkg, positive(term.set)]], { kind: 'external', why: problem.noVersions(pkg, term.set) }),
      );
    return undefined;
  }

  private unavailable(id: number, version: number): E | undefined {
    const known = (this.unusable[id] ??= sparse());
    if (known[version] === undefined) known[version] = this.problem.unavailable(this.ps.names[id], version) ?? null;
    return known[version] ?? undefined;
  }

  /** The incompatibilities a version's dependencies bring, added the first time it is chosen. */
  private dependenciesOf(id: number, version: number): Incompatibility<E>[] {
    const byVersion = (this.expanded[id] ??= sparse());
    let brought = byVersion[version];
    if (brought === undefined) {
      brought = byVersion[version] = mapped(this.problem.dependencies(this.ps.names[id], version), (d) =>
        incompatibility<E>(d.terms, { kind: 'external', why: d.why }),
      );
      brought.forEach((incompat) => this.add(incompat));
    }
    return brought;
  }

  private verifyFixpoint(): void {
    for (const incompat of this.everyAdded) {
      const relation = this.ps.relation(incompat);
      if (relation === SATISFIED || relation >= 0)
        throw new Error(
          `propagation stopped short: {${incompat.packages.join(', ')}} is ${relation === SATISFIED ? 'satisfied' : 'almost satisfied'}`,
        );
    }
  }
}
