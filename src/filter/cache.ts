/**
 * A bounded LRU of parsed filters keyed by their text: IdPs send the same few
 * filter shapes over and over, so parsing is paid once per distinct text.
 * @module
 */
import type { Filter } from './ast.js';
import { type FilterParseOptions, parseFilter } from './parse.js';

/** A per-server cache of parsed filters; never shared between servers. */
export class FilterCache {
  readonly #max: number;
  readonly #options: FilterParseOptions;
  readonly #map = new Map<string, Filter>();

  /** A cache holding at most `max` filters (default 1000), parsed with `options`. */
  constructor(max = 1000, options: FilterParseOptions = {}) {
    this.#max = max;
    this.#options = options;
  }

  /** The parsed filter for `text`, from the cache when it is there. Errors are not cached. */
  parse(text: string): Filter {
    const hit = this.#map.get(text);
    if (hit) {
      this.#map.delete(text);
      this.#map.set(text, hit);
      return hit;
    }
    const f = parseFilter(text, this.#options);
    if (this.#map.size >= this.#max) this.#map.delete(this.#map.keys().next().value as string);
    this.#map.set(text, f);
    return f;
  }

  /** How many filters are held. */
  get size(): number {
    return this.#map.size;
  }
}
