/**
 * Soft delete (the server's `deprovisioning.onDelete: softDelete`), executed through the
 * store's own filter, compare-and-swap and member deltas: a deleted user is kept and hidden
 * from reads, lists and filters, leaves its groups, and is restored under its id by a create
 * naming its userName or externalId; `purgeSoftDeleted` really deletes. The policy needs a
 * store that filters (lists must leave soft-deleted users out in the store), so these checks
 * are skipped, with the reason, for a store without `capabilities.filter`. Part of
 * `describeStoreContract`.
 * @module
 */
import { type LifecycleEvent, type ProvisioningStore, softDeletedAt } from 'scimkit';
import { describe, expect, it } from 'vitest';
import { withoutCapability } from '../capability.js';
import { engineHarness } from '../engine-harness.js';
import { contexts, contractRegistry, contractTypes, group, patch, user } from '../fixtures.js';
import type { StoreFactory } from '../store-factory.js';

/** Why the policy's checks are skipped for a store that cannot filter. */
const SOFT_DELETE_NEEDS_FILTER = `${withoutCapability('filter')}; deprovisioning.onDelete "softDelete" needs a store that filters`;

/** Registers the soft-delete rules for a store under `name` (skipped for a store without `capabilities.filter`). */
export function describeSoftDeleteRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();
  const { User } = contractTypes(registry);
  const ctx = contexts('sd', 'rules-a');

  describe(`ProvisioningStore contract, soft delete: ${name}`, () => {
    const engine = engineHarness(registry, 'rules-a');

    const softly = (store: ProvisioningStore, seen: LifecycleEvent[]) =>
      engine.serve(store, { deprovisioning: { onDelete: 'softDelete' }, events: { mode: 'beforeResponse' }, hooks: { onEvent: (e) => void seen.push(e) } });

    it('hides a deleted user from reads, lists and filters, takes it out of its groups, and keeps it in the store', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.filter, SOFT_DELETE_NEEDS_FILTER);
      const seen: LifecycleEvent[] = [];
      const call = softly(store, seen);
      const gone = (await call('POST', '/Users', user('leaver', { externalId: 'ext-leaver' }))).body;
      const stays = (await call('POST', '/Users', user('stayer'))).body;
      const team = (await call('POST', '/Groups', group('Soft team', [gone.id as string, stays.id as string]))).body;
      const before = await call('GET', `/Users?filter=${encodeURIComponent('userName sw "leaver" or userName sw "stayer"')}`);
      expect(before.body.totalResults).toBe(2);
      seen.length = 0;
      expect((await call('DELETE', `/Users/${gone.id}`)).status).toBe(204);
      for (const [method, body] of [
        ['GET'],
        ['PUT', user('leaver')],
        ['PATCH', patch({ op: 'replace', path: 'displayName', value: 'x' })],
        ['DELETE'],
      ] as const) {
        const r = await call(method, `/Users/${gone.id}`, body);
        expect(r.status, `${method} of a soft-deleted user`).toBe(404);
      }
      for (const filter of ['userName eq "leaver"', 'externalId eq "ext-leaver"', 'userName sw "leaver" or userName sw "stayer"']) {
        const r = await call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
        expect(r.body.totalResults, filter).toBe(filter.includes('stayer') ? 1 : 0);
        expect((r.body.Resources ?? []).map((u) => u.id)).not.toContain(gone.id);
      }
      const all = await call('GET', '/Users?count=1000');
      expect(all.body.totalResults).toBe(1);
      expect(all.body.Resources!.map((u) => u.id)).toEqual([stays.id]);
      const g = await call('GET', `/Groups/${team.id}`);
      expect((g.body.members as { value: string }[]).map((m) => m.value)).toEqual([stays.id]);
      // kept, marked, in the store itself
      const raw = await store.get(ctx(), User, gone.id as string);
      expect(raw?.userName).toBe('leaver');
      expect(softDeletedAt(raw)).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
      // the host hears which happened: deleted but retained, and its team lost a member
      expect(seen.map((e) => [e.type, e.id])).toEqual([
        ['user.deleted', gone.id],
        ['group.membersRemoved', team.id],
      ]);
      const deleted = seen[0]!;
      expect(deleted.type === 'user.deleted' && deleted.retained).toBe(true);
      expect(deleted.type === 'user.deleted' && deleted.previous.userName).toBe('leaver');
      expect(seen[1]!.memberIds).toEqual([gone.id]);
    });

    it('restores the user under its id when a create names its userName (any case) or its externalId', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.filter, SOFT_DELETE_NEEDS_FILTER);
      const seen: LifecycleEvent[] = [];
      const call = softly(store, seen);
      const first = (await call('POST', '/Users', user('returner', { displayName: 'Old', title: 'Old title' }))).body;
      await call('DELETE', `/Users/${first.id}`);
      seen.length = 0;
      const again = await call('POST', '/Users', user('RETURNER', { displayName: 'New' }));
      expect(again.status, JSON.stringify(again.body)).toBe(201);
      expect(again.body.id).toBe(first.id);
      // the create's attributes, not the old ones; created stays the first creation
      expect(again.body).toMatchObject({ userName: 'RETURNER', displayName: 'New' });
      expect(again.body.title).toBeUndefined();
      expect((again.body.meta as { created: string }).created).toBe((first.meta as { created: string }).created);
      expect((await call('GET', `/Users/${first.id}`)).body.displayName).toBe('New');
      expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "returner"')}`)).body.totalResults).toBe(1);
      expect(softDeletedAt(await store.get(ctx(), User, first.id as string))).toBeUndefined();
      expect(seen.map((e) => e.type)).toEqual(['user.created']);
      expect(seen[0]!.type === 'user.created' && seen[0]!.restored).toBe(true);

      const byExt = (await call('POST', '/Users', user('renamed-later', { externalId: 'ext-42' }))).body;
      await call('DELETE', `/Users/${byExt.id}`);
      const back = await call('POST', '/Users', user('renamed-now', { externalId: 'ext-42' }));
      expect(back.status, JSON.stringify(back.body)).toBe(201);
      expect(back.body).toMatchObject({ id: byExt.id, userName: 'renamed-now' });
      // a plain new user is created as ever, and says so
      const fresh = await call('POST', '/Users', user('newcomer'));
      expect(fresh.status).toBe(201);
      const last = seen.at(-1)!;
      expect(last.type).toBe('user.created');
      expect(last.type === 'user.created' && last.restored).toBeFalsy();
    });

    it('lets one of two racing creates restore the user; the other answers 409 uniqueness', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.filter, SOFT_DELETE_NEEDS_FILTER);
      const call = softly(store, []);
      const u = (await call('POST', '/Users', user('raced'))).body;
      await call('DELETE', `/Users/${u.id}`);
      const [a, b] = await Promise.all([call('POST', '/Users', user('raced')), call('POST', '/Users', user('raced'))]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      expect((a.status === 409 ? a : b).body.scimType).toBe('uniqueness');
      expect((a.status === 201 ? a : b).body.id).toBe(u.id);
      expect((await call('GET', '/Users?count=100')).body.totalResults).toBe(1);
    });

    it('soft-deletes through Bulk too, and purgeSoftDeleted really deletes what is older than asked', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.filter, SOFT_DELETE_NEEDS_FILTER);
      const seen: LifecycleEvent[] = [];
      const call = softly(store, seen);
      const u = (await call('POST', '/Users', user('bulk-leaver'))).body;
      const bulk = await call('POST', '/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [{ method: 'DELETE', path: `/Users/${u.id}` }],
      });
      expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
      expect((bulk.body.Operations as { status: string }[])[0]!.status).toBe('204');
      expect((await call('GET', `/Users/${u.id}`)).status).toBe(404);
      expect(softDeletedAt(await store.get(ctx(), User, u.id as string))).toBeDefined();
      const server = engine.open.at(-1)!;
      expect(await server.purgeSoftDeleted({ tenant: 'rules-a', before: new Date(Date.now() - 60_000) })).toBe(0);
      expect(await server.purgeSoftDeleted({ tenant: 'rules-b', before: new Date(Date.now() + 60_000) })).toBe(0);
      expect(await server.purgeSoftDeleted({ tenant: 'rules-a', before: new Date(Date.now() + 60_000) })).toBe(1);
      expect(await store.get(ctx(), User, u.id as string)).toBeUndefined();
      // purged: a create is a new user now
      const next = await call('POST', '/Users', user('bulk-leaver'));
      expect(next.status).toBe(201);
      expect(next.body.id).not.toBe(u.id);
    });

    it('without the policy a DELETE really deletes, and a create is a new user', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      const u = (await call('POST', '/Users', user('hard'))).body;
      await call('DELETE', `/Users/${u.id}`);
      expect(await store.get(ctx(), User, u.id as string)).toBeUndefined();
      expect((await call('POST', '/Users', user('hard'))).body.id).not.toBe(u.id);
    });
  });
}
