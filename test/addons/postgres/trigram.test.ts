// Migration 9: trigram indexes for co, sw and ew where the server has pg_trgm, none (and a
// migrate() that succeeds) where it has not; the filters answer the same either way, and on
// PostgreSQL the planner serves them from the indexes.
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { SchemaRegistry, type ScimResource } from 'scimkit';
import { compileFilter, parseFilter } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { filterToSql, MIGRATIONS, Params, PostgresStore, type SqlPool, type SqlQueryable } from '../../../src/addons/postgres/index.js';
import { freshPGlite } from '../../pglite.js';
import { scratchDatabase } from '../../scratch-database.js';

const User = new SchemaRegistry().resourceType('User')!;
const ctx = { tenant: 't', requestId: 'r' };
const TRIGRAM = [
  'scim_resources_display_name_trgm',
  'scim_resources_emails_trgm',
  'scim_resources_family_name_trgm',
  'scim_resources_formatted_name_trgm',
  'scim_resources_given_name_trgm',
  'scim_resources_user_name_trgm',
];

/** The valid trigram indexes of the database, by name. */
async function trigramIndexes(db: SqlQueryable): Promise<string[]> {
  const { rows } = await db.query(
    "SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE '%\\_trgm' AND i.indisvalid ORDER BY 1",
  );
  return rows.map((r) => String(r.name));
}

/** Users whose names, display names and addresses the filters below cut in different places (with letters that fold beyond ASCII). */
async function seedUsers(store: PostgresStore): Promise<ScimResource[]> {
  const out: ScimResource[] = [];
  const families = ['Jones', 'JONESY', 'Smith', 'Ölund', 'İnce', 'de Jong', '100%_off', 'Back\\slash'];
  for (let i = 0; i < 40; i++) {
    const family = families[i % families.length]!;
    out.push(
      await store.create(ctx, User, {
        schemas: [User.schema.id],
        userName: `User${i}@Example.COM`,
        ...(i % 5 ? { displayName: `${family}, Person ${i}` } : {}),
        name: { familyName: family, givenName: `Gïven${i}`, ...(i % 3 ? { formatted: `Gïven${i} ${family}` } : {}) },
        emails: i % 4 ? [{ value: `p${i}@Work.example`, type: 'work' }, { value: `${family.toLowerCase()}${i}@home.example` }] : [],
      }),
    );
  }
  return JSON.parse(JSON.stringify(out)) as ScimResource[];
}

const FILTERS = [
  'name.familyName co "ones"',
  'name.familyName sw "jo"',
  'name.familyName ew "SY"',
  'name.familyName co "ölu"',
  'name.familyName co "i̇nc"',
  'name.familyName co "0%_"',
  'name.familyName co "k\\\\s"',
  'name.givenName ew "1"',
  'name.formatted co "en2 j"',
  'not (name.formatted co "smith")',
  'userName co "r1"',
  'userName ew "@example.com"',
  'displayName co "person 1"',
  'displayName ew "7"',
  'emails.value co "ones1"',
  'emails.value sw "p3"',
  'emails.value ew "home.example"',
  'emails.value ew "1@work.example"',
  // a backslash is escaped in JSON text, which the index reads: the exact test alone
  'emails.value co "k\\\\s"',
  'not (emails.value co "work")',
];

/** Each filter answers on `store` what the in-memory evaluator answers over `users`. */
async function expectSameAnswers(store: PostgresStore, users: ScimResource[]): Promise<void> {
  for (const text of FILTERS) {
    const f = parseFilter(text);
    const expected = users
      .filter(compileFilter(f, User))
      .map((u) => u.id)
      .sort();
    const got = await store.search(ctx, User, { filter: f, startIndex: 1, count: 1000, members: false });
    expect(got.resources.map((r) => r.id).sort(), text).toEqual(expected);
    expect(got.totalResults, text).toBe(expected.length);
  }
}

