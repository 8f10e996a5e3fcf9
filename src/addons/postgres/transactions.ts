/**
 * PostgresStore's transactions: one per write that needs more than one statement, and the
 * host's (`transaction()`, Bulk's operations), bounded by the request's deadline
 * (addons/postgres/deadline.ts) and run again, a bounded number of times, after a
 * serialization failure or a deadlock. Inside a transaction, a nested one is a savepoint.
 * @module
 */

import { ScimError } from 'scimkit';
import { pastDeadline, refuseLate, type StoreContext } from 'scimkit/store-kit';
import { type Connections, connectBy, releaser, savepoint } from './connections.js';
import { byDeadline, cancelStatement, msLeft, statementStillOut } from './deadline.js';
import { isUnavailable, RETRYABLE_SQLSTATES, scimErrorOf, translatingErrors } from './errors.js';
import type { SqlQueryable } from './sql.js';

/** Attempts of a transaction that failed to serialize or deadlocked. */
const TX_ATTEMPTS = 3;

/**
 * Runs `fn` in a transaction on `c` (a savepoint of the current one, when there is one):
 * it commits when `fn` resolves, rolls back when it throws.
 */
export async function inTransaction<T>(c: Connections, fn: (q: SqlQueryable) => Promise<T>, ctx?: StoreContext): Promise<T> {
  // inside transaction(): its connection, its transaction
  const outer = c.inTx.getStore();
  if (outer) return savepoint(outer, () => fn(translatingErrors(outer, true)));
  // a serialization failure or a deadlock: the whole transaction runs again (bounded)
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(c, fn, ctx);
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && RETRYABLE_SQLSTATES.has(code) && attempt < TX_ATTEMPTS) continue;
      throw scimErrorOf(e) ?? e;
    }
  }
}

/** One attempt of {@link inTransaction}. */
async function once<T>(connections: Connections, fn: (q: SqlQueryable) => Promise<T>, ctx?: StoreContext): Promise<T> {
  const c = connections.conn;
  let broken = false;
  const deadline = ctx?.deadline;
  const run = async (raw: SqlQueryable, release?: (destroy: boolean) => void) => {
    // serialization failures and deadlocks stay as they are: inTransaction runs the transaction again
    const q = translatingErrors(raw, true);
    try {
      // bounded by the request's deadline: no statement runs, and no lock is waited for, past
      // it (one round trip with BEGIN: a simple query of three statements, no parameters)
      const left = msLeft(deadline);
      await q.query(left === undefined || c.kind === 'pglite' ? 'BEGIN' : `BEGIN; SET LOCAL statement_timeout = ${left}; SET LOCAL lock_timeout = ${left}`);
      const out = await connections.inTx.run(raw, () => fn(q));
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
  // by a statement or a network that does not answer (addons/postgres/deadline.ts)
  if (c.kind === 'pool') {
    const client = await connectBy(c.pool, ctx);
    const release = releaser(client);
    const giveUp = () => {
      cancelStatement(client);
      release(true);
    };
    // each statement watched while it is out (addons/postgres/liveness.ts), not the transaction:
    // between statements it may wait on the host's code, idle in its transaction
    const pid = (client as { processID?: unknown }).processID;
    const watched: SqlQueryable = { query: (text, params) => connections.watch.watch(pid, () => client.query(text, params), giveUp) };
    return byDeadline(ctx, run(watched, release), giveUp);
  }
  if (c.kind === 'pglite') return c.db.transaction!((tx) => connections.inTx.run(tx, () => fn(translatingErrors(tx, true))));
  const db = c.db;
  // the host's one connection stays: its statement is cancelled, and the transaction rolls back before the next job
  let running = false;
  const job = connections.serial.run(async () => {
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
