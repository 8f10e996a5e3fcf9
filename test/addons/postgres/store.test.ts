import fc from 'fast-check';
import pg from 'pg';
import { MemoryStore, SchemaRegistry, type ScimResource } from 'scimkit';
import { PostgresStore, type SqlPool } from 'scimkit/postgres';
import { compileFilter, formatFilter } from 'scimkit/store-kit';
import { describeStoreContract } from 'scimkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filter as randomFilter, user as randomUser } from '../../core/filter/arbitraries.js';
import { freshPGlite } from '../../pglite.js';

const reset = async (db: SqlPool) => {
  await db.query('TRUNCATE scim_resources, scim_unique, scim_members, scim_events, scim_event_seq');
};

// PGlite: PostgreSQL in-process, so the SQL is covered on a fresh machine too
const lite = freshPGlite();
const liteStore = new PostgresStore(lite as unknown as SqlPool);
const liteReady = liteStore.migrate();
describeStoreContract('PostgresStore on PGlite', async () => {
  await liteReady;
  await reset(lite as unknown as SqlPool);
  return liteStore;
});

// A real PostgreSQL server, several pooled connections, when DATABASE_URL is set (.ci/run sets it)
const url = process.env.DATABASE_URL;
const pool = url ? new pg.Pool({ connectionString: url, max: 8 }) : undefined;
if (pool) {
  const store = new PostgresStore(pool);
  const ready = store.migrate();
  describeStoreContract('PostgresStore on PostgreSQL', async () => {
    await ready;
    await reset(pool);
    return store;
  });
}
afterAll(async () => {
  await pool?.end();
  await lite.close();
});

describe('filters in SQL give the answers of the in-memory evaluator', () => {
  const User = new SchemaRegistry().resourceType('User')!;
  const ctx = { tenant: 'diff', requestId: 'd' };
  let stored: ScimResource[] = [];
  beforeAll(async () => {
    await liteReady;
    await reset(lite as unknown as SqlPool);
    const users = fc.sample(randomUser, { numRuns: 60, seed: 7 });
    const seen = new Set<string>();
    for (const [i, u] of users.entries()) {
      const userName = `${u.userName}-${i}`;
      const externalId = u.externalId === undefined || seen.has(u.externalId) ? undefined : u.externalId;
      if (externalId !== undefined) seen.add(externalId);
      stored.push(
        await liteStore.create(ctx, User, {
          schemas: [User.schema.id],
          ...u,
          userName,
          ...(externalId === undefined ? { externalId: undefined } : { externalId }),
        }),
      );
    }
    stored = stored.map((s) => JSON.parse(JSON.stringify(s)) as ScimResource);
  });

  it('on 300 random filters over 60 random users', async () => {
    const filters = fc.sample(randomFilter, { numRuns: 300, seed: 11 });
    for (const f of filters) {
      const expected = stored
        .filter(compileFilter(f, User))
        .map((u) => u.id)
        .sort();
      const got = await liteStore.search(ctx, User, { filter: f, startIndex: 1, count: 1000, members: false });
      const ids = got.resources.map((r) => r.id).sort();
      if (JSON.stringify(ids) !== JSON.stringify(expected)) {
        const diff = stored.filter((u) => ids.includes(u.id) !== expected.includes(u.id));
        console.log('MISMATCH', formatFilter(f), JSON.stringify(diff));
      }
      expect(ids, formatFilter(f)).toEqual(expected);
      expect(got.totalResults).toBe(expected.length);
    }
  });

  it('sorts like MemoryStore', async () => {
    const mem = new MemoryStore();
    for (const u of stored) await mem.create(ctx, User, { ...u, userName: u.userName, externalId: undefined });
    for (const path of ['userName', 'displayName', 'name.familyName', 'active']) {
      const a = await liteStore.search(ctx, User, { sort: { path, order: 'ascending' }, startIndex: 1, count: 1000, members: false });
      const b = await mem.search(ctx, User, { sort: { path, order: 'ascending' }, startIndex: 1, count: 1000, members: false });
      const key = (r: ScimResource) => String(r.userName);
      // compare sort keys (case-folded): equal keys tie, and ties are broken by ids, which differ between the two stores
      const vals = (rs: ScimResource[]) =>
        rs.map((r) => {
          const v = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], r);
          return typeof v === 'string' ? (path.startsWith('meta.') ? new Date(v).toISOString() : v.toLowerCase()) : String(v);
        });
      expect(vals(a.resources), path).toEqual(vals(b.resources));
      expect(a.resources.map(key).length).toBe(b.resources.length);
    }
  });
});
