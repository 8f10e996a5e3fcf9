/**
 * `scimkit/postgres`: the production store. Resources are JSONB documents keyed by
 * tenant with indexed columns for the look-ups IdPs make; uniqueness lives in its own
 * table under a primary key (atomic across app instances); group membership is one row
 * per member, indexed both ways.
 * @packageDocumentation
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  type AppliedMembers,
  attributesChanged,
  type Filter,
  type GetOptions,
  type GroupRef,
  isVersion,
  type Member,
  type MemberDelta,
  memberIdsOf,
  metaOf,
  type ProvisioningStore,
  pastDeadline,
  type ResourceType,
  refuseLate,
  ScimError,
  type ScimResource,
  type SearchQuery,
  type SearchResult,
  type StoreCapabilities,
  type StoreContext,
  sameMemberOrder,
  selfMemberError,
  uniqueKey,
  unknownMembersError,
  versionNamed,
  versionTag,
  type WriteOptions,
  type WriteOutcome,
} from 'scimkit';
import { PostgresActivityLog } from './activity.js';
import { byDeadline, cancelStatement, msLeft, statementStillOut, statementTimeoutFor, withoutTimeouts } from './deadline.js';
import { isUnavailable, RETRYABLE_SQLSTATES, scimErrorOf, translatingErrors } from './errors.js';
import { foldedDocument, foldedText, refold } from './folded.js';
import { StatementWatch } from './liveness.js';
import { migrationsIn, stepsOf } from './migrations.js';
import { eventCtes, eventParams, PostgresOutbox, recordEvents } from './outbox.js';
import { filterToSql, keysetToSql, Params, sortKey, sortToSql } from './sql-filter.js';
import { quoteIdentifier, type TableNames, tableNames } from './tables.js';

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

/** How the store reaches its database, decided once from what it was given. */
type Connection =
  | { kind: 'pool'; pool: SqlQueryable & { connect(): Promise<SqlClient> } }
  | { kind: 'pglite'; db: SqlPool }
  | { kind: 'single'; db: SqlQueryable };

/** Runs `fn` behind a savepoint of the transaction on `q`: its failure undoes only its own statements. */
async function savepoint<T>(q: SqlQueryable, fn: () => Promise<T>): Promise<T> {
  await q.query('SAVEPOINT scimkit');
  try {
    const out = await fn();
    await q.query('RELEASE SAVEPOINT scimkit');
    return out;
  } catch (e) {
    await q.query('ROLLBACK TO SAVEPOINT scimkit');
    await q.query('RELEASE SAVEPOINT scimkit');
    throw e;
  }
}

/** One migration {@link PostgresStore.migrate} applied. */
export interface AppliedMigration {
  /** Its id. */
  id: number;
  /** What it does. */
  name: string;
  /** How long it took, in milliseconds. */
  ms: number;
}

/** What {@link PostgresStore.migrate} did. */
export interface MigrationReport {
  /** The migrations applied by this call, in order, with how long each took. */
  applied: AppliedMigration[];
  /** The id of the newest migration now applied. */
  current: number;
}

/**
 * Builds an index with `CREATE INDEX CONCURRENTLY IF NOT EXISTS name`, outside a transaction;
 * an invalid index of that name among the store's tables `t` (a build that was interrupted)
 * is dropped and built again.
 */
