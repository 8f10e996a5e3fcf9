/**
 * When a write moves the version: exactly when what a GET returns changes. A write that is a
 * no-op by the equality rule (RFC 7643 §2.3: case where the attribute is not caseExact,
 * dateTimes as instants, a current member added again) either leaves what a read returns as
 * it was and keeps `meta.version` and `meta.lastModified`, or, if the store keeps the new
 * spelling, is a change a read shows and moves both: the version never disagrees with the
 * content. A write that changes what a read returns always moves both. Through the server,
 * the ETag, the answer's body and the update events follow the same rule. Part of
 * `describeStoreContract`.
 * @module
 */
import type { LifecycleEvent, ProvisioningStore, ResourceType, ScimResource } from 'scimkit';
import { describe, expect, it } from 'vitest';
import { withoutCapability } from '../capability.js';
import { type Call, engineHarness } from '../engine-harness.js';
import { contexts, contractRegistry, contractTypes, D, device, E, G, group, keysReversed, patch, sameContent, tick, U, user } from '../fixtures.js';
import type { StoreFactory } from '../store-factory.js';

/** What a write must do to what a read returns: keep it, change it, or either (a no-op by the equality rule the store may keep in the new spelling). */
type Expected = 'same' | 'changed' | 'either';

/** Registers the no-op-write rules for a store under `name`: the version moves exactly when what a read returns changes. */
export function describeNoOpWriteRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();
  const { User, Group, Device } = contractTypes(registry);
  const ctx = contexts('no', 'rules-a');

  /** Replaces `id` with `next` in `store` and checks the version against what a read returns before and after. */
  const replaceAndCompare = async (store: ProvisioningStore, type: ResourceType, id: string, label: string, next: ScimResource, want: Expected) => {
    const before = (await store.get(ctx(), type, id))!;
    await tick();
    const returned = await store.replace(ctx(), type, id, next);
    const after = (await store.get(ctx(), type, id))!;
    expect(returned, `${label}: the write answers what a read returns`).toEqual(after);
    const visible = !sameContent(before, after);
    if (want !== 'either') expect(visible, `${label}: a read ${want === 'same' ? 'returns what it did' : 'shows the change'}`).toBe(want === 'changed');
    expect(after.meta!.version !== before.meta!.version, `${label}: the version moves exactly when a read changes (${visible ? 'it did' : 'it did not'})`).toBe(
      visible,
    );
    expect(after.meta!.lastModified !== before.meta!.lastModified, `${label}: lastModified moves exactly when a read changes`).toBe(visible);
    expect(after.meta!.created, label).toBe(before.meta!.created);
  };

  describe(`ProvisioningStore contract, no-op writes: ${name}`, () => {
    const engine = engineHarness(registry, 'rules-a');

    it('a member delta that changes nothing keeps version and lastModified', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.memberDeltas, withoutCapability('memberDeltas'));
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
      skip(!store.capabilities.memberDeltas, withoutCapability('memberDeltas'));
      const [a, b, c] = [await store.create(ctx(), User, user('ra')), await store.create(ctx(), User, user('rb')), await store.create(ctx(), User, user('rc'))];
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

    it('moves the version exactly when what a read returns changes: no-ops by the equality rule, and real changes', async () => {
      const store = await makeStore();
      const emails = [
        { value: 's@x.io', type: 'work', primary: true },
        { value: 'home@x.io', type: 'home' },
      ];
      const base = { externalId: 'X-1', title: 'Engineer', active: true, name: { givenName: 'Sam', familyName: 'Lee' }, emails };
      const u = await store.create(ctx(), User, user('noop', base));
      const steps: [string, ScimResource, Expected][] = [
        ['the stored attributes again', user('noop', base), 'same'],
        ['the same attributes, keys in another order', keysReversed(user('noop', base)), 'same'],
        ['title in another case (not caseExact)', user('noop', { ...base, title: 'ENGINEER' }), 'either'],
        ['that again', user('noop', { ...base, title: 'ENGINEER' }), 'same'],
        ['an e-mail in another case', user('noop', { ...base, title: 'ENGINEER', emails: [{ ...emails[0], value: 'S@X.IO' }, emails[1]] }), 'either'],
        ['name.familyName in another case', user('noop', { ...base, name: { givenName: 'Sam', familyName: 'LEE' } }), 'either'],
        ['userName in another case', user('NOOP', base), 'either'],
        ['e-mails in another order', user('NOOP', { ...base, emails: [emails[1], emails[0]] }), 'changed'],
        ['externalId in another case (caseExact)', user('NOOP', { ...base, externalId: 'x-1' }), 'changed'],
        ['title changed', user('NOOP', { ...base, title: 'Manager' }), 'changed'],
        ['title removed', user('NOOP', { ...base, title: undefined }), 'changed'],
      ];
      for (const [label, next, want] of steps) await replaceAndCompare(store, User, u.id!, label, next, want);
      const at = '2024-01-01T10:00:00+02:00';
      const d = await store.create(ctx(), Device, device({ serial: 'abc', label: 'Lab', seenAt: at, rank: 3 }));
      const deviceSteps: [string, ScimResource, Expected][] = [
        ['a device as stored', device({ serial: 'abc', label: 'Lab', seenAt: at, rank: 3 }), 'same'],
        ['seenAt the same instant in another form', device({ serial: 'abc', label: 'Lab', seenAt: '2024-01-01T08:00:00Z', rank: 3 }), 'either'],
        ['seenAt a second later', device({ serial: 'abc', label: 'Lab', seenAt: '2024-01-01T08:00:01Z', rank: 3 }), 'changed'],
        ['label in another case (not caseExact)', device({ serial: 'abc', label: 'LAB', seenAt: '2024-01-01T08:00:01Z', rank: 3 }), 'either'],
        ['serial in another case (caseExact)', device({ serial: 'ABC', label: 'LAB', seenAt: '2024-01-01T08:00:01Z', rank: 3 }), 'changed'],
      ];
      for (const [label, next, want] of deviceSteps) await replaceAndCompare(store, Device, d.id!, label, next, want);
      const [a, b] = [await store.create(ctx(), User, user('ma')), await store.create(ctx(), User, user('mb'))];
      const g = await store.create(ctx(), Group, group('Members', [a.id!, b.id!]));
      const groupSteps: [string, ScimResource, Expected][] = [
        ['the same member list', group('Members', [a.id!, b.id!]), 'same'],
        ['the same members, each named twice', group('Members', [a.id!, b.id!, a.id!]), 'same'],
        ['displayName in another case', group('MEMBERS', [a.id!, b.id!]), 'either'],
        ['the members in another order', group('MEMBERS', [b.id!, a.id!]), 'changed'],
        ['a member fewer', group('MEMBERS', [b.id!]), 'changed'],
      ];
      for (const [label, next, want] of groupSteps) await replaceAndCompare(store, Group, g.id!, label, next, want);
    });

    /** Sends `method path body`, and checks ETag, answer, events and content against a read before and after. */
    const writeAndCompare = async (call: Call, seen: LifecycleEvent[], path: string, label: string, method: 'PUT' | 'PATCH', body: unknown, want: Expected) => {
      const before = await call('GET', path);
      seen.length = 0;
      await tick();
      const r = await call(method, path, body);
      expect(r.status, `${label}: ${JSON.stringify(r.body)}`).toBe(200);
      const after = await call('GET', path);
      expect(r.body, `${label}: the answer is what a GET returns`).toEqual(after.body);
      expect(r.headers.etag, `${label}: the answer's ETag is a GET's`).toBe(after.headers.etag);
      const visible = !sameContent(before.body, after.body);
      if (want !== 'either') expect(visible, `${label}: a GET ${want === 'same' ? 'returns what it did' : 'shows the change'}`).toBe(want === 'changed');
      expect(after.headers.etag !== before.headers.etag, `${label}: the ETag moves exactly when a GET changes`).toBe(visible);
      const updates = seen.filter((e) => e.type.endsWith('.updated')).length;
      expect(updates, `${label}: an update event exactly when a GET changes`).toBe(visible ? 1 : 0);
    };

    it('through the server: PUT and PATCH move the ETag exactly when what a GET returns changes, and say so in events', async () => {
      const store = await makeStore();
      const seen: LifecycleEvent[] = [];
      const call = engine.serve(store, { events: { mode: 'beforeResponse' }, hooks: { onEvent: (e) => void seen.push(e) } });
      const emails = [{ value: 'p@x.io', type: 'work' }];
      const created = await call('POST', '/Users', {
        schemas: [U, E],
        userName: 'put',
        title: 'Engineer',
        emails,
        name: { givenName: 'Pat' },
        [E]: { department: 'R&D' },
      });
      expect(created.status).toBe(201);
      const path = `/Users/${created.body.id}`;
      const as = (extra: Record<string, unknown>) => ({
        schemas: [U, E],
        userName: 'put',
        title: 'Engineer',
        emails,
        name: { givenName: 'Pat' },
        [E]: { department: 'R&D' },
        ...extra,
      });
      const puts: [string, unknown, Expected][] = [
        ['PUT of what a GET returned (id, meta, readOnly attributes and all)', (await call('GET', path)).body, 'same'],
        ['PUT of the same attributes, keys in another order', keysReversed(as({})), 'same'],
        ['PUT with title in another case', as({ title: 'ENGINEER' }), 'either'],
        ['PUT with the department changed', as({ title: 'ENGINEER', [E]: { department: 'Ops' } }), 'changed'],
      ];
      for (const [label, body, want] of puts) await writeAndCompare(call, seen, path, label, 'PUT', body, want);
      // each PATCH built from what a GET returns now: a no-op by the equality rule may have kept either spelling
      const patches: [string, (now: Record<string, unknown>) => unknown, Expected][] = [
        ['PATCH replacing title with its value', (now) => patch({ op: 'replace', path: 'title', value: now.title }), 'same'],
        ['PATCH replacing title in another case', (now) => patch({ op: 'replace', path: 'title', value: String(now.title).toLowerCase() }), 'either'],
        ['PATCH replacing name.givenName with its value', () => patch({ op: 'replace', path: 'name.givenName', value: 'Pat' }), 'same'],
        ['PATCH adding an e-mail it has, in another case', () => patch({ op: 'add', path: 'emails', value: [{ value: 'P@X.IO', type: 'work' }] }), 'either'],
        ['PATCH replacing the work e-mail in another case', () => patch({ op: 'replace', path: 'emails[type eq "work"].value', value: 'P@x.io' }), 'either'],
        ['PATCH replacing active with false', () => patch({ op: 'replace', path: 'active', value: false }), 'changed'],
        ['PATCH replacing active with false again', () => patch({ op: 'replace', path: 'active', value: false }), 'same'],
        ['PATCH removing title', () => patch({ op: 'remove', path: 'title' }), 'changed'],
      ];
      for (const [label, body, want] of patches) await writeAndCompare(call, seen, path, label, 'PATCH', body((await call('GET', path)).body), want);
      const a = (await call('POST', '/Users', user('gm'))).body;
      const g = await call('POST', '/Groups', group('Served', [a.id as string]));
      const gpath = `/Groups/${g.body.id}`;
      await writeAndCompare(
        call,
        seen,
        gpath,
        'PUT of what a GET of a group returned (members with type and $ref)',
        'PUT',
        (await call('GET', gpath)).body,
        'same',
      );
      const d = await call('POST', '/Devices', { schemas: [D], serial: 'srv', seenAt: '2024-01-01T10:00:00+02:00' });
      const dpath = `/Devices/${d.body.id}`;
      await writeAndCompare(
        call,
        seen,
        dpath,
        'PUT with seenAt the same instant in another form',
        'PUT',
        { schemas: [D], serial: 'srv', seenAt: '2024-01-01T08:00:00Z' },
        'either',
      );
    });

    it('through the server: a PATCH that changes nothing keeps the ETag, also for a case-variant e-mail', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
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
}
