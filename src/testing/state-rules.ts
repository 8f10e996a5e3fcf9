/**
 * The state rules of the store contract: versions, no-op writes, equality, sort order,
 * keyset pages, preconditions, member references and filters on unknown attributes.
 * Each test names the rule it proves (docs/stores.md states each rule once); the
 * engine-level ones go through `createScimServer(...).handle()` with the store under test.
 * @module
 */
import {
  bearerToken,
  createScimServer,
  isDateTime,
  type LifecycleEvent,
  type ProvisioningStore,
  parseFilter,
  preconditionMatches,
  SchemaRegistry,
  type ScimResource,
  type ScimServer,
  type ScimServerOptions,
  type StoreContext,
  softDeletedAt,
} from 'scimkit';
import { afterEach, describe, expect, it } from 'vitest';
import { rejects } from './refusal.js';

/** Makes a fresh, empty store for each test (may be async, e.g. after a migration). */
export type StateRulesStoreFactory = () => ProvisioningStore | Promise<ProvisioningStore>;

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const E = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const D = 'urn:scimkit:contract:2.0:Device';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const TOKEN = 'contract-token-0123456789-0123456789';

/** The contract's registry: the defaults plus a Device type with caseExact, dateTime and integer attributes. */
function contractRegistry(): SchemaRegistry {
  const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
  registry.addSchema({
    id: D,
    name: 'Device',
    attributes: [
      { name: 'serial', caseExact: true, uniqueness: 'server' },
      { name: 'label' },
      { name: 'seenAt', type: 'dateTime' },
      { name: 'rank', type: 'integer', uniqueness: 'server' },
    ],
  });
  registry.addResourceType({ name: 'Device', endpoint: '/Devices', schema: D });
  return registry;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Registers the state-rule tests for a store under `name`. */
export function describeStateRules(name: string, makeStore: StateRulesStoreFactory): void {
  const registry = contractRegistry();
  const User = registry.resourceType('User')!;
  const Group = registry.resourceType('Group')!;
  const Device = registry.resourceType('Device')!;
  let n = 0;
  const ctx = (tenant = 'rules-a'): StoreContext => ({ tenant, requestId: `s${++n}` });
  const user = (userName: string, extra: Record<string, unknown> = {}): ScimResource => ({ schemas: [U], userName, ...extra });
  const group = (displayName: string, ids: string[] = []): ScimResource => ({ schemas: [G], displayName, members: ids.map((value) => ({ value })) });

  /** Servers of the running test: closed after it, so their event delivery stops before the store closes. */
  const open: ScimServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  /** A server over the store under test, with the contract's registry and token. */
  const serverOf = (store: ProvisioningStore, options: Partial<ScimServerOptions> = {}) => {
    const server = createScimServer({
      authenticate: bearerToken(TOKEN, { tenant: 'rules-a' }),
      baseUrl: 'https://sp.example/scim/v2',
      store,
      registry,
      ...options,
    });
    open.push(server);
    return server;
  };
  /** A server over the store under test, and a JSON `call`. */
  const serve = (store: ProvisioningStore, options: Partial<ScimServerOptions> = {}) => {
    const server = serverOf(store, options);
    return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const [p, q] = path.split('?');
      const res = await server.handle({
        method,
        path: p!,
        query: q ?? '',
        headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return res as typeof res & { body: Record<string, unknown> & { Resources?: ScimResource[]; scimType?: string; detail?: string } };
    };
  };
  const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

  describe(`ProvisioningStore state rules: ${name}`, () => {
    describe('version: changes exactly when what a GET returns changes', () => {
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
        /** The meta times of `r` and of what a read and a search return for it, each an xsd:dateTime (RFC 7643 §3.1). */
        const dateTimes = async (write: string, r: ScimResource) => {
          const type = r.meta?.resourceType === 'Group' ? Group : User;
          const read = (await store.get(ctx(), type, r.id!))!;
          const listed = (await store.search(ctx(), type, { filter: parseFilter(`id eq "${r.id}"`), startIndex: 1, count: 1, members: true })).resources[0]!;
          for (const [where, x] of [
            ['returned', r],
            ['read', read],
            ['listed', listed],
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
        // the group's own times move without a write of its own (store/version.ts)
        await store.delete(ctx(), User, c.id!);
        await dateTimes('a member deleted', (await store.get(ctx(), Group, g.id!))!);
        if (store.transaction) {
          await store.transaction(ctx(), () => store.delete(ctx(), User, b.id!));
          await dateTimes('a member deleted in a transaction', (await store.get(ctx(), Group, g.id!))!);
        }
      });

      it('a member delta that changes nothing keeps version and lastModified', async ({ skip }) => {
        const store = await makeStore();
        if (!store.capabilities.memberDeltas) return skip();
        const a = await store.create(ctx(), User, user('na'));
        const g = await store.create(ctx(), Group, group('NoOp', [a.id!]));
        await tick();
        const same = await store.replace(
          ctx(),
          Group,
          g.id!,
          { schemas: [G], displayName: 'NoOp' },
          { members: { removeAll: false, added: [{ value: a.id! }], removed: ['not-a-member'] } },
        );
        expect(same.meta!.version).toBe(g.meta!.version);
        expect(same.meta!.lastModified).toBe(g.meta!.lastModified);
        expect((await store.get(ctx(), Group, g.id!))!.meta).toEqual(g.meta);
      });

      it('a replace of all members takes the request order; the same list again changes nothing', async ({ skip }) => {
        const store = await makeStore();
        if (!store.capabilities.memberDeltas) return skip();
        const [a, b, c] = [
          await store.create(ctx(), User, user('ra')),
          await store.create(ctx(), User, user('rb')),
          await store.create(ctx(), User, user('rc')),
        ];
        const g = await store.create(ctx(), Group, group('Order', [a.id!, b.id!]));
        const replaceAll = (ids: string[]) =>
          store.replace(
            ctx(),
            Group,
            g.id!,
            { schemas: [G], displayName: 'Order' },
            { members: { removeAll: true, added: ids.map((value) => ({ value })), removed: [] } },
          );
        await tick();
        const same = await replaceAll([a.id!, b.id!]);
        expect(same.meta).toEqual(g.meta);
        const reordered = await replaceAll([c.id!, b.id!, a.id!]);
        expect(reordered.meta!.version).not.toBe(g.meta!.version);
        expect(((await store.get(ctx(), Group, g.id!))!.members as { value: string }[]).map((m) => m.value)).toEqual([c.id, b.id, a.id]);
        const full = await store.replace(ctx(), Group, g.id!, group('Order', [c.id!, b.id!, a.id!]));
        expect(full.meta!.version).toBe(reordered.meta!.version);
        // the same members in another order: what a GET returns changed
        const moved = await replaceAll([a.id!, b.id!, c.id!]);
        expect(moved.meta!.version).not.toBe(reordered.meta!.version);
        expect(((await store.get(ctx(), Group, g.id!))!.members as { value: string }[]).map((m) => m.value)).toEqual([a.id, b.id, c.id]);
      });

      it('a replace with the stored attributes keeps version and lastModified', async () => {
        const store = await makeStore();
        const c = await store.create(ctx(), User, user('same', { title: 'T', emails: [{ value: 's@x.io', type: 'work' }] }));
        await tick();
        const r = await store.replace(ctx(), User, c.id!, user('same', { title: 'T', emails: [{ value: 's@x.io', type: 'work' }] }));
        expect(r.meta).toEqual(c.meta);
        const changed = await store.replace(ctx(), User, c.id!, user('same', { title: 'U', emails: [{ value: 's@x.io', type: 'work' }] }));
        expect(changed.meta!.version).not.toBe(c.meta!.version);
      });

      it('through the server: a deleted member leaves the group writable without If-Match, and If-None-Match sees the change', async () => {
        const store = await makeStore();
        const call = serve(store);
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

      it('through the server: a PATCH that changes nothing keeps the ETag, also for a case-variant e-mail', async () => {
        const store = await makeStore();
        const call = serve(store);
        const a = (await call('POST', '/Users', user('pa', { emails: [{ value: 'c@x.com', type: 'work' }] }))).body;
        const g = await call('POST', '/Groups', group('Stable', [a.id as string]));
        const u = await call('GET', `/Users/${a.id}`);
        const again = await call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }] }));
        expect(again.headers.etag).toBe(g.headers.etag);
        const email = await call('PATCH', `/Users/${a.id}`, patch({ op: 'add', path: 'emails', value: [{ value: 'c@x.com', type: 'work' }] }));
        expect(email.headers.etag).toBe(u.headers.etag);
        const variant = await call('PATCH', `/Users/${a.id}`, patch({ op: 'add', path: 'emails', value: [{ value: 'C@X.COM', type: 'work' }] }));
        expect(variant.status).toBe(200);
        expect(variant.headers.etag).toBe(u.headers.etag);
        expect(variant.body.emails).toEqual([{ value: 'c@x.com', type: 'work' }]);
      });
    });

    describe('member deltas commute; attributes do not', () => {
      it('a members-only write keeps the attributes stored now, even when it carries older ones', async ({ skip }) => {
        const store = await makeStore();
        if (!store.capabilities.memberDeltas) return skip();
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
        const call = serve(store, {
          hooks: {
            beforeUpdate: async ({ ctx: c, resourceType, previous, members }) => {
              // another request renames the group between this PATCH's read and its write
              if (members && previous?.displayName === 'Team')
                await store.replace(c, resourceType, previous.id!, { schemas: [G], displayName: 'Team renamed' });
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
    });

    describe('sort key: primary else first, missing last ascending and first descending, id breaks ties', () => {
      it('sorts a multi-valued attribute by its primary value, else its first', async () => {
        const store = await makeStore();
        const mk = (u: string, emails: { value: string; primary?: boolean }[]) => store.create(ctx(), User, user(u, { emails }));
        await mk('s1', [{ value: 'z@x.io' }, { value: 'a@x.io', primary: true }]); // a
        await mk('s2', [{ value: 'm@x.io' }, { value: 'b@x.io' }]); // m
        await mk('s3', [{ value: 'c@x.io' }]); // c
        await mk('s4', []); // missing
        const order = async (o: 'ascending' | 'descending') =>
          (await store.search(ctx(), User, { sort: { path: 'emails.value', order: o }, startIndex: 1, count: 10, members: false })).resources.map(
            (r) => r.userName,
          );
        expect(await order('ascending')).toEqual(['s1', 's3', 's2', 's4']);
        expect(await order('descending')).toEqual(['s4', 's2', 's3', 's1']);
      });

      it('honours caseExact, compares dateTimes as instants and integers as numbers, and breaks ties by id', async () => {
        const store = await makeStore();
        const devices = [
          { serial: 'b', label: 'B', seenAt: '2024-01-01T10:00:00+02:00', rank: 10 }, // 08:00Z
          { serial: 'B', label: 'b', seenAt: '2024-01-01T09:00:00Z', rank: 9 },
          { serial: 'a', label: 'a', seenAt: '2024-01-01T08:30:00Z', rank: 100 },
          { serial: 'c', label: 'B' },
        ];
        const ids: string[] = [];
        for (const d of devices) ids.push((await store.create(ctx(), Device, { schemas: [D], ...d })).id!);
        const order = async (path: string, o: 'ascending' | 'descending' = 'ascending') =>
          (await store.search(ctx(), Device, { sort: { path, order: o }, startIndex: 1, count: 10, members: false })).resources.map((r) => r.serial);
        expect(await order('serial')).toEqual(['B', 'a', 'b', 'c']);
        expect(await order('seenAt')).toEqual(['b', 'a', 'B', 'c']);
        expect(await order('seenAt', 'descending')).toEqual(['c', 'B', 'a', 'b']);
        expect(await order('rank')).toEqual(['B', 'b', 'a', 'c']);
        const byLabel = (o: 'ascending' | 'descending') =>
          store.search(ctx(), Device, { sort: { path: 'label', order: o }, startIndex: 1, count: 10, members: false });
        const tie = [ids[0]!, ids[1]!, ids[3]!].sort();
        expect((await byLabel('ascending')).resources.map((r) => r.id)).toEqual([ids[2], ...tie]);
        expect((await byLabel('descending')).resources.map((r) => r.id)).toEqual([...tie].reverse().concat(ids[2]!));
      });

      it('pages by keyset through ties and missing values in both orders, as the offset order', async ({ skip }) => {
        const store = await makeStore();
        if (!store.capabilities.keyset) return skip();
        for (const [i, label] of ['x', 'y', undefined, 'x', undefined, 'y', 'x'].entries())
          await store.create(ctx(), Device, { schemas: [D], serial: `k${i}`, ...(label ? { label } : {}) });
        for (const o of ['ascending', 'descending'] as const) {
          const sort = { path: 'label', order: o };
          const all = (await store.search(ctx(), Device, { sort, startIndex: 1, count: 100, members: false })).resources.map((r) => r.id);
          const walked: (string | undefined)[] = [];
          let after: string | undefined;
          for (let page = 0; page < 10; page++) {
            const r = await store.search(ctx(), Device, { sort, startIndex: 1, count: 2, members: false, ...(after ? { after } : {}) });
            walked.push(...r.resources.map((x) => x.id));
            if (r.resources.length < 2 || !r.next) break;
            after = r.next;
          }
          expect(walked, o).toEqual(all);
        }
      });
    });

    describe('uniqueness of attributes that are not strings', () => {
      it('keeps an integer attribute marked uniqueness server unique', async () => {
        const store = await makeStore();
        await store.create(ctx(), Device, { schemas: [D], serial: 'u1', rank: 7 });
        const e = await rejects(store.create(ctx(), Device, { schemas: [D], serial: 'u2', rank: 7 }));
        expect([e.status, e.scimType]).toEqual([409, 'uniqueness']);
      });
    });

    describe('members: name a resource of the same tenant; type and $ref are the server’s', () => {
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
        const call = serve(store);
        const served = (await call('GET', `/Groups/${g.id}`)).body;
        expect(served.members).toEqual([
          { value: a.id, type: 'User', $ref: `https://sp.example/scim/v2/Users/${a.id}` },
          { value: inner.id, type: 'Group', $ref: `https://sp.example/scim/v2/Groups/${inner.id}` },
        ]);
      });

      it('never leaves a membership of a deleted user when a member add races the delete', async ({ skip }) => {
        const store = await makeStore();
        if (!store.capabilities.memberDeltas) return skip();
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

    describe('precondition: weak comparison, lists and *, alike for PUT, PATCH and DELETE; none means the current version', () => {
      it('checks ifVersion with the one rule (preconditionMatches: opaque tags, weak), on every kind of write', async () => {
        const store = await makeStore();
        const u = await store.create(ctx(), User, user('opaque'));
        const g = await store.create(ctx(), Group, group('Opaque'));
        const opaque = (tag: string) => tag.replace(/^W\//, '').replace(/^"|"$/g, '');
        // tags whose opaque part differs from the version's (a leading zero, a sign, a fraction): 412, however a store numbers
        for (const r of [u, g]) {
          const type = r === u ? User : Group;
          const tag = r.meta!.version!;
          for (const other of [`W/"0${opaque(tag)}"`, `"+${opaque(tag)}"`, `W/"${opaque(tag)}.0"`]) {
            expect(preconditionMatches(other, tag), other).toBe(false);
            const body = r === u ? user('opaque', { title: other }) : group('Opaque 2');
            expect((await rejects(store.replace(ctx(), type, r.id!, body, { ifVersion: other }))).status, other).toBe(412);
            if (store.capabilities.memberDeltas && r === g) {
              const delta = { removeAll: false, added: [{ value: u.id! }], removed: [] };
              expect((await rejects(store.replace(ctx(), Group, g.id!, group('Opaque'), { members: delta, ifVersion: other }))).status, other).toBe(412);
            }
            expect((await rejects(store.delete(ctx(), type, r.id!, { ifVersion: other }))).status, other).toBe(412);
          }
        }
        // the version weak or strong, in a list, or *: the write applies
        const forms = [(t: string) => t, (t: string) => t.replace(/^W\//, ''), (t: string) => `W/"nope", ${t}`, () => '*'];
        let [cu, cg] = [u, g];
        for (const form of forms) {
          const ifVersion = form(cu.meta!.version!);
          expect(preconditionMatches(ifVersion, cu.meta!.version), ifVersion).toBe(true);
          cu = await store.replace(ctx(), User, u.id!, user('opaque', { title: ifVersion }), { ifVersion });
          expect(cu.title).toBe(ifVersion);
          const at = form(cg.meta!.version!);
          const delta = { removeAll: cg.members === undefined, added: cg.members === undefined ? [{ value: u.id! }] : [], removed: cg.members ? [u.id!] : [] };
          cg = store.capabilities.memberDeltas
            ? await store.replace(ctx(), Group, g.id!, group('Opaque'), { members: delta, ifVersion: at })
            : await store.replace(ctx(), Group, g.id!, group('Opaque', cg.members ? [] : [u.id!]), { ifVersion: at });
          expect(cg.meta!.version, at).not.toBe(g.meta!.version);
        }
        await store.delete(ctx(), Group, g.id!, { ifVersion: `"nope", ${cg.meta!.version!.replace(/^W\//, '')}` });
        await store.delete(ctx(), User, u.id!, { ifVersion: cu.meta!.version! });
        expect(await store.get(ctx(), User, u.id!)).toBeUndefined();
      });

      it('matches If-Match in every form, for an attribute PATCH and a member-only PATCH', async () => {
        const store = await makeStore();
        const call = serve(store);
        const a = (await call('POST', '/Users', user('pre'))).body;
        const g = await call('POST', '/Groups', group('Pre'));
        const id = g.body.id as string;
        let tag = g.headers.etag!;
        const forms = [(t: string) => t, (t: string) => t.replace(/^W\//, ''), (t: string) => `"nope", ${t}`, () => '*'];
        for (const [i, form] of forms.entries()) {
          const r = await call('PATCH', `/Groups/${id}`, patch({ op: 'replace', path: 'displayName', value: `Pre ${i}` }), { 'if-match': form(tag) });
          expect(r.status, form(tag)).toBe(200);
          tag = r.headers.etag!;
        }
        for (const form of [forms[1]!, forms[2]!]) {
          const add = await call('PATCH', `/Groups/${id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }] }), { 'if-match': form(tag) });
          expect(add.status, form(tag)).toBeLessThan(300);
          const rm = await call('PATCH', `/Groups/${id}`, patch({ op: 'remove', path: `members[value eq "${a.id}"]` }), {
            'if-match': form(add.headers.etag!),
          });
          expect(rm.status, form(tag)).toBeLessThan(300);
          tag = rm.headers.etag!;
        }
        const stale = await call('PATCH', `/Groups/${id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }] }), { 'if-match': 'W/"999"' });
        expect(stale.status).toBe(412);
        expect((await call('PUT', `/Groups/${id}`, group('Stale'), { 'if-match': '"999"' })).status).toBe(412);
        expect((await call('DELETE', `/Groups/${id}`, undefined, { 'if-match': 'W/"999"' })).status).toBe(412);
        expect((await call('DELETE', `/Groups/${id}`, undefined, { 'if-match': tag.replace(/^W\//, '') })).status).toBe(204);
      });

      it('applies PUT and DELETE without If-Match to the current version when another write lands meanwhile', async () => {
        const store = await makeStore();
        const call = serve(store, {
          hooks: {
            // a concurrent writer that lands between the engine's read and its write
            beforeUpdate: async ({ ctx: c, resourceType, previous }) => {
              if (previous?.title === 'racing') await store.replace(c, resourceType, previous.id!, user(previous.userName as string, { title: 'raced' }));
              return undefined;
            },
            beforeDelete: async ({ ctx: c, resourceType, previous }) => {
              await store.replace(c, resourceType, previous.id!, user(previous.userName as string, { title: 'raced again' }));
            },
          },
        });
        const c = await store.create(ctx(), User, user('racer', { title: 'racing' }));
        const put = await call('PUT', `/Users/${c.id}`, user('racer', { title: 'mine' }));
        expect(put.status).toBe(200);
        expect((await store.get(ctx(), User, c.id!))!.title).toBe('mine');
        expect((await call('DELETE', `/Users/${c.id}`)).status).toBe(204);
        expect(await store.get(ctx(), User, c.id!)).toBeUndefined();
      });
    });

    describe('filters on unknown attributes with unknownFilterAttributes: noMatch', () => {
      it('match nothing, in any combination, instead of 400', async () => {
        const store = await makeStore();
        const call = serve(store, { unknownFilterAttributes: 'noMatch' });
        await call('POST', '/Users', user('known'));
        const none = await call('GET', `/Users?filter=${encodeURIComponent('nickname2 eq "x"')}`);
        expect([none.status, none.body.totalResults]).toEqual([200, 0]);
        const either = await call('GET', `/Users?filter=${encodeURIComponent('nickname2 eq "x" or userName eq "known"')}`);
        expect([either.status, either.body.totalResults]).toEqual([200, 1]);
        const negated = await call('GET', `/Users?filter=${encodeURIComponent('not (nickname2 eq "x")')}`);
        expect([negated.status, negated.body.totalResults]).toEqual([200, 1]);
        const direct = await store.search(ctx(), User, {
          filter: parseFilter('nickname2 eq "x" or userName eq "known"'),
          unknownAttributes: 'noMatch',
          startIndex: 1,
          count: 10,
          members: false,
        } as Parameters<ProvisioningStore['search']>[2]);
        expect(direct.totalResults).toBe(1);
      });
    });

    describe('soft delete (deprovisioning.onDelete: softDelete): kept and hidden, out of its groups, restored by a create', () => {
      const softly = (store: ProvisioningStore, seen: LifecycleEvent[]) =>
        serve(store, { deprovisioning: { onDelete: 'softDelete' }, events: { mode: 'beforeResponse' }, hooks: { onEvent: (e) => void seen.push(e) } });

      it('hides a deleted user from reads, lists and filters, takes it out of its groups, and keeps it in the store', async () => {
        const store = await makeStore();
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

      it('restores the user under its id when a create names its userName (any case) or its externalId', async () => {
        const store = await makeStore();
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

      it('lets one of two racing creates restore the user; the other answers 409 uniqueness', async () => {
        const store = await makeStore();
        const call = softly(store, []);
        const u = (await call('POST', '/Users', user('raced'))).body;
        await call('DELETE', `/Users/${u.id}`);
        const [a, b] = await Promise.all([call('POST', '/Users', user('raced')), call('POST', '/Users', user('raced'))]);
        expect([a.status, b.status].sort()).toEqual([201, 409]);
        expect((a.status === 409 ? a : b).body.scimType).toBe('uniqueness');
        expect((a.status === 201 ? a : b).body.id).toBe(u.id);
        expect((await call('GET', '/Users?count=100')).body.totalResults).toBe(1);
      });

      it('soft-deletes through Bulk too, and purgeSoftDeleted really deletes what is older than asked', async () => {
        const store = await makeStore();
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
        const server = open.at(-1)!;
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
        const call = serve(store);
        const u = (await call('POST', '/Users', user('hard'))).body;
        await call('DELETE', `/Users/${u.id}`);
        expect(await store.get(ctx(), User, u.id as string)).toBeUndefined();
        expect((await call('POST', '/Users', user('hard'))).body.id).not.toBe(u.id);
      });
    });
    describe('Entra ID manager as a bare id, on every write', () => {
      it('is taken on POST, PUT, a path-less PATCH and a PATCH of the extension', async () => {
        const store = await makeStore();
        const call = serve(store);
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
  });
}
