// A page of a large tenant must read its own rows, not the tenant's: sorted by userName it walks
// the index of migration 12 from its position (by startIndex, by cursor, either direction),
// unsorted it walks (tenant, type, seq) without reading the rows it skips, and neither counts
// the tenant for its total (the counts of migration 12 do). At 1,000,000 users the difference
// was 1 s a page against 5 ms (bench/RESULTS.md, "A million users"); here the plans say it.
import { createHash } from 'node:crypto';
import { SchemaRegistry } from 'scimkit';
import type { SortSpec } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { PostgresStore, type SqlPool } from '../../../src/addons/postgres/index.js';
import { recording } from '../../recording-pool.js';
import { scratchDatabase } from '../../scratch-database.js';

const User = new SchemaRegistry().resourceType('User')!;
const ctx = { tenant: 'big', requestId: 'r' };
const USERS = 20_000;
const md5Of = (i: number) => createHash('md5').update(String(i)).digest('hex');

describe.runIf(process.env.DATABASE_URL)('PostgresStore: pages of a large tenant', () => {
  it('walk an index from their position and take their total from the counts', async () => {
    const db = await scratchDatabase('scimkit_reads_plan');
    try {
      await new PostgresStore(db.pool).migrate();
      await db.pool.query(
        `INSERT INTO scim_resources (tenant, type, id, doc, doc_ci, folded_version, user_name_ci, version, created, last_modified)
         SELECT 'big', 'User', md5(i::text), jsonb_build_object('userName', 'user' || i), jsonb_build_object('userName', 'user' || i), 1, 'user' || i, 1, now(), now()
         FROM generate_series(1, ${USERS}) i`,
      );
      // the visibility map and statistics a live table has (autovacuum)
      await db.pool.query('VACUUM (ANALYZE) scim_resources');
      const { pool, sent } = recording(db.pool as unknown as SqlPool);
      const store = new PostgresStore(pool);
      const asc: SortSpec = { path: 'userName', order: 'ascending' };
      const desc: SortSpec = { path: 'userName', order: 'descending' };
      const first = await store.search(ctx, User, { startIndex: 1, count: 100, members: false, sort: desc });
      const pages = {
        'sorted, startIndex 1': { sort: asc },
        'sorted, startIndex 15,001': { startIndex: 15_001, sort: asc },
        'sorted descending, by cursor': { sort: desc, after: first.next },
        // ascending, rows without a userName come last: a second walk for them, never an OR that reads from the first row
        'sorted ascending, by cursor': { sort: asc, after: JSON.stringify(['user5', md5Of(5)]) },
        'unsorted, startIndex 15,001': { startIndex: 15_001 },
      };
      for (const [name, q] of Object.entries(pages)) {
        sent.length = 0;
        const page = await store.search(ctx, User, { startIndex: 1, count: 100, members: false, ...q });
        expect(page.totalResults, name).toBe(USERS);
        expect(page.resources, name).toHaveLength(100);
        // the page's statement carries the total; nothing counts the tenant apart (the other statement is the users' groups)
        const withTotal = sent.filter(([t]) => t.includes('scim_resource_counts'));
        expect(withTotal, name).toHaveLength(1);
        expect(
          sent.filter(([t]) => /count\(\*\)(::int)? AS n FROM scim_resources/.test(t)),
          name,
        ).toEqual([]);
        const [text, values] = withTotal[0]!;
        const plan = (await db.pool.query(`EXPLAIN ${text}`, values)).rows.map((r) => String(r['QUERY PLAN'])).join('\n');
        expect(plan, name).toMatch(/Index Only Scan (Backward )?using scim_resources_(user_name_order|seq)/);
        // no sort node (a Merge Append of two walks keeps their order), no scan of the table, no window count
        expect(plan, name).not.toMatch(/(^|-> +)(Incremental )?Sort +\(|Seq Scan|WindowAgg/m);
      }
      // the pages themselves: in order, and the cursor's page after the first
      const second = await store.search(ctx, User, { startIndex: 1, count: 100, members: false, sort: desc, after: first.next });
      const names = [...first.resources, ...second.resources].map((r) => r.userName as string);
      expect(names).toEqual([...names].sort().reverse());
      expect(new Set(names).size).toBe(200);
    } finally {
      await db.drop();
    }
  });
});
