// A member delta with its events in one statement (src/addons/postgres/member-delta.ts): the
// events made before it runs for the outcome predicted, the statement checking that outcome, and
// the transaction that runs the write again when it was another. On PGlite, and on PostgreSQL when
// DATABASE_URL is set (several pooled connections: member adds at once).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { bearerToken, createScimServer, type EventDraft, SchemaRegistry, type ScimResource } from 'scimkit';
import { PostgresStore, type SqlPool } from 'scimkit/postgres';
import type { WriteOptions } from 'scimkit/store-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { mispredicted } from '../../../src/addons/postgres/member-delta.js';
import { freshPGlite } from '../../pglite.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const TOKEN = 'member-delta-token-0123456789-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;

/** The statements a store sent, in order; `BEGIN` for a transaction PGlite runs. */
interface Counted {
  db: SqlPool;
  statements: string[];
  close(): Promise<void>;
}

/** PGlite with its statements recorded (its transactions as `BEGIN`, then their statements). */
function countedPGlite(): Counted {
  const lite = freshPGlite();
  const statements: string[] = [];
  const db = {
    query: (text: string, params?: unknown[]) => {
      statements.push(text);
      return lite.query(text, params);
    },
    exec: (sql: string) => lite.exec(sql),
    transaction: <T>(fn: (tx: { query: (text: string, params?: unknown[]) => Promise<unknown> }) => Promise<T>) =>
      lite.transaction((tx) => {
        statements.push('BEGIN');
        return fn({
          query: (text, params) => {
            statements.push(text);
            return tx.query(text, params);
          },
        });
      }),
  };
  return { db: db as unknown as SqlPool, statements, close: () => lite.close() };
}

/** A pool on DATABASE_URL with its statements recorded (its clients' too: transactions). */
function countedPool(url: string): Counted {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const statements: string[] = [];
  const db = {
    query: (text: string, params?: unknown[]) => {
      statements.push(text);
      return pool.query(text, params);
    },
    connect: async () => {
      const client = await pool.connect();
      return {
        query: (text: string, params?: unknown[]) => {
          statements.push(text);
          return client.query(text, params);
        },
        release: (destroy?: boolean) => client.release(destroy),
        processID: (client as unknown as { processID?: number }).processID,
      };
    },
    get totalCount() {
      return pool.totalCount;
    },
  };
  return { db: db as unknown as SqlPool, statements, close: () => pool.end() };
}

/** The events the engine records for a members-only delta: none when nothing moved. */
const engineLike = (groupId: string): WriteOptions => ({
  events: (o) => {
    const draft = (type: EventDraft['type'], memberIds: string[]): EventDraft => ({
      id: randomUUID(),
      type,
      resourceType: 'Group',
      resourceId: groupId,
      data: { resource: o.stored!, memberIds },
    });
    const out: EventDraft[] = [];
    if (o.applied?.added.length) out.push(draft('group.membersAdded', o.applied.added));
    if (o.applied?.removed.length) out.push(draft('group.membersRemoved', o.applied.removed));
    return out;
  },
});

const url = process.env.DATABASE_URL;
const databases: [string, () => Counted][] = [['PGlite', countedPGlite]];
if (url) databases.push(['PostgreSQL', () => countedPool(url)]);

