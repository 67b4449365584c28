// Incompatibilities: sets of terms that must never all hold at once, with why they were made.
// External ones come from the tree (a dependency line, a version that cannot be used); derived
// ones are learned during conflict resolution from two others, which makes the derivation a
// tree whose leaves explain any failure.
import { intersect, isAny, negate, union, type Term } from './term.js';

export type Cause<External> =
  | { kind: 'external'; why: External }
  | { kind: 'derived'; left: Incompatibility<External>; right: Incompatibility<External> };

export interface Incompatibility<External> {
  /** Package → term; a package appears once (terms of one package are intersected). */
  terms: Map<string, Term>;
  /** The same, as parallel arrays: the solver's inner loop reads them without an iterator. */
  packages: string[];
  termList: Term[];
  /** Each term negated: what propagation derives when all the others hold (made once, not per derivation). */
  negations: Term[];
  /** The packages' numbers in the solver that holds it (set when it is added there). */
  ids: number[];
  cause: Cause<External>;
}

/** Builds an incompatibility, merging terms of one package and dropping terms that always hold. */
export function incompatibility<E>(terms: Iterable<[string, Term]>, cause: Cause<E>): Incompatibility<E> {
  const merged = new Map<string, Term>();
  for (const [pkg, term] of terms) {
    const before = merged.get(pkg);
    merged.set(pkg, before ? intersect(before, term) : term);
  }
  for (const [pkg, term] of merged) if (isAny(term)) merged.delete(pkg);
  const termList = [...merged.values()];
  return { terms: merged, packages: [...merged.keys()], termList, negations: termList.map(negate), ids: [], cause };
}

/**
 * The resolution rule of conflict-driven learning (PubGrub's "prior cause"): from an
 * incompatibility and the cause of the assignment that satisfied its term for `pkg`, the
 * incompatibility that holds without that step.
 */
export function priorCause<E>(incompat: Incompatibility<E>, satisfierCause: Incompatibility<E>, pkg: string): Incompatibility<E> {
  const terms: [string, Term][] = [];
  for (const [p, t] of incompat.terms) if (p !== pkg) terms.push([p, t]);
  for (const [p, t] of satisfierCause.terms) if (p !== pkg) terms.push([p, t]);
  // Both hold a term for `pkg`: the satisfier's cause derived it, and `incompat` was satisfied by it.
  const joined = union(incompat.terms.get(pkg) as Term, satisfierCause.terms.get(pkg) as Term);
  terms.push([pkg, joined]);
  return incompatibility(terms, { kind: 'derived', left: incompat, right: satisfierCause });
}

/** The external incompatibilities a derived one rests on, in derivation order (no recursion). */
export function leaves<E>(root: Incompatibility<E>): Incompatibility<E>[] {
  const out: Incompatibility<E>[] = [];
  const seen = new Set<Incompatibility<E>>();
  const stack: Incompatibility<E>[] = [root];
  while (stack.length > 0) {
    const next = stack.pop() as Incompatibility<E>;
    if (seen.has(next)) continue;
    seen.add(next);
    if (next.cause.kind === 'external') out.push(next);
    else stack.push(next.cause.right, next.cause.left);
  }
  return out;
}
