/**
 * Members: a group's members name resources of the same tenant (else 400 `invalidValue`
 * naming the id), never the group itself; a store keeps of each member only its `value` and
 * the `type` of what it names, in first-seen order without duplicates, fills a user's
 * readOnly `groups` from them, and drops a member that is deleted. How a store takes member
 * deltas: `describeMemberDeltaRules`. Part of `describeStoreContract`.
 * @module
 */
import { parseFilter } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { engineHarness } from '../engine-harness.js';
import { contexts, contractRegistry, contractTypes, G, group, user } from '../fixtures.js';
import { rejects } from '../refusal.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the member rules for a store under `name`: references, what is kept of a member, a user's `groups`. */
export function describeMemberRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();
  const { User, Group } = contractTypes(registry);
  const ctx = contexts('mb', 'rules-a');

  describe(`ProvisioningStore contract, members: ${name}`, () => {
    const engine = engineHarness(registry, 'rules-a');

    it('answers a create with exactly what a read returns, members deduplicated in order', async () => {
      const store = await makeStore();
      const [m1, m2] = [await store.create(ctx(), User, user('m1')), await store.create(ctx(), User, user('m2'))];
      const g = await store.create(ctx(), Group, {
        schemas: [G],
        displayName: 'Dup',
        members: [{ value: m2.id!, type: 'User' }, { value: m1.id! }, { value: m2.id!, display: 'again' }],
      });
      // members keep their first place; of each, the id and the type of what it names (docs/stores.md)
      expect(g.members).toEqual([
        { value: m2.id!, type: 'User' },
        { value: m1.id!, type: 'User' },
      ]);
      expect(await store.get(ctx(), Group, g.id!)).toEqual(g);
      expect(await store.get(ctx(), User, m1.id!)).toMatchObject({ groups: [{ value: g.id! }] });
    });

    it('keeps members, applies member deltas, and fills a user\u2019s groups', async () => {
      const store = await makeStore();
      const u1 = await store.create(ctx(), User, user('m1'));
      const u2 = await store.create(ctx(), User, user('m2'));
      const g = await store.create(ctx(), Group, { schemas: [G], displayName: 'Team', members: [{ value: u1.id! }] });
      expect(g.members).toEqual([{ value: u1.id, type: 'User' }]);
      const withoutMembers = await store.get(ctx(), Group, g.id!, { members: false });
      expect(withoutMembers!.members).toBeUndefined();
      expect(((await store.get(ctx(), User, u1.id!))!.groups as { value: string }[]).map((x) => x.value)).toEqual([g.id]);
      if (store.capabilities.memberDeltas) {
        await store.replace(ctx(), Group, g.id!, withoutMembers!, {
          members: { removeAll: false, added: [{ value: u2.id! }, { value: u1.id! }], removed: [] },
        });
        expect(((await store.get(ctx(), Group, g.id!))!.members as { value: string }[]).map((m) => m.value).sort()).toEqual([u1.id, u2.id].sort());
        await store.replace(ctx(), Group, g.id!, withoutMembers!, { members: { removeAll: false, added: [], removed: [u1.id!, 'not-a-member'] } });
        expect((await store.get(ctx(), Group, g.id!))!.members).toEqual([{ value: u2.id, type: 'User' }]);
        expect((await store.get(ctx(), User, u1.id!))!.groups).toBeUndefined();
        // the engine asks a store that cannot filter for no filter (describeEngineOverStore checks its own)
        if (store.capabilities.filter) {
          const byMember = await store.search(ctx(), Group, { filter: parseFilter(`members[value eq "${u2.id}"]`), startIndex: 1, count: 10, members: false });
          expect(byMember.resources.map((r) => r.id)).toEqual([g.id]);
        }
      }
      await store.delete(ctx(), User, u2.id!);
      expect((await store.get(ctx(), Group, g.id!))!.members ?? []).toEqual(store.capabilities.memberDeltas ? [] : [{ value: u1.id, type: 'User' }]);
    });

    it('a group cannot be its own member, on any store', async () => {
      const store = await makeStore();
      const g = await store.create(ctx(), Group, group('Self'));
      const e = await rejects(store.replace(ctx(), Group, g.id!, group('Self', [g.id!])));
      expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
      expect(e.message).toContain('itself');
      if (store.capabilities.memberDeltas) {
        const d = await rejects(store.replace(ctx(), Group, g.id!, group('Self'), { members: { removeAll: false, added: [{ value: g.id! }], removed: [] } }));
        expect(d.status).toBe(400);
      }
    });

    it('refuses a member that does not exist or belongs to another tenant, naming it', async () => {
      const store = await makeStore();
      const other = await store.create(ctx('rules-b'), User, user('elsewhere'));
      for (const bad of ['no-such-user', other.id!]) {
        const e = await rejects(store.create(ctx(), Group, group(`Bad ${bad}`, [bad])));
        expect([e.status, e.scimType], bad).toEqual([400, 'invalidValue']);
        expect(e.message).toContain(bad);
      }
      const g = await store.create(ctx(), Group, group('Good'));
      if (store.capabilities.memberDeltas) {
        const e = await rejects(
          store.replace(ctx(), Group, g.id!, group('Good'), { members: { removeAll: false, added: [{ value: other.id! }], removed: [] } }),
        );
        expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
      }
      const e = await rejects(store.replace(ctx(), Group, g.id!, group('Good', [other.id!])));
      expect(e.status).toBe(400);
      expect((await store.get(ctx(), Group, g.id!))!.members).toBeUndefined();
    });

    it('stores neither display nor $ref as sent; type names what the member is', async () => {
      const store = await makeStore();
      const a = await store.create(ctx(), User, user('ref'));
      const inner = await store.create(ctx(), Group, group('Inner'));
      const g = await store.create(ctx(), Group, {
        schemas: [G],
        displayName: 'Outer',
        members: [
          { value: a.id!, display: 'Evil', $ref: 'javascript:alert(1)', type: 'Group' },
          { value: inner.id!, type: 'User' },
        ],
      });
      const got = (await store.get(ctx(), Group, g.id!))!;
      expect(got.members).toEqual([
        { value: a.id, type: 'User' },
        { value: inner.id, type: 'Group' },
      ]);
      const call = engine.serve(store);
      const served = (await call('GET', `/Groups/${g.id}`)).body;
      expect(served.members).toEqual([
        { value: a.id, type: 'User', $ref: `https://sp.example/scim/v2/Users/${a.id}` },
        { value: inner.id, type: 'Group', $ref: `https://sp.example/scim/v2/Groups/${inner.id}` },
      ]);
    });
  });
}
