/**
 * Pages: a store's pages by `startIndex` and `count` are stable between calls (every resource
 * once, exact totals), `count: 0` only counts, and a store with `capabilities.keyset` walks
 * the same order by keyset as by offset, through ties and missing values. Part of
 * `describeStoreContract`.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { withoutCapability } from '../capability.js';
import { contexts, contractRegistry, contractTypes, createTwelve, D } from '../fixtures.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the paging rules for a store under `name`: stable offset pages, exact totals, keyset walks (stores with `capabilities.keyset`). */
export function describePageRules(name: string, makeStore: StoreFactory): void {
  const { User, Device } = contractTypes(contractRegistry());
  const ctx = contexts('pg', 'rules-a');

  describe(`ProvisioningStore contract, pages: ${name}`, () => {
    it('pages without a sort are stable, with exact totals; count 0 only counts', async () => {
      const store = await makeStore();
      await createTwelve(store, ctx(), User);
      const pages: string[] = [];
      for (let i = 1; i <= 12; i += 5) {
        const p = await store.search(ctx(), User, { startIndex: i, count: 5, members: false });
        expect(p.totalResults).toBe(12);
        pages.push(...p.resources.map((r) => r.id!));
      }
      expect(new Set(pages).size).toBe(12);
      const counted = await store.search(ctx(), User, { startIndex: 1, count: 0, members: false });
      expect([counted.resources, counted.totalResults]).toEqual([[], 12]);
    });

    it('pages by keyset through ties and missing values in both orders, as the offset order', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.keyset, withoutCapability('keyset'));
      skip(!store.capabilities.sort, withoutCapability('sort'));
      for (const [i, label] of ['x', 'y', undefined, 'x', undefined, 'y', 'x'].entries())
        await store.create(ctx(), Device, { schemas: [D], serial: `k${i}`, ...(label ? { label } : {}) });
      for (const o of ['ascending', 'descending'] as const) {
        const sort = { path: 'label', order: o };
        const all = (await store.search(ctx(), Device, { sort, startIndex: 1, count: 100, members: false })).resources.map((r) => r.id);
        const walked: (string | undefined)[] = [];
        let after: string | undefined;
        for (let page = 0; page < 10; page++) {
          const r = await store.search(ctx(), Device, { sort, startIndex: 1, count: 2, members: false, ...(after ? { after } : {}) });
          walked.push(...r.resources.map((x) => x.id));
          if (r.resources.length < 2 || !r.next) break;
          after = r.next;
        }
        expect(walked, o).toEqual(all);
      }
    });
  });
}
