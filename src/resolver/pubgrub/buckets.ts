// Items filed under a number (a trail length) and taken back for every number above some bound:
// the solver's record of which whole checks a backjump undoes. Hundreds of thousands of filings
// in a large solve, so no array per number: each bucket is a chain through two parallel arrays,
// and the places that taking back frees are filed into again. Taken back in the order filed, as
// the solver checks them again in that order, and that order steers which answer it finds.
import { sparse } from './arrays.js';
export class Buckets<T> {
  private readonly items: (T | undefined)[] = [];
  /** Per place: the next place in the same chain (a bucket's, or the free one's), or -1. */
  private readonly next: number[] = [];
  /** Per number: the first and the last place of its chain, or -1 (or nothing). */
  private readonly heads = sparse<number>();
  private readonly tails = sparse<number>();
  private free = -1;

  file(at: number, item: T): void {
    let place = this.free;
    if (place >= 0) {
      this.free = this.next[place];
      this.items[place] = item;
      this.next[place] = -1;
    } else {
      place = this.items.push(item) - 1;
      this.next.push(-1);
    }
    // Appended at the chain's end, so that it is taken back after what was filed before it.
    if ((this.heads[at] ?? -1) < 0) this.heads[at] = place;
    else this.next[this.tails[at]] = place;
    this.tails[at] = place;
  }

  /** Hands every item filed under a number from `from` to `to` (both included) to `each`, and forgets it. */
  takeRange(from: number, to: number, each: (item: T) => void): void {
    const { items, next, heads } = this;
    for (let at = Math.max(from, 0); at <= to && at < heads.length; at++) {
      let place = heads[at] ?? -1;
      heads[at] = -1;
      while (place >= 0) {
        each(items[place] as T);
        items[place] = undefined;
        const following = next[place];
        next[place] = this.free;
        this.free = place;
        place = following;
      }
    }
  }
}
