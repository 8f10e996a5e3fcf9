/**
 * Identity: a store gives every resource an id and `meta`, returns copies (a caller's change
 * to what it got is not a change to the store), keeps no password, and answers 404 for what
 * it does not have. Part of `describeStoreContract`.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { contexts, contractRegistry, contractTypes, user } from '../fixtures.js';
import { rejects } from '../refusal.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the identity rules for a store under `name`: ids, `meta`, copies, no password, 404 after a delete. */
export function describeIdentityRules(name: string, makeStore: StoreFactory): void {
  const { User } = contractTypes(contractRegistry());
  const ctx = contexts('id', 'contract-a');

  describe(`ProvisioningStore contract, identity: ${name}`, () => {
    it('creates with an id and meta, and gets a copy back', async () => {
      const store = await makeStore();
      const created = await store.create(ctx(), User, user('alice', { emails: [{ value: 'a@x.io', type: 'work' }] }));
      expect(typeof created.id).toBe('string');
      expect(created.meta).toMatchObject({ resourceType: 'User', version: expect.any(String), created: expect.any(String), lastModified: expect.any(String) });
      const got = await store.get(ctx(), User, created.id!);
      expect(got).toEqual(created);
      (got!.emails as { value: string }[])[0]!.value = 'mutated';
      expect(((await store.get(ctx(), User, created.id!))!.emails as { value: string }[])[0]!.value).toBe('a@x.io');
      expect(await store.get(ctx(), User, 'no-such-id')).toBeUndefined();
    });

    it('never keeps a password', async () => {
      const store = await makeStore();
      const c = await store.create(ctx(), User, user('pw', { password: 'Secret-1' }));
      expect((await store.get(ctx(), User, c.id!))!.password).toBeUndefined();
    });

    it('deletes; 404 after', async () => {
      const store = await makeStore();
      const c = await store.create(ctx(), User, user('carol'));
      await store.delete(ctx(), User, c.id!);
      expect(await store.get(ctx(), User, c.id!)).toBeUndefined();
      expect((await rejects(store.delete(ctx(), User, c.id!))).status).toBe(404);
    });
  });
}
