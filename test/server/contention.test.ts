// A PATCH without If-Match never answers 412, however many writers race on one resource:
// after its optimistic attempts it serialises, on MemoryStore and on PostgresStore.
import { describe, expect, it } from 'vitest';
import { bearerToken, createScimServer } from '../../src/index.js';
import { storeFactories } from '../store-factories.js';

const TOKEN = 'contention-token-0123456789-0123456789';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const stores = storeFactories();

describe.each(stores)('100 concurrent PATCHes of one user without If-Match on %s', (_name, makeStore) => {
  it('all answer 200 and every change is there', async () => {
    // the per-tenant concurrency limit would shed some of 100 writers with 429 after 2 s of
    // waiting on a slow machine: that is its job, not what this test is about (412s)
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), store: await makeStore(), limits: { maxConcurrencyWaitMs: 60_000 } });
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
