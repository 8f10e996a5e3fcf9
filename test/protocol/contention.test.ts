// A PATCH without If-Match never answers 412, however many writers race on one resource:
// after its optimistic attempts it serialises, on MemoryStore and on PostgresStore.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { bearerToken, createScimServer, MemoryStore, type ProvisioningStore } from '../../src/index.js';
import { PostgresStore, type SqlPool } from '../../src/store/postgres/index.js';
import { scratchDatabase } from '../scratch-database.js';

const TOKEN = 'contention-token-0123456789-0123456789';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const lite = new PGlite();
const closing: (() => Promise<void>)[] = [() => lite.close()];
afterAll(async () => {
  for (const c of closing) await c();
});
const stores: [string, () => Promise<ProvisioningStore>][] = [
  ['MemoryStore', async () => new MemoryStore()],
  [
    'PostgresStore (PGlite)',
    async () => {
      const s = new PostgresStore(lite as unknown as SqlPool);
      await s.migrate();
      return s;
    },
  ],
];
if (process.env.DATABASE_URL)
  stores.push([
    'PostgresStore (PostgreSQL pool)',
    async () => {
      const db = await scratchDatabase('scimkit_contention', 10);
      closing.push(db.drop);
      const s = new PostgresStore(db.pool);
      await s.migrate();
      return s;
    },
  ]);

describe.each(stores)('100 concurrent PATCHes of one user without If-Match on %s', (_name, makeStore) => {
  it('all answer 200 and every change is there', async () => {
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), store: await makeStore() });
    const call = (method: string, path: string, body: unknown) =>
      scim.handle({ method, path, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
    const u = (await call('POST', '/Users', { schemas: [U], userName: `racer-${Math.random()}` })).body as { id: string };
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call('PATCH', `/Users/${u.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'emails', value: [{ value: `r${i}@x.io`, type: 'work' }] }] }),
      ),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    const got = (await scim.handle({ method: 'GET', path: `/Users/${u.id}`, headers: { authorization: `Bearer ${TOKEN}` } })).body as {
      emails: { value: string }[];
    };
    expect(new Set(got.emails.map((e) => e.value))).toEqual(new Set(Array.from({ length: 100 }, (_, i) => `r${i}@x.io`)));
    await scim.close();
  }, 60_000);
});
