/**
 * How PostgresStore reaches its database, decided once from what it was given (a pool, PGlite,
 * one connection): a statement of a request on a pooled connection of its own or queued on the
 * one connection, each bounded by the request's deadline (addons/postgres/deadline.ts) and, on a
 * pool, watched while out (addons/postgres/liveness.ts); the connection of the transaction the
 * current async context runs in; a session for the migrations.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ScimError } from 'scimkit';
import type { StoreContext } from 'scimkit/store-kit';
import { byDeadline, cancelStatement, statementStillOut, statementTimeoutFor, withoutTimeouts } from './deadline.js';
import { isUnavailable, scimErrorOf, translatingErrors } from './errors.js';
import { StatementWatch } from './liveness.js';
import type { SqlClient, SqlDatabase, SqlPool, SqlQueryable, SqlResult } from './sql.js';

/** How the store reaches its database. */
export type Connection =
  | { kind: 'pool'; pool: SqlQueryable & { connect(): Promise<SqlClient> } }
  | { kind: 'pglite'; db: SqlPool }
  | { kind: 'single'; db: SqlQueryable };

/** Runs `fn` behind a savepoint of the transaction on `q`: its failure undoes only its own statements. */
export async function savepoint<T>(q: SqlQueryable, fn: () => Promise<T>): Promise<T> {
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

/**
 * A pooled client, waited for no longer than the request's deadline, nor once its client went
 * away: a pool whose connections are all busy would otherwise queue the request without bound.
 * A client that comes too late goes straight back.
 */
export function connectBy(pool: { connect(): Promise<SqlClient> }, ctx: StoreContext | undefined): Promise<SqlClient> {
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
export function releaser(client: SqlClient): (destroy: boolean) => void {
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

/** How long the check of stuck statements may take (addons/postgres/liveness.ts): it gets no answer during a fault. */
const LIVENESS_CHECK_MS = 1000;

/** A queue of work on one connection: each job runs after the previous one settles. */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(job, job);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/** The store's way to its database: what it was given, and where each statement runs. */
export class Connections {
  readonly conn: Connection;
  /** The work on the one connection, in turn (kind `single`). */
  readonly serial = new Serial();
  /** The connection of the transaction the current async context runs in (addons/postgres/transactions.ts). */
  readonly inTx = new AsyncLocalStorage<SqlQueryable>();
  #errors = 0;

  /**
   * The pooled statements out on the wire, given up when the server shows their backend idle
   * (addons/postgres/liveness.ts); it asks on a pooled connection, for at most a second.
   */
  readonly watch = new StatementWatch((text, params) => {
    const c = this.conn;
    if (c.kind !== 'pool') return Promise.reject(new Error('only pooled statements are watched'));
    return this.#pooled(c.pool, { tenant: '', requestId: 'liveness', deadline: Date.now() + LIVENESS_CHECK_MS }, text, params, false);
  });

  constructor(db: SqlDatabase) {
    const pool = db as SqlPool;
    if (typeof pool.connect === 'function' && typeof pool.totalCount === 'number')
      this.conn = { kind: 'pool', pool: pool as SqlQueryable & { connect(): Promise<SqlClient> } };
    else if (typeof pool.transaction === 'function') this.conn = { kind: 'pglite', db: pool };
    else this.conn = { kind: 'single', db };
    // An idle pooled connection that the server ends (a restart, a failover) is reported as an
    // 'error' event; with no listener Node ends the process. The pool drops that connection and
    // opens another when asked: nothing else to do, so the store listens and counts.
    const emitter = db as { on?: (event: string, listener: (e: unknown) => void) => unknown };
    if (typeof emitter.on === 'function' && this.conn.kind !== 'pglite')
      emitter.on('error', () => {
        this.#errors++;
      });
  }

  /** How many idle-connection errors the database reported (the pool replaced those connections). */
  get errors(): number {
    return this.#errors;
  }

  /** Whether the current async context runs in a transaction of the store's. */
  get inTransaction(): boolean {
    return this.inTx.getStore() !== undefined;
  }

  /**
   * Where a statement of `ctx`'s request outside a transaction of the store's own runs: the
   * current transaction's connection, else the database, until the request's deadline
   * (addons/postgres/deadline.ts).
   */
  db(ctx: StoreContext): SqlQueryable {
    return translatingErrors(this.#plainDb(ctx), this.inTransaction);
  }

  #plainDb(ctx: StoreContext): SqlQueryable {
    const tx = this.inTx.getStore();
    // inside transaction(): each statement behind a savepoint, so a refused one (a taken
    // userName, an unknown member) fails alone and the transaction goes on to answer it; the
    // transaction as a whole is bounded by the deadline (transactions.ts)
    if (tx) return { query: (text, params) => savepoint(tx, () => tx.query(text, params)) };
    const c = this.conn;
    if (c.kind === 'pool') return { query: (text, params) => this.#pooled(c.pool, ctx, text, params) };
    // in the process, on the event loop: no cancel can run while it works, and none is needed after
    if (c.kind === 'pglite') return c.db;
    return { query: (text, params) => this.#single(c.db, ctx, text, params) };
  }

  /**
   * One statement of `ctx`'s request on a pooled connection of its own, under the
   * statement_timeout of the time the request has left. At the deadline, or when its client
   * goes away, the request stops waiting, the statement is cancelled and the connection
   * destroyed (addons/postgres/deadline.ts); pg.Pool's `query` would return it to the pool with
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
      // watched while out: a statement on a connection that went dead is given up (addons/postgres/liveness.ts)
      return this.watch.watch(
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
    const work = this.serial.run(async () => {
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
  get base(): SqlQueryable {
    const c = this.conn;
    if (c.kind === 'pool') return c.pool;
    if (c.kind === 'pglite') return c.db;
    const db = c.db;
    // one connection: a statement waits for any transaction on it to finish
    return { query: (text, params) => this.serial.run(() => db.query(text, params)) };
  }

  /**
   * Runs `fn` on one connection of its own, with a way to run a whole script on it (several
   * statements: the simple query protocol of pg, `exec` of PGlite), with no statement_timeout
   * or query_timeout of the pool's: an index build takes as long as the table needs.
   */
  async session<T>(fn: (q: SqlQueryable, script: (sql: string) => Promise<unknown>) => Promise<T>): Promise<T> {
    const c = this.conn;
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
    return this.serial.run(() => withoutTimeouts(db, (q) => fn(q, (sql) => q.query(sql))));
  }
}
