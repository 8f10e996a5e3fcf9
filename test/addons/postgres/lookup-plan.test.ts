// An IdP's look-up before a create (`userName eq "…"`, `externalId eq`, a group's
// `displayName eq`, a work e-mail) for a tenant the planner's statistics do not know: a new
// tenant in a table analyzed before it came, or a new database's first sync before
// autovacuum's first ANALYZE. The planner saw one row, every (tenant, type, …) index tied, and
// it walked the tenant's rows through another index (O(tenant): 2.4 ms a userName look-up and
// 39 ms an e-mail one at 10,000 users). The look-up must take the column's own index.
import { SchemaRegistry } from 'scimkit';
import { parseFilter } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { PostgresStore, type SqlPool } from '../../../src/addons/postgres/index.js';
import { recording } from '../../recording-pool.js';
import { scratchDatabase } from '../../scratch-database.js';

const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const ctx = { tenant: 't', requestId: 'r' };

const CASES: [typeof User, string, RegExp][] = [
  [User, 'userName eq "USER77x"', /scim_resources_user_name\b/],
  [User, 'externalId eq "ext-77x"', /scim_resources_external_id\b/],
  [User, 'emails[type eq "work"].value eq "user77x@x.io"', /scim_resources_emails_folded\b/],
  [User, 'userName eq "user77x" and active eq true', /scim_resources_user_name\b/],
  [Group, 'displayName eq "Sales"', /scim_resources_display_name\b/],
];

/** Users of `tenant` numbered from..to, as rows (the planner's view is what is tested, not the store's writes). */
function insertUsers(pool: SqlPool, tenant: string, from: number, to: number) {
  return pool.query(
    `INSERT INTO scim_resources (tenant, type, id, doc, doc_ci, folded_version, user_name_ci, external_id, version, created, last_modified)
     SELECT $1, 'User', $1 || '-u' || i, jsonb_build_object('userName', 'user' || i), jsonb_build_object('userName', 'user' || i, 'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@x.io', 'type', 'work'))),
       1, 'user' || i, 'ext-' || i, 1, now(), now() FROM generate_series($2::int, $3::int) i`,
    [tenant, from, to],
  );
}

/** Groups of `tenant` numbered from..to, as rows. */
function insertGroups(pool: SqlPool, tenant: string, from: number, to: number) {
  return pool.query(
    `INSERT INTO scim_resources (tenant, type, id, doc, doc_ci, folded_version, display_name_ci, version, created, last_modified)
     SELECT $1, 'Group', $1 || '-g' || i, jsonb_build_object('displayName', 'Group ' || i), jsonb_build_object('displayName', 'group ' || i), 1, 'group ' || i, 1, now(), now()
     FROM generate_series($2::int, $3::int) i`,
    [tenant, from, to],
  );
}

/** Each case's look-up through `pool`'s store, answered empty, and the plan of the statement it sent. */
async function plans(pool: SqlPool): Promise<[string, RegExp, string][]> {
  const { pool: recorded, sent } = recording(pool);
  const store = new PostgresStore(recorded);
  const out: [string, RegExp, string][] = [];
  for (const [type, filter, index] of CASES) {
    sent.length = 0;
    const page = await store.search(ctx, type, { filter: parseFilter(filter), startIndex: 1, count: 100, members: false });
    expect(page.totalResults, filter).toBe(0);
    const [text, values] = sent.find(([t]) => t.includes('count(*) OVER'))!;
    out.push([filter, index, (await pool.query(`EXPLAIN ${text}`, values)).rows.map((r) => String(r['QUERY PLAN'])).join('\n')]);
  }
  return out;
}

describe.runIf(process.env.DATABASE_URL)('PostgresStore: an IdP look-up for a tenant the statistics do not know', () => {
  it('a new tenant in a table analyzed before it came: the column index, not a walk of the tenant', async () => {
    const db = await scratchDatabase('scimkit_lookup_plan');
    try {
      await new PostgresStore(db.pool).migrate();
      await db.pool.query('ALTER TABLE scim_resources SET (autovacuum_enabled = off)');
      for (const big of ['a', 'b', 'c']) {
        await insertUsers(db.pool, big, 1, 10_000);
        await insertGroups(db.pool, big, 1, 500);
      }
      await db.pool.query('ANALYZE scim_resources');
      await insertUsers(db.pool, 't', 1, 5_000);
      await insertGroups(db.pool, 't', 1, 2_000);
      for (const [filter, index, plan] of await plans(db.pool)) expect(plan, `${filter}\n${plan}`).toMatch(index);
      // more than one match keeps the order by seq
      await db.pool.query(`UPDATE scim_resources SET external_id = 'shared' WHERE tenant = 't' AND id IN ('t-u5', 't-u3', 't-u9')`);
      const shared = await new PostgresStore(db.pool).search(ctx, User, {
        filter: parseFilter('externalId eq "shared"'),
        startIndex: 1,
        count: 100,
        members: false,
      });
      expect(shared.resources.map((r) => r.userName)).toEqual(['user3', 'user5', 'user9']);
    } finally {
      await db.drop();
    }
  });

  it('a new database never analyzed: the store analyzes after its first creates', async () => {
    const db = await scratchDatabase('scimkit_lookup_fresh');
    try {
      const store = new PostgresStore(db.pool);
      await store.migrate();
      await db.pool.query('ALTER TABLE scim_resources SET (autovacuum_enabled = off)');
      const stats = async () => Number((await db.pool.query(`SELECT reltuples FROM pg_class WHERE relname = 'scim_resources'`)).rows[0]!.reltuples);
      expect(await stats()).toBeLessThanOrEqual(0);
      for (let i = 0; i < 1_000; i++)
        await store.create(ctx, User, { schemas: [User.schema.id], userName: `early${i}`, emails: [{ value: `early${i}@x.io`, type: 'work' }] });
      await expect.poll(stats, { timeout: 10_000 }).toBeGreaterThan(0);
      await insertUsers(db.pool, 't', 1, 5_000);
      await insertGroups(db.pool, 't', 1, 2_000);
      for (const [filter, index, plan] of await plans(db.pool)) expect(plan, `${filter}\n${plan}`).toMatch(index);
    } finally {
      await db.drop();
    }
  });
});
