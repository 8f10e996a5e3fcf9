// What PostgresStore runs on: a pg.Pool, a connected pg.Client (one connection, its work
// serialised), PGlite, and anything with only `query`; and transaction() scoping its calls.
import pg from 'pg';
import { bearerToken, createScimServer, SchemaRegistry, type ScimServer } from 'scimkit';
import { PostgresStore, type SqlDatabase, type SqlPool } from 'scimkit/postgres';
import { describeStoreContract } from 'scimkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPGlite } from '../../pglite.js';

const url = process.env.DATABASE_URL;
const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const client = url ? new pg.Client({ connectionString: url }) : undefined;
const connected = client?.connect();
afterAll(async () => {
  await client?.end();
});

if (client) {
  const store = new PostgresStore(client);
  const ready = connected!.then(() => store.migrate());
  describeStoreContract('PostgresStore on one pg.Client', async () => {
    await ready;
    await client.query('TRUNCATE scim_resources, scim_unique, scim_members, scim_events, scim_event_seq');
    return store;
  });
}

/** POST /Bulk with these operations. */
function bulk(server: ScimServer, Operations: unknown[]) {
  return server.handle({
    method: 'POST',
    path: '/Bulk',
    headers: { authorization: 'Bearer bulk-token-0123456789-0123456789-0', 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations }),
  });
}