async function buildIndex(q: SqlQueryable, t: TableNames, statement: string): Promise<void> {
  const name = /INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+(\w+)/i.exec(statement)?.[1];
  if (name) {
    // the index of the store's schema (or the search_path's), not one of that name in another schema
    const invalid = await q.query('SELECT 1 FROM pg_index i WHERE i.indexrelid = to_regclass($1) AND NOT i.indisvalid', [t.relation(name)]);
    if (invalid.rows.length) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${t.relation(name)}`);
  }
  await q.query(statement);
}

/**
 * A pooled client, waited for no longer than the request's deadline, nor once its client went
 * away: a pool whose connections are all busy would otherwise queue the request without bound.
 * A client that comes too late goes straight back.
 */
function connectBy(pool: { connect(): Promise<SqlClient> }, ctx: StoreContext | undefined): Promise<SqlClient> {
  const pending = pool.connect().catch((e: unknown) => Promise.reject(scimErrorOf(e) ?? e));
  return byDeadline(
    ctx,
    pending,
    () =>
      void pending.then(
        (c) => c.release(),
        () => undefined,
      ),
    'No database connection was free in time; try again',
  );
}

/**
 * Lets go of a pooled client once: back to the pool, or destroyed (`destroy`: pg-pool ends a
 * client released with an error instead of handing it to the next request).
 */
function releaser(client: SqlClient): (destroy: boolean) => void {
  const events = client as { on?(event: 'error', f: () => void): unknown; removeListener?(event: 'error', f: () => void): unknown };
  // node-postgres emits 'error' on a client whose connection drops, besides failing its query,
  // and pg-pool listens only while a client is idle in the pool: held here without a listener,
  // a dropped connection was an uncaught exception that ended the host's process. The failure
  // reaches the store through the query's rejection; the event itself is only acknowledged.
  events.on?.('error', ignoreDropped);
  let released = false;
  return (destroy) => {
    if (released) return;
    released = true;
    events.removeListener?.('error', ignoreDropped);
    if (destroy) (client.release as (e?: boolean) => void)(true);
    else client.release();
  };
}

/** The listener that keeps a held client's 'error' event from being an uncaught exception (see {@link releaser}). */
const ignoreDropped = (): void => undefined;

/** How long the check of stuck statements may take (store/postgres/liveness.ts): it gets no answer during a fault. */
const LIVENESS_CHECK_MS = 1000;

/** Attempts of a transaction that failed to serialize or deadlocked. */
const TX_ATTEMPTS = 3;

/** A queue of work on one connection: each job runs after the previous one settles. */
class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(job, job);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/** A user's groups as [group id, displayName] pairs in membership order. */
type GroupPairs = [string, string | null][];
type Row = { id: string; doc: ScimResource; version: string | number; groups?: GroupPairs | null };

/**
 * The stored form of a member row for the id `t.id` in the tenant `tenant` (a placeholder):
 * the type of what it names (docs/stores.md), in the resources table `resources`. A correlated
 * look-up by the (tenant, id) key, not a join: the planner, guessing 10 rows for an unnest,
 * joined 100,000 member ids to a whole tenant's rows (minutes for one group create in the benchmark).
 */
const memberType = (resources: string, tenant: string) =>
  `COALESCE((SELECT jsonb_build_object('type', u.type) FROM ${resources} u WHERE u.tenant = ${tenant} AND u.id = t.id), '{}'::jsonb)`;
/** The SQLSTATE of a foreign key violation: a member that names no resource of the tenant. */
const FOREIGN_KEY_VIOLATION = '23503';

/** Aggregates membership rows `m` joined to their groups `g` into {@link GroupPairs}. */
const GROUP_PAIRS = "jsonb_agg(jsonb_build_array(m.group_id, g.doc->>'displayName') ORDER BY m.seq)";
/** The `meta.version` of the row `r` after an update, as jsonb: `versionTag(version + 1)` in SQL. */
const NEXT_VERSION_TAG = `to_jsonb('W/"' || (r.version + 1) || '"')`;
/**
 * The document of the row `r` at its next version, last modified at `stamp` (a text SQL
 * expression: the ISO string the store made). Its parameter is cast to text at every use in
 * the statement: one also cast to timestamptz is typed timestamptz by PostgreSQL, and its
 * `::text` is then PostgreSQL's own format (`2026-12-07 03:18:29.9+00`), not xsd:dateTime.
 */
const nextDoc = (stamp: string) => `jsonb_set(jsonb_set(r.doc, '{meta,version}', ${NEXT_VERSION_TAG}), '{meta,lastModified}', to_jsonb(${stamp}))`;
/** A select-list column with the {@link GroupPairs} of the resource `r` (NULL in no group), over the tables `t`. */
const groupsOfR = (t: TableNames) =>
  `(SELECT ${GROUP_PAIRS} FROM ${t.members} m LEFT JOIN ${t.resources} g ON g.tenant = m.tenant AND g.id = m.group_id WHERE m.tenant = r.tenant AND m.member_id = r.id) AS groups`;

/** The migration that added the folded copies (store/postgres/folded.ts). */
const FOLDED_SINCE = 7;
/**
 * `folded_version` of the row `r` after a statement moves its version without touching what is
 * folded (a member change): still current when it was, else still behind for the next re-fold.
 */
const NEXT_FOLDED_VERSION = 'CASE WHEN r.folded_version = r.version THEN r.version + 1 END';

/** The 409 for a unique attribute whose value another resource holds. */
function takenError(attr: string, doc: ScimResource): ScimError {
  return ScimError.uniqueness(`${attr} ${JSON.stringify(String(doc[attr]).slice(0, 60))} is already taken`);
}

function pgError(e: unknown): { code?: string; detail?: string } {
  return (e ?? {}) as { code?: string; detail?: string };
}

/** How a {@link PostgresStore} is set up, beyond its database. */
export interface PostgresStoreOptions {
  /**
   * The PostgreSQL schema of the store's tables, indexes and function, apart from the app's
   * own: `migrate()` creates it when missing and every statement names it (quoted: any name
   * PostgreSQL takes, as it is). Without it the tables are wherever the connection's
   * `search_path` finds them (`public` by default), as before this option. A name PostgreSQL
   * would refuse or truncate (empty, a NUL, over 63 bytes, starting with `pg_`) is a
   * TypeError here. Two stores in two schemas of one database share nothing.
   */
  schema?: string;
}

/**
 * The PostgreSQL store (also on PGlite). Run `migrate()` at every start-up: instances take
 * turns, and what is applied already is skipped.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { PostgresStore } from 'scimkit/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const store = new PostgresStore(pool);
 * await store.migrate();
 * const scim = createScimServer({ authenticate, store });
 * // or, its tables apart from the app's: new PostgresStore(pool, { schema: 'scim' })
 * ```
 */
export class PostgresStore implements ProvisioningStore {
  /** Filters, sorts and takes member deltas in SQL. */
  readonly capabilities: StoreCapabilities = { filter: true, sort: true, memberDeltas: true, keyset: true };
  readonly #conn: Connection;
  readonly #serial = new Serial();
  /** The connection of the transaction the current async context runs in (see {@link transaction}). */
  readonly #inTx = new AsyncLocalStorage<SqlQueryable>();
  /** Where the store's tables are (its schema's, or the search_path's). */
  readonly #t: TableNames;
  /** The events of every write, recorded in the write's transaction (store/postgres/outbox.ts). */
  readonly outbox: PostgresOutbox;
  /** The activity log of SCIM requests (`scim_activity`), written outside any request's transaction. */
  readonly activity: PostgresActivityLog;

  /**
   * A store over a `pg.Pool`, a connected `pg.Client`, PGlite, or anything with pg's `query`
   * (see {@link SqlDatabase}), in `options.schema` when given ({@link PostgresStoreOptions}).
   */
  constructor(db: SqlDatabase, options: PostgresStoreOptions = {}) {
    this.#t = tableNames(options.schema);
    // on the database itself, never the transaction of the request whose write woke delivery
    this.outbox = new PostgresOutbox(() => translatingErrors(this.#baseDb), this.#t);
    this.activity = new PostgresActivityLog(() => translatingErrors(this.#baseDb), this.#t);
    const pool = db as SqlPool;
    if (typeof pool.connect === 'function' && typeof pool.totalCount === 'number')
      this.#conn = { kind: 'pool', pool: pool as SqlQueryable & { connect(): Promise<SqlClient> } };
    else if (typeof pool.transaction === 'function') this.#conn = { kind: 'pglite', db: pool };
    else this.#conn = { kind: 'single', db };
    // An idle pooled connection that the server ends (a restart, a failover) is reported as an
    // 'error' event; with no listener Node ends the process. The pool drops that connection and
    // opens another when asked: nothing else to do, so the store listens and counts.
    const emitter = db as { on?: (event: string, listener: (e: unknown) => void) => unknown };
    if (typeof emitter.on === 'function' && this.#conn.kind !== 'pglite')
      emitter.on('error', () => {
        this.#connectionErrors++;
      });
  }

  #connectionErrors = 0;

  /**
   * The pooled statements out on the wire, given up when the server shows their backend idle
   * (store/postgres/liveness.ts); it asks on a pooled connection, for at most a second.
   */
  readonly #watch = new StatementWatch((text, params) => {
    const c = this.#conn;
    if (c.kind !== 'pool') return Promise.reject(new Error('only pooled statements are watched'));
    return this.#pooled(c.pool, { tenant: '', requestId: 'liveness', deadline: Date.now() + LIVENESS_CHECK_MS }, text, params, false);
  });

  /** How many idle-connection errors the database reported (the pool replaced those connections). */
  get connectionErrors(): number {
    return this.#connectionErrors;
  }

  /**
   * Where a statement of `ctx`'s request outside {@link #tx} runs: the current transaction's
   * connection, else the database, until the request's deadline (store/postgres/deadline.ts).
   */
  #db(ctx: StoreContext): SqlQueryable {
    return translatingErrors(this.#plainDb(ctx), this.#inTx.getStore() !== undefined);
  }

  #plainDb(ctx: StoreContext): SqlQueryable {
    const tx = this.#inTx.getStore();
    // inside transaction(): each statement behind a savepoint, so a refused one (a taken
    // userName, an unknown member) fails alone and the transaction goes on to answer it; the
    // transaction as a whole is bounded by the deadline (#txOnce)
    if (tx) return { query: (text, params) => savepoint(tx, () => tx.query(text, params)) };
    const c = this.#conn;
    if (c.kind === 'pool') return { query: (text, params) => this.#pooled(c.pool, ctx, text, params) };
    // in the process, on the event loop: no cancel can run while it works, and none is needed after
    if (c.kind === 'pglite') return c.db;
    return { query: (text, params) => this.#single(c.db, ctx, text, params) };
  }

  /**
   * One statement of `ctx`'s request on a pooled connection of its own, under the
   * statement_timeout of the time the request has left. At the deadline, or when its client
   * goes away, the request stops waiting, the statement is cancelled and the connection
   * destroyed (store/postgres/deadline.ts); pg.Pool's `query` would return it to the pool with
   * the statement still out, and a connection that went silent would never come back. Without
   * `serverBound` the session's statement_timeout is left as it is (the store's own short
   * liveness check, which would otherwise reset it on the connection the next request takes).
   */
  async #pooled(pool: { connect(): Promise<SqlClient> }, ctx: StoreContext, text: string, params?: unknown[], serverBound = true): Promise<SqlResult> {
    // one bound for the wait for a connection and the statement (each bound costs a timer and a listener)
    let client: SqlClient | undefined;
    let release: ((destroy: boolean) => void) | undefined;
    let late = false;
    const work = (async () => {
      const c = await pool.connect().catch((e: unknown) => Promise.reject(scimErrorOf(e) ?? e));
      client = c;
      const letGo = releaser(c);
      release = letGo;
      // it came too late: straight back, nothing was sent on it (and no one waits for this any more)
      if (late) {
        letGo(false);
        throw ScimError.unavailable('No database connection was free in time; try again', 1);
      }
      const timeout = serverBound ? statementTimeoutFor(c, ctx.deadline) : undefined;
      // watched while out: a statement on a connection that went dead is given up (store/postgres/liveness.ts)
      return this.#watch.watch(
        (c as { processID?: unknown }).processID,
        () => (timeout === undefined ? c.query(text, params) : c.query(timeout).then(() => c.query(text, params))),
        () => {
          cancelStatement(c);
          letGo(true);
        },
      );
    })();
    try {
      const out = await byDeadline(ctx, work, () => {
        late = true;
        if (!client) return;
        cancelStatement(client);
        release?.(true);
      });
      release?.(false);
      return out;
    } catch (e) {
      // a connection that failed, or whose statement a query_timeout gave up on, is not handed
      // on; that statement is cancelled on the server too
      if (client && statementStillOut(e)) cancelStatement(client);
      release?.(isUnavailable(e));
      throw e;
    }
  }

  /**
   * One statement of `ctx`'s request on the one connection, after any transaction on it, under
   * the statement_timeout of the time the request has left. At the deadline the request stops
   * waiting and, when its statement is the one running, it is cancelled; the connection is the
   * host's, so it stays, and the next statement waits for this one to end.
   */
  #single(db: SqlQueryable, ctx: StoreContext, text: string, params?: unknown[]): Promise<SqlResult> {
    let running = false;
    const work = this.#serial.run(async () => {
      running = true;
      try {
        const timeout = statementTimeoutFor(db, ctx.deadline);
        if (timeout !== undefined) await db.query(timeout);
        return await db.query(text, params);
      } finally {
        running = false;
      }
    });
    return byDeadline(ctx, work, () => {
      if (running) cancelStatement(db);
    });
  }

  /** The database outside any transaction. */
  get #baseDb(): SqlQueryable {
    const c = this.#conn;
    if (c.kind === 'pool') return c.pool;
    if (c.kind === 'pglite') return c.db;
    const db = c.db;
    // one connection: a statement waits for any transaction on it to finish
    return { query: (text, params) => this.#serial.run(() => db.query(text, params)) };
  }

  /**
   * Applies the shipped migrations that have not run yet, and says which it applied.
   * Idempotent and safe from several instances at once (an advisory lock serialises them);
   * each migration's script runs whole in a transaction, and index builds on tables that may
   * be large run `CONCURRENTLY`, so instances of the previous version keep serving meanwhile.
   */
  async migrate(): Promise<MigrationReport> {
    return this.#session(async (q, script) => {
      const report: MigrationReport = { applied: [], current: 0 };
      // waited for by polling, not by pg_advisory_lock: a session blocked in that statement is
      // a transaction that CREATE INDEX CONCURRENTLY of the instance holding the lock waits for
      // (a deadlock between two instances starting at once)
      while (!(await q.query('SELECT pg_try_advisory_lock(7366229) AS ok')).rows[0]?.ok) await new Promise((r) => setTimeout(r, 100));
      try {
        // created only when missing: a role without CREATE on the database can use a schema made for it
        const schema = this.#t.schema;
        if (schema !== undefined && !(await q.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length)
          await q.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
        await q.query(
          `CREATE TABLE IF NOT EXISTS ${this.#t.migrations} (id integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`,
        );
        const done = new Set((await q.query(`SELECT id FROM ${this.#t.migrations}`)).rows.map((r) => Number(r.id)));
        for (const m of migrationsIn(this.#t)) {
          if (done.has(m.id)) continue;
          const t0 = Date.now();
          for (const step of stepsOf(m)) {
            if ('concurrently' in step) await buildIndex(q, this.#t, step.concurrently);
            else if ('run' in step) await step.run(q);
            else {
              await q.query('BEGIN');
              try {
                await script(step.sql);
                await q.query('COMMIT');
              } catch (e) {
                await q.query('ROLLBACK').catch(() => undefined);
                throw e;
              }
            }
          }
          await q.query(`INSERT INTO ${this.#t.migrations} (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [m.id, m.name]);
          report.applied.push({ id: m.id, name: m.name, ms: Date.now() - t0 });
        }
        report.current = Math.max(0, ...done, ...report.applied.map((a) => a.id));
        // rows an instance of an earlier version wrote since (a rolling upgrade): folded now
        if (report.current >= FOLDED_SINCE) await refold(q, this.#t);
      } finally {
        await q.query('SELECT pg_advisory_unlock(7366229)').catch(() => undefined);
      }
      return report;
    });
  }

  /**
   * Runs `fn` on one connection of its own, with a way to run a whole script on it (several
   * statements: the simple query protocol of pg, `exec` of PGlite), with no statement_timeout
   * or query_timeout of the pool's: an index build takes as long as the table needs.
   */
  async #session<T>(fn: (q: SqlQueryable, script: (sql: string) => Promise<unknown>) => Promise<T>): Promise<T> {
    const c = this.#conn;
    if (c.kind === 'pool') {
      const client = await c.pool.connect();
      const release = releaser(client);
      try {
        return await withoutTimeouts(client, (q) => fn(q, (sql) => q.query(sql)));
      } finally {
        release(false);
      }
    }
    if (c.kind === 'pglite') {
      const db = c.db as SqlPool & { exec?(sql: string): Promise<unknown> };
      return fn(db, (sql) => (db.exec ? db.exec(sql) : db.query(sql)));
    }
    const db = c.db;
    return this.#serial.run(() => withoutTimeouts(db, (q) => fn(q, (sql) => q.query(sql))));
  }

  async #tx<T>(fn: (q: SqlQueryable) => Promise<T>, ctx?: StoreContext): Promise<T> {
    // inside transaction(): its connection, its transaction
    const outer = this.#inTx.getStore();
    if (outer) return savepoint(outer, () => fn(translatingErrors(outer, true)));
    // a serialization failure or a deadlock: the whole transaction runs again (bounded)
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#txOnce(fn, ctx);
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && RETRYABLE_SQLSTATES.has(code) && attempt < TX_ATTEMPTS) continue;
        throw scimErrorOf(e) ?? e;
      }
    }
  }

  async #txOnce<T>(fn: (q: SqlQueryable) => Promise<T>, ctx?: StoreContext): Promise<T> {
    const c = this.#conn;
    let broken = false;
    const deadline = ctx?.deadline;
    const run = async (raw: SqlQueryable, release?: (destroy: boolean) => void) => {
      // serialization failures and deadlocks stay as they are: #tx runs the transaction again
      const q = translatingErrors(raw, true);
      try {
        // bounded by the request's deadline: no statement runs, and no lock is waited for, past
        // it (one round trip with BEGIN: a simple query of three statements, no parameters)
        const left = msLeft(deadline);
        await q.query(left === undefined || c.kind === 'pglite' ? 'BEGIN' : `BEGIN; SET LOCAL statement_timeout = ${left}; SET LOCAL lock_timeout = ${left}`);
        const out = await this.#inTx.run(raw, () => fn(q));
        // a request past its deadline (or whose client left) has been answered 503: commit nothing
        refuseLate(ctx);
        await q.query('COMMIT');
        return out;
      } catch (e) {
        if (statementStillOut(e)) cancelStatement(raw);
        broken = c.kind === 'pool' && (isUnavailable(e) || (e instanceof ScimError && e.status === 503 && !pastDeadline(ctx)));
        // a pooled connection that failed is destroyed below (the server ends its transaction); any other is rolled back
        if (!broken) await raw.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        // a connection that failed is not handed to the next request
        release?.(broken);
      }
    };
    // at the deadline, or when the client goes away, the request stops waiting for the
    // transaction: its statement is cancelled and a pooled connection destroyed (the server
    // rolls back what did not commit), so neither the tenant's slot nor the connection is held
    // by a statement or a network that does not answer (store/postgres/deadline.ts)
    if (c.kind === 'pool') {
      const client = await connectBy(c.pool, ctx);
      const release = releaser(client);
      const giveUp = () => {
        cancelStatement(client);
        release(true);
      };
      // each statement watched while it is out (store/postgres/liveness.ts), not the transaction:
      // between statements it may wait on the host's code, idle in its transaction
      const pid = (client as { processID?: unknown }).processID;
      const watched: SqlQueryable = { query: (text, params) => this.#watch.watch(pid, () => client.query(text, params), giveUp) };
      return byDeadline(ctx, run(watched, release), giveUp);
    }
    if (c.kind === 'pglite') return c.db.transaction!((tx) => this.#inTx.run(tx, () => fn(translatingErrors(tx, true))));
    const db = c.db;
    // the host's one connection stays: its statement is cancelled, and the transaction rolls back before the next job
    let running = false;
    const job = this.#serial.run(async () => {
      running = true;
      try {
        return await run(db);
      } finally {
        running = false;
      }
    });
    return byDeadline(ctx, job, () => {
      if (running) cancelStatement(db);
    });
  }

  /**
   * Runs `fn` in one database transaction: every store call it makes (in its async
   * context) uses that transaction, so its writes commit together or not at all. Bulk
   * runs each operation in one.
   */
  async transaction<T>(ctx: StoreContext, fn: () => Promise<T>): Promise<T> {
    return this.#tx(() => fn(), ctx);
  }

  /**
   * Runs a write: in a transaction when it records events (they commit with it, or not at
   * all), else on the database directly (one statement, no transaction round trips).
   */
  #writing<T>(ctx: StoreContext, options: WriteOptions, fn: (q: SqlQueryable) => Promise<T>): Promise<T> {
    refuseLate(ctx);
    return options.events ? this.#tx(fn, ctx) : fn(this.#db(ctx));
  }

  /** Records the events of a write's outcome on its transaction `q`: the write's last statement. */
  async #record(q: SqlQueryable, ctx: StoreContext, options: WriteOptions, outcome: WriteOutcome): Promise<void> {
    if (options.events) await recordEvents(q, ctx, options.events(outcome), options.eventsDelivered ?? false, this.#t);
  }

  #columns(type: ResourceType, doc: ScimResource): [string | null, string | null, string | null] {
    const s = (v: unknown) => (typeof v === 'string' ? v : null);
    const userName = type.coreAttribute('userName') ? s(doc.userName) : null;
    const displayName = type.coreAttribute('displayName') ? s(doc.displayName) : null;
    // folded by the core's rule (folded.ts), never by SQL lower()
    return [foldedText(userName), s(doc.externalId), foldedText(displayName)];
  }

  /** The unique keys a document claims: attribute names and their keys (schema/identity.ts uniqueKey). */
  #uniqueKeys(type: ResourceType, doc: ScimResource): { attrs: string[]; values: string[] } {
    const attrs: string[] = [];
    const values: string[] = [];
    for (const attr of type.uniqueAttributes) {
      const def = type.coreAttribute(attr);
      const k = def && uniqueKey(def, doc[attr]);
      if (k === undefined) continue;
      attrs.push(attr);
      values.push(k);
    }
    return { attrs, values };
  }

  /** After a unique violation: which of the document's keys is taken, as the SCIM error to answer with. */
  async #uniquenessError(
    ctx: StoreContext,
    type: ResourceType,
    doc: ScimResource,
    keys: { attrs: string[]; values: string[] },
  ): Promise<ScimError | undefined> {
    const taken = new Set(
      (
        await this.#db(ctx).query(
          `SELECT attr FROM ${this.#t.unique} WHERE tenant = $1 AND type = $2 AND (attr, value) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
          [ctx.tenant, type.name, keys.attrs, keys.values],
        )
      ).rows.map((r) => r.attr as string),
    );
    const attr = keys.attrs.find((a) => taken.has(a));
    return attr === undefined ? undefined : takenError(attr, doc);
  }

  async #claimUnique(q: SqlQueryable, ctx: StoreContext, type: ResourceType, id: string, doc: ScimResource): Promise<void> {
    await q.query(`DELETE FROM ${this.#t.unique} WHERE tenant = $1 AND type = $2 AND id = $3`, [ctx.tenant, type.name, id]);
    const { attrs, values } = this.#uniqueKeys(type, doc);
    for (let i = 0; i < attrs.length; i++) {
      try {
        await q.query(`INSERT INTO ${this.#t.unique} (tenant, type, attr, value, id) VALUES ($1, $2, $3, $4, $5)`, [
          ctx.tenant,
          type.name,
          attrs[i],
          values[i],
          id,
        ]);
      } catch (e) {
        if (pgError(e).code === '23505') throw takenError(attrs[i]!, doc);
        throw e;
      }
    }
  }

  async #membersOf(q: SqlQueryable, ctx: StoreContext, groupIds: string[]): Promise<Map<string, Member[]>> {
    const out = new Map<string, Member[]>();
    if (!groupIds.length) return out;
    const rows = (
      await q.query(`SELECT group_id, member_id, member FROM ${this.#t.members} WHERE tenant = $1 AND group_id = ANY($2) ORDER BY seq`, [ctx.tenant, groupIds])
    ).rows;
    for (const r of rows) {
      const list = out.get(r.group_id as string) ?? [];
      list.push({ ...(r.member as object), value: r.member_id as string } as Member);
      out.set(r.group_id as string, list);
    }
    return out;
  }

  /** A derived `groups` attribute is asked for by type: users have one, groups do not. */
  #hasGroups(type: ResourceType): boolean {
    return type.coreAttribute('groups')?.mutability === 'readOnly';
  }

  async #groupsOf(q: SqlQueryable, ctx: StoreContext, memberIds: string[]): Promise<Map<string, GroupPairs>> {
    const out = new Map<string, GroupPairs>();
    if (!memberIds.length) return out;
    const rows = (
      await q.query(
        `SELECT m.member_id, ${GROUP_PAIRS} AS groups FROM ${this.#t.members} m LEFT JOIN ${this.#t.resources} g ON g.tenant = m.tenant AND g.id = m.group_id
         WHERE m.tenant = $1 AND m.member_id = ANY($2) GROUP BY m.member_id`,
        [ctx.tenant, memberIds],
      )
    ).rows;
    for (const r of rows) out.set(r.member_id as string, r.groups as GroupPairs);
    return out;
  }

  async #materialise(q: SqlQueryable, ctx: StoreContext, type: ResourceType, rows: Row[], withMembers: boolean): Promise<ScimResource[]> {
    const ids = rows.map((r) => r.id);
    const members = withMembers && type.coreAttribute('members') ? await this.#membersOf(q, ctx, ids) : undefined;
    // a row read by get() brings its groups along; a page asks for them in one query
    const groups = this.#hasGroups(type) && rows.some((r) => r.groups === undefined) ? await this.#groupsOf(q, ctx, ids) : undefined;
    return rows.map((r) => {
      const doc: ScimResource = { ...r.doc };
      const m = members?.get(r.id);
      if (m?.length) doc.members = m;
      const g = r.groups ?? groups?.get(r.id);
      if (g?.length) doc.groups = g.map(([value, display]) => (display === null ? { value, type: 'direct' } : { value, display, type: 'direct' }));
      return doc;
    });
  }

  /** One resource, in one query (with a user's groups). */
  async get(ctx: StoreContext, type: ResourceType, id: string, options: GetOptions = {}): Promise<ScimResource | undefined> {
    // locked for the caller's transaction: FOR NO KEY UPDATE, as an update locks it
    return this.#read(this.#db(ctx), ctx, type, id, options.members ?? true, options.forUpdate === true && this.#inTx.getStore() !== undefined);
  }

  /** {@link get} on `q` (a write's transaction sees its own changes). */
  async #read(q: SqlQueryable, ctx: StoreContext, type: ResourceType, id: string, members: boolean, lock = false): Promise<ScimResource | undefined> {
    const groups = this.#hasGroups(type) ? `, ${groupsOfR(this.#t)}` : '';
    const rows = (
      await q.query(
        `SELECT r.id, r.doc, r.version${groups} FROM ${this.#t.resources} r WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3${lock ? ' FOR NO KEY UPDATE OF r' : ''}`,
        [ctx.tenant, type.name, id],
      )
    ).rows as Row[];
    if (!rows.length) return undefined;
    return (await this.#materialise(q, ctx, type, rows, members))[0];
  }

  /** The SQL of a search's WHERE clause and parameters. */
  where(ctx: StoreContext, type: ResourceType, filter: Filter | undefined, p: Params): string {
    const tenant = p.add(ctx.tenant);
    const base = `r.tenant = ${tenant} AND r.type = ${p.add(type.name)}`;
    return filter ? `${base} AND ${filterToSql(filter, type, p, tenant)}` : base;
  }

  /** A page, filtered and sorted in SQL, with the exact total; by keyset after `q.after`, else by offset. */
  async search(ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
    const p = new Params(this.#t);
    if (q.unknownAttributes) p.unknownAttributes = q.unknownAttributes;
    const where = this.where(ctx, type, q.filter, p);
    const count = async () =>
      Number(
        (await this.#db(ctx).query(`SELECT count(*)::int AS n FROM ${this.#t.resources} r WHERE ${where}`, p.values.slice(0, whereParams))).rows[0]?.n ?? 0,
      );
    const whereParams = p.values.length;
    if (q.count <= 0) return { resources: [], totalResults: await count() };
    const desc = q.sort?.order === 'descending';
    const key = q.sort ? sortKey(q.sort.path, type) : undefined;
    const order = q.sort ? sortToSql(q.sort.path, type, desc) : 'r.seq';
    let keyset = '';
    if (q.after !== undefined) {
      let pos: unknown;
      try {
        pos = JSON.parse(q.after);
      } catch {
        pos = undefined;
      }
      if (!Array.isArray(pos) || (key ? pos.length !== 2 || typeof pos[1] !== 'string' : typeof pos[0] !== 'string'))
        throw ScimError.invalidCursor('The cursor is not valid');
      keyset = key ? ` AND ${keysetToSql(key, desc, pos as [unknown, string], p)}` : ` AND r.seq > ${p.add(pos[0])}::bigint`;
    }
    const limit = p.add(q.count);
    const offset = q.after === undefined ? ` OFFSET ${p.add(Math.max(q.startIndex, 1) - 1)}` : '';
    const rows = (
      await this.#db(ctx).query(
        `SELECT r.id, r.doc, r.version, r.seq::text AS seq, ${key ? `${key.expr} AS sort_key, ` : ''}count(*) OVER ()::int AS total
         FROM ${this.#t.resources} r WHERE ${where}${keyset} ORDER BY ${order} LIMIT ${limit}${offset}`,
        p.values,
      )
    ).rows as (Row & { total: number; seq: string; sort_key?: unknown })[];
    // with a keyset the window count covers only the rows after it, and an empty page past the
    // end has no row to carry it: those totals are counted apart. An empty first page is a total
    // of 0 without asking again (the miss of an IdP's look-up before a create).
    const firstPage = q.after === undefined && q.startIndex <= 1;
    const total = q.after === undefined && rows[0] ? Number(rows[0].total) : firstPage ? 0 : await count();
    const last = rows[rows.length - 1];
    const result: SearchResult = { resources: await this.#materialise(this.#db(ctx), ctx, type, rows, q.members), totalResults: total };
    if (last) result.next = JSON.stringify(key ? [last.sort_key instanceof Date ? last.sort_key.toISOString() : (last.sort_key ?? null), last.id] : [last.seq]);
    return result;
  }

  #split(resource: ScimResource): { doc: ScimResource; members: Member[] | undefined } {
    const doc: ScimResource = { ...resource };
    const members = doc.members as Member[] | undefined;
    delete doc.members;
    delete doc.groups;
    delete doc.password;
    return { doc, members };
  }

  /**
   * Inserts member rows for ids (each stored as the type of what it names); returns the ids
   * that joined. The foreign key on (tenant, member_id) refuses ids that name nothing, and
   * its check locks each named row, so a concurrent delete of it waits or makes this fail.
   */
  async #insertMembers(q: SqlQueryable, ctx: StoreContext, groupId: string, ids: readonly string[]): Promise<string[]> {
    if (!ids.length) return [];
    const r = await this.#membersChecked(ids, () =>
      q.query(
        `INSERT INTO ${this.#t.members} (tenant, group_id, member_id, member)
         SELECT $1, $2, t.id, ${memberType(this.#t.resources, '$1')} FROM unnest($3::text[]) WITH ORDINALITY AS t(id, ord) ORDER BY t.ord
         ON CONFLICT DO NOTHING RETURNING member_id`,
        [ctx.tenant, groupId, ids],
      ),
    );
    return r.rows.map((row) => row.member_id as string);
  }

  /**
   * Runs a statement that writes member rows; a foreign key violation becomes the 400 naming
   * the unknown id PostgreSQL reports (read from the error: the transaction may be aborted).
   */
  async #membersChecked<T>(ids: readonly string[], run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (pgError(e).code !== FOREIGN_KEY_VIOLATION) throw e;
      const named = /=\([^,]*, (.*)\) is not present/.exec(pgError(e).detail ?? '')?.[1];
      throw unknownMembersError(named !== undefined && ids.includes(named) ? [named] : [...ids]);
    }
  }

  /**
   * Stores a new resource in one statement: its unique keys, its row and its member rows
   * commit together without a transaction round trip (the initial sync of a large tenant is
   * thousands of these in a row).
   */
  async create(ctx: StoreContext, type: ResourceType, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    const { doc, members } = this.#split(resource);
    const now = new Date().toISOString();
    doc.meta = metaOf(type, now, now, 1);
    const keys = this.#uniqueKeys(type, doc);
    // the member rows as stored: first occurrence of each id wins, as ON CONFLICT DO NOTHING keeps it
    const ids = type.coreAttribute('members') ? memberIdsOf(members) : [];
    refuseLate(ctx);
    for (let attempt = 0; ; attempt++) {
      const id = randomUUID();
      doc.id = id;
      // the events go into the same statement: the outcome of a create is known before it
      // runs (its id, meta and member ids), and a refused create takes them down with it;
      // only the member types are the database's, filled into the events' copy by the statement
      const drafts = options.events?.({ stored: ids.length ? { ...doc, members: ids.map((value) => ({ value })) } : doc }) ?? [];
      const typedMembers = `(SELECT coalesce(jsonb_agg(CASE WHEN m.member ? 'type' THEN jsonb_build_object('value', t.id, 'type', m.member->>'type') ELSE jsonb_build_object('value', t.id) END ORDER BY t.ord), '[]'::jsonb)
           FROM unnest($11::text[]) WITH ORDINALITY AS t(id, ord) LEFT JOIN member_rows m ON m.member_id = t.id)`;
      // the folded copy is the last parameter, after the events' when there are events
      const folded = drafts.length ? '$16' : '$12';
      const events = drafts.length
        ? `, ${eventCtes(
            { tenant: '$1', rows: '$12', count: '$13', context: '$14', state: '$15' },
            this.#t,
            `CASE WHEN jsonb_typeof(e.data->'resource'->'members') = 'array' THEN jsonb_set(e.data, '{resource,members}', ${typedMembers}) ELSE e.data END`,
          )}`
        : '';
      try {
        const r = await this.#membersChecked(ids, () =>
          this.#db(ctx).query(
            `WITH unique_keys AS (
               INSERT INTO ${this.#t.unique} (tenant, type, attr, value, id) SELECT $1, $2, k.attr, k.value, $3 FROM unnest($9::text[], $10::text[]) AS k(attr, value)
             ), member_rows AS (
               INSERT INTO ${this.#t.members} (tenant, group_id, member_id, member)
               SELECT $1, $3, t.id, ${memberType(this.#t.resources, '$1')} FROM unnest($11::text[]) WITH ORDINALITY AS t(id, ord) ORDER BY t.ord
               ON CONFLICT DO NOTHING RETURNING member_id, member
             )${events}
             INSERT INTO ${this.#t.resources} (tenant, type, id, doc, user_name_ci, external_id, display_name_ci, version, created, last_modified, doc_ci, folded_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, ${folded}, 1)
             RETURNING (SELECT jsonb_object_agg(member_id, member->>'type') FROM member_rows) AS types`,
            [
              ctx.tenant,
              type.name,
              id,
              JSON.stringify(doc),
              ...this.#columns(type, doc),
              now,
              keys.attrs,
              keys.values,
              ids,
              ...(drafts.length ? eventParams(ctx, drafts, options.eventsDelivered ?? false) : []),
              JSON.stringify(foldedDocument(doc)),
            ],
          ),
        );
        const types = (r.rows[0]?.types ?? null) as Record<string, string> | null;
        // a new id has no memberships yet, so the stored resource is what was written
        if (ids.length) doc.members = ids.map((value) => (types?.[value] ? { value, type: types[value] } : { value }));
        return doc;
      } catch (e) {
        // a deadlock with a concurrent writer of the same keys or counter row: run it again
        if (RETRYABLE_SQLSTATES.has(pgError(e).code ?? '') && attempt < 2) continue;
        if (pgError(e).code !== '23505') throw scimErrorOf(e) ?? e;
        const taken = await this.#uniquenessError(ctx, type, doc, keys);
        if (taken) throw taken;
        if (attempt >= 2) throw e;
        delete doc.members;
      }
    }
  }

  /**
   * Locks a row for a write: `FOR NO KEY UPDATE` for an update (it does not conflict with the
   * foreign key checks of member adds naming this row, so groups nested both ways do not
   * deadlock), `FOR UPDATE` for a delete (it does: a member add naming the row waits or fails).
   */
  async #lock(q: SqlQueryable, ctx: StoreContext, type: ResourceType, id: string, ifVersion: string | undefined, forDelete = false): Promise<Row> {
    const mode = forDelete ? 'FOR UPDATE' : 'FOR NO KEY UPDATE';
    const rows = (
      await q.query(`SELECT id, doc, version FROM ${this.#t.resources} WHERE tenant = $1 AND type = $2 AND id = $3 ${mode}`, [ctx.tenant, type.name, id])
    ).rows as Row[];
    const row = rows[0];
    if (!row) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 60))} not found`);
    const current = Number(row.version);
    if (ifVersion !== undefined && !isVersion(ifVersion, current))
      throw ScimError.preconditionFailed(`${type.name} ${id} is at version ${versionTag(current)}, not ${ifVersion.slice(0, 40)}`);
    return row;
  }

  async #applyDelta(q: SqlQueryable, ctx: StoreContext, groupId: string, delta: MemberDelta): Promise<AppliedMembers> {
    const ids = (rows: Record<string, unknown>[]) => rows.map((r) => r.member_id as string);
    const before = delta.removeAll
      ? new Set(ids((await q.query(`DELETE FROM ${this.#t.members} WHERE tenant = $1 AND group_id = $2 RETURNING member_id`, [ctx.tenant, groupId])).rows))
      : undefined;
    const removed = delta.removed.length
      ? ids(
          (
            await q.query(`DELETE FROM ${this.#t.members} WHERE tenant = $1 AND group_id = $2 AND member_id = ANY($3) RETURNING member_id`, [
              ctx.tenant,
              groupId,
              delta.removed,
            ])
          ).rows,
        )
      : [];
    const inserted = await this.#insertMembers(q, ctx, groupId, memberIdsOf(delta.added));
    if (!before) return { added: inserted, removed };
    // after a removeAll, the members that were not added back are the ones that left
    const now = new Set(inserted);
    const kept = new Set(memberIdsOf(delta.added));
    return { added: inserted.filter((id) => !before.has(id)), removed: [...removed, ...[...before].filter((id) => !now.has(id) && !kept.has(id))] };
  }

  /**
   * A member delta that leaves the group's attributes as stored, in one statement: lock the
   * group, remove and add member rows, and move the version only when a row really changed
   * (store/version.ts). IdPs send these in long runs (Entra ID adds members in batches of a
   * few), and they commute, so there is no version to check. Undefined when it does not
   * apply (the group is missing, or its attributes differ from `doc`).
   */
  async #deltaOnly(
    q: SqlQueryable,
    ctx: StoreContext,
    type: ResourceType,
    id: string,
    doc: ScimResource | undefined,
    delta: MemberDelta,
  ): Promise<{ resource: ScimResource; applied: AppliedMembers } | undefined> {
    const now = new Date().toISOString();
    const p = new Params(this.#t);
    const [tenant, group] = [p.add(ctx.tenant), p.add(id)];
    const stamp = `${p.add(now)}::text`;
    // only the parts the delta needs: with stale statistics (right after a large group was
    // loaded) PostgreSQL planned even an empty removal as a scan of the group's member rows
    const gone = delta.removed.length
      ? `, gone AS (DELETE FROM ${this.#t.members} m WHERE m.tenant = ${tenant} AND m.group_id = ${group} AND m.member_id = ANY(${p.add(delta.removed)}::text[])
           AND EXISTS (SELECT 1 FROM g) RETURNING m.member_id)`
      : '';
    const added = memberIdsOf(delta.added);
    const joined = added.length
      ? `, joined AS (INSERT INTO ${this.#t.members} (tenant, group_id, member_id, member)
           SELECT ${tenant}, ${group}, t.id, ${memberType(this.#t.resources, tenant)} FROM unnest(${p.add(added)}::text[]) WITH ORDINALITY AS t(id, ord)
           WHERE EXISTS (SELECT 1 FROM g) ORDER BY t.ord ON CONFLICT DO NOTHING RETURNING member_id)`
      : '';
    const changed = [gone && 'EXISTS (SELECT 1 FROM gone)', joined && 'EXISTS (SELECT 1 FROM joined)'].filter(Boolean).join(' OR ') || 'false';
    const rows = (
      await this.#membersChecked(added, () =>
        q.query(
          `WITH g AS (
             SELECT r.tenant, r.type, r.id, r.doc FROM ${this.#t.resources} r
             WHERE r.tenant = ${tenant} AND r.type = ${p.add(type.name)} AND r.id = ${group}${doc ? ` AND (r.doc - 'meta') = (${p.add(JSON.stringify(doc))}::jsonb - 'meta')` : ''}
             FOR NO KEY UPDATE
           )${gone}${joined}, bumped AS (
             UPDATE ${this.#t.resources} r SET version = r.version + 1, last_modified = ${stamp}::timestamptz,
               doc = ${nextDoc(stamp)}, folded_version = ${NEXT_FOLDED_VERSION}
             FROM g WHERE r.tenant = g.tenant AND r.type = g.type AND r.id = g.id AND (${changed})
             RETURNING r.doc
           )
           SELECT coalesce((SELECT doc FROM bumped), g.doc) AS doc, ${gone ? 'ARRAY(SELECT member_id FROM gone)' : "'{}'::text[]"} AS removed,
             ${joined ? 'ARRAY(SELECT member_id FROM joined)' : "'{}'::text[]"} AS added FROM g`,
          p.values,
        ),
      )
    ).rows;
    const row = rows[0];
    if (!row) return undefined;
    return { resource: row.doc as ScimResource, applied: { added: row.added as string[], removed: row.removed as string[] } };
  }

  /**
   * An update at a known version that keeps the unique keys and the members, in one
   * statement (an IdP's PATCH of a title or of `active`). The version check and the key
   * comparison are in the WHERE clause, so a concurrent writer makes it match nothing; a
   * document equal to the stored one keeps its version (store/version.ts).
   * Undefined when it does not apply: the transaction path then answers (404, 412, new keys).
   */
  async #attributesOnly(
    q: SqlQueryable,
    ctx: StoreContext,
    type: ResourceType,
    id: string,
    doc: ScimResource,
    version: number,
  ): Promise<ScimResource | undefined> {
    const now = new Date().toISOString();
    const keys = this.#uniqueKeys(type, doc);
    const groups = this.#hasGroups(type) ? `, ${groupsOfR(this.#t)}` : '';
    const same = `(r.doc - 'meta') = ($4::jsonb - 'meta')`;
    // $8 is text at every use (see nextDoc): typed timestamptz, its ::text would not be xsd:dateTime
    const rows = (
      await q.query(
        `UPDATE ${this.#t.resources} r SET version = CASE WHEN ${same} THEN r.version ELSE r.version + 1 END,
           last_modified = CASE WHEN ${same} THEN r.last_modified ELSE $8::text::timestamptz END, user_name_ci = $5, external_id = $6, display_name_ci = $7,
           doc_ci = $11, folded_version = CASE WHEN ${same} THEN r.version ELSE r.version + 1 END,
           doc = CASE WHEN ${same} THEN r.doc ELSE jsonb_set(jsonb_set($4::jsonb, '{meta,created}', coalesce(r.doc->'meta'->'created', to_jsonb($8::text))), '{meta,version}', ${NEXT_VERSION_TAG}) END
         WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3 AND r.version = $9::bigint
           AND (SELECT coalesce(array_agg(u.attr || ':' || u.value ORDER BY u.attr || ':' || u.value COLLATE "C"), '{}') FROM ${this.#t.unique} u
                WHERE u.tenant = $1 AND u.type = $2 AND u.id = $3)
             = (SELECT coalesce(array_agg(k ORDER BY k COLLATE "C"), '{}') FROM unnest($10::text[]) k)
         RETURNING r.id, r.doc, r.version${groups}`,
        [
          ctx.tenant,
          type.name,
          id,
          JSON.stringify({ ...doc, id, meta: { resourceType: type.name, created: now, lastModified: now, version: '' } }),
          ...this.#columns(type, doc),
          now,
          version,
          keys.attrs.map((a, i) => `${a}:${keys.values[i]}`),
          JSON.stringify(foldedDocument(doc)),
        ],
      )
    ).rows as Row[];
    if (!rows.length) return undefined;
    return (await this.#materialise(q, ctx, type, rows, false))[0];
  }

  /** Replaces the attributes (and members, or applies a member delta), compare-and-swap on the version. */
  async replace(ctx: StoreContext, type: ResourceType, id: string, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    const { doc, members } = this.#split(resource);
    // the foreign key would accept it: the rule is checked here, as MemoryStore does
    if (memberIdsOf(options.members ? options.members.added : members).includes(id)) throw selfMemberError(id);
    let applied: AppliedMembers | undefined;
    const stored = await this.#writing(ctx, options, async (q) => {
      if (options.members && !options.members.removeAll && options.ifVersion === undefined && type.coreAttribute('members') && !this.#hasGroups(type)) {
        const done = await this.#deltaOnly(q, ctx, type, id, options.keepAttributes ? undefined : doc, options.members);
        if (done) {
          applied = done.applied;
          await this.#record(q, ctx, options, { stored: done.resource, applied });
          return done.resource;
        }
      }
      const known = options.ifVersion === undefined ? undefined : versionNamed(options.ifVersion);
      const keepsMembers =
        !type.coreAttribute('members') || (options.members && !options.members.removeAll && !options.members.added.length && !options.members.removed.length);
      if (known !== undefined && keepsMembers) {
        const done = await this.#attributesOnly(q, ctx, type, id, doc, known);
        if (done) {
          if (options.members) applied = { added: [], removed: [] };
          await this.#record(q, ctx, options, { stored: done, ...(applied ? { applied } : {}) });
          return done;
        }
      }
      const changed = await this.#tx(async (tq) => this.#replaceLocked(tq, ctx, type, id, doc, members, options), ctx);
      if (changed.applied) applied = changed.applied;
      // read in the write's transaction when it records events: they describe what committed
      const after = (await this.#read(options.events ? q : this.#db(ctx), ctx, type, id, options.members === undefined))!;
      await this.#record(q, ctx, options, { stored: after, ...(applied ? { applied } : {}) });
      return after;
    });
    if (applied) options.onMembersApplied?.(applied); // committed
    return stored;
  }

  /** The general replace, on a transaction `q` holding the row's lock: members, attributes, keys. */
  async #replaceLocked(
    q: SqlQueryable,
    ctx: StoreContext,
    type: ResourceType,
    id: string,
    doc: ScimResource,
    members: Member[] | undefined,
    options: WriteOptions,
  ): Promise<{ applied?: AppliedMembers }> {
    const row = await this.#lock(q, ctx, type, id, options.ifVersion);
    let applied: AppliedMembers | undefined;
    // members only: the attributes stored now stand (see WriteOptions.keepAttributes)
    if (options.keepAttributes && options.members) {
      for (const k of Object.keys(doc)) delete doc[k];
      Object.assign(doc, this.#split(row.doc).doc);
    }
    doc.id = id;
    // members first: whether they changed decides, with the attributes, whether the version moves
    let membersChanged = false;
    if (type.coreAttribute('members')) {
      const currentOrder = async () =>
        (await q.query(`SELECT member_id FROM ${this.#t.members} WHERE tenant = $1 AND group_id = $2 ORDER BY seq`, [ctx.tenant, id])).rows.map(
          (r) => r.member_id as string,
        );
      if (options.members) {
        // a replace of all members takes the request's order: the same members in another order is a change
        const before = options.members.removeAll ? await currentOrder() : undefined;
        applied = await this.#applyDelta(q, ctx, id, options.members);
        membersChanged =
          applied.added.length > 0 || applied.removed.length > 0 || (before !== undefined && !sameMemberOrder(before, memberIdsOf(options.members.added)));
      } else {
        const next = memberIdsOf(members);
        if (!sameMemberOrder(await currentOrder(), next)) {
          membersChanged = true;
          await q.query(`DELETE FROM ${this.#t.members} WHERE tenant = $1 AND group_id = $2`, [ctx.tenant, id]);
          await this.#insertMembers(q, ctx, id, next);
        }
      }
    }
    if (!membersChanged && !attributesChanged(row.doc, doc)) return applied ? { applied } : {};
    const version = Number(row.version) + 1;
    const now = new Date().toISOString();
    doc.meta = metaOf(type, row.doc.meta?.created ?? now, now, version);
    // most updates (a title, active) keep the unique keys: nothing to re-claim
    const [before, after] = [this.#uniqueKeys(type, row.doc), this.#uniqueKeys(type, doc)];
    if (JSON.stringify(before) !== JSON.stringify(after)) await this.#claimUnique(q, ctx, type, id, doc);
    await q.query(
      `UPDATE ${this.#t.resources} SET doc = $4, user_name_ci = $5, external_id = $6, display_name_ci = $7, version = $8, last_modified = $9,
         doc_ci = $10, folded_version = $8
       WHERE tenant = $1 AND type = $2 AND id = $3`,
      [ctx.tenant, type.name, id, JSON.stringify(doc), ...this.#columns(type, doc), version, now, JSON.stringify(foldedDocument(doc))],
    );
    return applied ? { applied } : {};
  }

  /**
   * Deletes a resource, its unique keys and every membership it takes part in; each group it
   * leaves gets a new version. Lock order: the groups it is in, then the resource (a member
   * add locks its group, then the member through the foreign key), so the two never deadlock
   * and an add racing the delete either lands before it (and is removed) or fails.
   */
  async delete(ctx: StoreContext, type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    const left: GroupRef[] = [];
    await this.#tx(async (q) => {
      // a transaction that runs again starts from nothing
      left.length = 0;
      await q.query(
        `SELECT 1 FROM ${this.#t.resources} g WHERE g.tenant = $1 AND g.id IN (SELECT group_id FROM ${this.#t.members} WHERE tenant = $1 AND member_id = $2)
         ORDER BY g.id FOR NO KEY UPDATE OF g`,
        [ctx.tenant, id],
      );
      await this.#lock(q, ctx, type, id, options.ifVersion, true);
      const now = new Date().toISOString();
      const groups = (
        await q.query(
          `WITH gone AS (DELETE FROM ${this.#t.members} WHERE tenant = $1 AND member_id = $2 RETURNING group_id)
           UPDATE ${this.#t.resources} r SET version = r.version + 1, last_modified = $3::text::timestamptz,
             doc = ${nextDoc('$3::text')}, folded_version = ${NEXT_FOLDED_VERSION}
           WHERE r.tenant = $1 AND r.id IN (SELECT group_id FROM gone) RETURNING r.type, r.id`,
          [ctx.tenant, id, now],
        )
      ).rows;
      for (const g of groups) left.push({ type: g.type as string, id: g.id as string });
      await q.query(`DELETE FROM ${this.#t.members} WHERE tenant = $1 AND group_id = $2`, [ctx.tenant, id]);
      await q.query(`DELETE FROM ${this.#t.unique} WHERE tenant = $1 AND type = $2 AND id = $3`, [ctx.tenant, type.name, id]);
      await q.query(`DELETE FROM ${this.#t.resources} WHERE tenant = $1 AND type = $2 AND id = $3`, [ctx.tenant, type.name, id]);
      await this.#record(q, ctx, options, { groups: left });
    }, ctx);
    options.onMembershipsRemoved?.(left);
  }
}
