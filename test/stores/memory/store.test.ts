import { describe, expect, it } from 'vitest';
import { MemoryStore, SchemaRegistry } from '../../../src/index.js';
import { parseFilter } from '../../../src/store-kit.js';
import { describeStoreContract } from '../../../src/testing/store-contract.js';

describeStoreContract('MemoryStore', () => new MemoryStore());

describe('MemoryStore', () => {
  const registry = new SchemaRegistry();
  const User = registry.resourceType('User')!;
  const Group = registry.resourceType('Group')!;
  const ctx = { tenant: 't', requestId: 'r' };

  it('keeps nothing of deleted resources: indexes and memberships shrink back', async () => {
    const store = new MemoryStore();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++)
      ids.push((await store.create(ctx, User, { schemas: [User.schema.id], userName: `u${i}`, externalId: `e${i}`, emails: [{ value: `u${i}@x.io` }] })).id!);
    const g = await store.create(ctx, Group, { schemas: [Group.schema.id], displayName: 'G', members: ids.map((value) => ({ value })) });
    expect(store.stats()).toMatchObject({ resources: 51, memberships: 50 });
    await store.replace(
      ctx,
      Group,
      g.id!,
      { schemas: [Group.schema.id], displayName: 'G' },
      { members: { removeAll: false, added: [], removed: ids.slice(0, 10) } },
    );
    expect(store.stats().memberships).toBe(40);
    for (const id of ids) await store.delete(ctx, User, id);
    await store.delete(ctx, Group, g.id!);
    expect(store.stats()).toEqual({ resources: 0, indexKeys: 0, memberships: 0 });
  });

  it('snapshots and restores, indexes included', async () => {
    const a = new MemoryStore();
    const u = await a.create(ctx, User, { schemas: [User.schema.id], userName: 'Snap' });
    await a.create(ctx, Group, { schemas: [Group.schema.id], displayName: 'G', members: [{ value: u.id! }] });
    const b = new MemoryStore({ snapshot: JSON.parse(JSON.stringify(a.snapshot())) });
    const found = await b.search(ctx, User, { filter: parseFilter('userName eq "snap"'), startIndex: 1, count: 10, members: false });
    expect(found.resources.map((r) => r.id)).toEqual([u.id]);
    expect((found.resources[0]!.groups as unknown[]).length).toBe(1);
    await expect(b.create(ctx, User, { schemas: [User.schema.id], userName: 'SNAP' })).rejects.toMatchObject({ status: 409 });
    expect(() => new MemoryStore({ snapshot: { version: 2 } as never })).toThrow(/version 1/);
  });
});

describe('MemoryStore refusals', () => {
  it('a refused create leaves no trace, not even an empty tenant or type', async () => {
    const registry = new SchemaRegistry();
    const store = new MemoryStore();
    const before = JSON.stringify(store.snapshot());
    await expect(
      store.create({ tenant: 'new', requestId: 'r' }, registry.resourceType('Group')!, {
        schemas: [registry.resourceType('Group')!.schema.id],
        displayName: 'G',
        members: [{ value: 'nobody' }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(JSON.stringify(store.snapshot())).toBe(before);
  });
});
