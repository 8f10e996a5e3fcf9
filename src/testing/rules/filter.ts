/**
 * Filters (stores with `capabilities.filter`): a store's search answers a filter as the
 * engine's evaluator (`compileFilter`) does, with exact totals; with `unknownAttributes:
 * noMatch` a comparison of an attribute no schema defines is false. A store that declares
 * `filter: false` skips these, with the reason; the engine filters for it
 * (`describeEngineOverStore`). The case rules on non-ASCII values: `describeCaseRules`. Part of
 * `describeStoreContract`.
 * @module
 */
import type { ProvisioningStore } from 'scimkit';
import { compileFilter, parseFilter } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { withoutCapability } from '../capability.js';
import { engineHarness } from '../engine-harness.js';
import { contexts, contractRegistry, contractTypes, createTwelve, user } from '../fixtures.js';
import type { StoreFactory } from '../store-factory.js';

/** Filters over the twelve users: attributes, sub-attributes, value paths, `pr`, `not`, `ne`, `gt`. */
const FILTERS = [
  'active eq true',
  'displayName sw "d"',
  'title pr',
  'not (title pr)',
  'emails[type eq "work" and value co "@WORK"]',
  'userName eq "BEA@example.com"',
  'title ne "Dev"',
  'displayName gt "f" and active eq false',
];

/** Registers the filter rules for a store under `name` (skipped for a store without `capabilities.filter`). */
export function describeFilterRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();
  const { User } = contractTypes(registry);
  const ctx = contexts('fl', 'rules-a');

  describe(`ProvisioningStore contract, filters: ${name}`, () => {
    const engine = engineHarness(registry, 'rules-a');

    it('filters like the engine evaluator, with exact totals', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.filter, withoutCapability('filter'));
      await createTwelve(store, ctx(), User);
      const everyone = (await store.search(ctx(), User, { startIndex: 1, count: 100, members: false })).resources;
      expect(everyone).toHaveLength(12);
      for (const f of FILTERS) {
        const filter = parseFilter(f);
        const expected = everyone
          .filter(compileFilter(filter, User))
          .map((r) => r.id)
          .sort();
        const got = await store.search(ctx(), User, { filter, startIndex: 1, count: 100, members: false });
        expect(got.totalResults, f).toBe(expected.length);
        expect(got.resources.map((r) => r.id).sort(), f).toEqual(expected);
      }
    });

    it('through the server, with unknownFilterAttributes: noMatch, a filter on an unknown attribute matches nothing, in any combination, instead of 400', async () => {
      const store = await makeStore();
      const call = engine.serve(store, { unknownFilterAttributes: 'noMatch' });
      await call('POST', '/Users', user('known'));
      const none = await call('GET', `/Users?filter=${encodeURIComponent('nickname2 eq "x"')}`);
      expect([none.status, none.body.totalResults]).toEqual([200, 0]);
      const either = await call('GET', `/Users?filter=${encodeURIComponent('nickname2 eq "x" or userName eq "known"')}`);
      expect([either.status, either.body.totalResults]).toEqual([200, 1]);
      const negated = await call('GET', `/Users?filter=${encodeURIComponent('not (nickname2 eq "x")')}`);
      expect([negated.status, negated.body.totalResults]).toEqual([200, 1]);
    });

    it('with unknownAttributes: noMatch, a store’s own search matches nothing for an unknown attribute', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.filter, withoutCapability('filter'));
      await store.create(ctx(), User, user('known'));
      const direct = await store.search(ctx(), User, {
        filter: parseFilter('nickname2 eq "x" or userName eq "known"'),
        unknownAttributes: 'noMatch',
        startIndex: 1,
        count: 10,
        members: false,
      } as Parameters<ProvisioningStore['search']>[2]);
      expect(direct.totalResults).toBe(1);
    });
  });
}
