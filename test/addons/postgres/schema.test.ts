// PostgresStore's `schema` option: every table, index and function of the store in a
// PostgreSQL schema of the app's choosing, created by migrate(); two stores in two schemas of
// one database never see each other; a name PostgreSQL could not hold is refused at once.

import { SchemaRegistry, type StoreContext } from 'scimkit';
import { MIGRATIONS, PostgresStore, type SqlPool, type SqlQueryable } from 'scimkit/postgres';
import { parseFilter } from 'scimkit/store-kit';
import { describeStoreContract } from 'scimkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPGlite } from '../../pglite.js';
import { scratchDatabase } from '../../scratch-database.js';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ctx: StoreContext = { tenant: 'acme', requestId: 'r' };
const ALL = MIGRATIONS.map((m) => m.id);

// a name that needs quoting in every way: upper case, a space, a double quote, a single quote
// and a dollar-quote tag (the migrations' DO block is dollar-quoted)
const ODD = `Scim "B" o'k $do$ $fn$`;

/** The tables of `schema`, by name. */
async function tablesIn(db: SqlQueryable, schema: string): Promise<string[]> {
  const { rows } = await db.query(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
    [schema],
  );
  return rows.map((r) => r.relname as string);
}

describe('PostgresStore: the schema option refuses a name PostgreSQL cannot hold, at construction', () => {
  const db = { query: async () => ({ rows: [] }) } satisfies SqlQueryable;
  it.each([
    ['an empty name', ''],
    ['a name longer than 63 bytes', 'é'.repeat(32)],
    ['a NUL', 'scim\u0000x'],
    ['a name PostgreSQL reserves (pg_)', 'pg_scim'],
    ['not a string', 42 as unknown as string],
  ])('%s', (_, schema) => {
    expect(() => new PostgresStore(db, { schema })).toThrow(TypeError);
    expect(() => new PostgresStore(db, { schema })).toThrow(/PostgresStore: schema/);
  });

  it('takes 63 bytes, and any other character (quoted)', () => {
    expect(() => new PostgresStore(db, { schema: 'a'.repeat(63) })).not.toThrow();
    expect(() => new PostgresStore(db, { schema: ODD })).not.toThrow();
  });
});

/** Two stores in two schemas of one database: each migrates, keeps and finds only its own. */
async function twoSchemas(db: SqlPool, newStore: (schema: string) => PostgresStore): Promise<void> {
  const a = newStore('scim_a');
  const b = newStore(ODD);
  const [ma, mb] = [await a.migrate(), await b.migrate()];
  expect(ma.applied.map((m) => m.id)).toEqual(ALL);
  expect(mb.applied.map((m) => m.id)).toEqual(ALL);
  expect(await b.migrate()).toEqual({ applied: [], current: ALL.at(-1) });
  const expected = [
    'scim_activity',
    'scim_connections',
    'scim_credentials',
    'scim_event_seq',
    'scim_events',
    'scim_members',
    'scim_migrations',
    'scim_resource_counts',
    'scim_resources',
    'scim_unique',
  ];
  expect(await tablesIn(db, 'scim_a')).toEqual(expected);
  expect(await tablesIn(db, ODD)).toEqual(expected);
  expect((await tablesIn(db, 'public')).filter((t) => t.startsWith('scim_'))).toEqual([]);
  // every index valid, the foreign key and the e-mail function in each schema
  expect((await db.query('SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid')).rows[0]).toEqual({ n: 0 });
  const fks = await db.query(
    "SELECT n.nspname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.conname = 'scim_members_member_fk' AND c.convalidated ORDER BY 1",
  );
  expect(fks.rows.map((r) => r.nspname)).toEqual([ODD, 'scim_a'].sort());
  const fns = await db.query("SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = 'scim_emails_ci' ORDER BY 1");
  expect(fns.rows.map((r) => r.nspname)).toEqual([ODD, 'scim_a'].sort());

  // the same userName and e-mail in the same tenant of both: no conflict, each finds its own
  const user = { schemas: [U], userName: 'ann', emails: [{ value: 'ann@x.io', type: 'work' }] };
  const inA = await a.create(ctx, User, user);
  const inB = await b.create(ctx, User, user);
  const group = await a.create(ctx, Group, { schemas: [G], displayName: 'Staff', members: [{ value: inA.id! }] });
  // a member of the other schema names nothing here
  await expect(b.create(ctx, Group, { schemas: [G], displayName: 'Staff', members: [{ value: inA.id! }] })).rejects.toMatchObject({ status: 400 });
  expect(await b.get(ctx, User, inA.id!)).toBeUndefined();
  expect(await a.get(ctx, User, inB.id!)).toBeUndefined();
  for (const [store, own] of [
    [a, inA],
    [b, inB],
  ] as const) {
    const found = await store.search(ctx, User, { filter: parseFilter('emails.value eq "ann@x.io"'), startIndex: 1, count: 10, members: true });
    expect(found.resources.map((r) => r.id)).toEqual([own.id]);
  }
  const byMember = await a.search(ctx, Group, {
    filter: parseFilter(`members.value eq "${inA.id}"`),
    startIndex: 1,
    count: 10,
    members: true,
  });
  expect(byMember.resources.map((r) => r.id)).toEqual([group.id]);
  expect((await a.get(ctx, User, inA.id!))?.groups).toEqual([{ value: group.id, display: 'Staff', type: 'direct' }]);
  await a.delete(ctx, User, inA.id!);
  expect((await a.get(ctx, Group, group.id!))?.members).toBeUndefined();
  expect(await b.get(ctx, User, inB.id!)).toMatchObject({ userName: 'ann' });
}

