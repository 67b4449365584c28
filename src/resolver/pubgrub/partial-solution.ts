// The partial solution: an ordered list of assignments (decisions and derivations), each at a
// decision level, with the running intersection of the terms per package. Packages are numbered
// in the order the solver first meets them, so that the inner loops index arrays, not maps.
import { mappedNumbers } from './arrays.js';
import type { Incompatibility } from './incompatibility.js';
import { MinHeap } from './min-heap.js';
import { anyTerm, compare, count, intersect, positive, single, type Term } from './term.js';

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
  /**
   * The trail: by position, the fields of each assignment, in parallel arrays rather than an
   * object per assignment. A large solve makes hundreds of thousands of assignments (every
   * decision made again after a backjump derives its lines again), and a young-generation
   * collection copied each one the trail still held. Positions below `length` are the trail; the
   * arrays only grow, so undoing and redoing assignments allocates nothing.
   */
  length = 0;
  private readonly trailIds: number[] = [];
  private readonly trailLevels: number[] = [];
  /** Where the package's previous assignment is in the trail (-1: none). */
  private readonly trailPrevious: number[] = [];
  private readonly trailTerms: Term[] = [];
  /** The package's accumulated term before the assignment (restored when it is undone) and after. */
  private readonly trailBefore: Term[] = [];
  private readonly trailAfter: Term[] = [];
  /** Undefined for a decision (the version it chose is in `decisions`). */
  private readonly trailCauses: (Incompatibility<E> | undefined)[] = [];
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

  private push(id: number, term: Term, cause: Incompatibility<E> | undefined): void {
    const before = this.accumulated[id];
    const after = intersect(before, term);
    this.accumulated[id] = after;
    const at = this.length++;
    this.trailIds[at] = id;
    this.trailLevels[at] = this.level;
    this.trailPrevious[at] = this.latest[id];
    this.trailTerms[at] = term;
    this.trailBefore[at] = before;
    this.trailAfter[at] = after;
    this.trailCauses[at] = cause;
    this.latest[id] = at;
    this.updateFrontier(id);
  }

  /** Of the assignment at trail position `at`: its package id, decision level, term and cause. */
  idAt(at: number): number {
    return this.trailIds[at];
  }

  levelAt(at: number): number {
    return this.trailLevels[at];
  }

  termAt(at: number): Term {
    return this.trailTerms[at];
  }

  causeAt(at: number): Incompatibility<E> | undefined {
    return this.trailCauses[at];
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
   * Deciding first the packages met in N conflicts (uv's prioritisation) gained nothing on
   * bench/resolve's 25 trees for N = 1, 3, 5 or 10: 181k decisions in all, 183k–191k with it.
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
    this.push(id, positive(single(this.widths[id], version)), undefined);
  }

  /** Package `id` must satisfy `term`, because of `cause`. */
  derive(id: number, term: Term, cause: Incompatibility<E>): void {
    this.push(id, term, cause);
  }

  /** Drops every assignment above `level`, restoring what each one changed (told to `restored`). */
  backtrack(level: number, restored: (id: number, term: Term) => void): void {
    while (this.length > 0 && this.trailLevels[this.length - 1] > level) {
      const at = --this.length;
      const id = this.trailIds[at];
      const before = this.trailBefore[at];
      this.accumulated[id] = before;
      this.latest[id] = this.trailPrevious[at];
      restored(id, before);
      if (this.trailCauses[at] === undefined) {
        this.decisions.delete(this.names[id]);
        this.decided[id] = false;
      }
      this.updateFrontier(id);
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
   * The trail position of the earliest assignment after which `incompat` is satisfied, and the
   * decision level of the earliest assignment before it that, together with it, already satisfies
   * `incompat` (1 if none).
   * A package's accumulated term only narrows along its own assignments, so the first one at which
   * a term holds is found by walking that package's chain back from its latest assignment.
   */
  satisfier(incompat: Incompatibility<E>): { satisfier: number; previousLevel: number } {
    const { ids, termList } = incompat;
    const { trailPrevious, trailAfter } = this;
    /** The earliest of the package's assignments from `from` back whose term, joined with `extra`, is within `term`. */
    const earliest = (from: number, term: Term, extra: Term | undefined): number => {
      let at = from;
      for (let back = trailPrevious[at]; back >= 0; back = trailPrevious[back]) {
        const after = extra === undefined ? trailAfter[back] : intersect(extra, trailAfter[back]);
        if (compare(after, term) !== 1) break;
        at = back;
      }
      return at;
    };
    const holdsFrom = mappedNumbers(ids, (id, i) => {
      const at = this.latest[id];
      if (at < 0 || compare(trailAfter[at], termList[i]) !== 1)
        throw new Error('satisfier search on an incompatibility that is not satisfied');
      return earliest(at, termList[i], undefined);
    });
    const own = holdsFrom.indexOf(Math.max(...holdsFrom));
    const found = holdsFrom[own];
    // The other terms hold from where they do; the satisfier's own one may need earlier assignments.
    let before = -1;
    holdsFrom.forEach((at, i) => {
      if (i !== own) before = Math.max(before, at);
    });
    const foundTerm = this.trailTerms[found];
    if (compare(foundTerm, termList[own]) !== 1)
      before = Math.max(before, earliest(trailPrevious[found], termList[own], foundTerm));
    return { satisfier: found, previousLevel: before < 0 ? 1 : Math.max(this.trailLevels[before], 1) };
  }
}
