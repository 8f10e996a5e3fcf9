/**
 * Uniqueness: a store keeps each unique attribute unique per tenant (userName and a unique
 * group displayName by identity key, externalId and caseExact values exactly, integers as
 * numbers, binary values case exact), answers 409 `uniqueness` naming the attribute, lets one
 * of racing creates win, and frees a value with its holder. What its uniqueness index finds
 * and what its filter finds are the same values (the one equality rule). Part of
 * `describeStoreContract`.
 * @module
 */
import type { ProvisioningStore, ScimError } from 'scimkit';
import { compileFilter, parseFilter } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { withoutCapability } from '../capability.js';
import { engineHarness } from '../engine-harness.js';
import { contexts, contractRegistry, contractTypes, D, device, G, user } from '../fixtures.js';
import { rejects } from '../refusal.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the uniqueness rules for a store under `name`: 409 `uniqueness` by the equality rule of each attribute, one winner per race. */
export function describeUniquenessRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();
  const { User, Group, Device } = contractTypes(registry);
  const ctx = contexts('uq', 'contract-a');

  describe(`ProvisioningStore contract, uniqueness: ${name}`, () => {
    const engine = engineHarness(registry, 'contract-a');

    it('keeps userName unique case-insensitively, externalId exactly, displayName when configured; a freed name is free', async () => {
      const store = await makeStore();
      const a = await store.create(ctx(), User, user('Dave', { externalId: 'e1' }));
      const e = await rejects(store.create(ctx(), User, user('DAVE')));
      expect([e.status, e.scimType]).toEqual([409, 'uniqueness']);
      expect(e.message).toContain('userName');
      const ext = await rejects(store.create(ctx(), User, user('other', { externalId: 'e1' })));
      expect([ext.status, ext.message]).toEqual([409, expect.stringContaining('externalId')]);
      await store.create(ctx(), User, user('other', { externalId: 'E1' }));
      const b = await store.create(ctx(), User, user('erin'));
      expect((await rejects(store.replace(ctx(), User, b.id!, user('dave')))).status).toBe(409);
      expect((await rejects(store.replace(ctx(), User, b.id!, user('Dave'), { ifVersion: b.meta!.version! }))).status).toBe(409);
      // an update at a known version that keeps its name keeps holding it
      const kept = await store.replace(ctx(), User, b.id!, user('erin', { title: 't' }), { ifVersion: b.meta!.version! });
      expect([kept.title, kept.meta!.created]).toEqual(['t', b.meta!.created]);
      expect((await rejects(store.create(ctx(), User, user('ERIN')))).status).toBe(409);
      await store.create(ctx(), Group, { schemas: [G], displayName: 'Ops' });
      expect((await rejects(store.create(ctx(), Group, { schemas: [G], displayName: 'ops' }))).status).toBe(409);
      await store.delete(ctx(), User, a.id!);
      await store.create(ctx(), User, user('dave'));
    });

    it('gives one winner in a race between creates of one userName', async () => {
      const store = await makeStore();
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.create(ctx(), User, user('race@x.io'))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as ScimError).status).toBe(409);
    });

    it('keeps an integer attribute marked uniqueness server unique', async () => {
      const store = await makeStore();
      await store.create(ctx(), Device, device({ serial: 'u1', rank: 7 }));
      const e = await rejects(store.create(ctx(), Device, device({ serial: 'u2', rank: 7 })));
      expect([e.status, e.scimType]).toEqual([409, 'uniqueness']);
    });

    /** Two devices whose fingerprints differ only in case, and the filters that must find exactly each. */
    const fingerprints = async (store: ProvisioningStore) => {
      const upper = await store.create(ctx(), Device, device({ serial: 'f1', fingerprint: 'QUJD' }));
      // base64 is case-sensitive: another value, so not taken
      const lower = await store.create(ctx(), Device, device({ serial: 'f2', fingerprint: 'qujd' }));
      const cases: [string, string[]][] = [
        ['fingerprint eq "QUJD"', [upper.id!]],
        ['fingerprint eq "qujd"', [lower.id!]],
        ['fingerprint eq "QuJd"', []],
      ];
      return { upper, lower, cases };
    };

    it('keeps a unique binary attribute case exact (RFC 7643 §2.3.6) in its index, as the engine’s filter does', async () => {
      const store = await makeStore();
      const { lower, cases } = await fingerprints(store);
      const taken = await rejects(store.create(ctx(), Device, device({ serial: 'f3', fingerprint: 'QUJD' })));
      expect([taken.status, taken.scimType]).toEqual([409, 'uniqueness']);
      expect(taken.message).toContain('fingerprint');
      expect((await rejects(store.replace(ctx(), Device, lower.id!, device({ serial: 'f2', fingerprint: 'QUJD' })))).status).toBe(409);
      // the engine's evaluator over everything, and a server (which filters itself for a store that cannot)
      const everyone = (await store.search(ctx(), Device, { startIndex: 1, count: 100, members: false })).resources;
      const call = engine.serve(store);
      for (const [f, want] of cases) {
        expect(
          everyone.filter(compileFilter(parseFilter(f), Device)).map((r) => r.id),
          `compileFilter: ${f}`,
        ).toEqual(want);
        const listed = await call('GET', `/Devices?filter=${encodeURIComponent(f)}`);
        expect([listed.status, (listed.body.Resources ?? []).map((r) => r.id)], `server: ${f}`).toEqual([200, want]);
      }
      const again = await call('POST', '/Devices', { schemas: [D], serial: 'f4', fingerprint: 'qujd' });
      expect([again.status, again.body.scimType]).toEqual([409, 'uniqueness']);
    });

    it('filters a unique binary attribute case exact, finding what its index holds', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.filter, withoutCapability('filter'));
      const { cases } = await fingerprints(store);
      for (const [f, want] of cases) {
        const got = await store.search(ctx(), Device, { filter: parseFilter(f), startIndex: 1, count: 100, members: false });
        expect([got.totalResults, got.resources.map((r) => r.id)], `store: ${f}`).toEqual([want.length, want]);
      }
    });
  });
}
