// processedEvents: a host on PostgreSQL applies each event once although delivery is at least
// once. The record of an event commits or rolls back with the host's own writes: a redelivery
// after a crash between the host's commit and the acknowledgement is a no-op, one after a
// rollback applies the event. `apply` below is deliberately not idempotent (a counter), so a
// second application would show. On PGlite, and on PostgreSQL with DATABASE_URL.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, createScimServer, type LifecycleEvent, type ScimServer, silentLogger } from 'scimkit';
import { toNodeHandler } from 'scimkit/node';
import { PostgresStore, processedEvents, type SqlQueryable } from 'scimkit/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPGlite } from '../../pglite.js';
import { type ScratchDatabase, scratchDatabase } from '../../scratch-database.js';

/** A database with the host's way to run a transaction on one client. */
interface HostDatabase {
  db: SqlQueryable;
  inTransaction<T>(fn: (client: SqlQueryable) => Promise<T>): Promise<T>;
}

const lite = freshPGlite();
const scratch: ScratchDatabase | undefined = process.env.DATABASE_URL ? await scratchDatabase('processed_events') : undefined;
afterAll(async () => {
  await scratch?.drop();
  await lite.close();
});

const databases: [string, HostDatabase][] = [
  ['PGlite', { db: lite as unknown as SqlQueryable, inTransaction: (fn) => lite.transaction((tx) => fn(tx as unknown as SqlQueryable)) }],
];
if (scratch)
  databases.push([
    'PostgreSQL',
    {
      db: scratch.pool,
      async inTransaction(fn) {
        const client = await scratch.pool.connect();
        try {
          await client.query('BEGIN');
          const out = await fn(client);
          await client.query('COMMIT');
          return out;
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        } finally {
          client.release();
        }
      },
    },
  ]);

