/**
 * `describeEngineOverStore`: the whole engine (`createScimServer`, requests through
 * `server.handle` as an adapter sends them) over a store, whatever it declares it can do. A
 * store that cannot filter or sort (`capabilities.filter` / `.sort` false) gets lists the
 * engine filtered, sorted and paged itself; one without member deltas gets whole member
 * lists. Each answer is checked against the core's own rules (`compileFilter`,
 * `sortResources`) over everything the server lists, so a store passes only if the engine over
 * it answers as it would over any other.
 * @module
 */
import type { ScimResource } from 'scimkit';
import { compileFilter, parseFilter, sortResources } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { type Call, engineHarness } from './engine-harness.js';
import { contractRegistry, contractTypes, G, group, patch, TWELVE, U, user } from './fixtures.js';
import type { StoreFactory } from './store-factory.js';

/** Makes a fresh, empty store for each test: the same as {@link StoreFactory}. */
export type EngineStoreFactory = StoreFactory;

/** Lists in the engine's query syntax: filter, sort, page. */
const LISTS: { filter?: string; sortBy?: string; sortOrder?: 'ascending' | 'descending'; startIndex?: number; count?: number }[] = [
  { filter: 'active eq true' },
  { filter: 'displayName sw "d" or title eq "dev"', sortBy: 'displayName' },
  { filter: 'emails[type eq "work" and value co "@WORK"]', sortBy: 'userName', sortOrder: 'descending', startIndex: 3, count: 4 },
  { filter: 'not (title pr)', sortBy: 'emails.value', startIndex: 2, count: 2 },
  { filter: 'userName eq "BEA@example.com"' },
  { sortBy: 'displayName', sortOrder: 'descending', startIndex: 5, count: 5 },
  { sortBy: 'title', count: 3 },
  { filter: 'displayName gt "f" and active eq false', sortBy: 'meta.created' },
  { filter: 'title ne "Dev"', count: 0 },
];

/**
 * Registers, under `name`, the engine over the store: create, read and list with filter,
 * sort and pages (the engine's own where the store cannot), PUT, PATCH and DELETE, If-Match,
 * groups and their members, uniqueness (409). `describeStoreContract` includes it.
 *
 * @example
 * ```ts
 * import { describeEngineOverStore } from 'scimkit/testing';
 *
 * // a store over an app's own tables that filters nothing itself (capabilities.filter: false)
 * describeEngineOverStore('AppTablesStore', async () => new AppTablesStore(await freshDatabase()));
 * ```
 */
