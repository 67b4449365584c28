// Terms of PubGrub over discrete version sets. A package's installed versions are known and few,
// so a set of them is a bitmask over the package's version list (bit i = version i). A positive
// term "P ∈ S" says P is selected with a version in S; a negative term "not P ∈ S" says P is not
// selected with a version in S (which includes not being selected at all). As in pubgrub-rs.
//
// A set is a plain number when the package has at most 31 versions (every real program: bit
// operations on numbers allocate nothing, and the solver does millions of them), a BigInt when it
// has more. All sets of one package have the same width, so the two kinds never meet in one
// operation; JavaScript's bit operators work on either kind, which is what the casts below rely on.

export type VersionSet = number | bigint;

export interface Term {
  positive: boolean;
  set: VersionSet;
}

/** Widths up to this many versions use number sets. */
const NUMBER_BITS = 31;

/** The empty set of a package with `width` versions. */
export const noVersions = (width: number): VersionSet => (width > NUMBER_BITS ? 0n : 0);
/** The set of version `index` alone. */
export const single = (width: number, index: number): VersionSet =>
  width > NUMBER_BITS ? 1n << BigInt(index) : 1 << index;
/** Every version of a package with `width` versions. */
export const allVersions = (width: number): VersionSet =>
  width > NUMBER_BITS ? (1n << BigInt(width)) - 1n : width === 0 ? 0 : -1 >>> (32 - width);

export const and = (a: VersionSet, b: VersionSet): VersionSet => (a as number) & (b as number);
export const or = (a: VersionSet, b: VersionSet): VersionSet => (a as number) | (b as number);
const andNot = (a: VersionSet, b: VersionSet): VersionSet => (a as number) & ~(b as number);
// `==` on purpose: 0n == 0 holds, so this is true for the empty set of either kind.
export const isEmptySet = (s: VersionSet): boolean => s == 0;

/**
 * Terms are never changed once made, so the terms of small sets (packages of up to 12 versions:
 * nearly every real program) are made once and shared: the solver makes a term at each derivation
 * and each learned step, millions in a large solve, and a young-generation collection would copy
 * every one still held by the trail or an incompatibility. Index: set × 2 + positive.
 */
const SHARED_SETS = 1 << 12;
const sharedTerms: (Term | undefined)[] = new Array<Term | undefined>(2 * SHARED_SETS).fill(undefined);

function term(positive: boolean, set: VersionSet): Term {
  if (typeof set !== 'number' || set < 0 || set >= SHARED_SETS) return { positive, set };
  const at = set * 2 + (positive ? 1 : 0);
  return (sharedTerms[at] ??= { positive, set });
}

export const positive = (set: VersionSet): Term => term(true, set);
export const negative = (set: VersionSet): Term => term(false, set);
export const negate = (t: Term): Term => term(!t.positive, t.set);
/** The term that allows anything (nothing is known) for a package with `width` versions. */
export const anyTerm = (width: number): Term => negative(noVersions(width));

export function intersect(a: Term, b: Term): Term {
  if (a.positive && b.positive) return positive(and(a.set, b.set));
  if (a.positive) return positive(andNot(a.set, b.set));
  if (b.positive) return positive(andNot(b.set, a.set));
  return negative(or(a.set, b.set));
}

export function union(a: Term, b: Term): Term {
  return negate(intersect(negate(a), negate(b)));
}

/** The versions a package with `width` versions may be selected at under `t`. */
export const allowedVersions = (t: Term, width: number): VersionSet =>
  t.positive ? t.set : andNot(allVersions(width), t.set);

export const isAny = (t: Term): boolean => !t.positive && isEmptySet(t.set);

/**
 * Whether `have` ⊆ `want` (1), they are disjoint (-1), or neither (0), without building terms:
 * the solver asks this for every term of every incompatibility it looks at.
 */
export function compare(have: Term, want: Term): 1 | -1 | 0 {
  const h = have.set;
  const w = want.set;
  const both = and(h, w);
  if (have.positive) {
    if (want.positive) return both === h ? 1 : isEmptySet(both) ? -1 : 0;
    return isEmptySet(both) ? 1 : both === h ? -1 : 0;
  }
  if (want.positive) return both === w ? -1 : 0;
  return both === w ? 1 : 0;
}

/** Whether version `index` is allowed by the term (when the package is selected). */
export function allows(t: Term, index: number): boolean {
  const inSet = typeof t.set === 'number' ? (t.set & (1 << index)) !== 0 : (t.set & (1n << BigInt(index))) !== 0n;
  return t.positive === inSet;
}

/** Set bits of each hexadecimal digit: a wide set is counted from its text, one digit at a time. */
const HEX_BITS = [...'0123456789abcdef'].map((d) => count(parseInt(d, 16)));

/** How many versions a set holds. */
export function count(set: VersionSet): number {
  let n = 0;
  if (typeof set === 'number') {
    for (; set !== 0; n++) set &= set - 1;
    return n;
  }
  // A BigInt step per bit would allocate a new BigInt as wide as the set each time: quadratic
  // for a line of thousands of alternatives. Its text is made once.
  const hex = set.toString(16);
  for (let i = 0; i < hex.length; i++) n += HEX_BITS[hex.charCodeAt(i) - (hex.charCodeAt(i) >= 97 ? 87 : 48)];
  return n;
}

/** The one version a set holds, or -1 when it holds none or several. */
export function onlyIndex(set: VersionSet): number {
  if (typeof set === 'number') return set !== 0 && (set & (set - 1)) === 0 ? 31 - Math.clz32(set) : -1;
  return count(set) === 1 ? lowestIndex(set) : -1;
}

/** The lowest version index a non-empty set holds. */
export function lowestIndex(set: VersionSet): number {
  if (typeof set === 'number') return 31 - Math.clz32(set & -set);
  return (set & -set).toString(2).length - 1;
}

/** The set without version `index`. */
export const without = (set: VersionSet, index: number): VersionSet =>
  typeof set === 'number' ? set & ~(1 << index) : set & ~(1n << BigInt(index));

/** Calls `each` with every version index the set holds, lowest first. */
export function forEachIndex(set: VersionSet, each: (index: number) => void): void {
  if (typeof set === 'number') {
    for (let i = 0; set !== 0; i++, set >>>= 1) if (set & 1) each(i);
    return;
  }
  const bits = set.toString(2); // once, not a shift per bit (see count)
  for (let i = 0; i < bits.length; i++) if (bits.charCodeAt(bits.length - 1 - i) === 49) each(i);
}

export function indices(set: VersionSet): number[] {
  const out: number[] = [];
  forEachIndex(set, (i) => out.push(i));
  return out;
}
