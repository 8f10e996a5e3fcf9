/**
 * Effectively-once consumption of lifecycle events for a host on PostgreSQL: the ids of the
 * events a consumer applied, written in the host's own transaction together with what the
 * event changed. `onEvent` delivers at least once (a delivery whose acknowledgement was lost
 * comes again with the same `eventId`); the row makes the second delivery a no-op, and a
 * rolled-back transaction takes the row with it, so the redelivery applies the event then.
 * @module
 */

import type { SqlQueryable } from './sql.js';
import { checkedSchema, quoteIdentifier } from './tables.js';

/** Where the processed events are kept. */
export interface ProcessedEventsOptions {
  /** The PostgreSQL schema of the table (created by `migrate()` when missing); default: the connection's `search_path`. */
  schema?: string;
  /** The table's name; default `scim_processed_events`. */
  table?: string;
}

/** What {@link ProcessedEvents.applyOnce | applyOnce} needs of an event: its stable id (a `LifecycleEvent`, a webhook's event). */
export interface IdentifiedEvent {
  /** The same on every delivery of the event. */
  readonly eventId: string;
}

/** The processed-events table of one database: see {@link processedEvents}. */
export interface ProcessedEvents {
  /** The table's SQL name, qualified by the schema when one was given (quoted). */
  readonly table: string;
  /** Creates the schema (when given), the table and its index when missing; run it at every start-up (idempotent). */
  migrate(): Promise<void>;
  /**
   * Applies `event` once per `consumer`: inside the transaction open on `client` (the caller's
   * own, after its `BEGIN`), records the event's id and runs `apply` only when the id was new.
   * Resolves `true` when `apply` ran, `false` for an event the consumer had applied already.
   * `apply` does its writes on the same `client`, so they commit or roll back with the record.
   * When `apply` throws, the record and `apply`'s writes are undone (a savepoint) and the error
   * is rethrown: the transaction stays usable and the redelivery applies the event.
   * Outside a transaction it throws a TypeError without recording anything: an id committed on
   * its own would mark an event applied that never was.
   */
  applyOnce(client: SqlQueryable, consumer: string, event: IdentifiedEvent, apply: () => Promise<unknown>): Promise<boolean>;
  /**
   * Deletes the records of events processed before `olderThan`; the number deleted. Keep them
   * for longer than an event can come again (a retried delivery ends within about an hour by
   * default; an operator's replay of a dead event can come later): 30 days is ample.
   */
  prune(olderThan: Date): Promise<number>;
}

/** The table name by default. */
const DEFAULT_TABLE = 'scim_processed_events';

/** A PostgreSQL identifier longer than this many bytes would be truncated. */
const MAX_IDENTIFIER_BYTES = 63;

/** The savepoint around one application: its failure undoes only its own statements. */
const SAVEPOINT = 'scimkit_apply_once';

/** SQLSTATE 25P01, no_active_sql_transaction: a SAVEPOINT outside a transaction block. */
const NO_ACTIVE_TRANSACTION = '25P01';

/** SQLSTATEs of a `CREATE … IF NOT EXISTS` that raced another instance's: unique_violation, duplicate_table, duplicate_schema. */
const CREATED_CONCURRENTLY = new Set(['23505', '42P07', '42P06']);

function checkedTable(table: unknown): string {
  const ok = typeof table === 'string' && table !== '' && !table.includes('\u0000') && Buffer.byteLength(table, 'utf8') <= MAX_IDENTIFIER_BYTES;
  if (!ok) throw new TypeError(`processedEvents: table ${JSON.stringify(table)} must be a name of 1 to ${MAX_IDENTIFIER_BYTES} bytes without NUL`);
  return table;
}

function checkedText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`applyOnce: ${what} must be a non-empty string, not ${JSON.stringify(value)}`);
  return value;
}

const sqlState = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

/** Runs a `CREATE … IF NOT EXISTS`; another instance creating the same object at the same time is no failure. */
async function createIfMissing(db: SqlQueryable, sql: string): Promise<void> {
  try {
    await db.query(sql);
  } catch (e) {
    if (!CREATED_CONCURRENTLY.has(String(sqlState(e)))) throw e;
  }
}

/**
 * The processed-events table (`consumer`, `event_id`, `processed_at`; primary key
 * `(consumer, event_id)`) on `db`, a pool or PGlite, which runs `migrate()` and `prune()`.
 * `applyOnce` runs on the client of the caller's transaction instead.
 * @example
 * ```ts
 * const processed = processedEvents(pool);
 * await processed.migrate();
 * const scim = createScimServer({ store, hooks: { onEvent: async (event) => {
 *   const client = await pool.connect();
 *   try {
 *     await client.query('BEGIN');
 *     await processed.applyOnce(client, 'app', event, () => applyToAppTables(client, event));
 *     await client.query('COMMIT');
 *   } catch (e) { await client.query('ROLLBACK'); throw e; } finally { client.release(); }
 * } } });
 * ```
 */
export function processedEvents(db: SqlQueryable, options: ProcessedEventsOptions = {}): ProcessedEvents {
  const schema = options.schema === undefined ? undefined : quoteIdentifier(checkedSchema(options.schema));
  const name = checkedTable(options.table ?? DEFAULT_TABLE);
  const table = schema === undefined ? quoteIdentifier(name) : `${schema}.${quoteIdentifier(name)}`;
  // an index name lives in its table's schema: unqualified here
  const byTime = quoteIdentifier(`${name.slice(0, MAX_IDENTIFIER_BYTES - 13)}_processed_at`);

  return {
    table,
    async migrate() {
      if (schema !== undefined) await createIfMissing(db, `CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await createIfMissing(
        db,
        `CREATE TABLE IF NOT EXISTS ${table} (
           consumer text NOT NULL,
           event_id text NOT NULL,
           processed_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (consumer, event_id))`,
      );
      // prune() deletes by age
      await createIfMissing(db, `CREATE INDEX IF NOT EXISTS ${byTime} ON ${table} (processed_at)`);
    },

    async applyOnce(client, consumer, event, apply) {
      checkedText(consumer, 'consumer');
      const eventId = checkedText(event?.eventId, 'event.eventId');
      try {
        await client.query(`SAVEPOINT ${SAVEPOINT}`);
      } catch (e) {
        if (sqlState(e) === NO_ACTIVE_TRANSACTION)
          throw new TypeError('applyOnce: no transaction is open on this client; run it between BEGIN and COMMIT on one client (pool.connect())');
        throw e;
      }
      try {
        const { rows } = await client.query(`INSERT INTO ${table} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS recorded`, [
          consumer,
          eventId,
        ]);
        const fresh = rows.length === 1;
        if (fresh) await apply();
        await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
        return fresh;
      } catch (e) {
        // the transaction stays usable for the caller's other work; the event stays unapplied.
        // On a connection that is gone this fails too: the caller's ROLLBACK does, and `e` says why.
        await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`).then(
          () => client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`),
          () => undefined,
        );
        throw e;
      }
    },

    async prune(olderThan) {
      if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) throw new TypeError('prune: olderThan must be a valid Date');
      const { rows } = await db.query(`WITH gone AS (DELETE FROM ${table} WHERE processed_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`, [
        olderThan.toISOString(),
      ]);
      return Number(rows[0]?.n ?? 0);
    },
  };
}
