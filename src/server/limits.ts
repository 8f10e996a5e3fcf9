/**
 * Limits, with safe defaults; each is advertised in ServiceProviderConfig where RFC 7644 has a field.
 * @module
 */
import { DEFAULT_STRING_LENGTHS } from '../core/schema/storable.js';

/** Server limits. */
export interface ScimLimits {
  /**
   * Largest request body in bytes (default 1 MiB); beyond it 413 with `Connection: close`,
   * written once the adapter has read and dropped the rest of the body (at most 4 × this,
   * at least 16 MiB, within `requestTimeoutMs`) so a client still sending can read it.
   * Advertised as bulk.maxPayloadSize.
   */
  maxBodyBytes: number;
  /** Longest filter in characters (default 8192). */
  maxFilterLength: number;
  /** Deepest filter nesting (default 32). */
  maxFilterDepth: number;
  /**
   * The most a filter may cost per resource it tests (default 256), checked before any store is
   * asked, for every store: `?filter`, `/.search` and PATCH path filters (in Bulk too). Each
   * comparison costs 1, `co`/`sw`/`ew` 2, a comparison reaching a multi-valued attribute
   * (`emails.value`, the terms of `emails[…]`) 4 times that; `and`/`or`/`not` add up their
   * operands (`filterCost`, docs/filters.md "Cost"). 256 takes 256 `id eq` look-ups in one `or`
   * chain; the 290-term `emails[value co …] or …` chain costs 2,320. Beyond: 400 invalidFilter.
   */
  maxFilterCost: number;
  /**
   * The most filter work one search may do (default 10,000,000): the resources it tests times
   * the filter's cost (see maxFilterCost), about half a second of CPU at the most expensive.
   * Counted by a store that scans (MemoryStore, and the engine for a store that cannot
   * filter); a look-up an index answers tests only the resources it finds. Beyond: 400
   * invalidFilter.
   */
  maxFilterWork: number;
  /** Most PATCH operations per request (default 1000); beyond it 413. */
  maxPatchOperations: number;
  /** Largest page (default 1000); larger `count` values are clamped to it. Advertised as filter.maxResults. */
  maxResults: number;
  /** Page size when the client names none (default 100). */
  defaultPageSize: number;
  /** Most Bulk operations per request (default 1000); beyond it 413. */
  maxBulkOperations: number;
  /** Seconds a cursor stays valid (default 3600). */
  cursorTimeout: number;
  /** Deepest nesting of arrays and objects in a body (default 64; SCIM documents need about 6). */
  maxJsonDepth: number;
  /**
   * Most values of one multi-valued attribute (default 1000), on create, replace and after a
   * PATCH; beyond it 400 invalidValue naming the attribute. A group's `members` are exempt
   * (they change as deltas, and groups of 100,000 members are real).
   */
  maxValuesPerAttribute: number;
  /** Longest string or reference value in characters (default 4,096); beyond it 400 invalidValue naming the attribute. */
  maxStringLength: number;
  /** Longest binary value (base64) in characters (default 65,536: room for certificates). */
  maxBinaryLength: number;
  /**
   * Longest value of an attribute stores index (default 512): the unique ones and userName,
   * externalId, displayName and emails.value. 512 keeps every value within PostgreSQL's index
   * entry limit; raise it only with a store that can index longer values.
   */
  maxIndexedStringLength: number;
  /**
   * Requests of one tenant that run at once (default 5, below a pool's usual 10 connections,
   * so one tenant cannot hold them all); more wait in line.
   */
  maxConcurrentPerTenant: number;
  /** How long a request waits for its tenant's slot (default 2,000 ms) before 429 with Retry-After. */
  maxConcurrencyWaitMs: number;
  /**
   * Each request's deadline (default 10,000 ms): past it the answer is 503 with Retry-After,
   * the store's waits (a pool connection, a lock, a statement) end, and nothing it had not
   * committed is committed afterwards.
   */
  requestTimeoutMs: number;
}

/** The defaults of {@link ScimLimits}. */
export const DEFAULT_LIMITS: ScimLimits = {
  maxBodyBytes: 1024 * 1024,
  maxFilterLength: 8192,
  maxFilterDepth: 32,
  maxFilterCost: 256,
  maxFilterWork: 10_000_000,
  maxPatchOperations: 1000,
  maxResults: 1000,
  defaultPageSize: 100,
  maxBulkOperations: 1000,
  cursorTimeout: 3600,
  maxJsonDepth: 64,
  maxValuesPerAttribute: 1000,
  maxStringLength: DEFAULT_STRING_LENGTHS.string,
  maxBinaryLength: DEFAULT_STRING_LENGTHS.binary,
  maxIndexedStringLength: DEFAULT_STRING_LENGTHS.indexed,
  maxConcurrentPerTenant: 5,
  maxConcurrencyWaitMs: 2000,
  requestTimeoutMs: 10_000,
};
