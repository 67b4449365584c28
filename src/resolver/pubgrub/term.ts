// Terms of PubGrub over discrete version sets. A package's installed versions are known and few,
// so a set of them is a bitmask over the package's version list (bit i = version i). A positive
// term "P ∈ S" says P is selected with a version in S; a negative term "not P ∈ S" says P is not
// selected with a version in S (which includes not being selected at all). As in pubgrub-rs.

export interface Term {
  positive: boolean;
  set: bigint;
}

export const ANY: Term = { positive: false, set: 0n };

export const positive = (set: bigint): Term => ({ positive: true, set });
export const negative = (set: bigint): Term => ({ positive: false, set });
export const negate = (t: Term): Term => ({ positive: !t.positive, set: t.set });
export const bit = (index: number): bigint => 1n << BigInt(index);

export function intersect(a: Term, b: Term): Term {
  if (a.positive && b.positive) return positive(a.set & b.set);
  if (a.positive) return positive(a.set & ~b.set);
  if (b.positive) return positive(b.set & ~a.set);
  return negative(a.set | b.set);
}

export function union(a: Term, b: Term): Term {
  return negate(intersect(negate(a), negate(b)));
}

export function same(a: Term, b: Term): boolean {
  return a.positive === b.positive && a.set === b.set;
}

export const isEmpty = (t: Term): boolean => t.positive && t.set === 0n;
export const isAny = (t: Term): boolean => !t.positive && t.set === 0n;

/** Whether everything `inner` allows, `outer` allows too. */
export function subsetOf(inner: Term, outer: Term): boolean {
  return same(intersect(inner, outer), inner);
}

export function disjoint(a: Term, b: Term): boolean {
  return isEmpty(intersect(a, b));
}

/**
 * subsetOf and disjoint in one step, without building terms: the solver asks this for every
 * term of every incompatibility it looks at. 1: `have` ⊆ `want`; -1: disjoint; 0: neither.
 */
export function compare(have: Term, want: Term): 1 | -1 | 0 {
  const h = have.set;
  const w = want.set;
  // One BigInt operation each (every one allocates): `both === h` is h ⊆ w, `both === 0n` disjoint.
  const both = h & w;
  if (have.positive) {
    if (want.positive) return both === h ? 1 : both === 0n ? -1 : 0;
    return both === 0n ? 1 : both === h ? -1 : 0;
  }
  if (want.positive) return both === w ? -1 : 0;
  return both === w ? 1 : 0;
}

/** Whether version `index` is allowed by the term (when the package is selected). */
export function allows(t: Term, index: number): boolean {
  return t.positive === ((t.set & bit(index)) !== 0n);
}

/** How many versions a set holds. */
export function count(set: bigint): number {
  let n = 0;
  for (; set !== 0n; n++) set &= set - 1n;
  return n;
}

export function indices(set: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; set !== 0n; i++, set >>= 1n) if (set & 1n) out.push(i);
  return out;
}
