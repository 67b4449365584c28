// What unit propagation looks at when a package's term changes: only the incompatibilities whose
// term for that package may have come to hold since it was last looked at (otherwise the term
// still fails or is undecided while the others are as they were, so what the incompatibility
// implies has not changed: the watched-literal rule of SAT solvers, for terms over version sets).
// - "P is at v" (a version's dependencies, an unusable version) can hold only when P is at
//   exactly v: kept under v.
// - "not P ∈ S" (a dependency's allowed versions, negated) holds once no version of S is allowed
//   any more: kept under each version of S, and looked at only when one of them stops being allowed.
// - Any other term is looked at on every change.
// In each case an incompatibility is visited only when its term holds now and did not hold under
// the term last looked at: one that held then was visited then (a backjump that undoes the change
// restores what was last looked at), so visiting it again finds nothing new. That also holds when
// a decision takes away many versions at once and all "not P ∈ S" terms are looked at.
import { sparse } from './arrays.js';
import type { Incompatibility } from './incompatibility.js';
import {
  allowedVersions,
  and,
  anyTerm,
  compare,
  count,
  forEachIndex,
  isEmptySet,
  lowestIndex,
  onlyIndex,
  without,
  type Term,
} from './term.js';

interface PackageWatches<E> {
  atVersion: Incompatibility<E>[][];
  negatives: Incompatibility<E>[];
  negativeTerms: Term[];
  /** Version → positions in `negatives` of the terms whose set holds it. */
  negativesByVersion: number[][];
  /** Per position in `negatives`: the last look that met it (one look may meet it under several versions). */
  met: number[];
  others: Incompatibility<E>[];
  otherTerms: Term[];
  /** The package's term when its incompatibilities were last looked at. */
  seen: Term;
}

/**
 * Appends `item` to `lists[at]`, a list made with it as its one element: most of these lists stay
 * short (a version's incompatibilities, the ranges one version is in), and the first push into an
 * empty array would keep room for 16 more. The whole collection's solve adds 19,000
 * incompatibilities, whose ranges hold 56,000 versions in all.
 */
function listAt<T>(lists: T[][], at: number, item: T): void {
  const list = lists[at];
  if (list === undefined) lists[at] = [item];
  else list.push(item);
}

export class Watches<E> {
  private readonly byPackage = sparse<PackageWatches<E>>();
  private looks = 0;

  /** @param widths by package id, how many versions it has. */
  constructor(private readonly widths: readonly number[]) {}

  private of(id: number): PackageWatches<E> {
    return (this.byPackage[id] ??= {
      atVersion: sparse(),
      negatives: [],
      negativeTerms: [],
      negativesByVersion: sparse(),
      met: [],
      others: [],
      otherTerms: [],
      seen: anyTerm(this.widths[id]),
    });
  }

  add(incompat: Incompatibility<E>): void {
    const { ids, termList } = incompat;
    for (let i = 0; i < ids.length; i++) {
      const watch = this.of(ids[i]);
      const term = termList[i];
      const version = term.positive ? onlyIndex(term.set) : -1;
      if (version >= 0) listAt(watch.atVersion, version, incompat);
      else if (!term.positive) {
        const at = watch.negatives.push(incompat) - 1;
        watch.negativeTerms.push(term);
        watch.met.push(0);
        forEachIndex(term.set, (v) => listAt(watch.negativesByVersion, v, at));
      } else {
        watch.others.push(incompat);
        watch.otherTerms.push(term);
      }
    }
  }

  /** A backjump restored the package's term: what was looked at under a narrower one is undone too. */
  restored(id: number, term: Term): void {
    const watch = this.byPackage[id];
    if (watch !== undefined) watch.seen = term;
  }

  /**
   * Calls `visit` on each incompatibility whose term for package `id` holds under `term` and may
   * not have held when last looked at; stops when `visit` returns false.
   */
  lookAt(id: number, term: Term, visit: (incompat: Incompatibility<E>) => boolean): void {
    const watch = this.byPackage[id];
    if (watch === undefined) return;
    const width = this.widths[id];
    const seen = watch.seen;
    const noLongerAllowed = and(allowedVersions(seen, width), ~(allowedVersions(term, width) as number));
    watch.seen = term;
    const at = term.positive ? onlyIndex(term.set) : -1;
    const atVersion = at >= 0 && !(seen.positive && onlyIndex(seen.set) === at) ? watch.atVersion[at] : undefined;
    if (atVersion !== undefined) for (let i = atVersion.length - 1; i >= 0; i--) if (!visit(atVersion[i])) return;
    const { negatives, negativeTerms, others, otherTerms } = watch;
    for (let i = others.length - 1; i >= 0; i--)
      if (compare(term, otherTerms[i]) === 1 && compare(seen, otherTerms[i]) !== 1 && !visit(others[i])) return;
    if (isEmptySet(noLongerAllowed)) return;
    if (count(noLongerAllowed) > 2) {
      // Most versions went (a decision): one pass over all is cheaper than the index.
      for (let i = negatives.length - 1; i >= 0; i--)
        if (compare(term, negativeTerms[i]) === 1 && compare(seen, negativeTerms[i]) !== 1 && !visit(negatives[i]))
          return;
      return;
    }
    // One or two versions went (most derivations): through the index, lowest first, without
    // building a list (this runs for every derivation of a large solve).
    const look = ++this.looks;
    const first = lowestIndex(noLongerAllowed);
    if (!this.lookAtVersion(watch, first, look, term, visit)) return;
    const rest = without(noLongerAllowed, first);
    if (!isEmptySet(rest)) this.lookAtVersion(watch, lowestIndex(rest), look, term, visit);
  }

  /** Visits the "not P ∈ S" incompatibilities with `version` in S whose term holds now; false
   * when `visit` stopped. */
  private lookAtVersion(
    watch: PackageWatches<E>,
    version: number,
    look: number,
    term: Term,
    visit: (incompat: Incompatibility<E>) => boolean,
  ): boolean {
    const positions = watch.negativesByVersion[version];
    if (positions === undefined) return true;
    const { negatives, negativeTerms, met } = watch;
    for (let p = positions.length - 1; p >= 0; p--) {
      const i = positions[p];
      if (met[i] === look) continue;
      met[i] = look;
      if (compare(term, negativeTerms[i]) === 1 && !visit(negatives[i])) return false;
    }
    return true;
  }
}
