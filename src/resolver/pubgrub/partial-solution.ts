// The partial solution: an ordered list of assignments (decisions and derivations), each at a
// decision level, with the running intersection of the terms per package. Packages are numbered
// in the order the solver first meets them, so that the inner loops index arrays, not maps.
import type { Incompatibility } from './incompatibility.js';
import { MinHeap } from './min-heap.js';
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
  /** Where the package's previous assignment is in the trail (-1: none). */
  previous: number;
}

/**
 * How an incompatibility stands against the partial solution: one of these, or (a number ≥ 0)
 * the position of its one term that does not hold yet while all others do ("almost satisfied").
 */
export const SATISFIED = -1;
export const CONTRADICTED = -2;
export const INCONCLUSIVE = -3;

/** Package ids stay below this, so that (allowed versions, id) packs into one number. */
const ID_LIMIT = 2 ** 24;

export class PartialSolution<E> {
  readonly assignments: Assignment<E>[] = [];
  readonly decisions = new Map<string, number>();
  /** By package id: how many versions it allows when it is undecided with a positive term (a
   * decidable package), else -1; and how many such packages there are. An array, not a map:
   * every assignment and every undo updates it. */
  private readonly frontier: number[] = [];
  private frontierSize = 0;
  level = 0;
  /** By package id: the name, how many versions it has, and the intersection of its assignments so far. */
  readonly names: string[] = [];
  readonly widths: number[] = [];
  readonly accumulated: Term[] = [];
  private readonly ids = new Map<string, number>();
  private readonly decided: boolean[] = [];
  /** By package id: where its latest assignment is in the trail (-1: none). */
  private readonly latest: number[] = [];

  /** Candidates for nextUndecided(), as (allowed versions, id) keys; stale ones are skipped there. */
  private readonly queue = new MinHeap();

  /** @param widthOf how many versions a package has (fixed for the run). */
  constructor(private readonly widthOf: (pkg: string) => number) {}

  /** The package's number, given when it is first met. */
  idOf(pkg: string): number {
    let id = this.ids.get(pkg);
    if (id === undefined) {
      id = this.names.length;
      if (id >= ID_LIMIT) throw new Error(`more than ${ID_LIMIT} packages`);
      this.ids.set(pkg, id);
      this.names.push(pkg);
      this.widths.push(this.widthOf(pkg));
      this.accumulated.push(anyTerm(this.widths[id]));
      this.decided.push(false);
      this.latest.push(-1);
      this.frontier.push(-1);
    }
    return id;
  }

  private push(id: number, term: Term, cause: Incompatibility<E> | undefined, version: number | undefined): void {
    const pkg = this.names[id];
    const before = this.accumulated[id];
    const after = intersect(before, term);
    this.accumulated[id] = after;
    this.latest[id] = this.assignments.push({ pkg, id, term, level: this.level, cause, version, before, after, previous: this.latest[id] }) - 1;
    this.updateFrontier(id);
  }

  private updateFrontier(id: number): void {
    const term = this.accumulated[id];
    const was = this.frontier[id];
    if (!term.positive || this.decided[id]) {
      if (was >= 0) this.frontierSize--;
      this.frontier[id] = -1;
      return;
    }
    const allowed = count(term.set);
    if (was === allowed) return;
    if (was < 0) this.frontierSize++;
    this.frontier[id] = allowed;
    this.queue.push(allowed * ID_LIMIT + id);
  }

  /**
   * The undecided package with a positive term and the fewest allowed versions, ties to the one
   * met first (PubGrub's usual choice). From a priority queue of (allowed, id) keys: an entry that
   * no longer matches the frontier is stale and skipped; the queue is rebuilt when mostly stale.
   */
  nextUndecided(): number | undefined {
    const queue = this.queue;
    if (queue.length > 4 * this.frontierSize + 64) {
      const keys: number[] = [];
      this.frontier.forEach((allowed, id) => allowed >= 0 && keys.push(allowed * ID_LIMIT + id));
      queue.rebuild(keys);
    }
    for (let key = queue.peek(); key !== undefined; key = queue.peek()) {
      const id = key % ID_LIMIT;
      if (this.frontier[id] === (key - id) / ID_LIMIT) return id;
      queue.pop();
    }
    return undefined;
  }

  /** Where package `id`'s latest assignment is in the trail (-1: none). */
  latestAt(id: number): number {
    return this.latest[id];
  }

  /** Package `id` (see idOf) is selected at `version`, at a new decision level. */
  decide(id: number, version: number): void {
    this.level++;
    this.decisions.set(this.names[id], version);
    this.decided[id] = true;
    this.push(id, positive(single(this.widths[id], version)), undefined, version);
  }

  /** Package `id` must satisfy `term`, because of `cause`. */
  derive(id: number, term: Term, cause: Incompatibility<E>): void {
    this.push(id, term, cause, undefined);
  }

  /** Drops every assignment above `level`, restoring what each one changed (told to `restored`). */
  backtrack(level: number, restored: (id: number, term: Term) => void): void {
    while (this.assignments.length > 0 && (this.assignments.at(-1) as Assignment<E>).level > level) {
      const dropped = this.assignments.pop() as Assignment<E>;
      this.accumulated[dropped.id] = dropped.before;
      this.latest[dropped.id] = dropped.previous;
      restored(dropped.id, dropped.before);
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
   * A package's accumulated term only narrows along its own assignments, so the first one at which
   * a term holds is found by walking that package's chain back from its latest assignment.
   */
  satisfier(incompat: Incompatibility<E>): { satisfier: Assignment<E>; previousLevel: number } {
    const { ids, termList } = incompat;
    const { assignments } = this;
    /** The earliest of the package's assignments from `from` back whose term, joined with `extra`, is within `term`. */
    const earliest = (from: number, term: Term, extra: Term | undefined): number => {
      let at = from;
      for (let back = assignments[at].previous; back >= 0; back = assignments[back].previous) {
        const after = extra === undefined ? assignments[back].after : intersect(extra, assignments[back].after);
        if (compare(after, term) !== 1) break;
        at = back;
      }
      return at;
    };
    const holdsFrom = ids.map((id, i) => {
      const at = this.latest[id];
      if (at < 0 || compare(assignments[at].after, termList[i]) !== 1) throw new Error('satisfier search on an incompatibility that is not satisfied');
      return earliest(at, termList[i], undefined);
    });
    const own = holdsFrom.indexOf(Math.max(...holdsFrom));
    const found = assignments[holdsFrom[own]];
    // The other terms hold from where they do; the satisfier's own one may need earlier assignments.
    let before = -1;
    holdsFrom.forEach((at, i) => {
      if (i !== own) before = Math.max(before, at);
    });
    if (compare(found.term, termList[own]) !== 1) before = Math.max(before, earliest(found.previous, termList[own], found.term));
    return { satisfier: found, previousLevel: before < 0 ? 1 : Math.max(assignments[before].level, 1) };
  }
}
