// The partial solution: an ordered list of assignments (decisions and derivations), each at a
// decision level, with the running intersection of the terms per package.
import type { Incompatibility } from './incompatibility.js';
import { ANY, bit, compare, count, intersect, positive, subsetOf, type Term } from './term.js';

export interface Assignment<E> {
  pkg: string;
  term: Term;
  level: number;
  /** Undefined for a decision. */
  cause: Incompatibility<E> | undefined;
  /** For a decision: the version index chosen. */
  version: number | undefined;
}

/** How an incompatibility stands against the partial solution ('almost': all terms but one hold). */
export type Relation = { kind: 'satisfied' } | { kind: 'contradicted' } | { kind: 'almost'; pkg: string } | { kind: 'inconclusive' };

const SATISFIED: Relation = { kind: 'satisfied' };
const CONTRADICTED: Relation = { kind: 'contradicted' };
const INCONCLUSIVE: Relation = { kind: 'inconclusive' };

export class PartialSolution<E> {
  readonly assignments: Assignment<E>[] = [];
  private readonly accumulated = new Map<string, Term>();
  readonly decisions = new Map<string, number>();
  /** Undecided packages with a positive term (→ how many versions it allows): decidable ones. */
  readonly frontier = new Map<string, number>();
  level = 0;

  termOf(pkg: string): Term {
    return this.accumulated.get(pkg) ?? ANY;
  }

  private push(a: Assignment<E>): void {
    this.assignments.push(a);
    const term = intersect(this.termOf(a.pkg), a.term);
    this.accumulated.set(a.pkg, term);
    if (a.version !== undefined) this.frontier.delete(a.pkg);
    else if (term.positive && !this.decisions.has(a.pkg)) this.frontier.set(a.pkg, count(term.set));
  }

  decide(pkg: string, version: number): void {
    this.level++;
    this.decisions.set(pkg, version);
    this.push({ pkg, term: positive(bit(version)), level: this.level, cause: undefined, version });
  }

  derive(pkg: string, term: Term, cause: Incompatibility<E>): void {
    this.push({ pkg, term, level: this.level, cause, version: undefined });
  }

  /** Drops every assignment above `level`. */
  backtrack(level: number): void {
    while (this.assignments.length > 0 && (this.assignments.at(-1) as Assignment<E>).level > level) {
      const dropped = this.assignments.pop() as Assignment<E>;
      if (dropped.version !== undefined) this.decisions.delete(dropped.pkg);
    }
    this.level = level;
    this.accumulated.clear();
    for (const a of this.assignments) this.accumulated.set(a.pkg, intersect(this.termOf(a.pkg), a.term));
    this.frontier.clear();
    for (const [pkg, term] of this.accumulated) if (term.positive && !this.decisions.has(pkg)) this.frontier.set(pkg, count(term.set));
  }

  /**
   * How `incompat` stands. `changed`: the package whose term just changed, checked first — most
   * incompatibilities it is in are contradicted by it alone, and then no other term is looked at.
   */
  relation(incompat: Incompatibility<E>, override?: { pkg: string; term: Term }, changed?: string): Relation {
    if (changed !== undefined && compare(this.termOf(changed), incompat.terms.get(changed) as Term) === -1) return CONTRADICTED;
    let unsatisfied: string | undefined;
    const { packages, termList } = incompat;
    for (let i = 0; i < packages.length; i++) {
      const pkg = packages[i];
      const term = termList[i];
      const have = override?.pkg === pkg ? override.term : this.termOf(pkg);
      const order = compare(have, term);
      if (order === 1) continue;
      if (order === -1) return CONTRADICTED;
      if (unsatisfied !== undefined) return INCONCLUSIVE;
      unsatisfied = pkg;
    }
    return unsatisfied === undefined ? SATISFIED : { kind: 'almost', pkg: unsatisfied };
  }

  /**
   * The earliest assignment after which `incompat` is satisfied, and the decision level of the
   * earliest assignment before it that, together with it, already satisfies `incompat` (1 if none).
   */
  satisfier(incompat: Incompatibility<E>): { satisfier: Assignment<E>; previousLevel: number } {
    const satisfiedBy = (terms: Map<string, Term>) => {
      for (const [pkg, term] of incompat.terms) if (!subsetOf(terms.get(pkg) ?? ANY, term)) return false;
      return true;
    };
    const seen = new Map<string, Term>();
    let found: Assignment<E> | undefined;
    let at = 0;
    for (; at < this.assignments.length; at++) {
      const a = this.assignments[at];
      if (!incompat.terms.has(a.pkg)) continue;
      seen.set(a.pkg, intersect(seen.get(a.pkg) ?? ANY, a.term));
      if (satisfiedBy(seen)) {
        found = a;
        break;
      }
    }
    if (found === undefined) throw new Error('satisfier search on an incompatibility that is not satisfied');
    const withSatisfier = new Map<string, Term>([[found.pkg, found.term]]);
    let previousLevel = 1;
    if (satisfiedBy(withSatisfier)) return { satisfier: found, previousLevel };
    for (let i = 0; i < at; i++) {
      const a = this.assignments[i];
      if (!incompat.terms.has(a.pkg)) continue;
      withSatisfier.set(a.pkg, intersect(withSatisfier.get(a.pkg) ?? ANY, a.term));
      if (satisfiedBy(withSatisfier)) {
        previousLevel = Math.max(a.level, 1);
        break;
      }
    }
    return { satisfier: found, previousLevel };
  }
}
