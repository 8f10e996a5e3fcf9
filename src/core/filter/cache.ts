/**
 * A bounded LRU of parsed filters keyed by their text: IdPs send the same few
 * filter shapes over and over, so parsing is paid once per distinct text.
 * @module
 */

import { Lru } from '../lru.js';
import type { Filter } from './ast.js';
import { type FilterParseOptions, parseFilter } from './parse.js';

/** A per-server cache of parsed filters; never shared between servers. */
export class FilterCache {
  readonly #options: FilterParseOptions;
  readonly #lru: Lru<string, Filter>;

  /** A cache holding at most `max` filters (default 1000), parsed with `options`. */
  constructor(max = 1000, options: FilterParseOptions = {}) {
    this.#lru = new Lru(max);
    this.#options = options;
  }

  /** The parsed filter for `text`, from the cache when it is there. Errors are not cached. */
  parse(text: string): Filter {
    let f = this.#lru.get(text);
    if (!f) {
      f = parseFilter(text, this.#options);
      this.#lru.set(text, f);
    }
    return f;
  }

  /** How many filters are held. */
  get size(): number {
    return this.#lru.size;
  }
}
