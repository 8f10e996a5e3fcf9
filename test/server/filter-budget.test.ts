// The filter budget (issue #29, item 4): a filter's cost is checked before any store is asked,
// on every store, for GET ?filter, POST /.search and PATCH path filters (in Bulk too); an
// expensive filter one tenant runs on MemoryStore does not hold up another tenant's requests.
// Times here are wide guards against hangs and starvation on a shared machine, not targets
// (bench/heavy-filter.bench.ts measures).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNodeHandler } from '../../src/adapters/node.js';
import {
  bearerTokens,
  createScimServer,
  hashToken,
  MemoryStore,
  type ProvisioningStore,
  SchemaRegistry,
  type ScimLogger,
  type ScimServer,
  type ScimServerOptions,
} from '../../src/index.js';
import { storeFactories } from '../store-factories.js';
import { type Body, PATCH, U } from './helpers.js';

const T = { a: 'filter-budget-a-0123456789-0123456789-01', b: 'filter-budget-b-0123456789-0123456789-01' };
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
/** The filter of issue #29: 290 `emails[value co …]` terms, 7.7 KB, inside the 8,192-character limit. */
const HEAVY = Array.from({ length: 290 }, (_, i) => `emails[value co "q${i}"]`).join(' or ');
const authenticate = bearerTokens([
  { tenant: 'a', tokenHash: hashToken(T.a), tokenId: 'a' },
  { tenant: 'b', tokenHash: hashToken(T.b), tokenId: 'b' },
]);

function serve(store: ProvisioningStore, options: Partial<ScimServerOptions> = {}) {
  const hints: string[] = [];
  const logger: ScimLogger = { info: () => {}, error: () => {}, warn: (fields) => void (typeof fields.hint === 'string' && hints.push(fields.hint)) };
  const scim = createScimServer({ authenticate, store, rateLimits: false, logger, ...options });
  const call = async (method: string, path: string, body?: unknown, token = T.a) => {
    const [p, q] = path.split('?');
    const r = await scim.handle({
      method,
      path: p!,
      query: q ?? '',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return r as typeof r & { body: Body };
  };
  return { scim, call, hints };
}

describe.each(storeFactories())('%s: a filter over the budget', (_name, makeStore) => {
  let api: ReturnType<typeof serve>;
  let ids: string[];
  beforeAll(async () => {
    api = serve(await makeStore());
    ids = [];
    for (let i = 0; i < 5; i++) {
      const r = await api.call('POST', '/Users', { schemas: [U], userName: `user${i}@example.com`, emails: [{ value: `user${i}@example.com`, type: 'work' }] });
      ids.push(r.body.id!);
    }
  });
  afterAll(() => api.scim.close());

  it('the 7.7 KB 290-term filter is 400 invalidFilter naming the budget, by POST /.search, GET ?filter and at the root', async () => {
    expect(HEAVY.length).toBeGreaterThan(7600);
    const answers = [
      await api.call('POST', '/Users/.search', { schemas: [SEARCH], filter: HEAVY }),
      await api.call('GET', `/Users?filter=${encodeURIComponent(HEAVY)}`),
      await api.call('POST', '/.search', { schemas: [SEARCH], filter: HEAVY }),
    ];
    for (const r of answers) {
      expect([r.status, r.body.scimType]).toEqual([400, 'invalidFilter']);
      expect(r.body.detail).toBe("the filter costs 2320, over this server's budget of 256; use fewer or more selective terms");
    }
    // the option to change is for the host's log, never the client's detail
    expect(api.hints.filter((h) => /limits\.maxFilterCost/.test(h))).toHaveLength(3);
  });

  it('a modest filter still works: a value filter with co, and an or chain of look-ups', async () => {
    const r = await api.call('POST', '/Users/.search', { schemas: [SEARCH], filter: 'emails[type eq "work" and value co "user1"]' });
    expect([r.status, r.body.totalResults]).toEqual([200, 1]);
    const chain = ids.map((id) => `id eq "${id}"`).join(' or ');
    const g = await api.call('GET', `/Users?filter=${encodeURIComponent(chain)}`);
    expect([g.status, g.body.totalResults]).toEqual([200, 5]);
  });

  it('in Bulk: a PATCH path filter over the budget is that operation’s 400 invalidFilter; the others run', async () => {
    const small = serve(await makeStore(), { limits: { maxFilterCost: 20 } });
    const u = (await small.call('POST', '/Users', { schemas: [U], userName: 'b@example.com', emails: [{ value: 'b@example.com' }] })).body;
    const over = `emails[${Array.from({ length: 11 }, (_, i) => `value co "z${i}"`).join(' or ')}]`;
    const r = await small.call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'PATCH', path: `/Users/${u.id}`, data: { schemas: [PATCH], Operations: [{ op: 'remove', path: over }] } },
        { method: 'PATCH', path: `/Users/${u.id}`, data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'kept' }] } },
      ],
    });
    const ops = (r.body as { Operations: { status: string; response?: Body }[] }).Operations;
    expect(ops.map((o) => o.status)).toEqual(['400', '200']);
    expect(ops[0]!.response).toMatchObject({
      scimType: 'invalidFilter',
      detail: "Operations[0]: the filter costs 22, over this server's budget of 20; use fewer or more selective terms",
    });
    // the same filter through /.search
    expect((await small.call('POST', '/Users/.search', { schemas: [SEARCH], filter: over })).status).toBe(400);
    await small.scim.close();
  });

  it('the budget is the server’s: raised, the same filter runs', async () => {
    const big = serve(await makeStore(), { limits: { maxFilterCost: 5000 } });
    const r = await big.call('POST', '/Users/.search', { schemas: [SEARCH], filter: HEAVY });
    expect([r.status, r.body.totalResults]).toEqual([200, 0]);
    await big.scim.close();
  });
});

