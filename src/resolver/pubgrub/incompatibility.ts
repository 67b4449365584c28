// Incompatibilities: sets of terms that must never all hold at once, with why they were made.
// External ones come from the tree (a dependency line, a version that cannot be used); derived
// ones are learned during conflict resolution from two others, which makes the derivation a
// tree whose leaves explain any failure.
import { copied, mapped, sparse } from './arrays.js';
import { intersect, isAny, negate, union, type Term } from './term.js';

export type Cause<External> =
  | { kind: 'external'; why: External }
  | { kind: 'derived'; left: Incompatibility<External>; right: Incompatibility<External> };

const NO_IDS: readonly number[] = sparse();

export class Incompatibility<External> {
  /** Each term negated: what propagation derives when all the others hold (made once, not per derivation). */
  readonly negations: Term[];
  /** The packages' numbers in the solver that holds it (set when it is added there). */
  ids: readonly number[] = NO_IDS;

  constructor(
    /** The packages, each once (terms of one package are intersected), and their terms: parallel
     * arrays, which the solver's inner loops read; thousands are kept, so no map per one. */
    readonly packages: string[],
    readonly termList: Term[],
    readonly cause: Cause<External>,
  ) {
    this.negations = mapped(termList, negate);
  }

  /** Package → term, made when asked (explanations read it; the solver does not). */
  get terms(): Map<string, Term> {
    return new Map(this.packages.map((pkg, i) => [pkg, this.termList[i]]));
  }

  /** The term for `pkg`, if the incompatibility has one. */
  termOf(pkg: string): Term | undefined {
    const at = this.packages.indexOf(pkg);
    return at < 0 ? undefined : this.termList[at];
  }
}

/** Builds an incompatibility, merging terms of one package and dropping terms that always hold. */
export function incompatibility<E>(terms: Iterable<readonly [string, Term]>, cause: Cause<E>): Incompatibility<E> {
  const list = Array.isArray(terms) ? (terms as readonly (readonly [string, Term])[]) : [...terms];
  // Thousands are kept for the whole solve, so their arrays are made at their exact size (arrays.ts):
  // an array filled by push keeps room for 16 more, which every young-generation collection copies
  // with it. Most need nothing merged or dropped (a dependency line, a learned pair).
  if (nothingToMerge(list))
    return new Incompatibility(
      mapped(list, (entry) => entry[0]),
      mapped(list, (entry) => entry[1]),
      cause,
    );
  const packages: string[] = [];
  const termList: Term[] = [];
  for (const [pkg, term] of list) {
    const at = packages.indexOf(pkg);
    if (at < 0) {
      packages.push(pkg);
      termList.push(term);
    } else termList[at] = intersect(termList[at], term);
  }
  for (let i = packages.length - 1; i >= 0; i--) {
    if (!isAny(termList[i])) continue;
    packages.splice(i, 1);
    termList.splice(i, 1);
  }
  return new Incompatibility(copied(packages), copied(termList), cause);
}

/** Whether each package has one term and none always holds: the terms are the incompatibility's. */
function nothingToMerge(list: readonly (readonly [string, Term])[]): boolean {
  for (let i = 0; i < list.length; i++) {
    if (isAny(list[i][1])) return false;
    for (let j = 0; j < i; j++) if (list[j][0] === list[i][0]) return false;
  }
  return true;
}

/**
 * The resolution rule of conflict-driven learning (PubGrub's "prior cause"): from an
 * incompatibility and the cause of the assignment that satisfied its term for `pkg`, the
 * incompatibility that holds without that step.
 */
export function priorCause<E>(
  incompat: Incompatibility<E>,
  satisfierCause: Incompatibility<E>,
  pkg: string,
): Incompatibility<E> {
  const terms: [string, Term][] = [];
  for (const from of [incompat, satisfierCause])
    from.packages.forEach((p, i) => p !== pkg && terms.push([p, from.termList[i]]));
  // Both hold a term for `pkg`: the satisfier's cause derived it, and `incompat` was satisfied by it.
  const joined = union(incompat.termOf(pkg) as Term, satisfierCause.termOf(pkg) as Term);
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