describe('PostgresStore transactions', () => {
  const lite = freshPGlite();
  const pool = url ? new pg.Pool({ connectionString: url, max: 3 }) : undefined;
  afterAll(async () => {
    await lite.close();
    await pool?.end();
  });
  const stores: [string, () => Promise<{ store: PostgresStore; db: SqlDatabase }>][] = [
    ['PGlite', async () => ({ store: new PostgresStore(lite as unknown as SqlPool), db: lite as unknown as SqlPool })],
  ];
  if (client)
    stores.push([
      'a pg.Client',
      async () => {
        await connected;
        return { store: new PostgresStore(client), db: client };
      },
    ]);
  if (pool) stores.push(['a pg.Pool', async () => ({ store: new PostgresStore(pool), db: pool })]);

  it.each(stores)('on %s, transaction() commits its calls together or not at all', async (_name, make) => {
    const { store } = await make();
    await store.migrate();
    const tenant = `tx-${Math.random().toString(36).slice(2)}`;
    const ctx = { tenant, requestId: 't' };
    await expect(
      store.transaction(ctx, async () => {
        await store.create(ctx, User, { schemas: [U], userName: 'kept-if-committed' });
        await store.create(ctx, User, { schemas: [U], userName: 'second' });
        throw new Error('the operation fails after two writes');
      }),
    ).rejects.toThrow('after two writes');
    expect((await store.search(ctx, User, { startIndex: 1, count: 10, members: false })).totalResults).toBe(0);
    const made = await store.transaction(ctx, async () => {
      const a = await store.create(ctx, User, { schemas: [U], userName: 'a' });
      return store.replace(ctx, User, a.id!, { schemas: [U], userName: 'a', title: 'in the same transaction' });
    });
    expect((await store.get(ctx, User, made.id!))!.title).toBe('in the same transaction');
  });

  it.each(stores)('on %s, a Bulk request runs each operation in a transaction, and a refused one fails alone', async (_name, make) => {
    const { store } = await make();
    await store.migrate();
    const tenant = `bulk-${Math.random().toString(36).slice(2)}`;
    const server = createScimServer({ authenticate: bearerToken('bulk-token-0123456789-0123456789-0', { tenant }), store });
    const r = await bulk(server, [
      { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [U], userName: 'twice' } },
      { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [U], userName: 'TWICE' } },
      { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [G], displayName: 'G', members: [{ value: 'no-such-user' }] } },
      { method: 'POST', path: '/Groups', bulkId: 'h', data: { schemas: [G], displayName: 'H', members: [{ value: 'bulkId:a' }] } },
    ]);
    const ops = (r.body as { Operations: { status: string }[] }).Operations;
    expect(ops.map((o) => o.status)).toEqual(['201', '409', '400', '201']);
  });

  it.skipIf(!url)('on a pg.Pool, a Bulk operation’s events follow its commit, and an operation that fails after writing is rolled back', async () => {
    const store = new PostgresStore(pool!);
    await store.migrate();
    const tenant = `bulk-events-${Math.random().toString(36).slice(2)}`;
    const seen: { type: string; visible: number }[] = [];
    const server = createScimServer({
      authenticate: bearerToken('bulk-token-0123456789-0123456789-0', { tenant }),
      store,
      hooks: {
        // another connection: it sees only what was committed
        onEvent: async (e) => {
          const r = await pool!.query('SELECT count(*)::int AS n FROM scim_resources WHERE tenant = $1 AND id = $2', [tenant, e.id]);
          seen.push({ type: e.type, visible: r.rows[0]!.n as number });
        },
        setPassword: (_ctx, _id, password) => {
          if (password === 'fails') throw new Error('the host could not set it');
        },
      },
    });
    const r = await bulk(server, [
      { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [U], userName: 'committed' } },
      { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [U], userName: 'rolled-back', password: 'fails' } },
    ]);
    const ops = (r.body as { Operations: { status: string }[] }).Operations;
    expect(ops.map((o) => o.status)).toEqual(['201', '500']);
    await expect.poll(() => seen).toEqual([{ type: 'user.created', visible: 1 }]);
    const left = await pool!.query("SELECT count(*)::int AS n FROM scim_resources WHERE tenant = $1 AND doc->>'userName' = 'rolled-back'", [tenant]);
    expect(left.rows[0]!.n).toBe(0);
    await server.close();
  });

  it.skipIf(!url)('on a pg.Pool, groups added to each other at once never deadlock', async () => {
    const store = new PostgresStore(pool!);
    await store.migrate();
    const ctx = { tenant: `nested-${Math.random().toString(36).slice(2)}`, requestId: 'n' };
    const Group = registry.resourceType('Group')!;
    const g = (name: string) => store.create(ctx, Group, { schemas: [G], displayName: name });
    const [a, b] = [await g('A'), await g('B')];
    const delta = (group: string, added: string[], removed: string[]) =>
      store.replace(
        ctx,
        Group,
        group,
        { schemas: [G], displayName: group === a.id ? 'A' : 'B' },
        { members: { removeAll: false, added: added.map((value) => ({ value })), removed }, keepAttributes: true },
      );
    const add = (to: string, member: string) => delta(to, [member], []);
    const remove = (from: string, member: string) => delta(from, [], [member]);
    for (let i = 0; i < 20; i++) {
      // each write locks its group and then (the foreign key) the other one: FOR UPDATE on both would deadlock
      const results = await Promise.allSettled([add(a.id!, b.id!), add(b.id!, a.id!)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      await Promise.all([remove(a.id!, b.id!), remove(b.id!, a.id!)]);
    }
  });

  it('with an object that has only query, transactions still run BEGIN … COMMIT on it, one at a time', async () => {
    const sent: string[] = [];
    let open = 0;
    let overlapped = false;
    const db = {
      query: async (text: string, params?: unknown[]) => {
        if (text === 'BEGIN') open++;
        if (text === 'COMMIT' || text === 'ROLLBACK') open--;
        if (open > 1) overlapped = true;
        sent.push(text.split(/\s+/)[0]!);
        return (await lite.query(text, params)) as { rows: Record<string, unknown>[] };
      },
    };
    const store = new PostgresStore(db);
    await store.migrate();
    const ctx = { tenant: `only-query-${Date.now()}`, requestId: 'q' };
    const users = await Promise.all(Array.from({ length: 5 }, (_, i) => store.create(ctx, User, { schemas: [U], userName: `q${i}` })));
    await Promise.all(users.map((u) => store.delete(ctx, User, u.id!)));
    expect(sent).toContain('BEGIN');
    expect(sent.filter((s) => s === 'BEGIN').length).toBe(sent.filter((s) => s === 'COMMIT').length + sent.filter((s) => s === 'ROLLBACK').length);
    expect(overlapped).toBe(false);
  });

  it('on one connection, a statement of another request waits until a transaction ends', async () => {
    const sent: string[] = [];
    const db = {
      query: async (text: string, params?: unknown[]) => {
        sent.push(text.trim().split(/\s+/).slice(0, 2).join(' '));
        // a slow lock inside the delete's transaction: time for the read below to slip in
        if (/FOR UPDATE/.test(text)) await new Promise((r) => setTimeout(r, 30));
        return (await lite.query(text, params)) as { rows: Record<string, unknown>[] };
      },
    };
    const store = new PostgresStore(db);
    await store.migrate();
    const ctx = { tenant: `serial-${Date.now()}`, requestId: 's' };
    const a = await store.create(ctx, User, { schemas: [U], userName: 'serial-a' });
    const b = await store.create(ctx, User, { schemas: [U], userName: 'serial-b' });
    sent.length = 0;
    const deleting = store.delete(ctx, User, a.id!);
    await new Promise((r) => setTimeout(r, 5));
    const reading = store.get(ctx, User, b.id!);
    await Promise.all([deleting, reading]);
    const commit = sent.indexOf('COMMIT');
    const read = sent.findIndex((t) => t.startsWith('SELECT r.id,'));
    expect(commit).toBeGreaterThan(0);
    expect(read).toBeGreaterThan(commit);
  });
});