describe('the work budget: resources tested × the filter’s cost', () => {
  /** MemoryStore that says it cannot filter: the engine filters what it fetched. */
  function plainStore(): ProvisioningStore {
    const inner = new MemoryStore();
    return {
      capabilities: { filter: false, sort: false, memberDeltas: false },
      get: (...a) => inner.get(...a),
      search: (ctx, type, q) => inner.search(ctx, type, { startIndex: q.startIndex, count: q.count, members: q.members }),
      create: (...a) => inner.create(...a),
      replace: (...a) => inner.replace(...a),
      delete: (...a) => inner.delete(...a),
    };
  }

  it.each([
    ['MemoryStore (it counts as it scans)', () => new MemoryStore()],
    ['a store that cannot filter (the engine counts)', plainStore],
  ])('%s: a scan past limits.maxFilterWork is 400 invalidFilter, one within it answers', async (_name, make) => {
    const api = serve(make(), { limits: { maxFilterWork: 100 } });
    for (let i = 0; i < 30; i++) await api.call('POST', '/Users', { schemas: [U], userName: `user${i}@example.com`, title: `t${i}` });
    const over = await api.call('GET', `/Users?filter=${encodeURIComponent('title co "1" or title co "2"')}`);
    expect([over.status, over.body.scimType]).toEqual([400, 'invalidFilter']);
    expect(over.body.detail).toBe(
      "the filter costs 120 over the 30 resources it tests (4 each), over this server's budget of 100; use fewer or more selective terms",
    );
    expect(api.hints.some((h) => /limits\.maxFilterWork/.test(h))).toBe(true);
    const under = await api.call('GET', `/Users?filter=${encodeURIComponent('title co "1"')}`);
    expect([under.status, under.body.totalResults]).toEqual([200, 12]);
    await api.scim.close();
  });
});

describe('MemoryStore over HTTP: one tenant’s heavy filters and another tenant’s GET', () => {
  const USERS = 30_000;
  let http: Server;
  let base: string;
  let bUser: string;
  let store: MemoryStore;
  beforeAll(async () => {
    store = new MemoryStore();
    const User = new SchemaRegistry().resourceType('User')!;
    for (let i = 0; i < USERS; i++)
      await store.create({ tenant: 'a', requestId: 'seed' }, User, {
        schemas: [U],
        userName: `user${i}@example.com`,
        emails: [{ value: `user${i}@example.com` }],
      });
    bUser = (await store.create({ tenant: 'b', requestId: 'seed' }, User, { schemas: [U], userName: 'b@example.com' })).id!;
  }, 120_000);
  let scim: ScimServer | undefined;
  afterAll(async () => {
    http?.closeAllConnections();
    await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
    await scim?.close();
  });

  async function listen(options: Partial<ScimServerOptions>): Promise<void> {
    http?.closeAllConnections();
    if (http) await new Promise<void>((r) => http.close(() => r()));
    await scim?.close();
    scim = serve(store, options).scim;
    http = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2`;
  }
  const heavySearch = () =>
    fetch(`${base}/Users/.search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${T.a}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [SEARCH], filter: HEAVY }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Body }));
  const timedGet = async () => {
    const t0 = performance.now();
    const r = await fetch(`${base}/Users/${bUser}`, { headers: { authorization: `Bearer ${T.b}` } });
    await r.text();
    return { status: r.status, ms: performance.now() - t0 };
  };

  it('with the default budget the heavy filter is refused at once, not after seconds of CPU', async () => {
    await listen({});
    const t0 = performance.now();
    const r = await heavySearch();
    expect([r.status, r.body.scimType]).toEqual([400, 'invalidFilter']);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('with the budget lifted, 5 parallel heavy searches of tenant a leave tenant b’s GET by id answered in bounded time', async () => {
    await listen({ limits: { maxFilterCost: Number.POSITIVE_INFINITY, maxFilterWork: Number.POSITIVE_INFINITY } });
    const heavy = Array.from({ length: 5 }, heavySearch);
    await new Promise((r) => setTimeout(r, 100));
    const gets = [];
    for (let i = 0; i < 5; i++) gets.push(await timedGet());
    const answers = await Promise.all(heavy);
    expect(gets.map((g) => g.status)).toEqual([200, 200, 200, 200, 200]);
    // a scan that never yields holds each GET for the rest of all 5 scans (seconds)
    expect(Math.max(...gets.map((g) => g.ms)), `tenant b's GETs: ${gets.map((g) => g.ms.toFixed(0)).join(', ')} ms`).toBeLessThan(1500);
    for (const r of answers) expect([200, 503]).toContain(r.status);
  }, 120_000);
});
