// The engine's own filter and sort, for stores that cannot (capabilities false): the same
// rules as the stores (core/rules/sort.ts), bounded, with exact totals.
import { describe, expect, it } from 'vitest';
import { MemoryStore, type ProvisioningStore, type StoreCapabilities } from '../../src/index.js';
import type { SearchQuery } from '../../src/store-kit.js';
import { setup } from './helpers.js';

/** MemoryStore that says it can neither filter nor sort: every list goes through the engine's fallback. */
function plainStore(): ProvisioningStore {
  const inner = new MemoryStore();
  const capabilities: StoreCapabilities = { filter: false, sort: false, memberDeltas: false };
  return {
    capabilities,
    get: (...a) => inner.get(...a),
    search: (ctx, type, q: SearchQuery) => inner.search(ctx, type, { startIndex: q.startIndex, count: q.count, members: q.members }),
    create: (...a) => inner.create(...a),
    replace: (...a) => inner.replace(...a),
    delete: (...a) => inner.delete(...a),
  };
}

describe('the engine’s fallback for stores that cannot filter or sort', () => {
  it('sorts as the stores do: caseExact kept, missing first descending, primary e-mail, ties by id', async () => {
    const native = setup();
    const plain = setup({ store: plainStore() });
    for (const { call, user } of [native, plain]) {
      await call('POST', '/Users', user('b', { externalId: 'b', emails: [{ value: 'z@x.io' }, { value: 'a@x.io', primary: true }] }));
      await call('POST', '/Users', user('a', { externalId: 'B', emails: [{ value: 'm@x.io' }] }));
      await call('POST', '/Users', user('c'));
      for (const n of ['t1', 't2', 't3']) await call('POST', '/Users', user(n, { title: 'same' }));
    }
    // equal keys: ordered by id in both stores, whatever the ids are
    const ties = (await plain.call('GET', '/Users?filter=title eq "same"&sortBy=title')).body.Resources!;
    expect(ties.map((r) => r.id)).toEqual(ties.map((r) => r.id as string).sort());
    const tiesDesc = (await plain.call('GET', '/Users?filter=title eq "same"&sortBy=title&sortOrder=descending')).body.Resources!;
    expect(tiesDesc.map((r) => r.id)).toEqual(
      ties
        .map((r) => r.id as string)
        .sort()
        .reverse(),
    );
    for (const q of ['sortBy=externalId', 'sortBy=externalId&sortOrder=descending', 'sortBy=emails.value', 'sortBy=emails.value&sortOrder=descending']) {
      // the three with a key, and one without (ties among missing keys go by ids, which differ between the two servers)
      const f = encodeURIComponent('not (title eq "same")');
      const names = async (s: typeof native) => (await s.call('GET', `/Users?filter=${f}&${q}`)).body.Resources?.map((r) => r.userName);
      expect(await names(plain), q).toEqual(await names(native));
    }
    expect((await plain.call('GET', '/Users?sortBy=externalId')).body.Resources?.map((r) => r.userName).slice(0, 2)).toEqual(['a', 'b']);
    expect((await plain.call('GET', '/Users?sortBy=externalId&sortOrder=descending')).body.Resources?.map((r) => r.userName).slice(-2)).toEqual(['b', 'a']);
  });
});

describe('a filtered list past what the fallback scans', () => {
  it('is 400 tooMany telling the IdP what to ask instead; the store’s missing capability goes to the server log', async () => {
    const hints: Record<string, unknown>[] = [];
    const logger = { info: () => {}, error: () => {}, warn: (fields: Record<string, unknown>) => void (fields.hint !== undefined && hints.push(fields)) };
    const store = plainStore();
    // a tenant with more users than the fallback scans (counted, not made: 10,001 creates are slow)
    const search = store.search;
    store.search = async (ctx, type, q) => ({ ...(await search(ctx, type, q)), totalResults: 10_001 });
    const { call } = setup({ store, logger });
    const r = await call('GET', `/Users?filter=${encodeURIComponent('userName eq "a"')}`);
    expect([r.status, r.body.scimType]).toEqual([400, 'tooMany']);
    expect(r.body.detail).toBe('This server cannot filter or sort more than 10000 User resources; list them without filter and sortBy');
    expect(hints).toHaveLength(1);
    expect(hints[0]!.hint).toMatch(/capabilities\.filter/);
  });
});
