import { describe, expect, it } from 'vitest';
import { MemoryStore, SchemaRegistry } from '../../src/index.js';
import { describeStoreContract } from '../../src/testing/store-contract.js';

describeStoreContract('MemoryStore', () => new MemoryStore());

describe('MemoryStore', () => {
  const registry = new SchemaRegistry();
  const User = registry.resourceType('User')!;
  const Group = registry.resourceType('Group')!;
  const ctx = { tenant: 't', requestId: 'r' };

  it('snapshots and restores, indexes included', async () => {
    let changes = 0;
    const a = new MemoryStore({ onChange: () => changes++ });
    const u = await a.create(ctx, User, { schemas: [User.schema.id], userName: 'Snap' });
    await a.create(ctx, Group, { schemas: [Group.schema.id], displayName: 'G', members: [{ value: u.id! }] });
    expect(changes).toBe(2);
    const b = new MemoryStore({ snapshot: JSON.parse(JSON.stringify(a.snapshot())) });
    const { parseFilter } = await import('../../src/index.js');
    const found = await b.search(ctx, User, { filter: parseFilter('userName eq "snap"'), startIndex: 1, count: 10, members: false });
    expect(found.resources.map((r) => r.id)).toEqual([u.id]);
    expect((found.resources[0]!.groups as unknown[]).length).toBe(1);
    await expect(b.create(ctx, User, { schemas: [User.schema.id], userName: 'SNAP' })).rejects.toMatchObject({ status: 409 });
    expect(() => new MemoryStore({ snapshot: { version: 2 } as never })).toThrow(/version 1/);
  });
});