describe('migration 9: trigram indexes', () => {
  it('on PGlite without pg_trgm: migrate() succeeds, builds none, and co, sw and ew answer as in memory', async () => {
    const lite = freshPGlite();
    try {
      const store = new PostgresStore(lite as unknown as SqlPool);
      const report = await store.migrate();
      // every migration ran, those after this one too
      expect(report.current).toBe(MIGRATIONS.at(-1)!.id);
      expect(await trigramIndexes(lite as unknown as SqlQueryable)).toEqual([]);
      await expectSameAnswers(store, await seedUsers(store));
    } finally {
      await lite.close();
    }
  });

  it('on PGlite with its pg_trgm module: the extension is installed and the six indexes built, the answers the same', async () => {
    const lite = new PGlite({ extensions: { pg_trgm } });
    try {
      const store = new PostgresStore(lite as unknown as SqlPool);
      await store.migrate();
      expect(await trigramIndexes(lite as unknown as SqlQueryable)).toEqual(TRIGRAM);
      await expectSameAnswers(store, await seedUsers(store));
    } finally {
      await lite.close();
    }
  });

  it.runIf(process.env.DATABASE_URL)('on PostgreSQL: indexes valid, rebuilt when left invalid, the plans use them, the answers the same', async () => {
    const db = await scratchDatabase('scimkit_trgm');
    try {
      const store = new PostgresStore(db.pool);
      await store.migrate();
      expect(await trigramIndexes(db.pool)).toEqual(TRIGRAM);
      const users = await seedUsers(store);

      // an interrupted CONCURRENTLY build leaves an invalid index: the next run of the migration drops it and builds it again
      await db.pool.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'scim_resources_family_name_trgm'::regclass");
      await db.pool.query('DELETE FROM scim_migrations WHERE id = 9');
      expect((await store.migrate()).applied.map((a) => a.id)).toEqual([9]);
      expect(await trigramIndexes(db.pool)).toEqual(TRIGRAM);

      // enough rows of another tenant that reading them all costs more than the index
      await db.pool.query(
        `INSERT INTO scim_resources (tenant, type, id, doc, doc_ci, folded_version, user_name_ci, display_name_ci, version, created, last_modified)
         SELECT 'bulk', 'User', 'b' || i, d, d, 1, 'bulk' || i, 'bulk ' || i, 1, now(), now()
         FROM generate_series(1, 20000) i,
           LATERAL (SELECT jsonb_build_object('userName', 'bulk' || i, 'name', jsonb_build_object('familyName', 'f' || i, 'givenName', 'g' || i, 'formatted', 'g f' || i),
                     'emails', jsonb_build_array(jsonb_build_object('value', 'bulk' || i || '@x.example'))) AS d) x`,
      );
      await db.pool.query('ANALYZE scim_resources');
      for (const [text, index] of [
        ['name.familyName co "ones"', 'scim_resources_family_name_trgm'],
        ['name.givenName ew "ven12"', 'scim_resources_given_name_trgm'],
        ['name.formatted co "en2 j"', 'scim_resources_formatted_name_trgm'],
        ['userName co "ser12@"', 'scim_resources_user_name_trgm'],
        ['displayName co "person 12"', 'scim_resources_display_name_trgm'],
        ['emails.value co "ones1"', 'scim_resources_emails_trgm'],
      ] as const) {
        const p = new Params();
        const tenant = p.add('t');
        const where = filterToSql(parseFilter(text), User, p, tenant);
        const plan = await db.pool.query(
          `EXPLAIN SELECT r.id FROM scim_resources r WHERE r.tenant = ${tenant} AND r.type = ${p.add('User')} AND ${where}`,
          p.values,
        );
        expect(plan.rows.map((r) => String(r['QUERY PLAN'])).join('\n'), text).toContain(index);
      }
      await expectSameAnswers(store, users);
    } finally {
      await db.drop();
    }
  });
});
