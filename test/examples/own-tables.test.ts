// examples/own-tables: the store over an app's own tables passes the store contract on PGlite and
// (with DATABASE_URL) on PostgreSQL, each test in tables of its own; SCIM writes land in the
// app's columns and rows the app wrote itself are served; and `scimkit check` passes against
// the example's server, built as `npm run example:own-tables` builds it.
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { MemoryStore, type ProvisioningStore, type ResourceType, SchemaRegistry, type ScimResource } from 'scimkit';
import { runChecks } from 'scimkit/check';
import { shutdown } from 'scimkit/node';
import { foldCase, identityKey, parseFilter } from 'scimkit/store-kit';
import { describeStoreContract } from 'scimkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createOwnTablesApp } from '../../examples/own-tables/app.js';
import { migrate } from '../../examples/own-tables/migration.js';
import { OwnTablesStore } from '../../examples/own-tables/store.js';
import { freshPGlite } from '../pglite.js';
import { scratchDatabase } from '../scratch-database.js';

/** The databases of earlier tests, closed when the next test makes its own (tests of a file run one after another). */
const closing: (() => Promise<void>)[] = [];
const closeEarlier = async () => {
  for (const close of closing.splice(0)) await close();
};
afterAll(closeEarlier);

/**
 * The kit's own Device type (a custom schema whose caseExact, integer and binary attributes are
 * unique) has no table in the example app, which answers 501 for it; the kit's uniqueness,
 * sort, page and no-op suites create Devices on every store, whatever it keeps, so their
 * Device checks run on a MemoryStore beside the example store. Every User and Group goes to
 * the example store.
 */
function devicesElsewhere(store: OwnTablesStore): ProvisioningStore {
  const devices = new MemoryStore();
  const of = (type: ResourceType): ProvisioningStore => (type.name === 'Device' ? devices : store);
  return {
    capabilities: store.capabilities,
    get: (ctx, type, id, options) => of(type).get(ctx, type, id, options),
    search: (ctx, type, query) => of(type).search(ctx, type, query),
    create: (ctx, type, resource, options) => of(type).create(ctx, type, resource, options),
    replace: (ctx, type, id, resource, options) => of(type).replace(ctx, type, id, resource, options),
    delete: (ctx, type, id, options) => of(type).delete(ctx, type, id, options),
  };
}

describeStoreContract('OwnTablesStore on PGlite', async () => {
  await closeEarlier();
  const db = freshPGlite();
  closing.push(() => db.close());
  await migrate(db);
  return devicesElsewhere(new OwnTablesStore(db));
});

const url = process.env.DATABASE_URL;

describe.skipIf(!url)('OwnTablesStore on PostgreSQL (DATABASE_URL)', () => {
  const admin = url ? new pg.Pool({ connectionString: url, max: 1 }) : undefined;
  const schemas: string[] = [];
  afterAll(async () => {
    await closeEarlier();
    for (const s of schemas) await admin!.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin?.end();
  });
  describeStoreContract('OwnTablesStore on PostgreSQL', async () => {
    await closeEarlier();
    // the app's table names in a schema of this test's own, in the shared database
    const schema = `own_tables_${process.pid}_${schemas.length}_${Date.now() % 1e6}`;
    schemas.push(schema);
    await admin!.query(`CREATE SCHEMA ${schema}`);
    const pool = new pg.Pool({ connectionString: url, max: 8, options: `-c search_path=${schema}` });
    closing.push(() => pool.end());
    await migrate(pool);
    return devicesElsewhere(new OwnTablesStore(pool));
  });
});

