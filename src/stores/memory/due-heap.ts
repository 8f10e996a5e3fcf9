/**
 * A binary min-heap of items by due time, then by a sequence number (commit order): what
 * MemoryOutbox claims from, so that a claim looks at the events that are due and not at every
 * event that is backed off (a hanging webhook target's thousands made every write's claim walk
 * them all).
 * @module
 * @internal
 */

/** An entry: the item, and the due time and order it had when it was pushed. */
export interface DueEntry<T> {
  readonly item: T;
  readonly dueAt: number;
  readonly order: number;
}

const before = <T>(a: DueEntry<T>, b: DueEntry<T>) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order);

/** Entries by (dueAt, order), earliest first. An entry is never updated: push a new one and let the old one be skipped. */
export class DueHeap<T> {
  #a: DueEntry<T>[] = [];

  /** How many entries are held, stale ones included. */
  get size(): number {
    return this.#a.length;
  }

  /** The earliest entry, or undefined. */
  peek(): DueEntry<T> | undefined {
    return this.#a[0];
  }

  /** Adds an entry: O(log n). */
  push(entry: DueEntry<T>): void {
    const a = this.#a;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest entry: O(log n). */
  pop(): DueEntry<T> | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l]!, a[m]!)) m = l;
      if (r < a.length && before(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
    return top;
  }

  /** Replaces every entry with `entries` (to drop stale ones): O(n). */
  rebuild(entries: DueEntry<T>[]): void {
    this.#a = [];
    for (const e of entries.sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0))) this.#a.push(e);
  }
}
