/**
 * A bounded least-recently-used map. Caches built on it belong to one server (or one
 * caller) and hold immutable values, so they never change behaviour, only speed.
 * @module
 */

/** A bounded LRU map. */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  /** A map holding at most `max` entries. */
  constructor(max: number) {
    this.#max = max;
  }

  /** The value for `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** Stores a value, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.#map.size >= this.#max && !this.#map.has(key)) this.#map.delete(this.#map.keys().next().value as K);
    this.#map.set(key, value);
  }

  /** Whether `key` is held (without marking it used). */
  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** Removes an entry (one that went stale); whether there was one. */
  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** How many entries are held. */
  get size(): number {
    return this.#map.size;
  }
}
