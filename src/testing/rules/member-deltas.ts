/**
 * Member deltas (stores with `capabilities.memberDeltas`): a delta adds and removes member ids
 * without the whole list, reports the ids it really changed, commutes with other member
 * writes (a members-only write keeps the attributes stored now), applies with changed
 * attributes in one write, and never leaves a membership of a user deleted meanwhile. Part
 * of `describeStoreContract`; each store-level test is skipped, with the reason, for a store
 * without them. Through the server a rename landing during a member PATCH stands on every
 * store: without deltas, the engine's compare-and-swap retry reads it.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { withoutCapability } from '../capability.js';
import { engineHarness } from '../engine-harness.js';
import { contexts, contractRegistry, contractTypes, G, group, patch, user } from '../fixtures.js';
import { rejects } from '../refusal.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the member-delta rules for a store under `name` (skipped for a store without `capabilities.memberDeltas`). */
export function describeMemberDeltaRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();
  const { User, Group } = contractTypes(registry);
  const ctx = contexts('md', 'rules-a');

  describe(`ProvisioningStore contract, member deltas: ${name}`, () => {
    const engine = engineHarness(registry, 'rules-a');

    it('reports the members a delta really changed, after a removeAll too', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.memberDeltas, withoutCapability('memberDeltas'));
      const [a, b, c] = [await store.create(ctx(), User, user('da')), await store.create(ctx(), User, user('db')), await store.create(ctx(), User, user('dc'))];
      const g = await store.create(ctx(), Group, { schemas: [G], displayName: 'Deltas', members: [{ value: a.id! }, { value: b.id! }] });
      const apply = async (members: { removeAll: boolean; added: { value: string }[]; removed: string[] }) => {
        const seen: { added: string[]; removed: string[] }[] = [];
        await store.replace(ctx(), Group, g.id!, { schemas: [G], displayName: 'Deltas' }, { members, onMembersApplied: (x) => seen.push(x) });
        expect(seen).toHaveLength(1);
        return seen[0];
      };
      // adding a current member and removing a non-member change nothing
      expect(await apply({ removeAll: false, added: [{ value: a.id! }, { value: c.id! }], removed: ['not-a-member'] })).toEqual({ added: [c.id], removed: [] });
      expect(await apply({ removeAll: false, added: [], removed: [b.id!, 'not-a-member'] })).toEqual({ added: [], removed: [b.id] });
      // replace [a, c] by [c, b]: b joined, a left, c stayed
      const replaced = await apply({ removeAll: true, added: [{ value: c.id! }, { value: b.id! }], removed: [] });
      expect(replaced).toEqual({ added: [b.id], removed: [a.id] });
    });

    it('applies a member delta together with changed attributes, and refuses one for a missing group', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.memberDeltas, withoutCapability('memberDeltas'));
      const u = await store.create(ctx(), User, user('dm'));
      const g = await store.create(ctx(), Group, { schemas: [G], displayName: 'Before' });
      const r = await store.replace(
        ctx(),
        Group,
        g.id!,
        { schemas: [G], displayName: 'After' },
        { members: { removeAll: false, added: [{ value: u.id! }], removed: [] } },
      );
      expect(r.displayName).toBe('After');
      expect(r.meta!.version).not.toBe(g.meta!.version);
      const got = await store.get(ctx(), Group, g.id!);
      expect([got!.displayName, got!.members]).toEqual(['After', [{ value: u.id, type: 'User' }]]);
      const plain = await store.replace(ctx(), Group, g.id!, { ...got!, members: undefined }, { members: { removeAll: false, added: [], removed: [u.id!] } });
      expect([plain.displayName, plain.meta!.version === r.meta!.version]).toEqual(['After', false]);
      expect(plain.meta!.created).toBe(g.meta!.created);
      expect((await store.get(ctx(), User, u.id!))!.groups).toBeUndefined();
      const missing = await rejects(
        store.replace(
          ctx(),
          Group,
          'no-such-group',
          { schemas: [G], displayName: 'X' },
          { members: { removeAll: false, added: [{ value: u.id! }], removed: [] } },
        ),
      );
      expect(missing.status).toBe(404);
      expect((await store.get(ctx(), User, u.id!))!.groups).toBeUndefined();
    });

    it('a members-only write keeps the attributes stored now, even when it carries older ones', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.memberDeltas, withoutCapability('memberDeltas'));
      const a = await store.create(ctx(), User, user('ka'));
      const g = await store.create(ctx(), Group, group('Before rename'));
      await store.replace(ctx(), Group, g.id!, { schemas: [G], displayName: 'After rename' });
      // the writer read the group before the rename, and sends only members
      await store.replace(
        ctx(),
        Group,
        g.id!,
        { schemas: [G], displayName: 'Before rename' },
        {
          members: { removeAll: false, added: [{ value: a.id! }], removed: [] },
          keepAttributes: true,
        },
      );
      const got = (await store.get(ctx(), Group, g.id!))!;
      expect(got.displayName).toBe('After rename');
      expect(got.members).toEqual([{ value: a.id, type: 'User' }]);
    });

    it('through the server: a rename landing during a member PATCH stands, and is not reported twice', async () => {
      const store = await makeStore();
      const events: string[] = [];
      const call = engine.serve(store, {
        hooks: {
          beforeUpdate: async ({ ctx: c, resourceType, previous }) => {
            // another request renames the group between this PATCH's read and its write (with
            // deltas the members-only write keeps it; without, the engine's compare-and-swap
            // fails, and its retry reads the renamed group)
            if (previous?.displayName === 'Team') await store.replace(c, resourceType, previous.id!, { schemas: [G], displayName: 'Team renamed' });
            return undefined;
          },
          onEvent: (e) => void events.push(e.type),
        },
      });
      const a = await store.create(ctx(), User, user('kb'));
      const g = await store.create(ctx(), Group, group('Team'));
      const r = await call('PATCH', `/Groups/${g.id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }] }));
      expect(r.status).toBeLessThan(300);
      const got = (await store.get(ctx(), Group, g.id!))!;
      expect(got.displayName).toBe('Team renamed');
      expect((got.members as { value: string }[]).map((m) => m.value)).toEqual([a.id]);
      // delivered after the response: wait for it (a change of members only is no group.updated)
      await expect.poll(() => events).toEqual(['group.membersAdded']);
    });

    it('never leaves a membership of a deleted user when a member add races the delete', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.memberDeltas, withoutCapability('memberDeltas'));
      const g = await store.create(ctx(), Group, group('Race'));
      for (let i = 0; i < 15; i++) {
        const u = await store.create(ctx(), User, user(`race-${i}`));
        await Promise.allSettled([
          store.replace(ctx(), Group, g.id!, group('Race'), { members: { removeAll: false, added: [{ value: u.id! }], removed: [] } }),
          store.delete(ctx(), User, u.id!),
        ]);
        const members = ((await store.get(ctx(), Group, g.id!))!.members ?? []) as { value: string }[];
        expect(members.map((m) => m.value)).not.toContain(u.id);
      }
    });
  });
}
