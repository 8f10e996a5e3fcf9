// An unfiltered list's totalResults comes from the counts migration 12's triggers keep
// (addons/postgres/counts.ts), not from counting the tenant's rows: it must be exact after
// every way rows come and go (the store's creates and deletes, an earlier version's rows, a
// bulk delete or a seed by SQL, a TRUNCATE), per tenant and type, on every page form, and
// the keeper's folds must leave it unchanged.
import { SchemaRegistry, type ScimResource } from 'scimkit';
import { parseFilter } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { CountsKeeper, countsScript, FOLD_AFTER_ROWS, FOLD_ALL_AFTER_WRITES } from '../../../src/addons/postgres/counts.js';
import { MIGRATIONS, PostgresStore, type SqlPool, type SqlQueryable, stepsOf } from '../../../src/addons/postgres/index.js';
import { UNQUALIFIED } from '../../../src/addons/postgres/tables.js';
import { freshPGlite } from '../../pglite.js';
import { scratchDatabase } from '../../scratch-database.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const ctxOf = (tenant: string) => ({ tenant, requestId: 'r' });

type Db = SqlPool & { exec?(sql: string): Promise<unknown> };

/** Every way a client asks for a total: a first page, a page past the end, count=0, a cursor page, sorted or not; all must agree. */
async function totals(store: PostgresStore, tenant: string, type = User): Promise<number> {
  const ctx = ctxOf(tenant);
  const base = { members: false } as const;
  const seen = new Set<number>();
  const first = await store.search(ctx, type, { ...base, startIndex: 1, count: 2 });
  seen.add(first.totalResults);
  seen.add((await store.search(ctx, type, { ...base, startIndex: 1_000_000, count: 2 })).totalResults);
  seen.add((await store.search(ctx, type, { ...base, startIndex: 1, count: 0 })).totalResults);
  const sort = { path: type === User ? 'userName' : 'displayName', order: 'descending' as const };
  const sorted = await store.search(ctx, type, { ...base, startIndex: 1, count: 1, sort });
  seen.add(sorted.totalResults);
  if (sorted.next) seen.add((await store.search(ctx, type, { ...base, startIndex: 1, count: 1, sort, after: sorted.next })).totalResults);
  if (first.next) seen.add((await store.search(ctx, type, { ...base, startIndex: 1, count: 2, after: first.next })).totalResults);
  // the filtered count, which reads the rows themselves
  const counted = (await store.search(ctx, type, { ...base, filter: parseFilter('id pr'), startIndex: 1, count: 0 })).totalResults;
  expect([...seen], `every page form of ${tenant}/${type.name} gives one total`).toEqual([counted]);
  return counted;
}

const user = (userName: string): ScimResource => ({ schemas: [U], userName });

async function countRows(db: SqlQueryable, tenant: string, type: string): Promise<number> {
  return Number((await db.query('SELECT count(*)::int AS n FROM scim_resource_counts WHERE tenant = $1 AND type = $2', [tenant, type])).rows[0]?.n);
}

