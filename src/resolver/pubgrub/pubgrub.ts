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
 * Where a conflict's backjump goes. PubGrub goes to `previousLevel`, where the learned
 * incompatibility becomes almost satisfied. Any level from there up to the satisfier's level - 1
 * works as well: what the incompatibility needs besides the satisfier was all assigned at or below
 * `previousLevel`, so it is almost satisfied at each of them and deriving from it is sound (the
 * derived term only sits at a higher level than it must; a later backjump below it checks the
 * incompatibility again). A far jump undoes many decisions that had nothing to do with the
 * conflict and are then made again; chronological backtracking (Nadel and Ryvchin, SAT 2018) goes
 * back one level instead when the jump would span more than 100 levels, their default. On the
 * planted trees of bench/resolve this cuts decisions by half and more.
 */
export function backjumpTarget(satisfierLevel: number, previousLevel: number): number {
  return satisfierLevel - 1 - previousLevel > tuning.chronologicalAfter ? satisfierLevel - 1 : previousLevel;
}

/**
 * Settings of the engine, for the tests: `chronologicalAfter` 0 runs that branch on small trees;
 * `verifyPropagation` checks every incompatibility after each propagation (slow) and throws if one
 * is left satisfied or almost satisfied: the watches must never skip one that implies something.
 */
export const tuning = { chronologicalAfter: 100, verifyPropagation: false };

