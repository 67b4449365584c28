// A binary min-heap of numbers: the solver's queue of packages to decide next.
export class MinHeap {
  private items: number[] = [];

  get length(): number {
    return this.items.length;
  }

  peek(): number | undefined {
    return this.items[0];
  }

  push(item: number): void {
    const items = this.items;
    let at = items.push(item) - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (items[parent] <= item) break;
      items[at] = items[parent];
      at = parent;
    }
    items[at] = item;
  }

  pop(): void {
    const items = this.items;
    const last = items.pop() as number;
    if (items.length === 0) return;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= items.length) break;
      if (child + 1 < items.length && items[child + 1] < items[child]) child++;
      if (items[child] >= last) break;
      items[at] = items[child];
      at = child;
    }
    items[at] = last;
  }

  rebuild(items: number[]): void {
    this.items = [];
    for (const item of items) this.push(item);
  }
}