function countsCases(name: string, open: () => Promise<{ db: Db; close(): Promise<void> }>): void {
  describe(`unfiltered totals from the counts (${name})`, () => {
    it('follow creates and deletes per tenant and type, and rows written by SQL', async () => {
      const { db, close } = await open();
      try {
        const store = new PostgresStore(db);
        await store.migrate();
        expect(await totals(store, 'a')).toBe(0);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.create(ctxOf('a'), User, user(`u${i}`))).id!);
        await store.create(ctxOf('b'), User, user('other'));
        await store.create(ctxOf('a'), Group, { schemas: [G], displayName: 'G', members: [{ value: ids[0]! }] });
        expect([await totals(store, 'a'), await totals(store, 'b'), await totals(store, 'a', Group)]).toEqual([5, 1, 1]);
        await store.delete(ctxOf('a'), User, ids[0]!);
        expect(await totals(store, 'a')).toBe(4);
        // a bulk delete and a seed by SQL, as an operator or a bench does
        await db.query(`DELETE FROM scim_resources WHERE tenant = 'a' AND type = 'User' AND id = ANY($1)`, [ids.slice(1, 3)]);
        await db.query(
          `INSERT INTO scim_resources (tenant, type, id, doc, user_name_ci, version, created, last_modified)
           SELECT 'a', 'User', 'sql-' || g, jsonb_build_object('schemas', jsonb_build_array('${U}'), 'id', 'sql-' || g, 'userName', 'sql' || g), 'sql' || g, 1, now(), now()
           FROM generate_series(1, 7) g`,
        );
        expect([await totals(store, 'a'), await totals(store, 'b'), await totals(store, 'a', Group)]).toEqual([9, 1, 1]);
        await db.query('TRUNCATE scim_resources, scim_unique, scim_members');
        expect([await totals(store, 'a'), await totals(store, 'b')]).toEqual([0, 0]);
      } finally {
        await close();
      }
    });

    it('counts the rows an earlier version left when migration 12 runs, and again if it runs twice', async () => {
      const { db, close } = await open();
      try {
        await db.query('CREATE TABLE IF NOT EXISTS scim_migrations (id integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())');
        const run = async (ids: (id: number) => boolean) => {
          for (const m of MIGRATIONS.filter((x) => ids(x.id))) {
            for (const step of stepsOf(m)) {
              if ('concurrently' in step) await db.query(step.concurrently);
              else if ('sql' in step) await (db.exec ? db.exec(step.sql) : db.query(step.sql));
              else await step.run(db);
            }
          }
        };
        await run((id) => id <= 11);
        for (const m of MIGRATIONS.filter((x) => x.id <= 11)) await db.query('INSERT INTO scim_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
        const before = new PostgresStore(db);
        for (let i = 0; i < 3; i++) await before.create(ctxOf('old'), User, user(`old${i}`));
        // a crash after migration 12's steps but before it was recorded runs them again
        await run((id) => id === 12);
        await before.create(ctxOf('old'), User, user('between'));
        const after = new PostgresStore(db);
        expect((await after.migrate()).applied.map((m) => m.id)).toEqual([12]);
        expect(await totals(after, 'old')).toBe(4);
        await after.create(ctxOf('old'), User, user('new'));
        expect(await totals(after, 'old')).toBe(5);
      } finally {
        await close();
      }
    });

    it('folds a key read with many rows into one, and every key after many writes, the totals unchanged', async () => {
      const { db, close } = await open();
      try {
        const store = new PostgresStore(db);
        await store.migrate();
        const n = FOLD_AFTER_ROWS + 6;
        // one statement per row, as n creates would leave them
        for (let i = 0; i < n; i++)
          await db.query(
            `INSERT INTO scim_resources (tenant, type, id, doc, user_name_ci, version, created, last_modified)
             VALUES ('f', 'User', $1, jsonb_build_object('id', $1::text, 'userName', $1::text), $1, 1, now(), now())`,
            [`f${i}`],
          );
        await db.query(`DELETE FROM scim_resources WHERE tenant = 'f' AND id = 'f0'`);
        expect(await countRows(db, 'f', 'User')).toBe(n + 1);
        expect(await totals(store, 'f')).toBe(n - 1);
        // the fold runs after the list, in the background; a store's keeper is reached through a list again
        await new Promise((r) => setTimeout(r, 200));
        expect(await countRows(db, 'f', 'User')).toBe(1);
        expect(await totals(store, 'f')).toBe(n - 1);

        // every key: rows of two tenants, folded by the keeper's writes alone
        for (const tenant of ['g', 'h']) for (let i = 0; i < 3; i++) await store.create(ctxOf(tenant), User, user(`${tenant}${i}`));
        await store.delete(ctxOf('g'), User, (await store.search(ctxOf('g'), User, { startIndex: 1, count: 1, members: false })).resources[0]!.id!);
        // the draw decides: a write that draws 1 / FOLD_ALL_AFTER_WRITES or more folds nothing, one below it folds every key
        let draw = 1 / FOLD_ALL_AFTER_WRITES;
        const keeper = new CountsKeeper(
          UNQUALIFIED,
          () => db,
          () => draw,
        );
        for (let i = 0; i < 100; i++) keeper.wrote();
        await keeper.settled();
        expect(await countRows(db, 'g', 'User')).toBe(4);
        draw = 1 / FOLD_ALL_AFTER_WRITES - 1e-9;
        keeper.wrote();
        await keeper.settled();
        expect([await countRows(db, 'g', 'User'), await countRows(db, 'h', 'User'), await countRows(db, 'f', 'User')]).toEqual([1, 1, 1]);
        expect([await totals(store, 'g'), await totals(store, 'h'), await totals(store, 'f')]).toEqual([2, 3, n - 1]);
      } finally {
        await close();
      }
    });
  });
}