let run = 0;
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe.each(databases)('processedEvents (%s)', (_, { db, inTransaction }) => {
  const processed = processedEvents(db);
  const ready = (async () => {
    await processed.migrate();
    await processed.migrate(); // at every start-up: idempotent
    await db.query('CREATE TABLE IF NOT EXISTS applied (consumer text, event_id text, n int NOT NULL, PRIMARY KEY (consumer, event_id))');
  })();

  /** A new event id, and how many times each consumer applied it. */
  const fresh = () => ({ eventId: `e-${++run}-${Date.now()}` });
  const count = async (e: { eventId: string }, consumer = 'app') =>
    Number((await db.query('SELECT n FROM applied WHERE consumer = $1 AND event_id = $2', [consumer, e.eventId])).rows[0]?.n ?? 0);
  /** The host's write for an event: a counter, so that applying twice shows. */
  const bump = (client: SqlQueryable, consumer: string, e: { eventId: string }) =>
    client.query('INSERT INTO applied VALUES ($1, $2, 1) ON CONFLICT (consumer, event_id) DO UPDATE SET n = applied.n + 1', [consumer, e.eventId]);
  const deliver = (consumer: string, e: { eventId: string }) => inTransaction((c) => processed.applyOnce(c, consumer, e, () => bump(c, consumer, e)));

  it('a redelivery after the host committed (its acknowledgement lost) is not applied again', async () => {
    await ready;
    const e = fresh();
    expect(await deliver('app', e)).toBe(true);
    expect(await deliver('app', e)).toBe(false);
    expect(await deliver('app', e)).toBe(false);
    expect(await count(e)).toBe(1);
  });

  it("a rollback of the host's transaction leaves the event unapplied: the redelivery applies it", async () => {
    await ready;
    const e = fresh();
    const crash = new Error('the host failed after applying, before its commit');
    await expect(
      inTransaction(async (c) => {
        expect(await processed.applyOnce(c, 'app', e, () => bump(c, 'app', e))).toBe(true);
        throw crash;
      }),
    ).rejects.toBe(crash);
    expect(await count(e)).toBe(0);
    expect(await deliver('app', e)).toBe(true);
    expect(await count(e)).toBe(1);
  });

  it('a failing apply is undone alone and rethrown; the transaction goes on, the event stays unapplied', async () => {
    await ready;
    const e = fresh();
    const other = fresh();
    await inTransaction(async (c) => {
      await expect(
        processed.applyOnce(c, 'app', e, async () => {
          await bump(c, 'app', e);
          throw new Error('the app refused it');
        }),
      ).rejects.toThrow('the app refused it');
      // the caller's transaction is still usable
      expect(await processed.applyOnce(c, 'app', other, () => bump(c, 'app', other))).toBe(true);
    });
    expect([await count(e), await count(other)]).toEqual([0, 1]);
    expect(await deliver('app', e)).toBe(true);
    expect(await count(e)).toBe(1);
  });

  it('two consumers each apply an event once', async () => {
    await ready;
    const e = fresh();
    expect(await deliver('app', e)).toBe(true);
    expect(await deliver('search-index', e)).toBe(true);
    expect(await deliver('app', e)).toBe(false);
    expect(await deliver('search-index', e)).toBe(false);
    expect([await count(e, 'app'), await count(e, 'search-index')]).toEqual([1, 1]);
  });

  it('outside a transaction it refuses and records nothing', async () => {
    await ready;
    const e = fresh();
    let ran = false;
    await expect(
      processed.applyOnce(db, 'app', e, async () => {
        ran = true;
      }),
    ).rejects.toThrow(/no transaction is open/);
    expect(ran).toBe(false);
    expect(await deliver('app', e)).toBe(true);
  });

  it('refuses a consumer or event without a name', async () => {
    await ready;
    await inTransaction(async (c) => {
      await expect(processed.applyOnce(c, '', fresh(), async () => undefined)).rejects.toThrow(TypeError);
      await expect(processed.applyOnce(c, 'app', { eventId: '' }, async () => undefined)).rejects.toThrow(TypeError);
    });
    await expect(processed.prune(new Date('nonsense'))).rejects.toThrow(TypeError);
    expect(() => processedEvents(db, { table: '' })).toThrow(TypeError);
    expect(() => processedEvents(db, { schema: 'pg_mine' })).toThrow(TypeError);
  });

  it('prune deletes the records older than the date given', async () => {
    await ready;
    const old = fresh();
    const recent = fresh();
    await deliver('app', old);
    await deliver('app', recent);
    await db.query(`UPDATE ${processed.table} SET processed_at = now() - interval '40 days' WHERE event_id = $1`, [old.eventId]);
    expect(await processed.prune(new Date(Date.now() - 30 * 24 * 3600_000))).toBe(1);
    // the pruned event would apply again; the recent one still does not
    expect(await deliver('app', old)).toBe(true);
    expect(await deliver('app', recent)).toBe(false);
  });

  it('keeps its table in the schema and under the name given', async () => {
    await ready;
    const schema = `host_${++run}`;
    const own = processedEvents(db, { schema, table: 'done' });
    expect(own.table).toBe(`"${schema}"."done"`);
    await own.migrate();
    const e = fresh();
    expect(await inTransaction((c) => own.applyOnce(c, 'app', e, async () => undefined))).toBe(true);
    expect((await db.query(`SELECT consumer, event_id FROM "${schema}".done`)).rows).toEqual([{ consumer: 'app', event_id: e.eventId }]);
    // the default table does not have it
    expect(await deliver('app', e)).toBe(true);
  });

  it("from a server's onEvent: a delivery whose acknowledgement was lost comes again with the same id and is not applied again", async () => {
    await ready;
    const tenant = `acme-${++run}`;
    const token = 'processed-events-token-0123456789-0123456789';
    const attempts: { eventId: string; attempt: number; applied: boolean }[] = [];
    const store = new PostgresStore(db as never);
    await store.migrate();
    const scim: ScimServer = createScimServer({
      authenticate: bearerToken(token, { tenant }),
      store,
      activity: false,
      logger: silentLogger,
      events: { pollMs: 20, retryBaseMs: 20, retryMaxMs: 40 },
      hooks: {
        async onEvent(e: LifecycleEvent) {
          if (e.ctx.tenant !== tenant) return;
          const applied = await inTransaction((c) => processed.applyOnce(c, 'app', e, () => bump(c, 'app', e)));
          attempts.push({ eventId: e.eventId, attempt: e.attempt, applied });
          // committed, then the process "dies" before the acknowledgement: the event comes again
          if (e.attempt === 1) throw new Error('acknowledgement lost');
        },
      },
    });
    const http: Server = createServer(toNodeHandler(scim));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    try {
      const r = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [U], userName: `ada-${run}@example.com` }),
      });
      expect(r.status).toBe(201);
      await expect.poll(() => attempts.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      const [first, second] = attempts;
      expect(second!.eventId).toBe(first!.eventId);
      expect([first!.applied, second!.applied, second!.attempt]).toEqual([true, false, 2]);
      expect(await count(first!)).toBe(1);
    } finally {
      await new Promise<void>((r) => http.close(() => r()));
      await scim.close();
    }
  });
});
