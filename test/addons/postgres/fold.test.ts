// PostgresStore compares what the core folded (addons/postgres/folded.ts), never SQL lower():
// migration 7 folds the rows of an existing database, migrate() folds again what an instance
// of an earlier version wrote meanwhile, and a database whose locale lower-cases only ASCII
// gives the same answers as any other.

import pg from 'pg';
import { describeCaseRules } from 'scimkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, PostgresStore, type SqlPool, type SqlQueryable, stepsOf } from '../../../src/addons/postgres/index.js';
import { SchemaRegistry, type ScimError, type ScimResource } from '../../../src/index.js';
import { parseFilter } from '../../../src/store-kit.js';
import { freshPGlite } from '../../pglite.js';
import { scratchDatabase } from '../../scratch-database.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
const User = registry.resourceType('User')!;
const ctx = { tenant: 'fold', requestId: 'r' };

/** A database as the version before migration 7 left it: migrations 1 to 6, recorded. */
async function previousVersion(db: SqlQueryable & { exec?(sql: string): Promise<unknown> }): Promise<void> {
  await db.query('CREATE TABLE IF NOT EXISTS scim_migrations (id integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())');
  for (const m of MIGRATIONS.filter((x) => x.id <= 6)) {
    for (const step of stepsOf(m)) {
      if ('concurrently' in step) await db.query(step.concurrently);
      else if ('sql' in step) await (db.exec ? db.exec(step.sql) : db.query(step.sql));
    }
    await db.query('INSERT INTO scim_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
  }
}

let seq = 0;
/** A user row as the previous version wrote it: lower-cased columns and keys (JavaScript's toLowerCase), no folded copy. */
async function writtenBefore(db: SqlQueryable, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const id = `old-${++seq}`;
  const now = new Date().toISOString();
  const doc = { schemas: [U], id, userName, ...extra, meta: { resourceType: 'User', created: now, lastModified: now, version: 'W/"1"' } };
  await db.query(
    `INSERT INTO scim_resources (tenant, type, id, doc, user_name_ci, external_id, display_name_ci, version, created, last_modified)
     VALUES ($1, 'User', $2, $3, $4, $5, NULL, 1, $6, $6)`,
    [ctx.tenant, id, JSON.stringify(doc), userName.toLowerCase(), (extra.externalId as string | undefined) ?? null, now],
  );
  await db.query(`INSERT INTO scim_unique (tenant, type, attr, value, id) VALUES ($1, 'User', 'userName', $2, $3)`, [ctx.tenant, userName.toLowerCase(), id]);
  if (typeof extra.externalId === 'string')
    await db.query(`INSERT INTO scim_unique (tenant, type, attr, value, id) VALUES ($1, 'User', 'externalId', $2, $3)`, [ctx.tenant, extra.externalId, id]);
  return id;
}

async function refusal(p: Promise<unknown>): Promise<ScimError> {
  try {
    await p;
  } catch (e) {
    return e as ScimError;
  }
  throw new Error('expected a refusal');
}

const search = async (store: PostgresStore, filter: string) =>
  (await store.search(ctx, User, { filter: parseFilter(filter), startIndex: 1, count: 10, members: false })).resources.map((r) => r.userName);

/** The databases the upgrade runs on: PGlite, and a scratch database of the server when there is one. */
const databases: [string, () => Promise<{ db: SqlQueryable & { exec?(sql: string): Promise<unknown> }; store: PostgresStore; close(): Promise<void> }>][] = [
  [
    'PGlite',
    async () => {
      const lite = freshPGlite();
      return { db: lite, store: new PostgresStore(lite as unknown as SqlPool), close: () => lite.close() };
    },
  ],
];
if (process.env.DATABASE_URL)
  databases.push([
    'PostgreSQL',
    async () => {
      const scratch = await scratchDatabase('scimkit_fold', 2);
      return { db: scratch.pool, store: new PostgresStore(scratch.pool), close: scratch.drop };
    },
  ]);

describe.each(databases)('migration 7 on %s', (_name, open) => {
  it('folds the rows an earlier version wrote: non-ASCII filters find them, look-alikes of their names are taken', async () => {
    const { db, store, close } = await open();
    try {
      await previousVersion(db);
      await writtenBefore(db, 'İstanbul-inci', { emails: [{ value: 'İnci@acme.io' }], title: 'ΣΟΦΟΣ' });
      await writtenBefore(db, 'Admin ', { externalId: 'Ext-1' });
      await writtenBefore(db, 'Straße');
      // two look-alikes the previous rule let in: both stay, the first keeps the name
      await writtenBefore(db, 'twin@acme.io');
      await writtenBefore(db, 'ＴＷＩＮ@acme.io');

      const report = await store.migrate();
      // migration 7 and whatever came after it (the previous version stopped at 6)
      expect(report.applied.map((a) => a.id)).toEqual(report.applied.map((a) => a.id).filter((id) => id >= 7));
      expect(report.applied[0]?.id).toBe(7);
      expect((await db.query('SELECT count(*)::int AS n FROM scim_resources WHERE doc_ci IS NULL OR folded_version IS DISTINCT FROM version')).rows[0]).toEqual(
        {
          n: 0,
        },
      );
      expect(await search(store, 'emails.value eq "İnci@acme.io"')).toEqual(['İstanbul-inci']);
      expect(await search(store, 'title eq "σοφος"')).toEqual(['İstanbul-inci']);
      expect(await search(store, 'userName sw "İSTAN"')).toEqual(['İstanbul-inci']);
      expect(await search(store, 'userName eq "STRASSE"')).toEqual(['Straße']);
      const user = (userName: string, extra: Record<string, unknown> = {}): ScimResource => ({ schemas: [U], userName, ...extra });
      for (const name of ['admin', 'ADMIN', 'strasse', 'twin@acme.io.', 'İstanbul-İnci'])
        expect((await refusal(store.create(ctx, User, user(name)))).status, name).toBe(409);
      // externalId keeps its exact key
      expect((await refusal(store.create(ctx, User, user('other', { externalId: 'Ext-1' })))).status).toBe(409);
      await store.create(ctx, User, user('other', { externalId: 'ext-1' }));
      expect((await search(store, 'userName ew "@acme.io"')).sort()).toEqual(['twin@acme.io', 'ＴＷＩＮ@acme.io']);
      // the second look-alike keeps the key it had: the first holds the identity key
      const keys = await db.query(
        `SELECT value FROM scim_unique WHERE tenant = $1 AND attr = 'userName' AND value LIKE '%@acme.io' ORDER BY value COLLATE "C"`,
        [ctx.tenant],
      );
      expect(keys.rows.map((r) => r.value)).toEqual(['twin@acme.io', 'ｔｗｉｎ@acme.io']);
      // every index built, none left invalid
      expect((await db.query('SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid')).rows[0]).toEqual({ n: 0 });
    } finally {
      await close();
    }
  });

  it('folds again, at the next migrate(), rows an instance of the earlier version wrote during a rolling upgrade', async () => {
    const { db, store, close } = await open();
    try {
      await store.migrate();
      const kept = await store.create(ctx, User, { schemas: [U], userName: 'kept', title: 'old' });
      // the earlier version: an insert without the folded copy, an update that leaves it as it was
      await writtenBefore(db, 'Émile', { emails: [{ value: 'Émile@acme.io' }] });
      await db.query(`UPDATE scim_resources SET version = version + 1, doc = jsonb_set(doc, '{title}', '"ÅSTRÖM"') WHERE tenant = $1 AND id = $2`, [
        ctx.tenant,
        kept.id,
      ]);
      const again = await store.migrate();
      expect(again.applied).toEqual([]);
      expect(await search(store, 'emails.value eq "émile@acme.io"')).toEqual(['Émile']);
      expect(await search(store, 'title eq "åström"')).toEqual(['kept']);
      expect(await search(store, 'title eq "old"')).toEqual([]);
    } finally {
      await close();
    }
  });
});

// A database whose ctype is C: lower() there changes only ASCII letters, so every
// upper-case non-ASCII letter missed before (emails.value eq "Émile@acme.io", ÅSTRÖM, Ärzte)
describe.runIf(process.env.DATABASE_URL)('on a database of the C locale', () => {
  const name = `scimkit_c_locale_${process.pid}_${Date.now()}`;
  let admin: pg.Client;
  let pool: pg.Pool;
  let store: PostgresStore;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
    pool.on('error', () => undefined);
    store = new PostgresStore(pool);
    await store.migrate();
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
  });
  it('lower-cases only ASCII there (what made the filters miss)', async () => {
    expect((await pool.query("SELECT lower('ÉMILE') AS l")).rows[0]).toEqual({ l: 'Émile' });
  });
  describeCaseRules('PostgresStore on a C-locale database', async () => {
    await pool.query('TRUNCATE scim_resources, scim_unique, scim_members, scim_events, scim_event_seq');
    return store;
  });
});
