/**
 * A request's statements end at its deadline, whatever the database or the network does
 * (docs/stores.md, "Deadlines, and the pool"). Three parts, because no one of them holds alone:
 * - the client side: at the deadline, or when the client goes away, the store stops waiting
 *   (the request's concurrency slot is free), and a pooled connection with a statement still
 *   out is destroyed, not returned to the pool (on a silent network fault it would never
 *   answer again, and the next request would wait on it);
 * - a cancel: PostgreSQL's CancelRequest for the statement, on a connection of its own, so the
 *   server stops working for an answer nobody waits for (a closed connection is noticed by the
 *   server only when it next writes to it);
 * - the server side: `statement_timeout` from the time the request has left, for when no
 *   cancel can reach the server.
 * A statement stuck on a connection that died silently is given up sooner, when the server
 * shows it is not running it (addons/postgres/liveness.ts). PGlite runs in the process, on the
 * event loop: nothing here applies to it.
 * @module
 */
import { connect } from 'node:net';
import { ScimError } from 'scimkit';
import type { StoreContext } from 'scimkit/store-kit';
import type { SqlQueryable, SqlResult } from './sql.js';

/** The detail of the 503 of work past its deadline: the words the server's own deadline answers with. */
const OUT_OF_TIME = 'The request ran out of time; try again';

/**
 * `work`, or a 503 (Retry-After 1, `detail`) when `ctx`'s deadline passes or its signal aborts
 * (the client went away) first; then `abandon` runs, once, to let go of what the work holds.
 * Without a deadline or a signal, `work` as it is.
 */
export function byDeadline<T>(ctx: StoreContext | undefined, work: Promise<T>, abandon: () => void, detail = OUT_OF_TIME): Promise<T> {
  const deadline = ctx?.deadline;
  // read once: the server makes the signal on first use
  const signal = ctx?.signal;
  if (deadline === undefined && signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', late);
    };
    function late() {
      if (settled) return;
      done();
      reject(ScimError.unavailable(detail, 1));
      try {
        abandon();
      } catch {
        // letting go is best effort: the answer is the 503 either way
      }
    }
    if (signal?.aborted || (deadline !== undefined && !(Date.now() < deadline))) {
      // the work was started: it is let go of as at the deadline
      work.catch(() => undefined);
      late();
      return;
    }
    if (deadline !== undefined) {
      timer = setTimeout(late, Math.min(0x7fffffff, deadline - Date.now()));
      // a statement in flight keeps the process alive by its socket, not by this timer
      timer.unref();
    }
    signal?.addEventListener('abort', late, { once: true });
    work.then(
      (v) => {
        if (settled) return;
        done();
        resolve(v);
      },
      (e: unknown) => {
        if (settled) return;
        done();
        reject(e);
      },
    );
  });
}

/** PostgreSQL's CancelRequest code (protocol 3: 1234 in the high half, 5678 in the low). */
const CANCEL_REQUEST_CODE = 80877102;
/** How long a cancel may take to be sent before it is given up (the server's statement_timeout remains). */
const CANCEL_GIVE_UP_MS = 2000;

/** What a node-postgres client knows of its backend: its key, and where the server is. */
interface BackendKey {
  processID?: unknown;
  secretKey?: unknown;
  host?: unknown;
  port?: unknown;
}

/**
 * Asks the server to cancel what the backend of `client` (a node-postgres `Client`) is running:
 * a CancelRequest on a connection of its own, as libpq's PQcancel and pg's `cancel` send it. No
 * pool connection is used (every one may be stuck) and nothing is waited for; a client that
 * does not know its backend (another driver) is left alone.
 */
export function cancelStatement(client: unknown): void {
  const { processID, secretKey, host, port } = (client ?? {}) as BackendKey;
  if (typeof processID !== 'number' || typeof secretKey !== 'number' || typeof host !== 'string' || typeof port !== 'number') return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  // a host that is a directory is the server's Unix socket, as pg reads it
  const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
  socket.on('error', () => undefined);
  socket.setTimeout(CANCEL_GIVE_UP_MS, () => socket.destroy());
  socket.on('connect', () => socket.end(packet));
  socket.unref();
}