export function solvePubGrub<E>(problem: Problem<E>): Solution<E> {
  const ps = new PartialSolution<E>((pkg) => problem.versions(pkg).length);

  // What propagation looks at when a package's term changes (watches.ts).
  const watches = new Watches<E>(ps.widths);
  // Incompatibilities to check whole at the next propagation; and each one checked whole, kept
  // under the trail length its check rests on: one past the last assignment to any of its packages
  // (what it derived included). Its standing changes only through those, so a backjump that keeps
  // them all keeps what the check established; one that removes any finds it here to check again.
  const recheck: Incompatibility<E>[] = [];
  const checkedUpTo = new Buckets<Incompatibility<E>>();
  /** Gives the incompatibility its packages' numbers (see PartialSolution.idOf). */
  const numbered = (incompat: Incompatibility<E>) => {
    incompat.ids = mappedNumbers(incompat.packages, (pkg) => ps.idOf(pkg));
    return incompat;
  };
  const everyAdded: Incompatibility<E>[] = []; // only with tuning.verifyPropagation
  const add = (incompat: Incompatibility<E>) => {
    watches.add(numbered(incompat));
    recheck.push(incompat);
    if (tuning.verifyPropagation) everyAdded.push(incompat);
  };
  const verifyFixpoint = () => {
    for (const incompat of everyAdded) {
      const relation = ps.relation(incompat);
      if (relation === SATISFIED || relation >= 0)
        throw new Error(
          `propagation stopped short: {${incompat.packages.join(', ')}} is ${relation === SATISFIED ? 'satisfied' : 'almost satisfied'}`,
        );
    }
  };
  /** Checks one incompatibility whole, and files it under the trail length the check rests on. */
  const checkWhole = (incompat: Incompatibility<E>) => {
    if (!visit(incompat)) {
      recheck.push(incompat); // a conflict changed the trail under the check
      return;
    }
    let restsOn = 0;
    for (const id of incompat.ids) restsOn = Math.max(restsOn, ps.latestAt(id) + 1);
    if (restsOn > 0) checkedUpTo.file(restsOn, incompat);
  };
  /** After a backjump from trail length `from`: what rested on the undone part is checked again. */
  const recheckAbove = (from: number) => checkedUpTo.takeRange(ps.length + 1, from, (item) => recheck.push(item));

  // By package id, the order its versions are tried in; by package id and version, whether the
  // version can be used (asked once: it never changes during a run), the incompatibility saying it
  // cannot, and the dependencies it brings (added once: after a backjump the same decision is often
  // made again, and duplicates would slow every propagation).
  const unusable = sparse<(E | null)[]>();
  const unusableFacts = sparse<Incompatibility<E>[]>();
  const expanded = sparse<Incompatibility<E>[][]>();
  const preferences = sparse<readonly number[]>();
  const unavailable = (id: number, version: number): E | undefined => {
    const known = (unusable[id] ??= sparse());
    if (known[version] === undefined) known[version] = problem.unavailable(ps.names[id], version) ?? null;
    return known[version] ?? undefined;
  };

  const isTerminal = (incompat: Incompatibility<E>) => {
    if (incompat.packages.length === 0) return true;
    if (incompat.packages.length > 1) return false;
    const term = incompat.termOf(problem.root);
    return term !== undefined && term.positive;
  };

  const effort: Effort = { decisions: 0, conflicts: 0 };
  const resolveConflict = (start: Incompatibility<E>): { pkg: string; incompat: Incompatibility<E> } => {
    effort.conflicts++;
    let incompat = start;
    let learned = false;
    for (;;) {
      if (isTerminal(incompat)) throw new NoSolution(incompat);
      const { satisfier, previousLevel } = ps.satisfier(incompat);
      const cause = ps.causeAt(satisfier);
      const level = ps.levelAt(satisfier);
      const pkg = ps.names[ps.idAt(satisfier)];
      if (cause === undefined || previousLevel !== level) {
        const from = ps.length;
        ps.backtrack(backjumpTarget(level, previousLevel), (id, term) => watches.restored(id, term));
        recheckAbove(from);
        if (learned) add(incompat);
        return { pkg, incompat };
      }
      incompat = numbered(priorCause(incompat, cause, pkg));
      learned = true;
    }
  };

  // Unit propagation. When a package's term changes, only the incompatibilities whose term for it
  // may have come to hold are looked at (watches.ts). That is complete for an incompatibility
  // checked whole on the current trail; a new one, or one checked on a part of the trail that a
  // backjump undid, is first checked whole (`recheck`).
  // Packages whose term changed and whose incompatibilities are still to be looked at: a stack
  // (its first `changedCount` places, so that emptying it frees nothing to allocate again) and,
  // by package id, whether the package is on it.
  const changed: number[] = [];
  let changedCount = 0;
  const onChanged = sparse<boolean>();
  const markChanged = (id: number) => {
    if (onChanged[id]) return;
    onChanged[id] = true;
    changed[changedCount++] = id;
  };
  const clearChanged = () => {
    while (changedCount > 0) onChanged[changed[--changedCount]] = false;
  };
  const derive = (incompat: Incompatibility<E>, at: number) => {
    const id = incompat.ids[at];
    ps.derive(id, incompat.negations[at], incompat);
    markChanged(id);
  };
  /** Checks one incompatibility; false after a conflict (the trail changed under the caller). */
  const visit = (incompat: Incompatibility<E>): boolean => {
    const relation = ps.relation(incompat);
    if (relation === SATISFIED) {
      const { pkg, incompat: learned } = resolveConflict(incompat);
      clearChanged();
      derive(learned, learned.packages.indexOf(pkg));
      return false;
    }
    if (relation >= 0) derive(incompat, relation);
    return true;
  };
  const propagate = (start: number) => {
    clearChanged();
    markChanged(start);
    for (;;) {
      while (recheck.length > 0) checkWhole(recheck.pop() as Incompatibility<E>);
      if (changedCount === 0) {
        if (tuning.verifyPropagation) verifyFixpoint();
        return;
      }
      const id = changed[--changedCount];
      onChanged[id] = false;
      watches.lookAt(id, ps.accumulated[id], visit);
    }
  };

  add(incompatibility<E>([[problem.root, negative(single(1, 0))]], { kind: 'external', why: problem.rootCause() }));
  let next = ps.idOf(problem.root);
  for (;;) {
    propagate(next);
    const id = ps.nextUndecided();
    if (id === undefined) return { decisions: ps.decisions, solution: ps, effort };
    next = id;
    const pkg = ps.names[id];
    const width = ps.widths[id];
    const term = ps.accumulated[id];
    const allowed = term.set;
    let chosen: number | undefined;
    let ruledOut = 0;
    for (const version of (preferences[id] ??= problem.preference(pkg))) {
      if (!allows(term, version)) continue;
      const why = unavailable(id, version);
      if (why === undefined) {
        chosen = version;
        break;
      }
      // Made once, and met again on every later pass: a backjump may have undone what it derived.
      const facts = (unusableFacts[id] ??= sparse());
      const fact = facts[version];
      if (fact === undefined)
        add((facts[version] = incompatibility([[pkg, positive(single(width, version))]], { kind: 'external', why })));
      else recheck.push(fact);
      ruledOut++;
    }
    if (chosen === undefined) {
      // Each version ruled out carries its own reason; only an empty choice needs one more.
      if (ruledOut === 0)
        add(
          incompatibility<E>([[pkg, positive(allowed)]], { kind: 'external', why: problem.noVersions(pkg, allowed) }),
        );
      continue;
    }
    const byVersion = (expanded[id] ??= sparse());
    let brought = byVersion[chosen];
    if (brought === undefined) {
      brought = byVersion[chosen] = mapped(problem.dependencies(pkg, chosen), (d) =>
        incompatibility<E>(d.terms, { kind: 'external', why: d.why }),
      );
      brought.forEach(add);
    }
    // A version whose own dependencies already fail is not decided: checked whole, they rule it out.
    const decision = positive(single(width, chosen));
    if (brought.every((incompat) => ps.relation(incompat, id, decision) !== SATISFIED)) {
      ps.decide(id, chosen);
      effort.decisions++;
    } else for (const item of brought) recheck.push(item);
  }
}
