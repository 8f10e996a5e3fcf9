/**
 * Entra ID sends a user's `manager` as a bare id: the engine takes it as `{ value }` on POST,
 * PUT, a path-less PATCH and a PATCH of the enterprise extension, and the store keeps what
 * the engine wrote. Part of `describeStoreContract`.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { engineHarness } from '../engine-harness.js';
import { contractRegistry, E, patch, U, user } from '../fixtures.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the check of Entra ID's bare-id `manager` for a store under `name`, through the server. */
export function describeManagerRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();

  describe(`ProvisioningStore contract, Entra ID manager as a bare id, on every write: ${name}`, () => {
    const engine = engineHarness(registry, 'rules-a');

    it('is taken on POST, PUT, a path-less PATCH and a PATCH of the extension', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      const boss = (await call('POST', '/Users', user('boss'))).body;
      const created = await call('POST', '/Users', { schemas: [U, E], userName: 'worker', [E]: { manager: boss.id } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect((created.body[E] as { manager: unknown }).manager).toEqual({ value: boss.id });
      const id = created.body.id as string;
      const other = (await call('POST', '/Users', user('other-boss'))).body;
      const put = await call('PUT', `/Users/${id}`, { schemas: [U, E], userName: 'worker', [E]: { manager: other.id, department: 'D' } });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body[E]).toEqual({ manager: { value: other.id }, department: 'D' });
      const noPath = await call('PATCH', `/Users/${id}`, patch({ op: 'Replace', value: { [E]: { manager: boss.id } } }));
      expect(noPath.status, JSON.stringify(noPath.body)).toBe(200);
      expect((noPath.body[E] as { manager: unknown }).manager).toEqual({ value: boss.id });
      const cleared = await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: E, value: { manager: '' } }));
      expect((cleared.body[E] as { manager?: unknown } | undefined)?.manager).toBeUndefined();
      const ext = await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: E, value: { manager: boss.id } }));
      expect(ext.status, JSON.stringify(ext.body)).toBe(200);
      expect((ext.body[E] as { manager: unknown }).manager).toEqual({ value: boss.id });
    });
  });
}