describe('PostgresStore in a schema of its own (PGlite)', () => {
  const lite = freshPGlite();
  afterAll(() => lite.close());
  it('migrates into the schema; two schemas of one database do not see each other', async () => {
    await twoSchemas(lite as unknown as SqlPool, (schema) => new PostgresStore(lite as unknown as SqlPool, { schema }));
  });

  it('takes over an installation moved into a schema as docs/stores.md says', async () => {
    const db = freshPGlite();
    try {
      const before = new PostgresStore(db as unknown as SqlPool);
      await before.migrate();
      const u = await before.create(ctx, User, { schemas: [U], userName: 'moved', emails: [{ value: 'm@x.io' }] });
      await before.create(ctx, Group, { schemas: [G], displayName: 'G', members: [{ value: u.id! }] });
      await db.exec(`CREATE SCHEMA scim;
        ${['scim_resources', 'scim_unique', 'scim_members', 'scim_migrations', 'scim_event_seq', 'scim_events', 'scim_activity', 'scim_connections', 'scim_credentials', 'scim_resource_counts'].map((t) => `ALTER TABLE ${t} SET SCHEMA scim;`).join('\n')}
        ALTER FUNCTION scim_emails_ci(jsonb) SET SCHEMA scim;
        ALTER FUNCTION scim_count_resources() SET SCHEMA scim;
        ALTER FUNCTION scim.scim_count_resources() SET search_path = scim;
        ALTER FUNCTION scim_emails_folded(jsonb) SET SCHEMA scim;`);
      const after = new PostgresStore(db as unknown as SqlPool, { schema: 'scim' });
      expect(await after.migrate()).toEqual({ applied: [], current: ALL.at(-1) });
      expect(await after.get(ctx, User, u.id!)).toMatchObject({ userName: 'moved', groups: [{ display: 'G' }] });
      const found = await after.search(ctx, User, { filter: parseFilter('emails.value eq "m@x.io"'), startIndex: 1, count: 10, members: true });
      expect(found.resources.map((r) => r.id)).toEqual([u.id]);
      await after.create(ctx, User, { schemas: [U], userName: 'new' });
      // the counting trigger follows the tables: an unfiltered total of the moved and the new user
      expect((await after.search(ctx, User, { startIndex: 1, count: 1, members: false })).totalResults).toBe(2);
      await expect(after.create(ctx, User, { schemas: [U], userName: 'MOVED' })).rejects.toMatchObject({ status: 409 });
      await after.delete(ctx, User, u.id!);
      expect((await after.search(ctx, User, { startIndex: 1, count: 1, members: false })).totalResults).toBe(1);
    } finally {
      await db.close();
    }
  });

  // the whole contract, each test on a fresh schema of the same database
  let n = 0;
  describeStoreContract('PostgresStore in a schema (PGlite)', async () => {
    const store = new PostgresStore(lite as unknown as SqlPool, { schema: `contract "${++n}"` });
    await store.migrate();
    return store;
  });
});

describe.runIf(process.env.DATABASE_URL)('PostgresStore in a schema of its own (PostgreSQL)', () => {
  it('migrates into the schema; two schemas of one database do not see each other', async () => {
    const db = await scratchDatabase('scimkit_schema');
    try {
      await twoSchemas(db.pool, (schema) => new PostgresStore(db.pool, { schema }));
    } finally {
      await db.drop();
    }
  });
});
