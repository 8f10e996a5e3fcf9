/**
 * `describeStoreContract`: the vitest suite every `ProvisioningStore` must pass.
 * Run it in your store's tests: `describeStoreContract('MyStore', () => new MyStore(db))`.
 * @module
 */

import { compileFilter, type ProvisioningStore, parseFilter, SchemaRegistry, type ScimError, type ScimResource, type StoreContext } from 'scimkit';
import { describe, expect, it } from 'vitest';
import { describeActivityLog } from './activity.js';
import { describeCaseRules } from './case-rules.js';
import { describeOutbox } from './outbox.js';
import { rejects } from './refusal.js';
import { describeStateRules } from './state-rules.js';

/** Makes a fresh, empty store for each test (may be async, e.g. after a migration). */
export type StoreFactory = () => ProvisioningStore | Promise<ProvisioningStore>;

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/**
 * Registers the contract suite for a store under `name` (vitest): the rules every store keeps
 * (docs/stores.md), the case and identity rules on non-ASCII values, then the outbox and
 * activity-log suites when the store has them.
 *
 * @example
 * ```ts
 * // test/my-store.test.ts
 * import { describeStoreContract } from 'scimkit/testing';
 * import { MyStore } from '../src/my-store.js';
 *
 * describeStoreContract('MyStore', async () => new MyStore(await freshDatabase()));
 * ```
 */
export function describeStoreContract(name: string, makeStore: StoreFactory): void {
  const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
  const User = registry.resourceType('User')!;
  const Group = registry.resourceType('Group')!;
  let n = 0;
  const ctx = (tenant = 'contract-a'): StoreContext => ({ tenant, requestId: `r${++n}` });
  const user = (userName: string, extra: Record<string, unknown> = {}): ScimResource => ({ schemas: [U], userName, ...extra });

  describe(`ProvisioningStore contract: ${name}`, () => {
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

    it('never keeps a password', async () => {
      const store = await makeStore();
      const c = await store.create(ctx(), User, user('pw', { password: 'Secret-1' }));
      expect((await store.get(ctx(), User, c.id!))!.password).toBeUndefined();
    });

    it('replaces, keeps created, changes the version; checks ifVersion atomically', async () => {
      const store = await makeStore();
      const c = await store.create(ctx(), User, user('bob', { title: 'a' }));
      const r = await store.replace(ctx(), User, c.id!, user('bob', { title: 'b' }), { ifVersion: c.meta!.version! });
      expect(r.title).toBe('b');
      expect(r.meta!.created).toBe(c.meta!.created);
      expect(r.meta!.version).not.toBe(c.meta!.version);
      expect((await rejects(store.replace(ctx(), User, c.id!, user('bob'), { ifVersion: c.meta!.version! }))).status).toBe(412);
      expect((await rejects(store.delete(ctx(), User, c.id!, { ifVersion: c.meta!.version! }))).status).toBe(412);
      expect((await rejects(store.replace(ctx(), User, 'missing', user('x')))).status).toBe(404);
    });

    it('deletes; 404 after', async () => {
      const store = await makeStore();
      const c = await store.create(ctx(), User, user('carol'));
      await store.delete(ctx(), User, c.id!);
      expect(await store.get(ctx(), User, c.id!)).toBeUndefined();
      expect((await rejects(store.delete(ctx(), User, c.id!))).status).toBe(404);
    });

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

    it('filters and sorts like the engine evaluator, with exact totals and stable pages', async () => {
      const store = await makeStore();
      const names = ['Zoe', 'adam', 'Bea', 'carl', 'Dora', 'eve', 'Finn', 'gus', 'Hana', 'ivo', 'Jon', 'kim'];
      for (const [i, nm] of names.entries()) {
        await store.create(
          ctx(),
          User,
          user(`${nm.toLowerCase()}@example.com`, {
            displayName: nm,
            active: i % 3 !== 0,
            title: i % 2 ? 'Dev' : undefined,
            emails: [{ value: `${nm}@work.io`, type: 'work' }],
          }),
        );
      }
      const everyone = (await store.search(ctx(), User, { startIndex: 1, count: 100, members: false })).resources;
      expect(everyone).toHaveLength(12);
      for (const f of [
        'active eq true',
        'displayName sw "d"',
        'title pr',
        'not (title pr)',
        'emails[type eq "work" and value co "@WORK"]',
        'userName eq "BEA@example.com"',
        'title ne "Dev"',
        'displayName gt "f" and active eq false',
      ]) {
        const filter = parseFilter(f);
        const expected = everyone
          .filter(compileFilter(filter, User))
          .map((r) => r.id)
          .sort();
        const got = await store.search(ctx(), User, { filter, startIndex: 1, count: 100, members: false });
        expect(got.totalResults, f).toBe(expected.length);
        expect(got.resources.map((r) => r.id).sort(), f).toEqual(expected);
      }
      const sorted = await store.search(ctx(), User, { sort: { path: 'displayName', order: 'ascending' }, startIndex: 1, count: 100, members: false });
      expect(sorted.resources.map((r) => r.displayName)).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
      const desc = await store.search(ctx(), User, { sort: { path: 'userName', order: 'descending' }, startIndex: 1, count: 3, members: false });
      expect(desc.resources.map((r) => r.displayName)).toEqual(['Zoe', 'kim', 'Jon']);
      const pages: string[] = [];
      for (let i = 1; i <= 12; i += 5) {
        const p = await store.search(ctx(), User, { startIndex: i, count: 5, members: false });
        expect(p.totalResults).toBe(12);
        pages.push(...p.resources.map((r) => r.id!));
      }
      expect(new Set(pages).size).toBe(12);
      expect((await store.search(ctx(), User, { startIndex: 1, count: 0, members: false })).resources).toEqual([]);
    });

    it('reports the members a delta really changed, after a removeAll too', async ({ skip }) => {
      const store = await makeStore();
      if (!store.capabilities.memberDeltas) return skip();
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
      if (!store.capabilities.memberDeltas) return skip();
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
        const byMember = await store.search(ctx(), Group, { filter: parseFilter(`members[value eq "${u2.id}"]`), startIndex: 1, count: 10, members: false });
        expect(byMember.resources.map((r) => r.id)).toEqual([g.id]);
      }
      await store.delete(ctx(), User, u2.id!);
      expect((await store.get(ctx(), Group, g.id!))!.members ?? []).toEqual(store.capabilities.memberDeltas ? [] : [{ value: u1.id, type: 'User' }]);
    });
  });
  describeStateRules(name, makeStore);
  describeCaseRules(name, makeStore);
  describeOutbox(name, makeStore);
  describeActivityLog(name, makeStore);
}
