import { describe, expect, it } from 'vitest';
import { bearerToken, createScimServer, MemoryStore, silentLogger } from '../../../src/index.js';

const TOKEN = 'retention-test-token-0123456789-0123456789';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('the change log in memory is bounded', () => {
  it('MemoryStore keeps at most 10,000 delivered events per tenant by default (its heap is the log)', async () => {
    const store = new MemoryStore();
    const scim = createScimServer({
      authenticate: bearerToken(TOKEN),
      store,
      hooks: { onEvent: () => {} },
      events: { mode: 'beforeResponse' },
      logger: silentLogger,
      rateLimits: false,
    });
    for (let i = 0; i < 10_500; i++) {
      const r = await scim.handle({
        method: 'POST',
        path: '/Users',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ schemas: [U], userName: `r${i}` }),
      });
      expect(r.status).toBe(201);
    }
    await scim.events.prune();
    const { events, pending } = store.outbox.stats();
    expect(pending).toBe(0);
    expect(events).toBe(10_000);
    // the newest are the ones kept
    const log = await scim.events.list({ tenant: 'default', after: 0, limit: 1 });
    expect(log[0]!.seq).toBe(501);
    await scim.close();
  }, 60_000);

  it('a host’s own retention wins', async () => {
    const store = new MemoryStore();
    const scim = createScimServer({
      authenticate: bearerToken(TOKEN),
      store,
      hooks: { onEvent: () => {} },
      events: { mode: 'beforeResponse', retention: { maxPerTenant: 50 } },
      logger: silentLogger,
      rateLimits: false,
    });
    for (let i = 0; i < 60; i++)
      await scim.handle({
        method: 'POST',
        path: '/Users',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ schemas: [U], userName: `h${i}` }),
      });
    await scim.events.prune();
    expect(store.outbox.stats().events).toBe(50);
    await scim.close();
  });
});