/**
 * Whether `e` is node-postgres giving up on a statement by its `query_timeout`: the statement
 * is still out on the connection, and the server still works on it.
 */
export function statementStillOut(e: unknown): boolean {
  return (e as { message?: unknown } | null)?.message === 'Query read timeout';
}

/**
 * The granularity of the server-side bound: the time a request has left, rounded up to it.
 * Requests mostly start with about the same time left, so a connection's setting mostly fits
 * the next request as it is, and the SET (a round trip) is rare; the bound is a backstop for a
 * cancel that cannot reach the server, so up to a second late is early enough.
 */
const TIMEOUT_STEP_MS = 1000;

/** The longest statement_timeout (and lock_timeout) PostgreSQL takes, in ms: a 32-bit integer. */
const MAX_SERVER_TIMEOUT_MS = 0x7fffffff;

/**
 * The milliseconds left until `deadline` (at least 1), or undefined when there is no deadline
 * or it is further than PostgreSQL takes as a timeout (~24.8 days): then only the client side
 * bounds the statement.
 */
export function msLeft(deadline: number | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  const left = Math.max(1, Math.floor(deadline - Date.now()));
  return left <= MAX_SERVER_TIMEOUT_MS ? left : undefined;
}

/** The statement_timeout the store left on each connection's session (absent: the connection's own default). */
const sessionTimeouts = new WeakMap<object, number>();

/**
 * The statement that gives the session of `connection` the `statement_timeout` a statement
 * due by `deadline` needs (the time left, rounded up to the second), or undefined when its
 * session has it already. A statement with no deadline (or one too far for PostgreSQL, see
 * {@link msLeft}) gets the connection's own default back.
 */
export function statementTimeoutFor(connection: object, deadline: number | undefined): string | undefined {
  const has = sessionTimeouts.get(connection);
  const left = msLeft(deadline);
  if (left === undefined) {
    if (has === undefined) return undefined;
    sessionTimeouts.delete(connection);
    return 'RESET statement_timeout';
  }
  const want = Math.min(MAX_SERVER_TIMEOUT_MS, Math.ceil(left / TIMEOUT_STEP_MS) * TIMEOUT_STEP_MS);
  if (want === has) return undefined;
  sessionTimeouts.set(connection, want);
  return `SET statement_timeout = ${want}`;
}

/** Forgets what the store set on the session of `connection` (it was reset, or set otherwise). */
export function forgetStatementTimeout(connection: object): void {
  sessionTimeouts.delete(connection);
}

/** The longest delay setTimeout keeps (~24.8 days): a query_timeout that does not fire. */
const NEVER_MS = 0x7fffffff;

/**
 * Runs `fn` on `connection` with no timeout of the pool's on its statements, for work that
 * takes as long as it takes (`migrate()`: an index build on a large table): the session's
 * statement_timeout off meanwhile, and a node-postgres client's `query_timeout` lifted per
 * statement. The session has its own setting back afterwards.
 */
export async function withoutTimeouts<T>(connection: SqlQueryable, fn: (q: SqlQueryable) => Promise<T>): Promise<T> {
  const readTimeout = (connection as { connectionParameters?: { query_timeout?: unknown } }).connectionParameters?.query_timeout;
  const query = connection.query.bind(connection) as unknown as (config: { text: string; values?: unknown[]; query_timeout: number }) => Promise<SqlResult>;
  const q: SqlQueryable = readTimeout ? { query: (text, values) => query({ text, values, query_timeout: NEVER_MS }) } : connection;
  forgetStatementTimeout(connection);
  await q.query('SET statement_timeout = 0');
  try {
    return await fn(q);
  } finally {
    await q.query('RESET statement_timeout').catch(() => undefined);
  }
}
