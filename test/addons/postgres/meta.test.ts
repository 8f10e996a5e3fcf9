// PostgresStore's meta times are the ISO strings the store made (xsd:dateTime), also where a
// statement computes them: the contract kit checks every kind of write; this checks the one
// fallback it cannot reach, a row whose document lost meta.created (written outside scimkit).

import { SchemaRegistry } from 'scimkit';
import { PostgresStore, type SqlPool } from 'scimkit/postgres';
import { isDateTime } from 'scimkit/store-kit';
import { afterAll, expect, it } from 'vitest';
import { freshPGlite } from '../../pglite.js';

const User = new SchemaRegistry().resourceType('User')!;
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ctx = { tenant: 'meta', requestId: 'm' };
const lite = freshPGlite();
afterAll(() => lite.close());

it('an update at a known version of a row without meta.created gives it an xsd:dateTime created', async () => {
  const store = new PostgresStore(lite as unknown as SqlPool);
  await store.migrate();
  const u = await store.create(ctx, User, { schemas: [U], userName: 'no-created' });
  await lite.query(`UPDATE scim_resources SET doc = doc #- '{meta,created}' WHERE id = $1`, [u.id]);
  const r = await store.replace(ctx, User, u.id!, { schemas: [U], userName: 'no-created', title: 'T' }, { ifVersion: u.meta!.version! });
  expect(r.meta?.created, String(r.meta?.created)).toSatisfy((v: unknown) => typeof v === 'string' && isDateTime(v));
  expect(isDateTime(String(r.meta?.lastModified))).toBe(true);
});
