/**
 * Versions: a store moves `meta.version` and `meta.lastModified` when what a GET returns
 * changes, also without a write of the resource's own (a member deleted), keeps
 * `meta.created`, keeps both times `xsd:dateTime` after every kind of write, and checks the
 * version a read returned against a write's `ifVersion`. When a write does not move the
 * version: `describeNoOpWriteRules`. Part of `describeStoreContract`.
 * @module
 */
import type { ResourceType, ScimResource } from 'scimkit';
import { isDateTime, parseFilter } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { engineHarness } from '../engine-harness.js';
import { contexts, contractRegistry, contractTypes, G, group, patch, tick, user } from '../fixtures.js';
import { rejects } from '../refusal.js';
import type { StoreFactory } from '../store-factory.js';

/** Registers the version rules for a store under `name`: what moves `meta.version`, `meta.created` kept, the times' format. */
export function describeVersionRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();
  const { User, Group } = contractTypes(registry);
  const ctx = contexts('vr', 'rules-a');

  describe(`ProvisioningStore contract, versions: ${name}`, () => {
    const engine = engineHarness(registry, 'rules-a');

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

    it('a member deleted moves the version of each group it leaves, and the group stays writable', async () => {
      const store = await makeStore();
      const [a, b] = [await store.create(ctx(), User, user('va')), await store.create(ctx(), User, user('vb'))];
      const g = await store.create(ctx(), Group, group('Versioned', [a.id!, b.id!]));
      await tick();
      await store.delete(ctx(), User, a.id!);
      const after = (await store.get(ctx(), Group, g.id!))!;
      expect(after.members).toEqual([{ value: b.id, type: 'User' }]);
      expect(after.meta!.version).not.toBe(g.meta!.version);
      expect(after.meta!.lastModified).not.toBe(g.meta!.lastModified);
      // the version a read returns is the one a write is checked against
      const renamed = await store.replace(ctx(), Group, g.id!, { schemas: [G], displayName: 'Renamed' }, { ifVersion: after.meta!.version! });
      expect(renamed.displayName).toBe('Renamed');
      await store.delete(ctx(), Group, g.id!, { ifVersion: renamed.meta!.version! });
    });

    it('meta.created and meta.lastModified are xsd:dateTime after every kind of write, a member deleted included', async () => {
      const store = await makeStore();
      /** How a list returns `r`: by an `id eq` filter where the store filters, else from the whole list. */
      const listed = async (type: ResourceType, r: ScimResource) =>
        store.capabilities.filter
          ? (await store.search(ctx(), type, { filter: parseFilter(`id eq "${r.id}"`), startIndex: 1, count: 1, members: true })).resources[0]!
          : (await store.search(ctx(), type, { startIndex: 1, count: 1000, members: true })).resources.find((x) => x.id === r.id)!;
      /** The meta times of `r` and of what a read and a search return for it, each an xsd:dateTime (RFC 7643 §3.1). */
      const dateTimes = async (write: string, r: ScimResource) => {
        const type = r.meta?.resourceType === 'Group' ? Group : User;
        const read = (await store.get(ctx(), type, r.id!))!;
        for (const [where, x] of [
          ['returned', r],
          ['read', read],
          ['listed', await listed(type, r)],
        ] as const)
          for (const k of ['created', 'lastModified'] as const)
            expect(isDateTime(String(x.meta?.[k])), `${write}: meta.${k} ${where} is ${JSON.stringify(x.meta?.[k])}`).toBe(true);
        expect(Date.parse(read.meta!.lastModified!), `${write}: lastModified before created`).toBeGreaterThanOrEqual(Date.parse(read.meta!.created!));
      };
      const [a, b, c] = [
        await store.create(ctx(), User, user('ma', { title: 'T' })),
        await store.create(ctx(), User, user('mb')),
        await store.create(ctx(), User, user('mc')),
      ];
      await dateTimes('create', a);
      const g = await store.create(ctx(), Group, group('Meta', [a.id!, b.id!, c.id!]));
      await dateTimes('create with members', g);
      await tick();
      await dateTimes('replace', await store.replace(ctx(), User, a.id!, user('ma', { title: 'U' })));
      const current = (await store.get(ctx(), User, a.id!))!;
      await dateTimes('replace at a version', await store.replace(ctx(), User, a.id!, user('ma', { title: 'V' }), { ifVersion: current.meta!.version! }));
      await dateTimes('replace with new unique keys', await store.replace(ctx(), User, a.id!, user('ma2', { title: 'V' })));
      await dateTimes('replace of members', await store.replace(ctx(), Group, g.id!, group('Meta', [a.id!, b.id!])));
      if (store.capabilities.memberDeltas) {
        const removed = { removeAll: false, added: [], removed: [b.id!] };
        await dateTimes('member delta', await store.replace(ctx(), Group, g.id!, group('Meta'), { members: removed, keepAttributes: true }));
        const added = { removeAll: false, added: [{ value: b.id! }, { value: c.id! }], removed: [] };
        await dateTimes('member delta with attributes', await store.replace(ctx(), Group, g.id!, group('Meta 2'), { members: added }));
        const all = { removeAll: true, added: [{ value: c.id! }, { value: a.id! }, { value: b.id! }], removed: [] };
        const at = (await store.get(ctx(), Group, g.id!))!.meta!.version!;
        await dateTimes('member delta at a version', await store.replace(ctx(), Group, g.id!, group('Meta 2'), { members: all, ifVersion: at }));
      }
      if (store.transaction)
        await dateTimes(
          'replace in a transaction',
          await store.transaction(ctx(), () => store.replace(ctx(), User, b.id!, user('mb', { title: 'In a transaction' }))),
        );
      await tick();
      // the group's own times move without a write of its own (core/rules/version.ts)
      await store.delete(ctx(), User, c.id!);
      await dateTimes('a member deleted', (await store.get(ctx(), Group, g.id!))!);
      if (store.transaction) {
        await store.transaction(ctx(), () => store.delete(ctx(), User, b.id!));
        await dateTimes('a member deleted in a transaction', (await store.get(ctx(), Group, g.id!))!);
      }
    });

    it('through the server: a deleted member leaves the group writable without If-Match, and If-None-Match sees the change', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      const a = (await call('POST', '/Users', user('ea'))).body;
      const b = (await call('POST', '/Users', user('eb'))).body;
      const g = await call('POST', '/Groups', group('Entra team', [a.id as string, b.id as string]));
      expect(g.status).toBe(201);
      const etag = g.headers.etag!;
      expect((await call('DELETE', `/Users/${a.id}`)).status).toBe(204);
      const read = await call('GET', `/Groups/${g.body.id}`, undefined, { 'if-none-match': etag });
      expect(read.status).toBe(200);
      expect(read.headers.etag).not.toBe(etag);
      const renamed = await call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'Entra team 2' }));
      expect(renamed.status).toBe(200);
      const put = await call('PUT', `/Groups/${g.body.id}`, { schemas: [G], displayName: 'Entra team 3', members: [{ value: b.id }] });
      expect(put.status).toBe(200);
      expect((await call('DELETE', `/Groups/${g.body.id}`)).status).toBe(204);
    });
  });
}