countsCases('PGlite', async () => {
  const lite = freshPGlite();
  return { db: lite as unknown as Db, close: () => lite.close() };
});

describe.skipIf(!process.env.DATABASE_URL)('counts on PostgreSQL', () => {
  countsCases('PostgreSQL', async () => {
    const scratch = await scratchDatabase('scimkit_counts', 10);
    return { db: scratch.pool as unknown as Db, close: () => scratch.drop() };
  });

  it('are kept by writers whose search_path does not hold the tables (a restore by pg_dump sets it empty)', async () => {
    const scratch = await scratchDatabase('scimkit_counts_path', 4);
    try {
      const store = new PostgresStore(scratch.pool as unknown as SqlPool);
      await store.migrate();
      for (let i = 0; i < 3; i++) await store.create(ctxOf('p'), User, user(`p${i}`));
      const client = await scratch.pool.connect();
      try {
        await client.query("SELECT set_config('search_path', '', false)");
        await client.query(`DELETE FROM public.scim_resources WHERE tenant = 'p' AND user_name_ci = 'p0'`);
        await client.query(
          `INSERT INTO public.scim_resources (tenant, type, id, doc, user_name_ci, version, created, last_modified)
           VALUES ('p', 'User', 'by-sql', '{"id": "by-sql", "userName": "bysql"}', 'bysql', 1, now(), now())`,
        );
      } finally {
        await client.query('RESET search_path');
        client.release();
      }
      expect(await totals(store, 'p')).toBe(3);
    } finally {
      await scratch.drop();
    }
  });

  it('run again (a crash before it was recorded), migration 12 holds writes while it counts, not reads', async () => {
    const scratch = await scratchDatabase('scimkit_counts_rerun', 4);
    try {
      await new PostgresStore(scratch.pool as unknown as SqlPool).migrate();
      const migrating = await scratch.pool.connect();
      const other = await scratch.pool.connect();
      try {
        await migrating.query('BEGIN');
        await migrating.query(countsScript(UNQUALIFIED));
        await other.query("SET lock_timeout = '300ms'");
        // a read goes on; a write waits for the count (here: gives up after 300 ms)
        await expect(other.query('SELECT count(*) FROM scim_resources')).resolves.toBeDefined();
        await expect(
          other.query(`INSERT INTO scim_resources (tenant, type, id, doc, version, created, last_modified) VALUES ('w', 'User', 'w', '{}', 1, now(), now())`),
        ).rejects.toThrow(/lock timeout/);
      } finally {
        await migrating.query('ROLLBACK');
        await other.query('RESET lock_timeout');
        migrating.release();
        other.release();
      }
    } finally {
      await scratch.drop();
    }
  });

  it('stay exact under concurrent creates and deletes in one tenant, and a page sorted by userName reads in index order', async () => {
    const scratch = await scratchDatabase('scimkit_counts_race', 10);
    try {
      const store = new PostgresStore(scratch.pool as unknown as SqlPool);
      await store.migrate();
      const made = await Promise.all(Array.from({ length: 40 }, (_, i) => store.create(ctxOf('race'), User, user(`r${i}`))));
      await Promise.all(made.slice(0, 15).map((u) => store.delete(ctxOf('race'), User, u.id!)));
      expect(await totals(store, 'race')).toBe(25);
      // a small table: the planner would rather sort it; told not to, it must find the order and the keyset's start in the index
      const client = await scratch.pool.connect();
      let plan: string;
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL enable_seqscan = off');
        await client.query('SET LOCAL enable_sort = off');
        plan = (
          await client.query(
            `EXPLAIN SELECT r.tenant, r.type, r.id, r.user_name_ci COLLATE "C" AS sort_key FROM scim_resources r
             WHERE r.tenant = 'race' AND r.type = 'User' AND (r.user_name_ci COLLATE "C", r.id COLLATE "C") > ('r5'::text, 'x')
             ORDER BY r.user_name_ci COLLATE "C" ASC NULLS LAST, r.id COLLATE "C" ASC LIMIT 10`,
          )
        ).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      expect(plan).toMatch(/Index Only Scan using scim_resources_user_name_order/);
      expect(plan).toMatch(/Index Cond: .*ROW\(/);
      expect(plan).not.toMatch(/Sort/);
    } finally {
      await scratch.drop();
    }
  });
});
