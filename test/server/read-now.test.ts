// The synchronous GET by id (src/server/read-now.ts, router.routeNow) must answer byte for
// byte what the awaited path answers: status, every header (ETag included) and the body's
// text, and leave the same activity record. The awaited path is forced by a store whose `get`
// is not MemoryStore's own (a Proxy over the same MemoryStore: the same data), and compared
// with PostgresStore on PGlite, a store that answers asynchronously.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PostgresStore, type SqlPool } from '../../src/addons/postgres/index.js';
import {
  bearerToken,
  createScimServer,
  MemoryActivityLog,
  MemoryStore,
  type ProvisioningStore,
  responseText,
  type ScimResponse,
  type ScimServerOptions,
} from '../../src/index.js';
import { readerNow } from '../../src/server/read-now.js';
import { readNow } from '../../src/stores/memory/store-read-now.js';
import { freshPGlite } from '../pglite.js';
import { G, TOKEN, U } from './helpers.js';

/** `store` with a `get` of its own (the same answers): the server reads it through `get`, awaited. */
function awaitedView(store: MemoryStore): ProvisioningStore {
  return new Proxy(store, {
    get(target, p) {
      if (p === 'get') return (...args: Parameters<MemoryStore['get']>) => target.get(...args);
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

function serverOn(store: ProvisioningStore, extra: Partial<ScimServerOptions> = {}) {
  const log = new MemoryActivityLog();
  const server = createScimServer({
    authenticate: bearerToken(TOKEN),
    baseUrl: 'https://app.example.com/scim/v2',
    store,
    rateLimits: false,
    activity: { log },
    ...extra,
  });
  const call = (method: string, path: string, query = '', headers: Record<string, string> = {}, body?: unknown) =>
    server.handle({
      method,
      path,
      query,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'x-request-id': 'same-request-id',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { server, log, call };
}

/** An answer as the adapter sends it: status, headers in order, the body's text. */
function wire(r: ScimResponse): string {
  return JSON.stringify({ status: r.status, headers: Object.entries(r.headers), body: r.body === undefined ? undefined : responseText(r) });
}

/** `text` (JSON) with every object's keys sorted. */
function canonical(text: string | undefined): string | undefined {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return text === undefined ? undefined : JSON.stringify(sorted(JSON.parse(text)));
}

/** The GETs compared, of a user `id` (`etag` its version) and a group `gid`. */
function gets(id: string, etag: string, gid: string): [string, string, Record<string, string>][] {
  return [
    [`/Users/${id}`, '', {}],
    [`/Users/${id}`, 'attributes=userName,emails', {}],
    [`/Users/${id}`, 'excludedAttributes=emails,name', {}],
    [`/Users/${id}`, 'attributes=groups', {}],
    [`/Users/${id}`, '', { 'if-none-match': etag }],
    [`/Users/${id}`, '', { 'if-none-match': 'W/"not-it"' }],
    [`/users/${id}`, '', {}],
    ['/Users/no-such-id', '', {}],
    ['/Users/no-such-id', '', { 'if-none-match': etag }],
    [`/Groups/${gid}`, '', {}],
    [`/Groups/${gid}`, 'excludedAttributes=members', {}],
    [`/Groups/${id}`, '', {}],
    ['/Users/.search', '', {}],
    ['/ServiceProviderConfig/x', '', {}],
  ];
}

async function seed(call: ReturnType<typeof serverOn>['call']) {
  const user = await call(
    'POST',
    '/Users',
    '',
    {},
    {
      schemas: [U],
      userName: 'ada@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      password: 'never-returned-1',
    },
  );
  const id = (user.body as { id: string }).id;
  const group = await call('POST', '/Groups', '', {}, { schemas: [G], displayName: 'Engineers', members: [{ value: id }] });
  const again = await call('GET', `/Users/${id}`);
  return { id, etag: again.headers.etag!, gid: (group.body as { id: string }).id };
}

describe('the synchronous GET by id', () => {
  it('is taken for MemoryStore, and not for a store whose get is its own', () => {
    const store = new MemoryStore();
    expect(readerNow(store)).toBe(store);
    expect(readerNow(awaitedView(store))).toBeUndefined();
    class Slower extends MemoryStore {
      override async get(...args: Parameters<MemoryStore['get']>) {
        return super.get(...args);
      }
    }
    expect(readerNow(new Slower())).toBeUndefined();
  });

  it('answers byte for byte what the awaited path answers, and records the same activity', async () => {
    const store = new MemoryStore();
    const now = serverOn(store);
    const later = serverOn(awaitedView(store));
    const { id, etag, gid } = await seed(now.call);
    const read = vi.spyOn(MemoryStore.prototype, readNow);
    for (const [path, query, headers] of gets(id, etag, gid)) {
      read.mockClear();
      const a = await now.call('GET', path, query, headers);
      const readAtOnce = read.mock.calls.length;
      const b = await later.call('GET', path, query, headers);
      expect(wire(a), `${path}?${query} ${JSON.stringify(headers)}`).toBe(wire(b));
      // the awaited view reads through get (which reads [readNow] inside): the direct server read it at once
      if (/^\/(Users|users|Groups)\/[^.]/.test(path)) expect(readAtOnce).toBe(1);
    }
    read.mockRestore();
    await now.server.activity.flush();
    await later.server.activity.flush();
    // the records but for when each request started and took
    const strip = (rs: Awaited<ReturnType<MemoryActivityLog['list']>>) => rs.map(({ startedAt: _at, ms: _ms, ...r }) => r);
    const [recordsNow, recordsLater] = [await now.log.list({ tenant: 'default', limit: 100 }), await later.log.list({ tenant: 'default', limit: 100 })];
    expect(recordsLater).toHaveLength(gets(id, etag, gid).length);
    // newest first: the seed's own GET is the last of the direct server's
    expect(strip(recordsNow.filter((r) => r.method === 'GET').slice(0, recordsLater.length))).toEqual(strip(recordsLater));
    await now.server.close();
    await later.server.close();
  });

  it('answers with a copy: changing what it answered changes nothing stored', async () => {
    const store = new MemoryStore();
    const now = serverOn(store);
    const { id, gid } = await seed(now.call);
    const before = wire(await now.call('GET', `/Users/${id}`));
    const user = (await now.call('GET', `/Users/${id}`)).body as Record<string, unknown> & {
      name: Record<string, unknown>;
      emails: Record<string, unknown>[];
      meta: Record<string, unknown>;
    };
    user.name.givenName = 'Changed';
    user.emails[0]!.value = 'changed@example.com';
    user.meta.version = 'W/"changed"';
    (user.groups as Record<string, unknown>[])[0]!.display = 'Changed';
    const group = (await now.call('GET', `/Groups/${gid}`)).body as { members: Record<string, unknown>[] };
    group.members[0]!.value = 'changed';
    expect(wire(await now.call('GET', `/Users/${id}`))).toBe(before);
    expect(((await now.call('GET', `/Groups/${gid}`)).body as { members: { value: string }[] }).members[0]!.value).toBe(id);
    await now.server.close();
  });

  it('answers a soft-deleted user 404 either way (the soft-deleting view is read through get)', async () => {
    const store = new MemoryStore();
    const softly = { deprovisioning: { onDelete: 'softDelete' as const } };
    const now = serverOn(store, softly);
    const later = serverOn(awaitedView(store), softly);
    const { id, etag, gid } = await seed(now.call);
    expect((await now.call('DELETE', `/Users/${id}`)).status).toBe(204);
    for (const [path, query, headers] of gets(id, etag, gid))
      expect(wire(await now.call('GET', path, query, headers))).toBe(wire(await later.call('GET', path, query, headers)));
    expect((await now.call('GET', `/Users/${id}`)).status).toBe(404);
    await now.server.close();
    await later.server.close();
  });
});

describe('the synchronous GET by id against a store that answers asynchronously', () => {
  const lite = freshPGlite();
  afterAll(() => lite.close());

  // PostgreSQL keeps a resource as jsonb, which orders its keys its own way: the body is compared as JSON, the status and headers as bytes
  it('answers as PostgresStore on PGlite does, but for the ids, versions, times and key order each store makes', async () => {
    const pg = new PostgresStore(lite as unknown as SqlPool);
    await pg.migrate();
    const mem = serverOn(new MemoryStore());
    const lat = serverOn(pg);
    const a = await seed(mem.call);
    const b = await seed(lat.call);
    /** The answer's text with the store's own values named: its ids, its versions, its times. */
    const named = (text: string, s: { id: string; gid: string }) =>
      text
        .replaceAll(s.id, '<user id>')
        .replaceAll(s.gid, '<group id>')
        .replace(/W\/\\*"[^"\\]+\\*"/g, '<version>')
        .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
    const cases = gets(a.id, a.etag, a.gid);
    const theirs = gets(b.id, b.etag, b.gid);
    for (let i = 0; i < cases.length; i++) {
      const [path, query, headers] = cases[i]!;
      const [p2, q2, h2] = theirs[i]!;
      const [ours, its] = [await mem.call('GET', path, query, headers), await lat.call('GET', p2, q2, h2)];
      const as = (r: ScimResponse, s: { id: string; gid: string }) =>
        named(JSON.stringify({ status: r.status, headers: Object.entries(r.headers), body: canonical(r.body === undefined ? undefined : responseText(r)) }), s);
      expect(as(ours, a), `${path}?${query}`).toBe(as(its, b));
    }
    await mem.server.close();
    await lat.server.close();
  });
});
