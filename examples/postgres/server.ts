// SCIM 2.0 on Express with PostgresStore: `DATABASE_URL=postgres://… npm run example:postgres`
// (or SCIM_DATA=dir for an embedded PGlite database). Several instances of this server can
// share one database (docs/scaling.md).
//
// The host's own model lives in the same database: app_users and app_memberships, kept in
// sync only by delivered lifecycle events (docs/hooks.md, "Applying each event once"). An
// event arrives at least once and in order per resource: each is applied in a transaction of
// the host's that also records its id (processedEvents), so a redelivery is a no-op. The
// writes below are upserts anyway, which keeps them right for a pruned, replayed event.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import express from 'express';
import pg from 'pg';
import { bearerToken, createScimServer, generateToken, type LifecycleEvent } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { shutdown } from 'scimkit/node';
import { PostgresStore, processedEvents, type SqlQueryable } from 'scimkit/postgres';

// SCIM_DATA: an embedded PGlite database in that folder (or in memory for `memory`) instead of DATABASE_URL
const data = process.env.SCIM_DATA;
const lite = data ? new PGlite(data === 'memory' ? undefined : resolve(data)) : undefined;
// The settings docs/stores.md ("Deadlines, and the pool") says a deployment needs: a connect that
// gets no answer fails, connections whose peer vanished are found and dropped, and statements
// without a request's deadline (event delivery below, the activity log) end too. The store
// bounds its own statements by each request's deadline (requestTimeoutMs, 10 s).
const pool = lite
  ? undefined
  : new pg.Pool({
      connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      max: Number(process.env.PG_POOL_SIZE ?? 10),
      connectionTimeoutMillis: 2_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      idleTimeoutMillis: 10_000,
      query_timeout: 15_000,
      statement_timeout: 15_000,
    });
// an idle pooled connection that the server drops must not end the process
pool?.on('error', (e) => console.error('[pg] idle connection error:', e.message));
const db: SqlQueryable = (lite ?? pool) as SqlQueryable;
const store = new PostgresStore((lite ?? pool) as never);
await store.migrate();
await db.query(`CREATE TABLE IF NOT EXISTS app_users (scim_id text PRIMARY KEY, user_name text NOT NULL, active boolean NOT NULL)`);
await db.query(`CREATE TABLE IF NOT EXISTS app_memberships (group_scim_id text, user_scim_id text, PRIMARY KEY (group_scim_id, user_scim_id))`);
// the ids of the events applied (scim_processed_events), written in the same transaction as app_*
const processed = processedEvents(db);
await processed.migrate();

/** Runs `fn` in a transaction on one connection: a client of the pool, or PGlite's. */
async function inTransaction<T>(fn: (q: SqlQueryable) => Promise<T>): Promise<T> {
  if (lite) return lite.transaction((tx) => fn(tx as unknown as SqlQueryable));
  const client = await pool!.connect();
  let dropped: Error | undefined;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    // a client whose ROLLBACK fails lost its connection: the pool drops it instead of reusing it
    await client.query('ROLLBACK').catch((r: Error) => {
      dropped = r;
    });
    throw e;
  } finally {
    client.release(dropped);
  }
}

/** Delivers one event: applied to the host's tables once, however often it comes. */
async function onEvent(e: LifecycleEvent): Promise<void> {
  await inTransaction((q) => processed.applyOnce(q, 'app', e, () => apply(q, e)));
  // for the crash test and for operators: which event, which delivery (applied or not)
  if (process.env.SCIM_LOG_DELIVERIES) console.log(`delivered ${e.eventId} ${e.seq} ${e.attempt}`);
}

/** Applies one event to the host's tables on `tx`, the connection of the delivery's transaction. */
async function apply(tx: SqlQueryable, e: LifecycleEvent): Promise<void> {
  const memberIds = (e.memberIds ?? []) as string[];
  switch (e.type) {
    case 'user.created':
    case 'user.updated':
    case 'user.deactivated':
    case 'user.reactivated':
      await tx.query(
        `INSERT INTO app_users (scim_id, user_name, active) VALUES ($1, $2, $3)
         ON CONFLICT (scim_id) DO UPDATE SET user_name = excluded.user_name, active = excluded.active`,
        [e.id, e.resource.userName, e.resource.active !== false],
      );
      break;
    case 'user.deleted':
      await tx.query('DELETE FROM app_memberships WHERE user_scim_id = $1', [e.id]);
      await tx.query('DELETE FROM app_users WHERE scim_id = $1', [e.id]);
      break;
    case 'group.created': {
      // a group created with members lists them in the resource
      const ids = ((e.resource?.members ?? []) as { value: string; type?: string }[]).filter((m) => m.type !== 'Group').map((m) => m.value);
      if (ids.length) await tx.query('INSERT INTO app_memberships SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [e.id, ids]);
      break;
    }
    case 'group.membersAdded':
      await tx.query('INSERT INTO app_memberships SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [e.id, memberIds]);
      break;
    case 'group.membersRemoved':
      await tx.query('DELETE FROM app_memberships WHERE group_scim_id = $1 AND user_scim_id = ANY($2::text[])', [e.id, memberIds]);
      break;
    case 'group.deleted':
      await tx.query('DELETE FROM app_memberships WHERE group_scim_id = $1', [e.id]);
      break;
    default:
      break;
  }
}

const token = process.env.SCIM_TOKEN || generateToken();
// The public SCIM URL, as the IdP reaches it (behind a proxy or TLS terminator): the URLs in
// responses use it. Without it they use this server's own address (X-Forwarded-* are not trusted).
const baseUrl = process.env.SCIM_BASE_URL;
const scim = createScimServer({
  authenticate: bearerToken(token),
  store,
  uniqueGroupDisplayName: true,
  hooks: { onEvent },
  events: { pollMs: Number(process.env.SCIM_EVENTS_POLL_MS ?? 1000), leaseMs: Number(process.env.SCIM_EVENTS_LEASE_MS ?? 30_000) },
  ...(baseUrl ? { baseUrl } : {}),
});

const app = express();
app.use('/scim/v2', scimRouter(scim));
const server = createServer(app);
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`scimkit example (Express, ${lite ? 'embedded PostgreSQL' : 'PostgreSQL'} store) is ready.`);
  console.log(`  SCIM tenant URL: ${baseUrl ?? `http://${address}:${port}/scim/v2`}`);
  if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
  console.log(`  Secret token:    ${token}`);
});
// no new requests; those in flight finish (10 s at most); event delivery stops; then the database
const stop = () =>
  void shutdown(server, scim, {
    after: async () => {
      await pool?.end();
      await lite?.close();
    },
  }).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
