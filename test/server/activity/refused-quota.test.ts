// Records of refused requests have a quota per tenant named: a stranger naming 1,000 other
// tenants with a bad token (it once took 12 s at 90 requests a second) cannot evict acme's
// refused records, from the log in memory (MemoryStore's) nor from PostgreSQL's (PGlite; the
// server with DATABASE_URL), whose bound on all refused records together is applied by prune.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearerTokens, createScimServer, hashToken, type ProvisioningStore, type ScimServer } from '../../../src/index.js';
import { storeFactories } from '../../store-factories.js';
import { U } from '../helpers.js';

const TOKEN = 'scimkit_refused-quota-token-0123456789abcdef';

function serve(store: ProvisioningStore, tenant: string): ScimServer {
  return createScimServer({
    tenantInPath: true,
    authenticate: bearerTokens([{ tenant, tokenHash: hashToken(TOKEN) }]),
    store,
    // the failed-authentication budget would answer most of them 429 first: refused all the same,
    // but this test is about what the activity log keeps
    rateLimits: false,
    // every refused record reaches the log (the default lets 100 a second through)
    activity: { maxRefusedPerSecond: 100_000, retention: { maxRefused: 500 } },
  });
}

describe.each(storeFactories())('refused records on %s', (_name, makeStore) => {
  it("1,000 bad-token requests naming other tenants do not evict acme's refused records", async () => {
    const acme = `acme-${randomUUID()}`;
    const server = serve(await makeStore(), acme);
    try {
      const call = (tenant: string, token: string, body?: unknown) =>
        server.handle({
          method: body === undefined ? 'GET' : 'POST',
          path: `/${tenant}/Users`,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          remoteAddress: '198.51.100.9',
        });
      expect((await call(acme, TOKEN, { schemas: [U], userName: 'real@acme.io' })).status).toBe(201);
      for (let i = 0; i < 5; i++) expect((await call(acme, 'scimkit_revoked-token-0123456789abcdef')).status).toBe(401);
      await server.activity.flush();
      const before = await server.activity.list({ tenant: acme, refused: true });
      expect(before).toHaveLength(5);
      for (let i = 0; i < 1000; i++) expect((await call(`other-${i}-${randomUUID()}`, 'scimkit_guess-token-0123456789abcdefgh')).status).toBe(401);
      await server.activity.flush();
      // PostgreSQL bounds refused records in all when it prunes (here 500 of the 1,000)
      await server.activity.prune();
      expect((await server.activity.list({ tenant: acme, refused: true })).map((r) => r.requestId)).toEqual(before.map((r) => r.requestId));
      expect((await server.activity.summary(acme)).rejectedTokens).toBe(5);
      expect((await server.activity.list({ tenant: acme })).map((r) => r.status)).toEqual([201]);
    } finally {
      await server.close();
    }
  });
});
