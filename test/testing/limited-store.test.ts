// A store that does the least the contract allows: it cannot filter, sort or take member
// deltas (as a store over an app's own tables may not), and has no transaction, outbox or
// activity log. It refuses outright what it declared it cannot do, so passing the contract
// kit proves that neither the kit nor the engine hands it a filter, a sort or a delta: the
// kit skips those checks with the reason, and the engine filters, sorts and sends whole
// member lists itself (describeEngineOverStore, part of describeStoreContract).
import { MemoryStore, type ProvisioningStore, SchemaRegistry, type StoreCapabilities } from 'scimkit';
import { parseFilter } from 'scimkit/store-kit';
import { describeStoreContract } from 'scimkit/testing';
import { describe, expect, it } from 'vitest';

/** MemoryStore behind the plain contract, declaring `filter`, `sort` and `memberDeltas` false. */
function limitedStore(): ProvisioningStore {
  const inner = new MemoryStore();
  const capabilities: StoreCapabilities = { filter: false, sort: false, memberDeltas: false };
  return {
    capabilities,
    get: (ctx, type, id, options) => inner.get(ctx, type, id, options),
    async search(ctx, type, query) {
      if (query.filter || query.sort || query.after !== undefined) throw new TypeError('this store cannot filter, sort or page by keyset');
      return inner.search(ctx, type, query);
    },
    create: (ctx, type, resource, options) => inner.create(ctx, type, resource, options),
    async replace(ctx, type, id, resource, options) {
      if (options?.members) throw new TypeError('this store takes whole member lists, not deltas');
      return inner.replace(ctx, type, id, resource, options);
    },
    delete: (ctx, type, id, options) => inner.delete(ctx, type, id, options),
  };
}

describeStoreContract('a store that cannot filter, sort or take member deltas', limitedStore);

describe('the limited store', () => {
  it('refuses what it declared it cannot do, so the contract run proves nobody asked', async () => {
    const store = limitedStore();
    const registry = new SchemaRegistry();
    const User = registry.resourceType('User')!;
    const Group = registry.resourceType('Group')!;
    const ctx = { tenant: 't', requestId: 'r' };
    await expect(store.search(ctx, User, { filter: parseFilter('userName eq "x"'), startIndex: 1, count: 1, members: false })).rejects.toThrow(TypeError);
    await expect(store.search(ctx, User, { sort: { path: 'userName', order: 'ascending' }, startIndex: 1, count: 1, members: false })).rejects.toThrow(
      TypeError,
    );
    const g = await store.create(ctx, Group, { schemas: [Group.schema.id], displayName: 'G' });
    await expect(store.replace(ctx, Group, g.id!, g, { members: { removeAll: false, added: [], removed: [] } })).rejects.toThrow(TypeError);
  });
});
