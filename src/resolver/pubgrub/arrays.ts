// Arrays that the solver's inner loops read (an incompatibility's packages, terms and ids, a
// package's preference order, the tables it fills by package id) are all made here, so that each
// kind of them has one elements kind. `Array.prototype.map` gives a packed array while its caller
// runs in V8's interpreter and a holey one once the caller is optimized, so a solve used to hold
// both: each function that reads them was compiled for the first and thrown away ("wrong map")
// when the second arrived, a dozen times in a large solve's first run. An array made at its length
// and filled in place is holey in every tier, and made at its exact size (no room kept for more).
// V8 also lets each place that makes arrays learn what goes into them, and makes them to suit in
// optimized code: so arrays of numbers are made in a place of their own.

/** `list.map(f)` for values that are not numbers, always holey. */
export function mapped<T, U>(list: readonly T[], f: (item: T, index: number) => U): U[] {
  const out = new Array<U>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = f(list[i], i);
  return out;
}

/** `list.map(f)` for small integers (package ids, version indices, trail positions), always holey. */
export function mappedNumbers<T>(list: readonly T[], f: (item: T, index: number) => number): number[] {
  const out = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = f(list[i], i);
  return out;
}

/** A copy of `list` (not of numbers), always holey. */
export const copied = <T>(list: readonly T[]): T[] => mapped(list, (item) => item);

/** An empty array to be filled by package id, version or trail length, which come out of order:
 * holey from the start (`[]` is packed, and turns holey at its first gap, under code compiled for
 * it packed). */
export const sparse = <T>(): T[] => new Array<T>(0);
