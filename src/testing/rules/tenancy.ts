/**
 * Tenancy: every read, list, count, write and delete sees only the context's tenant; an id of
 * another tenant is 404, and the same userName may live in two tenants. Part of
 * `describeStoreContract`.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { contexts, contractRegistry, contractTypes, user } from '../fixtures.js';
import { rejects } from '../refusal.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the tenancy rules for a store under `name`: tenants are isolated in every operation. */
export function describeTenancyRules(name: string, makeStore: StoreFactory): void {
  const { User } = contractTypes(contractRegistry());
  const ctx = contexts('tn', 'contract-a');

  describe(`ProvisioningStore contract, tenancy: ${name}`, () => {
    it('isolates tenants: reads, lists, counts, writes and deletes', async () => {
      const store = await makeStore();
      const a = await store.create(ctx('contract-a'), User, user('shared'));
      await store.create(ctx('contract-b'), User, user('shared'));
      expect(await store.get(ctx('contract-b'), User, a.id!)).toBeUndefined();
      expect((await store.search(ctx('contract-b'), User, { startIndex: 1, count: 10, members: false })).totalResults).toBe(1);
      expect((await rejects(store.replace(ctx('contract-b'), User, a.id!, user('x')))).status).toBe(404);
      expect((await rejects(store.delete(ctx('contract-b'), User, a.id!))).status).toBe(404);
      expect(await store.get(ctx('contract-a'), User, a.id!)).toBeDefined();
    });
  });
}
