// Random requests through handle() and through the Express adapter. Properties: the answer
// is a well-formed SCIM response, never 5xx; nothing throws; no request hangs; the store
// changes only on a 2xx. FUZZ_RUNS raises the number of runs (npm run fuzz).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import { bearerTokens, createScimServer, hashToken, MemoryStore, type ScimResponse } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { PostgresStore, type SqlPool } from 'scimkit/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPGlite } from '../pglite.js';
import { scratchDatabase } from '../scratch-database.js';
import { headersOf, request, storeRequest, TOKENS } from './arbitraries.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ERR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const auth = bearerTokens([
  { tenant: 'a', tokenHash: hashToken(TOKENS.a) },
  { tenant: 'b', tokenHash: hashToken(TOKENS.b) },
]);

function wellFormed(res: ScimResponse): void {
  expect(Number.isInteger(res.status)).toBe(true);
  expect(res.status).toBeGreaterThanOrEqual(200);
  // 501 is the documented answer for a feature the server does not offer (here /Me without a hook)
  if (res.status !== 501) expect(res.status).toBeLessThan(500);
  if (res.status >= 400) {
    const b = res.body as { schemas: string[]; status: string; detail?: string };
    expect(b.schemas).toEqual([ERR]);
    expect(b.status).toBe(String(res.status));
  }
}

/** Everything a store holds, in a stable order: compared before and after a refused request. */
type Snapshot = () => Promise<string>;

async function stores(): Promise<[string, () => Promise<{ store: MemoryStore | PostgresStore; snapshot: Snapshot; close: () => Promise<void> }>][]> {
  const pgSnapshot = (db: { query(text: string): Promise<{ rows: unknown[] }> }) => async () =>
    JSON.stringify([
      (await db.query('SELECT tenant, type, id, version, doc FROM scim_resources ORDER BY tenant, type, id')).rows,
      (await db.query('SELECT tenant, group_id, member_id FROM scim_members ORDER BY tenant, group_id, member_id')).rows,
      (await db.query('SELECT tenant, type, attr, value, id FROM scim_unique ORDER BY tenant, type, attr, value')).rows,
    ]);
  const out: Awaited<ReturnType<typeof stores>> = [
    [
      'MemoryStore',
      async () => {
        const store = new MemoryStore();
        return { store, snapshot: async () => JSON.stringify(store.snapshot()), close: async () => undefined };
      },
    ],
    [
      'PostgresStore (PGlite)',
      async () => {
        const lite = freshPGlite();
        const store = new PostgresStore(lite as unknown as SqlPool);
        await store.migrate();
        return { store, snapshot: pgSnapshot(lite), close: () => lite.close() };
      },
    ],
  ];
  // CI sets DATABASE_URL: the real server too, in a database of its own
  if (process.env.DATABASE_URL) {
    out.push([
      'PostgresStore (PostgreSQL)',
      async () => {
        const db = await scratchDatabase('scimkit_fuzz');
        const store = new PostgresStore(db.pool);
        await store.migrate();
        return { store, snapshot: pgSnapshot(db.pool), close: db.drop };
      },
    ]);
  }
  return out;
}

