/**
 * Portal actions per viewer per minute, and setup-link openings per address: a fixed window
 * per key, in a map bounded by evicting the oldest windows (a key's window is at most a
 * minute old, so an evicted one could only have allowed more).
 * @module
 */

/** Counts per key in one-minute windows. */
export class ActionBudget {
  readonly #windows = new Map<string, { start: number; used: number }>();
  readonly #limit: number;
  readonly #max: number;
  /** `limit` per key per minute; at most `max` keys held (default 10,000). */
  constructor(limit: number, max = 10_000) {
    this.#limit = limit;
    this.#max = max;
  }
  /** Takes one for `key`; false when its minute is used up. */
  take(key: string, now: number): boolean {
    let w = this.#windows.get(key);
    if (!w || now - w.start >= 60_000) {
      this.#windows.delete(key);
      if (this.#windows.size >= this.#max) this.#windows.delete(this.#windows.keys().next().value!);
      w = { start: now, used: 0 };
      this.#windows.set(key, w);
    }
    if (w.used >= this.#limit) return false;
    w.used++;
    return true;
  }
}