describe('OwnTablesStore keeps SCIM in the app’s own columns', () => {
  const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
  const User = registry.resourceType('User')!;
  const ctx = { tenant: 'acme', requestId: 'own-tables' };
  const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

  it('writes a user to users (email, first_name, scim_version…), moves scim_version only on a change, and serves a row the app inserted itself', async () => {
    const db = new PGlite();
    try {
      await migrate(db);
      const store = new OwnTablesStore(db);
      const created = await store.create(ctx, User, {
        schemas: [U],
        userName: 'Ada@Example.com',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
        title: 'Eng',
      });
      const row = async () =>
        (
          await db.query<Record<string, unknown>>('SELECT email, first_name, last_name, active, scim_extra, scim_version FROM users WHERE id = $1', [
            created.id,
          ])
        ).rows[0];
      expect(await row()).toEqual({
        email: 'Ada@Example.com',
        first_name: 'Ada',
        last_name: 'Lovelace',
        active: true,
        scim_extra: { schemas: [U], title: 'Eng' },
        scim_version: 1,
      });
      const { id: _id, meta: _meta, ...same } = created;
      await store.replace(ctx, User, created.id!, same, { ifVersion: 'W/"1"' });
      expect((await row())?.scim_version).toBe(1);
      await store.replace(ctx, User, created.id!, { ...same, active: false }, { ifVersion: 'W/"1"' });
      expect(await row()).toMatchObject({ active: false, scim_version: 2 });
      await expect(store.replace(ctx, User, created.id!, same, { ifVersion: 'W/"1"' })).rejects.toMatchObject({ status: 412 });

      // the app's own insert: the derived columns from the same rules scimkit uses (foldCase, identityKey)
      const email = 'Grace@Example.com';
      await db.query(
        `INSERT INTO users (id, org_id, email, first_name, email_folded, email_key, created_at, updated_at)
         VALUES ('00000000-0000-4000-8000-000000000001', 'acme', $1, 'Grace', $2, $3, now(), now())`,
        [email, foldCase(email), identityKey(email)],
      );
      const found = await store.search(ctx, User, { filter: parseFilter('userName eq "grace@EXAMPLE.com"'), startIndex: 1, count: 10, members: false });
      expect(found.resources.map((r) => [r.id, r.userName, (r.name as ScimResource | undefined)?.givenName, r.active, r.meta?.version])).toEqual([
        ['00000000-0000-4000-8000-000000000001', email, 'Grace', true, 'W/"1"'],
      ]);
      await expect(store.create(ctx, User, { schemas: [U], userName: 'GRACE@example.com' })).rejects.toMatchObject({ status: 409, scimType: 'uniqueness' });
    } finally {
      await db.close();
    }
  });

  it('answers a filter on mapped columns in SQL alone, and tests the rest with scimkit’s evaluator within the work budget', async () => {
    const db = new PGlite();
    try {
      await migrate(db);
      const store = new OwnTablesStore(db);
      for (const n of ['a', 'b', 'c']) await store.create(ctx, User, { schemas: [U], userName: n, title: n === 'b' ? 'Eng' : 'Ops' });
      const search = (filter: string, maxFilterWork?: number) =>
        store.search(ctx, User, { filter: parseFilter(filter), startIndex: 1, count: 10, members: false, ...(maxFilterWork ? { maxFilterWork } : {}) });
      // a budget too small to test even one row against it (cost 2): SQL answers it without testing any
      expect((await search('userName eq "B" or userName eq "C"', 1)).resources.map((r) => r.userName).sort()).toEqual(['b', 'c']);
      // title has no column: every row of the org is a candidate, tested by the evaluator
      expect((await search('title eq "eng"')).resources.map((r) => r.userName)).toEqual(['b']);
      await expect(search('title eq "eng"', 2)).rejects.toMatchObject({ status: 400, scimType: 'invalidFilter' });
      // a mapped part narrows the candidates to one row, which the budget allows (1 × cost 2; the 3 rows would be 6)
      expect((await search('userName eq "b" and title eq "eng"', 2)).totalResults).toBe(1);
    } finally {
      await db.close();
    }
  });
});

/** Builds the example's server from `env` as server.ts does, listens on 127.0.0.1, runs the whole `scimkit check` catalogue, stops as Ctrl-C does. */
async function checkExample(env: Record<string, string>): Promise<void> {
  const app = await createOwnTablesApp(env);
  await new Promise<void>((r) => app.http.listen(0, '127.0.0.1', r));
  try {
    const { port } = app.http.address() as AddressInfo;
    const report = await runChecks({ baseUrl: `http://127.0.0.1:${port}/scim/v2`, token: app.token });
    expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    expect(report.summary.passed).toBeGreaterThan(40);
    expect(report.results.filter((r) => r.leftovers)).toEqual([]);
  } finally {
    await shutdown(app.http, app.scim, { after: app.close });
  }
}

describe('scimkit check on examples/own-tables', () => {
  const SCIM_TOKEN = 'tok-own-tables-0123456789-0123456789';

  it('passes every scenario the example claims, on the embedded PGlite it starts without DATABASE_URL', async () => {
    await checkExample({ SCIM_TOKEN });
  });

  it.skipIf(!url)('passes every scenario the example claims, on PostgreSQL at DATABASE_URL', async () => {
    const db = await scratchDatabase('own_tables_check');
    try {
      await checkExample({ SCIM_TOKEN, DATABASE_URL: db.url });
    } finally {
      await db.drop();
    }
  });
});