describe('fuzzing handle() on every store', async () => {
  it.each(await stores())(
    `%s: ${RUNS} random requests (odd strings, large arrays, invalid dates, odd headers): well-formed, never 5xx, no hang, state changes only on 2xx`,
    async (_name, open) => {
      const { store, snapshot, close } = await open();
      // closed before its database: it writes its activity log there after the responses
      const server = createScimServer({ authenticate: auth, store });
      try {
        // some data for ids and filters to hit
        const seed = await server.handle({
          method: 'POST',
          path: '/Users',
          headers: { authorization: `Bearer ${TOKENS.a}`, 'content-type': 'application/scim+json' },
          body: JSON.stringify({ schemas: [U], userName: 'seed' }),
        });
        const seedId = (seed.body as { id: string }).id;
        await fc.assert(
          fc.asyncProperty(fc.oneof(request, storeRequest), fc.boolean(), async (r, useSeed) => {
            const segs =
              r.segments[1] === 'seed' ? [r.segments[0]!, seedId] : useSeed && r.segments.length >= 1 ? [r.segments[0] ?? 'Users', seedId] : r.segments;
            const before = await snapshot();
            const t0 = performance.now();
            const res = await server.handle({
              method: r.method,
              path: `/${segs.join('/')}`,
              query: new URLSearchParams(r.query),
              headers: headersOf(r),
              body: r.body,
            });
            expect(performance.now() - t0).toBeLessThan(2000); // a hang guard, not a speed target
            wellFormed(res);
            if (res.status >= 300) expect(await snapshot()).toBe(before);
          }),
          { numRuns: RUNS },
        );
      } finally {
        await server.close();
        await close();
      }
    },
    120_000,
  );
});

