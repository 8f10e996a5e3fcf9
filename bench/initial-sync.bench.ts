// An Entra-style initial sync on PostgreSQL over HTTP (needs DATABASE_URL; skipped otherwise):
// 10,000 users, each a look-up by userName then a create, 8 in flight, then 100 groups, each a
// look-up, a create and its members added 100 at a time. #34 item 5's target: requests/s at
// 2× or more of the build before #34 (277 req/s in #20's run). This build and the previous one
// (SCIMKIT_PREVIOUS, a directory holding that build's dist/ and package.json) run alternately,
// each on a fresh database of its own, the server in this process as an IdP would meet it
// (toNodeHandler, the activity log on, as by default). SCIMKIT_SYNC_USERS makes it smaller.

import type { RequestListener } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scratchDatabase } from '../test/scratch-database.js';
import { fmt, type Row, type Section } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USERS = Number(process.env.SCIMKIT_SYNC_USERS ?? 10_000);
const GROUPS = Math.max(1, Math.round(USERS / 100));
const IN_FLIGHT = 8;
const ROUNDS = Number(process.env.SCIMKIT_SYNC_ROUNDS ?? 2);
const TOKEN = 'b'.repeat(32);
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };

/** What the sync needs of a build. */
interface Build {
  SchemaRegistry: new (options: object) => unknown;
  bearerToken(token: string): unknown;
  createScimServer(options: object): { close(): Promise<void> };
  PostgresStore: new (pool: unknown, options?: object) => { migrate(): Promise<unknown> };
  toNodeHandler(server: unknown, options: { basePath: string }): RequestListener;
}

/** A build's root, postgres and node entry points, from a directory holding its dist/. */
async function load(dir: string): Promise<Build> {
  const entry = (name: string) => import(pathToFileURL(join(resolve(dir), `dist/${name}.js`)).href);
  return { ...(await entry('index')), ...(await entry('postgres')), ...(await entry('node')) } as Build;
}

/** The requests a sync of `users` and `groups` sends. */
export const syncRequests = (users: number, groups: number) => users * 2 + groups * (2 + Math.ceil(users / groups / 100));

/**
 * Runs the sync against `base` (…/scim/v2) and returns its seconds: users first, `IN_FLIGHT`
 * at a time (a look-up, then a create), then each group (a look-up, a create, its members
 * added 100 to a PATCH), as Entra ID's first cycle does.
 */
export async function entraSync(base: string, users: number, groups: number): Promise<number> {
  const t0 = performance.now();
  const ids: string[] = new Array(users);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < users; i = next++) {
      const userName = `sync${i}@contoso.com`;
      const found = await fetch(`${base}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, { headers });
      if (found.status !== 200) throw new Error(`look-up answered ${found.status}: ${await found.text()}`);
      await found.text();
      const r = await fetch(`${base}/Users`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          schemas: [U],
          userName,
          externalId: `e${i}`,
          active: true,
          displayName: `Sync ${i}`,
          emails: [{ value: userName, type: 'work', primary: true }],
        }),
      });
      if (r.status !== 201) throw new Error(`create answered ${r.status}: ${await r.text()}`);
      ids[i] = ((await r.json()) as { id: string }).id;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  for (let g = 0; g < groups; g++) {
    await (await fetch(`${base}/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "Sync group ${g}"`)}`, { headers })).text();
    const r = await fetch(`${base}/Groups`, { method: 'POST', headers, body: JSON.stringify({ schemas: [G], displayName: `Sync group ${g}` }) });
    const gid = ((await r.json()) as { id: string }).id;
    const members = ids.filter((_, k) => k % groups === g);
    for (let b = 0; b < members.length; b += 100) {
      const p = await fetch(`${base}/Groups/${gid}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'Add', path: 'members', value: members.slice(b, b + 100).map((value) => ({ value })) }],
        }),
      });
      if (p.status !== 204 && p.status !== 200) throw new Error(`member add answered ${p.status}`);
      await p.text();
    }
  }
  return (performance.now() - t0) / 1000;
}

/** One sync of a build on a fresh database: its seconds and requests/s. */
async function syncOnce(build: Build, poolSize: number): Promise<{ seconds: number; rps: number }> {
  const db = await scratchDatabase('bench_sync', poolSize);
  try {
    const store = new build.PostgresStore(db.pool);
    await store.migrate();
    const registry = new build.SchemaRegistry({ uniqueGroupDisplayName: true });
    // rate limits off: the default 500 requests/s per tenant is below what this build serves one tenant (docs/scaling.md)
    const scim = build.createScimServer({ authenticate: build.bearerToken(TOKEN), store, registry, rateLimits: false });
    const http = createServer(build.toNodeHandler(scim, { basePath: '/scim/v2' }));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    try {
      const seconds = await entraSync(`http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2`, USERS, GROUPS);
      return { seconds, rps: syncRequests(USERS, GROUPS) / seconds };
    } finally {
      await new Promise<void>((r) => http.close(() => r()));
      await scim.close();
    }
  } finally {
    await db.drop();
  }
}

export async function run(): Promise<Section[]> {
  const title = 'PostgresStore: Entra-style initial sync over HTTP, this build beside the previous one';
  if (!process.env.DATABASE_URL) return [{ title, notes: 'Skipped: set DATABASE_URL.', rows: [{ note: 'no DATABASE_URL' }] }];
  const builds: [string, Build][] = [['this build', await load(process.env.SCIMKIT_THIS ?? join(import.meta.dirname, '..'))]];
  if (process.env.SCIMKIT_PREVIOUS) builds.unshift([`previous build (${process.env.SCIMKIT_PREVIOUS})`, await load(process.env.SCIMKIT_PREVIOUS)]);
  const got = new Map<string, number[]>(builds.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...builds].reverse() : builds;
    for (const [name, build] of order) {
      const r = await syncOnce(build, 10);
      console.error(`  ${name}: ${r.seconds.toFixed(1)} s, ${r.rps.toFixed(0)} req/s`);
      got.get(name)!.push(r.rps);
    }
  }
  const best = (xs: number[]) => Math.max(...xs);
  const first = best(got.get(builds[0]![0])!);
  const rows: Row[] = builds.map(([name]) => {
    const xs = got.get(name)!;
    return {
      build: name,
      'requests/s, each round': xs.map((x) => fmt(x)).join(', '),
      'seconds (best round)': fmt(syncRequests(USERS, GROUPS) / best(xs), 1),
      'vs previous (best rounds)': builds.length > 1 && name === 'this build' ? `${fmt(best(xs) / first, 2)}×` : '',
      'target ≥ 2×': builds.length > 1 && name === 'this build' ? (best(xs) / first >= 2 ? 'met' : 'missed') : '',
    };
  });
  return [
    {
      title,
      notes: `${fmt(USERS)} users then ${fmt(GROUPS)} groups (${fmt(syncRequests(USERS, GROUPS))} requests), ${IN_FLIGHT} in flight for the users, a pool of 10, each build on a fresh database, ${ROUNDS} rounds in alternating order; the server and the client in this process, as in #20's figure (277 req/s); rate limits off (the default 500/s per tenant would cap it), a tenant's 5 requests at once as by default.`,
      rows,
    },
  ];
}
