// Rate and concurrency limits: 429 with Retry-After and a SCIM error body exactly past the
// configured budget, per tenant, per token and per source of failed authentications.
import { describe, expect, it } from 'vitest';
import { bearerTokens, createScimServer, hashToken, MemoryRateLimiter, MemoryStore, type ProvisioningStore, type ScimServerOptions } from '../../src/index.js';
import type { SearchQuery } from '../../src/store-kit.js';

const T = { a: 'limits-token-a-0123456789-0123456789-0', a2: 'limits-token-a2-0123456789-0123456789-0', b: 'limits-token-b-0123456789-0123456789-0' };
const ERR = 'urn:ietf:params:scim:api:messages:2.0:Error';

function serve(options: Partial<ScimServerOptions> = {}, store: ProvisioningStore = new MemoryStore()) {
  const scim = createScimServer({
    authenticate: bearerTokens([
      { tenant: 'a', tokenHash: hashToken(T.a), tokenId: 'a-1' },
      { tenant: 'a', tokenHash: hashToken(T.a2), tokenId: 'a-2' },
      { tenant: 'b', tokenHash: hashToken(T.b), tokenId: 'b-1' },
    ]),
    store,
    ...options,
  });
  return (token: string, remoteAddress = '192.0.2.1') =>
    scim.handle({ method: 'GET', path: '/Users', headers: { authorization: `Bearer ${token}` }, remoteAddress });
}

describe('rate limits', () => {
  it('per tenant: the request past the burst is 429 with Retry-After, the other tenant goes on, the bucket refills', async () => {
    let clock = 1_000_000;
    const get = serve({ rateLimits: { perTenant: { burst: 5, perSecond: 2 }, perToken: false, limiter: new MemoryRateLimiter({ now: () => clock }) } });
    for (let i = 0; i < 5; i++) expect((await get(T.a)).status).toBe(200);
    const over = await get(T.a2);
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBe('1');
    expect(over.body).toMatchObject({ schemas: [ERR], status: '429', detail: expect.stringContaining('tenant a') });
    expect((await get(T.b)).status).toBe(200);
    clock += 499;
    expect((await get(T.a)).status).toBe(429);
    clock += 1;
    expect((await get(T.a)).status).toBe(200);
  });

  it('per token: one connection of a tenant past its budget does not stop the other', async () => {
    const get = serve({ rateLimits: { perTenant: false, perToken: { burst: 3, perSecond: 0.001 } } });
    for (let i = 0; i < 3; i++) expect((await get(T.a)).status).toBe(200);
    const over = await get(T.a);
    expect([over.status, Number(over.headers['retry-after']) > 60]).toEqual([429, true]);
    expect((await get(T.a2)).status).toBe(200);
  });

  it('both budgets through a limiter that answers with promises (a shared one): the tenant first, then the token, each 429 past its own', async () => {
    const memory = new MemoryRateLimiter();
    const taken: string[] = [];
    const shared = {
      take: async (key: string, budget: { burst: number; perSecond: number }) => {
        taken.push(key.split('\u0000')[0]!);
        return memory.take(key, budget);
      },
    };
    const get = serve({ rateLimits: { perTenant: { burst: 4, perSecond: 0.001 }, perToken: { burst: 2, perSecond: 0.001 }, limiter: shared } });
    expect([(await get(T.a)).status, (await get(T.a)).status]).toEqual([200, 200]);
    expect(taken).toEqual(['tenant', 'token', 'tenant', 'token']);
    const overToken = await get(T.a);
    expect([overToken.status, overToken.body]).toMatchObject([429, { status: '429' }]);
    // the other connection has its own token budget, but the tenant's (4) runs out on its second request
    expect([(await get(T.a2)).status, (await get(T.a2)).status]).toEqual([200, 429]);
    // a request the tenant's budget refused takes nothing from the token's
    taken.length = 0;
    await get(T.a2);
    expect(taken).toEqual(['tenant']);
  });

  it('failed authentications per source and credential: past the budget that credential is refused until it refills; a good token from the same source is not', async () => {
    const get = serve({ rateLimits: { failedAuthPerSource: { burst: 3, perSecond: 5 } } });
    const wrong = 'a-wrong-token-that-is-long-enough-0123';
    for (let i = 0; i < 3; i++) expect((await get(wrong)).status).toBe(401);
    const fourth = await get(wrong);
    expect([fourth.status, fourth.headers['retry-after']]).toEqual([429, '1']);
    expect((await get(wrong)).status).toBe(429);
    expect((await get(T.a)).status).toBe(200);
    expect((await get(wrong, '198.51.100.7')).status).toBe(401);
    await new Promise((r) => setTimeout(r, 250));
    expect((await get(wrong)).status).toBe(401);
  });

  it('the defaults leave an IdP alone: 150 requests of one tenant, 16 at a time, all answer', async () => {
    const get = serve();
    const statuses: number[] = [];
    let left = 150;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (left-- > 0) statuses.push((await get(T.a)).status);
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});

describe('concurrency per tenant', () => {
  it('past maxConcurrentPerTenant a request waits, then 429 with Retry-After; another tenant is not held up', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const inner = new MemoryStore();
    // a store whose searches of tenant a hang until the gate opens (a locked row, a slow query)
    const store = Object.assign(Object.create(inner) as ProvisioningStore, {
      search: async (ctx: { tenant: string }, type: never, q: SearchQuery) => {
        if (ctx.tenant === 'a') await gate;
        return inner.search(ctx as never, type, q);
      },
    });
    const get = serve({ limits: { maxConcurrentPerTenant: 2, maxConcurrencyWaitMs: 100 } }, store);
    const held = [get(T.a), get(T.a)];
    const third = await get(T.a2);
    expect([third.status, third.headers['retry-after']]).toEqual([429, '1']);
    expect((third.body as { detail: string }).detail).toContain('at once');
    const other = await get(T.b);
    expect(other.status).toBe(200);
    open();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    // the slots are free again
    expect((await get(T.a)).status).toBe(200);
  });
});