describe('fuzzing the Express adapter over HTTP', () => {
  const scim = createScimServer({ authenticate: auth });
  const app = express();
  app.use('/scim/v2', scimRouter(scim));
  const http = createServer(app);
  // a keep-alive socket the server closes as idle (5 s by default) while the client reuses it is
  // an HTTP race, not a SCIM answer: on a loaded CI machine it failed this test with ECONNRESET
  http.keepAliveTimeout = 60_000;
  const ready = new Promise<string>((r) => http.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2`)));
  afterAll(() => new Promise<void>((r) => http.close(() => r())));
  it(`${Math.ceil(RUNS / 4)} random requests over HTTP are well-formed SCIM answers`, async () => {
    const base = await ready;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        if (r.method === 'HEAD' || r.method === 'OPTIONS' || r.method === 'FOO') return; // answered by Express itself
        if (r.segments.some((x) => x === '..' || x === '.')) return; // fetch resolves these out of the mount: the app's path, not SCIM's
        const qs = new URLSearchParams(r.query).toString();
        // past Node's 16 KB of request line and headers, Node's HTTP parser answers (431) before any SCIM code runs
        if (qs.length > 8000) return;
        const res = await fetch(`${base}/${r.segments.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`, {
          method: r.method,
          // not the odd headers: Node's HTTP parser answers those (431) before any SCIM code runs
          // and no NUL, which fetch refuses to send
          headers: headersOf({ ...r, extra: undefined, ifMatch: r.ifMatch?.includes('\u0000') ? undefined : r.ifMatch }),
          ...(r.body !== undefined && r.method !== 'GET' && r.method !== 'DELETE' ? { body: r.body } : {}),
        });
        const text = await res.text();
        wellFormed({ status: res.status, headers: {}, body: text ? JSON.parse(text) : undefined });
        if (text) expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });
});

describe('tenant isolation under random operations', () => {
  const op = fc.record({
    tenant: fc.constantFrom('a', 'b'),
    kind: fc.constantFrom('createUser', 'createGroup', 'list', 'get', 'patch', 'put', 'delete', 'search', 'bulk'),
    pick: fc.nat(),
    name: fc.constantFrom('x', 'y', 'z', 'same'),
  });
  const lite = freshPGlite();
  afterAll(() => lite.close());
  it.each(['MemoryStore', 'PostgresStore (PGlite)'])(
    '%s: no request with one tenant token reads, lists, counts, patches or deletes the other tenant data',
    async (kind) => {
      let store: MemoryStore | PostgresStore = new MemoryStore();
      if (kind !== 'MemoryStore') {
        store = new PostgresStore(lite as unknown as SqlPool);
        await store.migrate();
      }
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
          if (store instanceof PostgresStore) await lite.query('TRUNCATE scim_resources, scim_unique, scim_members, scim_events, scim_event_seq');
          else store = new MemoryStore();
          const server = createScimServer({ authenticate: auth, store });
          const ids: Record<'a' | 'b', string[]> = { a: [], b: [] };
          const h = (t: 'a' | 'b') => ({ authorization: `Bearer ${TOKENS[t]}`, 'content-type': 'application/scim+json' });
          for (const o of ops) {
            const t = o.tenant as 'a' | 'b';
            const other: 'a' | 'b' = t === 'a' ? 'b' : 'a';
            const all = [...ids.a, ...ids.b];
            const target = all.length ? all[o.pick % all.length]! : 'none';
            let res: ScimResponse;
            switch (o.kind) {
              case 'createUser':
                res = await server.handle({
                  method: 'POST',
                  path: '/Users',
                  headers: h(t),
                  body: JSON.stringify({ schemas: [U], userName: `${o.name}-${o.pick % 3}` }),
                });
                break;
              case 'createGroup':
                res = await server.handle({
                  method: 'POST',
                  path: '/Groups',
                  headers: h(t),
                  body: JSON.stringify({ schemas: [G], displayName: o.name, members: ids[t].slice(0, 2).map((value) => ({ value })) }),
                });
                break;
              case 'list':
                res = await server.handle({ method: 'GET', path: o.pick % 2 ? '/Users' : '/Groups', query: 'count=100', headers: h(t) });
                break;
              case 'search':
                res = await server.handle({
                  method: 'POST',
                  path: '/.search',
                  headers: h(t),
                  body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `id eq "${target}"` }),
                });
                break;
              case 'get':
                res = await server.handle({ method: 'GET', path: `/Users/${target}`, headers: h(t) });
                break;
              case 'patch':
                res = await server.handle({
                  method: 'PATCH',
                  path: `/Users/${target}`,
                  headers: h(t),
                  body: JSON.stringify({
                    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                    Operations: [{ op: 'replace', path: 'title', value: t }],
                  }),
                });
                break;
              case 'put':
                res = await server.handle({
                  method: 'PUT',
                  path: `/Users/${target}`,
                  headers: h(t),
                  body: JSON.stringify({ schemas: [U], userName: `put-${t}-${o.pick}` }),
                });
                break;
              case 'bulk':
                res = await server.handle({
                  method: 'POST',
                  path: '/Bulk',
                  headers: h(t),
                  body: JSON.stringify({
                    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
                    Operations: [{ method: 'DELETE', path: `/Users/${target}` }],
                  }),
                });
                break;
              default:
                res = await server.handle({ method: 'DELETE', path: `/Users/${target}`, headers: h(t) });
            }
            expect(res.status).toBeLessThan(500);
            if (res.status === 201) ids[t].push((res.body as { id: string }).id);
            // nothing of the other tenant ever shows in an answer (an error may echo the id the client sent)
            const text = JSON.stringify(res.body ?? '')
              .split(target)
              .join('');
            for (const id of ids[other]) expect(text).not.toContain(id);
            if (ids[other].includes(target) && ['get', 'patch', 'put', 'delete'].includes(o.kind)) expect(res.status).toBe(404);
            if (ids[other].includes(target) && o.kind === 'search') expect((res.body as { totalResults: number }).totalResults).toBe(0);
            if (ids[other].includes(target) && o.kind === 'bulk') expect((res.body as { Operations: { status: string }[] }).Operations[0]!.status).toBe('404');
          }
          // and each tenant's data is what its own requests made
          for (const t of ['a', 'b'] as const) {
            const list = await server.handle({ method: 'GET', path: '/Users', query: 'count=1000', headers: h(t) });
            for (const r of (list.body as { Resources: { id: string; title?: string }[] }).Resources) {
              expect(ids[t]).toContain(r.id);
              if (r.title !== undefined) expect(r.title).toBe(t);
            }
          }
          // before the next run truncates its tables: it writes its activity log after the responses
          await server.close();
        }),
        { numRuns: kind === 'MemoryStore' ? 150 : 40 },
      );
    },
  );
});
