/**
 * PATCH paths (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`.
 * @module
 */
import { ScimError } from '../errors.js';
import type { AttrPath, Filter } from '../filter/ast.js';
import { FilterParser } from '../filter/parse.js';
import { Lru } from '../lru.js';

/** A parsed PATCH path: an attribute, optionally a value filter on it, optionally a sub-attribute after the filter. */
export interface PatchPath {
  /** The attribute, e.g. `name.givenName`, `emails`, `urn:…:enterprise:2.0:User:manager`. */
  attr: AttrPath;
  /** The value filter of `attr[filter]`. */
  filter?: Filter;
  /** The sub-attribute after `]`, as in `emails[type eq "work"].value`. */
  sub?: string;
}

/**
 * Parses a PATCH path. A bare extension URN (`urn:…:enterprise:2.0:User`) parses as an
 * attribute whose `uri` and `name` join back to the URN; resolution tells them apart.
 * Malformed paths throw 400 invalidPath.
 */
export function parsePath(text: string, maxDepth = 32): PatchPath {
  const error = (d: string) => ScimError.invalidPath(`path ${JSON.stringify(String(text).slice(0, 60))}: ${d}`);
  if (typeof text !== 'string' || text.trim() === '') throw ScimError.invalidPath('path must be a non-empty string');
  if (text.length > 2048) throw ScimError.invalidPath('path is longer than 2048 characters');
  const p = new FilterParser(text.trim(), maxDepth, error);
  const attr = p.attrPath();
  const out: PatchPath = { attr };
  if (p.peek() === 91) {
    if (attr.sub !== undefined) p.fail('a value filter on a top-level attribute, not on a sub-attribute');
    p.expect('[');
    p.skipSpace();
    out.filter = p.or(true);
    p.skipSpace();
    p.expect(']', '"]" or a logical operator');
    if (p.peek() === 46) {
      p.expect('.');
      out.sub = p.subAttribute();
    }
  }
  if (!p.atEnd()) p.fail('the end of the path');
  return out;
}

/** A per-server cache of parsed PATCH paths: IdPs send the same few paths over and over. @internal */
export class PathCache {
  readonly #lru: Lru<string, PatchPath>;

  /** A cache holding at most `max` paths (default 1000). */
  constructor(max = 1000) {
    this.#lru = new Lru(max);
  }

  /** The parsed path, from the cache when it is there; errors are not cached. Treat the result as immutable. */
  parse(text: string): PatchPath {
    let p = this.#lru.get(text);
    if (!p) {
      p = parsePath(text);
      this.#lru.set(text, p);
    }
    return p;
  }
}
