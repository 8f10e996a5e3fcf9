/**
 * What every store can hold (the same rule for MemoryStore and PostgresStore): a string
 * with no NUL character (PostgreSQL's text and JSONB refuse it) and no lone surrogate (not
 * UTF-8), no longer than the server's limits, and short enough to index where a store
 * indexes it. Validation refuses anything else as 400 naming the attribute, and the filter
 * parser refuses NUL and surrogates in literals, so no store ever answers 500 to what
 * validation accepted.
 * @module
 */
import type { AttributeDefinition } from './attribute.js';

/** Whether every store can hold this string: no NUL, and well-formed UTF-16 (no lone surrogate). @internal */
export function isStorableString(value: string): boolean {
  return !value.includes('\u0000') && (value as string & { isWellFormed(): boolean }).isWellFormed();
}

/** String lengths a server accepts, in characters (UTF-16 code units, as JavaScript counts them). */
export interface StringLengths {
  /** Strings and references (default 4,096). */
  string: number;
  /** Binary values, base64 (default 65,536: certificates). */
  binary: number;
  /** The attributes stores index (unique ones, userName, externalId, displayName, emails.value; default 512). */
  indexed: number;
}

/**
 * 512 code units are at most 2,048 bytes of UTF-8 (four bytes per pair of surrogates, three
 * per other unit), which stays under PostgreSQL's B-tree and GIN entry limit (2,704 bytes)
 * with the tenant and type beside it in the key.
 */
export const DEFAULT_STRING_LENGTHS: StringLengths = { string: 4096, binary: 65536, indexed: 512 };

/** The attributes IdPs look resources up by, which stores index: besides every unique attribute. */
const LOOKUP_PATHS = new Set(['username', 'externalid', 'displayname', 'emails.value']);

/**
 * Whether a store may index this attribute: a unique one (`uniqueness` server or global), or
 * one IdPs filter on (userName, externalId, displayName, emails.value). `path` is the
 * attribute's path as validation names it (`emails[0].value`, `emails[type eq "work"].value`).
 * @internal
 */
export function isIndexedAttribute(attr: AttributeDefinition, path: string): boolean {
  if (attr.uniqueness === 'server' || attr.uniqueness === 'global') return true;
  // linear: one pass over a path whose filter part is bounded by the filter length limit
  const bare = path.replace(/\[[^\]]*\]/g, '').toLowerCase();
  return LOOKUP_PATHS.has(bare.slice(bare.lastIndexOf(':') + 1));
}

/** The most characters this attribute's string values may hold. @internal */
export function maxLengthOf(attr: AttributeDefinition, path: string, lengths: StringLengths): number {
  if (attr.type === 'binary') return lengths.binary;
  return isIndexedAttribute(attr, path) ? Math.min(lengths.indexed, lengths.string) : lengths.string;
}
