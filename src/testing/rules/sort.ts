/**
 * Sort (stores with `capabilities.sort`): the one sort key (a multi-valued attribute by its
 * primary value, else its first; caseExact honoured, others case-folded; dateTimes as
 * instants, integers as numbers), missing values last ascending and first descending, ties
 * broken by id. A store that declares `sort: false` skips these, with the reason; the engine
 * sorts for it (`describeEngineOverStore`). Part of `describeStoreContract`.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { withoutCapability } from '../capability.js';
import { contexts, contractRegistry, contractTypes, createTwelve, D, TWELVE, user } from '../fixtures.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the sort rules for a store under `name` (skipped for a store without `capabilities.sort`). */
export function describeSortRules(name: string, makeStore: StoreFactory): void {
  const { User, Device } = contractTypes(contractRegistry());
  const ctx = contexts('so', 'rules-a');

  describe(`ProvisioningStore contract, sort: ${name}`, () => {
    it('sorts like the engine, case-folded, both orders, with a count', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.sort, withoutCapability('sort'));
      await createTwelve(store, ctx(), User);
      const sorted = await store.search(ctx(), User, { sort: { path: 'displayName', order: 'ascending' }, startIndex: 1, count: 100, members: false });
      expect(sorted.resources.map((r) => r.displayName)).toEqual([...TWELVE].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
      const desc = await store.search(ctx(), User, { sort: { path: 'userName', order: 'descending' }, startIndex: 1, count: 3, members: false });
      expect(desc.resources.map((r) => r.displayName)).toEqual(['Zoe', 'kim', 'Jon']);
    });

    it('sorts a multi-valued attribute by its primary value, else its first', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.sort, withoutCapability('sort'));
      const mk = (u: string, emails: { value: string; primary?: boolean }[]) => store.create(ctx(), User, user(u, { emails }));
      await mk('s1', [{ value: 'z@x.io' }, { value: 'a@x.io', primary: true }]); // a
      await mk('s2', [{ value: 'm@x.io' }, { value: 'b@x.io' }]); // m
      await mk('s3', [{ value: 'c@x.io' }]); // c
      await mk('s4', []); // missing
      const order = async (o: 'ascending' | 'descending') =>
        (await store.search(ctx(), User, { sort: { path: 'emails.value', order: o }, startIndex: 1, count: 10, members: false })).resources.map(
          (r) => r.userName,
        );
      expect(await order('ascending')).toEqual(['s1', 's3', 's2', 's4']);
      expect(await order('descending')).toEqual(['s4', 's2', 's3', 's1']);
    });

    it('honours caseExact, compares dateTimes as instants and integers as numbers, and breaks ties by id', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.sort, withoutCapability('sort'));
      const devices = [
        { serial: 'b', label: 'B', seenAt: '2024-01-01T10:00:00+02:00', rank: 10 }, // 08:00Z
        { serial: 'B', label: 'b', seenAt: '2024-01-01T09:00:00Z', rank: 9 },
        { serial: 'a', label: 'a', seenAt: '2024-01-01T08:30:00Z', rank: 100 },
        { serial: 'c', label: 'B' },
      ];
      const ids: string[] = [];
      for (const d of devices) ids.push((await store.create(ctx(), Device, { schemas: [D], ...d })).id!);
      const order = async (path: string, o: 'ascending' | 'descending' = 'ascending') =>
        (await store.search(ctx(), Device, { sort: { path, order: o }, startIndex: 1, count: 10, members: false })).resources.map((r) => r.serial);
      expect(await order('serial')).toEqual(['B', 'a', 'b', 'c']);
      expect(await order('seenAt')).toEqual(['b', 'a', 'B', 'c']);
      expect(await order('seenAt', 'descending')).toEqual(['c', 'B', 'a', 'b']);
      expect(await order('rank')).toEqual(['B', 'b', 'a', 'c']);
      const byLabel = (o: 'ascending' | 'descending') =>
        store.search(ctx(), Device, { sort: { path: 'label', order: o }, startIndex: 1, count: 10, members: false });
      const tie = [ids[0]!, ids[1]!, ids[3]!].sort();
      expect((await byLabel('ascending')).resources.map((r) => r.id)).toEqual([ids[2], ...tie]);
      expect((await byLabel('descending')).resources.map((r) => r.id)).toEqual([...tie].reverse().concat(ids[2]!));
    });
  });
}
