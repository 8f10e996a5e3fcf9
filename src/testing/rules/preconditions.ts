/**
 * Preconditions: a store checks a write's `ifVersion` by the one rule the engine checks
 * `If-Match` with (`preconditionMatches`, which `isVersion` applies to a version number): weak
 * comparison of opaque tags (`W/"3"` and `"3"` name version 3, `W/"03"` does not), lists,
 * and `*` for any version of an existing resource; alike for PUT, PATCH (member deltas too)
 * and DELETE. Without a precondition a write applies to the current version. Part of
 * `describeStoreContract`.
 * @module
 */
import { isVersion, preconditionMatches, versionTag } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { engineHarness } from '../engine-harness.js';
import { contexts, contractRegistry, contractTypes, group, patch, user } from '../fixtures.js';
import { rejects } from '../refusal.js';
import type { StoreFactory } from '../store-factory.js';

/** The opaque part of a version tag: `W/"3"` → `3`. */
const opaque = (tag: string) => tag.replace(/^W\//, '').replace(/^"|"$/g, '');

/**
 * Preconditions built from a version's tag, each with a name: first tags whose opaque part
 * differs from it only in form (a leading zero, a sign, a fraction, a space), which name
 * another version (at version 3 the first is `W/"03"`), then the tag weak and strong, a bare
 * token, in lists, and `*`.
 */
const FORMS: [string, (tag: string) => string][] = [
  ['a leading zero, weak', (t) => `W/"0${opaque(t)}"`],
  ['a leading zero, strong', (t) => `"0${opaque(t)}"`],
  ['a sign', (t) => `"+${opaque(t)}"`],
  ['a fraction', (t) => `W/"${opaque(t)}.0"`],
  ['a trailing space inside the quotes', (t) => `W/"${opaque(t)} "`],
  ['a list of near misses', (t) => `W/"0${opaque(t)}", "0${opaque(t)}"`],
  ['the tag', (t) => t],
  ['the tag strong', (t) => `"${opaque(t)}"`],
  ['a bare token', (t) => opaque(t)],
  ['*', () => '*'],
  ['in a list', (t) => `W/"nope", ${t}`],
  ['a near miss, then *', (t) => `"0${opaque(t)}", *`],
];

/** Registers the precondition rules for a store under `name`: `ifVersion` and `If-Match` by the one rule. */
export function describePreconditionRules(name: string, makeStore: StoreFactory): void {
  const registry = contractRegistry();
  const { User, Group } = contractTypes(registry);
  const ctx = contexts('pc', 'rules-a');

  describe(`ProvisioningStore contract, preconditions: ${name}`, () => {
    const engine = engineHarness(registry, 'rules-a');

    it('the rule a store applies (isVersion) is the engine’s (preconditionMatches): W/"03" is not version 3, * is any', () => {
      for (const [form, make] of FORMS)
        for (const n of [0, 3, 10, 42])
          expect(isVersion(make(versionTag(n)), n), `${form} of version ${n}`).toBe(preconditionMatches(make(versionTag(n)), versionTag(n)));
      expect(isVersion('W/"03"', 3)).toBe(false);
      expect(preconditionMatches('W/"03"', versionTag(3))).toBe(false);
      expect([isVersion('*', 3), preconditionMatches('*', versionTag(3))]).toEqual([true, true]);
    });

    it('a store refuses with 412 exactly the ifVersion the engine’s rule refuses, W/"03" at version 3 included', async () => {
      const store = await makeStore();
      const u = await store.create(ctx(), User, user('w03'));
      let current = u;
      // a store numbering its versions W/"n": to version 3, where W/"03" is the tag a leading zero makes
      for (let i = 0; i < 3 && /^W\/"[0-2]"$/.test(current.meta!.version!); i++)
        current = await store.replace(ctx(), User, u.id!, user('w03', { title: `t${i}` }));
      for (const [form, make] of FORMS) {
        const tag = current.meta!.version!;
        const ifVersion = make(tag);
        const label = `${form}: ${ifVersion} at ${tag}`;
        if (preconditionMatches(ifVersion, tag)) {
          current = await store.replace(ctx(), User, u.id!, user('w03', { title: label }), { ifVersion });
          expect([current.title, current.meta!.version === tag], label).toEqual([label, false]);
        } else {
          expect((await rejects(store.replace(ctx(), User, u.id!, user('w03', { title: label }), { ifVersion }), label)).status, label).toBe(412);
          expect((await rejects(store.delete(ctx(), User, u.id!, { ifVersion }), label)).status, label).toBe(412);
          expect(await store.get(ctx(), User, u.id!), label).toEqual(current);
        }
      }
      // * names an existing resource only
      expect((await rejects(store.replace(ctx(), User, 'no-such-id', user('w03'), { ifVersion: '*' }))).status).toBe(404);
      expect((await rejects(store.delete(ctx(), User, 'no-such-id', { ifVersion: '*' }))).status).toBe(404);
      await store.delete(ctx(), User, u.id!, { ifVersion: '*' });
      expect(await store.get(ctx(), User, u.id!)).toBeUndefined();
    });

    it('through the server: If-Match and If-None-Match by the same rule, W/"03" at version 3 included; * on a missing resource is 404', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      const created = await call('POST', '/Users', user('etag03'));
      const path = `/Users/${created.body.id}`;
      let etag = created.headers.etag!;
      for (let i = 0; i < 3 && /^W\/"[0-2]"$/.test(etag); i++) etag = (await call('PUT', path, user('etag03', { title: `t${i}` }))).headers.etag!;
      for (const [form, make] of FORMS) {
        const header = make(etag);
        const label = `${form}: ${header} at ${etag}`;
        const matches = preconditionMatches(header, etag);
        expect((await call('GET', path, undefined, { 'if-none-match': header })).status, `If-None-Match ${label}`).toBe(matches ? 304 : 200);
        const put = await call('PUT', path, user('etag03', { title: label }), { 'if-match': header });
        expect(put.status, `PUT If-Match ${label}`).toBe(matches ? 200 : 412);
        const patched = await call('PATCH', path, patch({ op: 'replace', path: 'displayName', value: label }), {
          'if-match': matches ? put.headers.etag! : header,
        });
        expect(patched.status, `PATCH If-Match ${label}`).toBe(matches ? 200 : 412);
        if (matches) etag = patched.headers.etag!;
      }
      expect((await call('PUT', '/Users/no-such-id', user('x'), { 'if-match': '*' })).status).toBe(404);
      expect((await call('DELETE', '/Users/no-such-id', undefined, { 'if-match': '*' })).status).toBe(404);
      expect((await call('DELETE', path, undefined, { 'if-match': `"0${opaque(etag)}"` })).status).toBe(412);
      expect((await call('DELETE', path, undefined, { 'if-match': '*' })).status).toBe(204);
    });

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
      const call = engine.serve(store);
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
      const call = engine.serve(store, {
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
}