export function describeEngineOverStore(name: string, makeStore: EngineStoreFactory): void {
  const registry = contractRegistry();
  const { User } = contractTypes(registry);

  describe(`The engine over the store: ${name}`, () => {
    const engine = engineHarness(registry, 'engine-a');
    /** Everything the server lists of a type, in full. */
    const everything = async (call: Call, path: string) => {
      const all = await call('GET', `${path}?count=1000`);
      expect(all.status).toBe(200);
      return all.body.Resources ?? [];
    };
    /** The twelve users created through the server. */
    const twelve = async (call: Call) => {
      for (const [i, nm] of TWELVE.entries()) {
        const extra = { displayName: nm, active: i % 3 !== 0, title: i % 2 ? 'Dev' : undefined, emails: [{ value: `${nm}@work.io`, type: 'work' }] };
        const r = await call('POST', '/Users', user(`${nm.toLowerCase()}@example.com`, extra));
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
    };

    it('creates, reads, and lists with filter, sort and pages as the core’s rules say, however much the store does itself', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      await twelve(call);
      const all = await everything(call, '/Users');
      expect(all).toHaveLength(12);
      const one = await call('GET', `/Users/${all[0]!.id}`);
      expect([one.status, one.body]).toEqual([200, all[0]]);
      expect((await call('GET', '/Users/no-such-id')).status).toBe(404);
      for (const list of LISTS) {
        const label = JSON.stringify(list);
        let want = list.filter ? all.filter(compileFilter(parseFilter(list.filter), User)) : all;
        if (list.sortBy) want = sortResources(User, want, list.sortBy, list.sortOrder === 'descending');
        const start = list.startIndex ?? 1;
        const page = want.slice(start - 1, start - 1 + (list.count ?? 100));
        const query = new URLSearchParams(Object.entries(list).map(([k, v]): [string, string] => [k, String(v)]));
        const got = await call('GET', `/Users?${query}`);
        expect(got.status, `${label}: ${JSON.stringify(got.body)}`).toBe(200);
        expect([got.body.totalResults, got.body.itemsPerPage, got.body.startIndex], label).toEqual([want.length, page.length, start]);
        const ids = (got.body.Resources ?? []).map((r) => r.id);
        // without sortBy the order is the store's: a page of the matches, each once
        if (list.sortBy) expect(ids, label).toEqual(page.map((r) => r.id));
        else {
          expect(new Set(ids).size, label).toBe(ids.length);
          for (const id of ids)
            expect(
              want.map((r) => r.id),
              label,
            ).toContain(id);
        }
        const searched = await call('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...list });
        expect([searched.status, searched.body.totalResults, (searched.body.Resources ?? []).map((r) => r.id)], `POST .search ${label}`).toEqual([
          200,
          want.length,
          ids,
        ]);
      }
    });

    it('pages by cursor and by index through everything once, filtered and sorted', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      await twelve(call);
      const filter = encodeURIComponent('emails.value ew "@work.io"');
      for (const order of ['ascending', 'descending']) {
        const want = (await call('GET', `/Users?filter=${filter}&sortBy=displayName&sortOrder=${order}&count=100`)).body.Resources!.map((r) => r.id);
        expect(want).toHaveLength(12);
        const walked: unknown[] = [];
        let cursor = '';
        for (let i = 0; i < 10; i++) {
          const page = await call('GET', `/Users?filter=${filter}&sortBy=displayName&sortOrder=${order}&count=5&cursor=${encodeURIComponent(cursor)}`);
          expect(page.status, JSON.stringify(page.body)).toBe(200);
          walked.push(...(page.body.Resources ?? []).map((r) => r.id));
          if (typeof page.body.nextCursor !== 'string') break;
          cursor = page.body.nextCursor;
        }
        expect(walked, `cursor, ${order}`).toEqual(want);
        const byIndex: unknown[] = [];
        for (let s = 1; s <= 12; s += 5)
          byIndex.push(
            ...(await call('GET', `/Users?filter=${filter}&sortBy=displayName&sortOrder=${order}&startIndex=${s}&count=5`)).body.Resources!.map((r) => r.id),
          );
        expect(byIndex, `startIndex, ${order}`).toEqual(want);
      }
    });

    it('replaces, patches and deletes; 404 for what is not there', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      const created = await call('POST', '/Users', user('writer', { title: 'A', emails: [{ value: 'w@x.io', type: 'work' }] }));
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe(`https://sp.example/scim/v2/Users/${created.body.id}`);
      const path = `/Users/${created.body.id}`;
      const put = await call('PUT', path, user('writer', { title: 'B', nickName: 'Wri' }));
      expect([put.status, put.body.title, put.body.nickName, put.body.emails]).toEqual([200, 'B', 'Wri', undefined]);
      const patched = await call(
        'PATCH',
        path,
        patch(
          { op: 'add', path: 'emails', value: [{ value: 'p@x.io', type: 'home' }] },
          { op: 'replace', path: 'title', value: 'C' },
          { op: 'remove', path: 'nickName' },
        ),
      );
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect([patched.body.title, patched.body.nickName, patched.body.emails]).toEqual(['C', undefined, [{ value: 'p@x.io', type: 'home' }]]);
      expect((await call('GET', path)).body).toEqual(patched.body);
      expect((await call('DELETE', path)).status).toBe(204);
      for (const [method, body] of [['GET'], ['PUT', user('writer')], ['PATCH', patch({ op: 'replace', path: 'title', value: 'D' })], ['DELETE']] as const)
        expect((await call(method, path, body)).status, method).toBe(404);
      expect((await everything(call, '/Users')).map((r) => r.id)).not.toContain(created.body.id);
    });

    it('honours If-Match on PUT, PATCH and DELETE and If-None-Match on GET', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      const created = await call('POST', '/Users', user('tagged'));
      const path = `/Users/${created.body.id}`;
      const first = created.headers.etag!;
      expect(first).toBe((created.body.meta as { version: string }).version);
      expect((await call('GET', path, undefined, { 'if-none-match': first })).status).toBe(304);
      const put = await call('PUT', path, user('tagged', { title: 'x' }), { 'if-match': first });
      expect(put.status).toBe(200);
      expect(put.headers.etag).not.toBe(first);
      for (const [method, body] of [
        ['PUT', user('tagged', { title: 'y' })],
        ['PATCH', patch({ op: 'replace', path: 'title', value: 'y' })],
        ['DELETE'],
      ] as const)
        expect((await call(method, path, body, { 'if-match': first })).status, `${method} at a stale version`).toBe(412);
      const patched = await call('PATCH', path, patch({ op: 'replace', path: 'title', value: 'z' }), { 'if-match': put.headers.etag! });
      expect([patched.status, patched.body.title]).toEqual([200, 'z']);
      expect((await call('GET', path, undefined, { 'if-none-match': put.headers.etag! })).status).toBe(200);
      expect((await call('DELETE', path, undefined, { 'if-match': patched.headers.etag! })).status).toBe(204);
    });

    it('keeps groups and their members through POST, PATCH, PUT and a member’s DELETE, and finds groups by member', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      const [a, b, c] = [
        (await call('POST', '/Users', user('ga'))).body,
        (await call('POST', '/Users', user('gb'))).body,
        (await call('POST', '/Users', user('gc'))).body,
      ];
      const ids = (r: { body: Record<string, unknown> }) => ((r.body.members ?? []) as { value: string }[]).map((m) => m.value);
      const g = await call('POST', '/Groups', group('Crew', [a.id as string, b.id as string, a.id as string]));
      expect([g.status, ids(g)]).toEqual([201, [a.id, b.id]]);
      const path = `/Groups/${g.body.id}`;
      expect(((await call('GET', `/Users/${a.id}`)).body.groups as { value: string }[]).map((x) => x.value)).toEqual([g.body.id]);
      // a members-only PATCH may answer 204 (RFC 7644 §3.5.2): what it did is what a GET returns
      const added = await call('PATCH', path, patch({ op: 'add', path: 'members', value: [{ value: c.id }, { value: a.id }] }));
      expect(added.status).toBeLessThan(300);
      expect(ids(await call('GET', path))).toEqual([a.id, b.id, c.id]);
      const removed = await call('PATCH', path, patch({ op: 'remove', path: `members[value eq "${b.id}"]` }));
      expect(removed.status).toBeLessThan(300);
      expect(ids(await call('GET', path))).toEqual([a.id, c.id]);
      expect((await call('GET', `/Users/${b.id}`)).body.groups).toBeUndefined();
      const other = await call('POST', '/Groups', group('Others', [b.id as string]));
      for (const [member, want] of [
        [a.id, [g.body.id]],
        [b.id, [other.body.id]],
      ] as const) {
        const found = await call('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${member}"]`)}`);
        expect((found.body.Resources ?? []).map((r) => r.id)).toEqual(want);
      }
      const put = await call('PUT', path, { schemas: [G], displayName: 'Crew 2', members: [{ value: c.id }, { value: b.id }] });
      expect([put.status, put.body.displayName, ids(put)]).toEqual([200, 'Crew 2', [c.id, b.id]]);
      const bad = await call('PATCH', path, patch({ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] }));
      expect([bad.status, bad.body.scimType]).toEqual([400, 'invalidValue']);
      expect((await call('DELETE', `/Users/${c.id}`)).status).toBe(204);
      const after = await call('GET', path);
      expect([ids(after), after.headers.etag === put.headers.etag]).toEqual([[b.id], false]);
      expect((await call('DELETE', path)).status).toBe(204);
      expect((await call('GET', `/Users/${b.id}`)).body.groups).toEqual([expect.objectContaining({ value: other.body.id })]);
    });

    it('answers 409 uniqueness for a taken userName, externalId or group displayName, on POST, PUT and PATCH', async () => {
      const store = await makeStore();
      const call = engine.serve(store);
      await call('POST', '/Users', user('Taken', { externalId: 'ext-1' }));
      const mine = (await call('POST', '/Users', user('mine'))).body;
      await call('POST', '/Groups', { schemas: [G], displayName: 'Ops' });
      const refusals = [
        await call('POST', '/Users', user('TAKEN')),
        await call('POST', '/Users', user('fresh', { externalId: 'ext-1' })),
        await call('PUT', `/Users/${mine.id}`, user('taken')),
        await call('PATCH', `/Users/${mine.id}`, patch({ op: 'replace', path: 'userName', value: 'tAkEn' })),
        await call('POST', '/Groups', { schemas: [G], displayName: 'OPS' }),
      ];
      for (const r of refusals) expect([r.status, r.body.scimType], JSON.stringify(r.body)).toEqual([409, 'uniqueness']);
      expect((await call('GET', `/Users/${mine.id}`)).body.userName).toBe('mine');
      const all = await everything(call, '/Users');
      expect(all.map((r: ScimResource) => r.userName).sort()).toEqual(['Taken', 'mine']);
      expect((await call('POST', '/Users', { schemas: [U], userName: 'fresh', externalId: 'EXT-1' })).status).toBe(201);
    });
  });
}