describe.each(databases)('a member delta and its events in one statement on %s', (name, open) => {
  const counted = open();
  // a schema of its own on the shared server; PGlite is fresh
  const schema = `member_delta_${process.pid}`;
  const store = new PostgresStore(counted.db, name === 'PostgreSQL' ? { schema } : {});
  const ready = store.migrate();
  const server = createScimServer({ authenticate: bearerToken(TOKEN), store, registry });
  afterAll(async () => {
    await server.close();
    if (name === 'PostgreSQL') await counted.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await counted.close();
  });

  /** The statements `fn` sent that write (the engine's read of the group and the dispatcher's polls left out). */
  const writesOf = async (fn: () => Promise<unknown>) => {
    const from = counted.statements.length;
    await fn();
    return counted.statements.slice(from).filter((s) => !/^\s*(SELECT|WITH held AS|SET )/.test(s) && !s.includes('scim_activity'));
  };
  const users = async (tenant: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await store.create({ tenant, requestId: 'r' }, User, { schemas: [U], userName: `u${i}-${randomUUID()}` })).id!);
    return ids;
  };
  const patch = (id: string, body: object) =>
    server.handle({ method: 'PATCH', path: `/Groups/${id}`, headers, body: JSON.stringify({ schemas: [PATCH], ...body }) });
  const groupVersion = async (id: string) => (await store.get({ tenant: 'default', requestId: 'r' }, Group, id))!.meta!.version;

  it('a member add through the engine is one statement that records its event; adding a member again records none', async () => {
    await ready;
    const [a] = await users('default', 1);
    const group = await store.create({ tenant: 'default', requestId: 'r' }, Group, { schemas: [G], displayName: `g-${randomUUID()}` });
    const add = await writesOf(async () =>
      expect((await patch(group.id!, { Operations: [{ op: 'add', path: 'members', value: [{ value: a }] }] })).status).toBe(204),
    );
    expect(add).toHaveLength(1);
    expect(add[0]).toMatch(/scim_members[\s\S]*scim_event_seq[\s\S]*scim_events/);
    const log = (await store.outbox!.list({ tenant: 'default', limit: 1000 })).filter((e) => e.resourceId === group.id);
    expect(log.map((e) => [e.type, e.data.memberIds])).toEqual([['group.membersAdded', [a]]]);
    // the group as stored after the write: what the event tells
    expect(log[0]!.data.resource!.meta!.version).toBe(await groupVersion(group.id!));
    expect(log[0]!.data.resource!.meta!.version).toBe('W/"2"');

    const again = await writesOf(async () =>
      expect((await patch(group.id!, { Operations: [{ op: 'add', path: 'members', value: [{ value: a }] }] })).status).toBe(204),
    );
    expect(again).toHaveLength(1);
    expect((await store.outbox!.list({ tenant: 'default', limit: 1000 })).filter((e) => e.resourceId === group.id)).toHaveLength(1);
    expect(await groupVersion(group.id!)).toBe('W/"2"');
  });

  it('an outcome other than the one predicted is undone and runs again in a transaction: its events say what it did', async () => {
    await ready;
    const [a, b] = await users('default', 2);
    const group = await store.create({ tenant: 'default', requestId: 'r' }, Group, {
      schemas: [G],
      displayName: `g-${randomUUID()}`,
      members: [{ value: a! }],
    });
    // a is a member already, b is not: neither predicted outcome
    const writes = await writesOf(async () =>
      expect((await patch(group.id!, { Operations: [{ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }] })).status).toBe(204),
    );
    expect(writes.filter((s) => s === 'BEGIN' || s.startsWith('BEGIN;'))).toHaveLength(1);
    const log = (await store.outbox!.list({ tenant: 'default', limit: 1000 })).filter((e) => e.resourceId === group.id);
    expect(log.map((e) => [e.type, e.data.memberIds])).toEqual([['group.membersAdded', [b]]]);
    // the statement that failed moved nothing: one version more, not two
    expect(await groupVersion(group.id!)).toBe('W/"2"');
    expect(log[0]!.data.resource!.meta!.version).toBe('W/"2"');
    const members = (await store.get({ tenant: 'default', requestId: 'r' }, Group, group.id!, { members: true }))!.members as { value: string }[];
    expect(members.map((m) => m.value)).toEqual([a, b]);
  });

  it('a group changed since it was read: nothing written, the events made again from the group as it is, no transaction', async () => {
    await ready;
    const [a, b] = await users('default', 2);
    const read = await store.create({ tenant: 'default', requestId: 'r' }, Group, { schemas: [G], displayName: `g-${randomUUID()}` });
    await store.replace({ tenant: 'default', requestId: 'r' }, Group, read.id!, read, {
      members: { removeAll: false, added: [{ value: a! }], removed: [] },
      keepAttributes: true,
    });
    const writes = await writesOf(() =>
      store.replace({ tenant: 'default', requestId: 'r' }, Group, read.id!, read, {
        members: { removeAll: false, added: [{ value: b! }], removed: [] },
        keepAttributes: true,
        ...engineLike(read.id!),
      }),
    );
    expect(writes).toHaveLength(2);
    expect(writes.some((w) => w.startsWith('BEGIN'))).toBe(false);
    const [event] = (await store.outbox!.list({ tenant: 'default', limit: 1000 })).filter((e) => e.resourceId === read.id);
    expect([event!.data.memberIds, event!.data.resource!.meta!.version]).toEqual([[b], 'W/"3"']);
  });

  it('a group renamed since it was read: the event carries the group as stored, not as read', async () => {
    await ready;
    const tenant = `md-${randomUUID()}`;
    const ctx = { tenant, requestId: 'r' };
    const [a] = await users(tenant, 1);
    const read = await store.create(ctx, Group, { schemas: [G], displayName: 'Before' });
    await store.replace(ctx, Group, read.id!, { ...read, displayName: 'After' });
    const stored = await store.replace(ctx, Group, read.id!, read, {
      members: { removeAll: false, added: [{ value: a! }], removed: [] },
      keepAttributes: true,
      ...engineLike(read.id!),
    });
    expect([stored.displayName, stored.meta!.version]).toEqual(['After', 'W/"3"']);
    const [event] = await store.outbox!.list({ tenant });
    expect([event!.type, event!.data.memberIds, event!.data.resource!.displayName, event!.data.resource!.meta!.version]).toEqual([
      'group.membersAdded',
      [a],
      'After',
      'W/"3"',
    ]);
  });

  it('a removal and an add in one delta; a member removed who was none records nothing', async () => {
    await ready;
    const tenant = `md-${randomUUID()}`;
    const ctx = { tenant, requestId: 'r' };
    const [a, b, c] = await users(tenant, 3);
    let group: ScimResource = await store.create(ctx, Group, { schemas: [G], displayName: 'G', members: [{ value: a! }] });
    const delta = (added: string[], removed: string[]) =>
      store.replace(ctx, Group, group.id!, group, {
        members: { removeAll: false, added: added.map((value) => ({ value })), removed },
        keepAttributes: true,
        ...engineLike(group.id!),
      });
    group = await delta([b!], [a!]);
    group = await delta([], [c!]);
    const log = await store.outbox!.list({ tenant });
    expect(log.map((e) => [e.seq, e.type, e.data.memberIds, e.data.resource!.meta!.version])).toEqual([
      [1, 'group.membersAdded', [b], 'W/"2"'],
      [2, 'group.membersRemoved', [a], 'W/"2"'],
    ]);
    expect(group.meta!.version).toBe('W/"2"');
  });

  it('events for an outcome where nothing moved are recorded when it has none, and none for a group that is not there', async () => {
    await ready;
    const tenant = `md-${randomUUID()}`;
    const ctx = { tenant, requestId: 'r' };
    const [a] = await users(tenant, 1);
    const group = await store.create(ctx, Group, { schemas: [G], displayName: 'G', members: [{ value: a! }] });
    // a host's events that tell every write, moved or not
    const always: WriteOptions = {
      events: (o) => [
        { id: randomUUID(), type: 'group.updated', resourceType: 'Group', resourceId: group.id!, data: { resource: o.stored!, memberIds: o.applied!.added } },
      ],
    };
    const again = await store.replace(ctx, Group, group.id!, group, {
      members: { removeAll: false, added: [{ value: a! }], removed: [] },
      keepAttributes: true,
      ...always,
    });
    expect(again.meta!.version).toBe('W/"1"');
    const missing = { ...group, id: randomUUID() };
    await expect(
      store.replace(ctx, Group, missing.id, missing, { members: { removeAll: false, added: [{ value: a! }], removed: [] }, keepAttributes: true, ...always }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await store.outbox!.list({ tenant })).map((e) => [e.seq, e.type, e.resourceId, e.data.memberIds, e.data.resource!.meta!.version])).toEqual([
      [1, 'group.updated', group.id, [], 'W/"1"'],
    ]);
  });

  it('an unknown member is a 400 that records nothing and takes no sequence number', async () => {
    await ready;
    const tenant = `md-${randomUUID()}`;
    const ctx = { tenant, requestId: 'r' };
    const [a] = await users(tenant, 1);
    const group = await store.create(ctx, Group, { schemas: [G], displayName: 'G' });
    const add = (value: string) =>
      store.replace(ctx, Group, group.id!, group, {
        members: { removeAll: false, added: [{ value }], removed: [] },
        keepAttributes: true,
        ...engineLike(group.id!),
      });
    await expect(add('nobody')).rejects.toMatchObject({ status: 400 });
    await add(a!);
    expect((await store.outbox!.list({ tenant })).map((e) => [e.seq, e.data.memberIds])).toEqual([[1, [a]]]);
  });

  it('inside a transaction, a statement whose outcome was not predicted is undone alone and the transaction goes on', async () => {
    await ready;
    const tenant = `md-${randomUUID()}`;
    const ctx = { tenant, requestId: 'r' };
    const [a, b] = await users(tenant, 2);
    const read = await store.create(ctx, Group, { schemas: [G], displayName: 'G', members: [{ value: a! }] });
    await store.transaction!(ctx, async () => {
      await store.create(
        ctx,
        User,
        { schemas: [U], userName: `in-tx-${randomUUID()}` },
        { events: (o) => [{ id: randomUUID(), type: 'user.created', resourceType: 'User', resourceId: o.stored!.id!, data: {} }] },
      );
      await store.replace(ctx, Group, read.id!, read, {
        members: { removeAll: false, added: [{ value: a! }, { value: b! }], removed: [] },
        keepAttributes: true,
        ...engineLike(read.id!),
      });
    });
    expect((await store.outbox!.list({ tenant })).map((e) => [e.seq, e.type, e.data.memberIds])).toEqual([
      [1, 'user.created', undefined],
      [2, 'group.membersAdded', [b]],
    ]);
  });

  it('names only its own failure as a misprediction', () => {
    expect(mispredicted({ code: '22P02', message: 'invalid input syntax for type uuid: "x"' })).toBe(false);
    expect(mispredicted({ code: '23505', message: 'scimkit: the member change was not the one predicted' })).toBe(false);
    expect(mispredicted(new Error('scimkit: the member change was not the one predicted'))).toBe(false);
  });

  it.runIf(name === 'PostgreSQL')('member adds at once to one group: each recorded once, the sequence growing in commit order', async () => {
    await ready;
    const tenant = `md-${randomUUID()}`;
    const ctx = { tenant, requestId: 'r' };
    const ids = await users(tenant, 16);
    const read = await store.create(ctx, Group, { schemas: [G], displayName: 'G' });
    // each with the group as read before any of them: all but the first find it changed, and make their events again
    await Promise.all(
      ids.map((id) =>
        store.replace(ctx, Group, read.id!, read, {
          members: { removeAll: false, added: [{ value: id }], removed: [] },
          keepAttributes: true,
          ...engineLike(read.id!),
        }),
      ),
    );
    const log = await store.outbox!.list({ tenant });
    expect(log.map((e) => e.seq)).toEqual(ids.map((_, i) => i + 1));
    expect(log.flatMap((e) => e.data.memberIds!).sort()).toEqual([...ids].sort());
    // each event's group is the group at its own version, in sequence order
    expect(log.map((e) => e.data.resource!.meta!.version)).toEqual(ids.map((_, i) => `W/"${i + 2}"`));
  });
});
