/**
 * What PostgresStore runs on: the few methods of `pg` (a pool, a client) and PGlite it calls,
 * as types of its own, so the store needs neither package to compile.
 * @module
 */

/** What a query returns. */
export interface SqlResult {
  /** The rows, as objects keyed by column name. */
  rows: Record<string, unknown>[];
}

/** Anything with pg's `query` (a `pg.Pool`, a `pg.Client`, PGlite). */
export interface SqlQueryable {
  /** Runs one statement with parameters. */
  query(text: string, params?: unknown[]): Promise<SqlResult>;
}

/** A client checked out of a pool for one transaction. */
export interface SqlClient extends SqlQueryable {
  /** Returns the client to its pool. */
  release(): void;
}

/** A pool: `connect()` for a dedicated client (pg.Pool), or `transaction()` (PGlite). */
export interface SqlPool extends SqlQueryable {
  /** pg.Pool: a client for one transaction. */
  connect?(): Promise<SqlClient>;
  /** PGlite: runs `fn` in a transaction. */
  transaction?<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** pg.Pool's count of clients: how a pool is told from a `pg.Client`, which has `connect()` too. */
  readonly totalCount?: number;
}

/** One connection: a connected `pg.Client`, or anything else with only `query`. */
export interface SqlConnection extends SqlQueryable {
  /** A `pg.Client`'s (already called) `connect`; never called by the store. */
  connect?(): Promise<unknown>;
}

/**
 * What PostgresStore runs on, one of three:
 * - a pool (`pg.Pool`): each transaction on a client of its own, from `connect()`;
 * - PGlite: transactions through its `transaction()`;
 * - one connection ({@link SqlConnection}): the store serialises its work on it, so a
 *   transaction never interleaves with another request's statements.
 */
export type SqlDatabase = SqlPool | SqlConnection;
