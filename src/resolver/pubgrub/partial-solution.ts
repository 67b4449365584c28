// The partial solution: an ordered list of assignments (decisions and derivations), each at a
// decision level, with the running intersection of the terms per package. Packages are numbered
// in the order the solver first meets them, so that the inner loops index arrays, not maps.
import type { Incompatibility } from './incompatibility.js';
import { anyTerm, compare, count, intersect, positive, single, type Term } from './term.js';

export interface Assignment<E> {
  pkg: string;
  id: number;
  term: Term;
  level: number;
  /** Undefined for a decision. */
  cause: Incompatibility<E> | undefined;
  /** For a decision: the version index chosen. */
  version: number | undefined;
  /** The package's accumulated term before this assignment (restored when it is undone) and after. */
  before: Term;
  after: Term;
}

/**
 * How an incompatibility stands against the partial solution: one of these, or (a number ≥ 0)
 * the position of its one term that does not hold yet while all others do ("almost satisfied").
 */
export const SATISFIED = -1;
export const CONTRADICTED = -2;
export const INCONCLUSIVE = -3;

export class PartialSolution<E> {
  readonly assignments: Assignment<E>[] = [];
  readonly decisions = new Map<string, number>();
  /** Undecided packages with a positive term (id → how many versions it allows): decidable ones. */
  readonly frontier = new Map<number, number>();
  level = 0;
  /** By package id: the name, how many versions it has, and the intersection of its assignments so far. */
  readonly names: string[] = [];
  readonly widths: number[] = [];
  readonly accumulated: Term[] = [];
  private readonly ids = new Map<string, number>();
  private readonly decided: boolean[] = [];

  /** @param widthOf how many versions a package has (fixed for the run). */
  constructor(private readonly widthOf: (pkg: string) => number) {}

  /** The package's number, given when it is first met. */
  idOf(pkg: string): number {
    let id = this.ids.get(pkg);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(pkg, id);
      this.names.push(pkg);
      this.widths.push(this.widthOf(pkg));
      this.accumulated.push(anyTerm(this.widths[id]));
      this.decided.push(false);
    }
    return id;
  }

  private push(pkg: string, term: Term, cause: Incompatibility<E> | undefined, version: number | undefined): void {
    const id = this.idOf(pkg);
    const before = this.accumulated[id];
    const after = intersect(before, term);
    this.accumulated[id] = after;
    this.assignments.push({ pkg, id, term, level: this.level, cause, version, before, after });
    this.updateFrontier(id);
  }

  private updateFrontier(id: number): void {
    const term = this.accumulated[id];
    if (term.positive && !this.decided[id]) this.frontier.set(id, count(term.set));
    else this.frontier.delete(id);
  }

  decide(pkg: string, version: number): void {
    this.level++;
    this.decisions.set(pkg, version);
    const id = this.idOf(pkg);
    this.decided[id] = true;
    this.push(pkg, positive(single(this.widths[id], version)), undefined, version);
  }

  derive(pkg: string, term: Term, cause: Incompatibility<E>): void {
    this.push(pkg, term, cause, undefined);
  }

  /** Drops every assignment above `level`, restoring what each one changed. */
  backtrack(level: number): void {
    while (this.assignments.length > 0 && (this.assignments.at(-1) as Assignment<E>).level > level) {
      const dropped = this.assignments.pop() as Assignment<E>;
      this.accumulated[dropped.id] = dropped.before;
      if (dropped.version !== undefined) {
        this.decisions.delete(dropped.pkg);
        this.decided[dropped.id] = false;
      }
      this.updateFrontier(dropped.id);
    }
    this.level = level;
  }

  /**
   * How `incompat` stands (SATISFIED, CONTRADICTED, INCONCLUSIVE or the position of the one term
   * left). `overrideId`/`overrideTerm`: judge as if that package's term were this one.
   */
  relation(incompat: Incompatibility<E>, overrideId = -1, overrideTerm?: Term): number {
    const { ids, termList } = incompat;
    let unsatisfied = SATISFIED;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const order = compare(id === overrideId ? (overrideTerm as Term) : this.accumulated[id], termList[i]);
      if (order === 1) continue;
      if (order === -1) return CONTRADICTED;
      if (unsatisfied !== SATISFIED) return INCONCLUSIVE;
      unsatisfied = i;
    }
    return unsatisfied;
  }

  /**
   * The earliest assignment after which `incompat` is satisfied, and the decision level of the
   * earliest assignment before it that, together with it, already satisfies `incompat` (1 if none).
   */
  satisfier(incompat: Incompatibility<E>): { satisfier: Assignment<E>; previousLevel: number } {
    const { ids, termList } = incompat;
    // Each term holds from some assignment on (terms only narrow): count them as they come to hold.
    let holds = ids.map(() => false);
    let holding = 0;
    let at = 0;
    for (; at < this.assignments.length && holding < ids.length; at++) {
      const a = this.assignments[at];
      const pos = ids.indexOf(a.id);
      if (pos < 0 || holds[pos] || compare(a.after, termList[pos]) !== 1) continue;
      holds[pos] = true;
      holding++;
    }
    if (holding < ids.length) throw new Error('satisfier search on an incompatibility that is not satisfied');
    const found = this.assignments[--at];
    // The satisfier's own term, with the earlier assignments added one by one.
    const own = ids.indexOf(found.id);
    holds = ids.map(() => false);
    holding = 0;
    if (compare(found.term, termList[own]) === 1) {
      holds[own] = true;
      holding++;
    }
    for (let i = 0; i < at && holding < ids.length; i++) {
      const a = this.assignments[i];
      const pos = ids.indexOf(a.id);
      if (pos < 0 || holds[pos]) continue;
      if (compare(pos === own ? intersect(found.term, a.after) : a.after, termList[pos]) !== 1) continue;
      holds[pos] = true;
      if (++holding === ids.length) return { satisfier: found, previousLevel: Math.max(a.level, 1) };
    }
    return { satisfier: found, previousLevel: 1 };
  }
}
