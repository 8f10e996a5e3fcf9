// #30 "no slower": this build (dist/) beside the build before the rings (SCIMKIT_PREVIOUS, a
// directory holding that commit's dist/), in one process and one run, rounds interleaved so the
// machine's noise falls on both. Through server.handle() with MemoryStore and 10,000 users: the
// requests IdPs make. Without SCIMKIT_PREVIOUS the section says how to make one and measures
// nothing. Making the previous build:
//   git worktree add /tmp/prev <commit> && cd /tmp/prev && ln -s "$OLDPWD/node_modules" && npx tsup
//   SCIMKIT_PREVIOUS=/tmp/prev npm run bench rings
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { postUsers } from './data.js';
import { fmt, type Section } from './harness.js';

const TOKEN = 'bench-token-0123456789-0123456789-0';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
let USERS = 10_000;

interface Request {
  method: string;
  path: string;
  query?: string;
  headers: Record<string, string>;
  body?: string;
}
interface Build {
  createScimServer(options: object): { handle(req: Request): Promise<{ status: number; body?: unknown }> };
  bearerToken(token: string): unknown;
  MemoryStore: new () => object;
  silentLogger: unknown;
}
type Server = ReturnType<Build['createScimServer']>;

async function seeded(build: Build, store: object = new build.MemoryStore()): Promise<{ server: Server; ids: string[]; gid: string }> {
  const server = build.createScimServer({
    authenticate: build.bearerToken(TOKEN),
    store,
    baseUrl: 'http://127.0.0.1/scim/v2',
    logger: build.silentLogger,
    // measured: the requests, not the rate limiter's 429s
    rateLimits: false,
  });
  const { ids } = await postUsers(server, USERS, headers);
  const members = ids.slice(0, 1_000).map((value) => ({ value }));
  const g = await server.handle({ method: 'POST', path: '/Groups', headers, body: JSON.stringify({ schemas: [G], displayName: 'Team', members }) });
  return { server, ids, gid: (g.body as { id: string }).id };
}

/** The requests, each a function of a running counter so no two calls are the same. */
function requests(s: { server: Server; ids: string[]; gid: string }): Record<string, (i: number) => Promise<unknown>> {
  const { server, ids, gid } = s;
  const id = (i: number) => ids[(i * 7919) % USERS]!;
  return {
    'GET /Users/{id}': (i) => server.handle({ method: 'GET', path: `/Users/${id(i)}`, headers }),
    'GET /Users?filter=userName eq': (i) =>
      server.handle({ method: 'GET', path: '/Users', query: `filter=${encodeURIComponent(`userName eq "USER${(i * 7919) % USERS}@example.com"`)}`, headers }),
    'GET /Users?sortBy=userName&count=100': (i) =>
      server.handle({ method: 'GET', path: '/Users', query: `sortBy=userName&startIndex=${(i % 50) * 100 + 1}&count=100`, headers }),
    'POST /Users': (i) =>
      server.handle({
        method: 'POST',
        path: '/Users',
        headers,
        body: JSON.stringify({ schemas: [U], userName: `new${i}-${Math.random()}@example.com`, active: true }),
      }),
    'PATCH /Users/{id} replace title': (i) =>
      server.handle({
        method: 'PATCH',
        path: `/Users/${id(i)}`,
        headers,
        body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `t${i}` }] }),
      }),
    'PUT /Users/{id}': (i) =>
      server.handle({
        method: 'PUT',
        path: `/Users/${id(i)}`,
        headers,
        body: JSON.stringify({ schemas: [U], userName: `user${(i * 7919) % USERS}@example.com`, title: `p${i}`, active: true }),
      }),
    'PATCH /Groups/{id} add and remove a member': (i) =>
      server.handle({
        method: 'PATCH',
        path: `/Groups/${gid}`,
        headers,
        body: JSON.stringify({
          schemas: [PATCH_OP],
          Operations: [
            { op: i % 2 ? 'remove' : 'add', path: i % 2 ? `members[value eq "${ids[5_000]}"]` : 'members', value: i % 2 ? undefined : [{ value: ids[5_000] }] },
          ],
        }),
      }),
  };
}

/** CPU time per request of each build, the least of `rounds` interleaved rounds. */
async function compare(states: Record<'this build' | 'previous', { server: Server; ids: string[]; gid: string }>, rounds: number, perRound: number) {
  const names = Object.keys(requests(states.previous));
  const best: Record<string, Record<string, number>> = {};
  let i = 0;
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 ? (['previous', 'this build'] as const) : (['this build', 'previous'] as const)) {
      const reqs = requests(states[which]);
      for (const n of names) {
        const count = n.includes('sortBy') ? Math.ceil(perRound / 10) : perRound;
        (globalThis as { gc?: () => void }).gc?.();
        const before = process.cpuUsage();
        for (let k = 0; k < count; k++) await reqs[n]!(i++);
        const used = process.cpuUsage(before);
        best[n] ??= {};
        // the least of the rounds: noise only ever adds CPU time (caches, other processes' load)
        best[n]![which] = Math.min(best[n]![which] ?? Number.POSITIVE_INFINITY, (used.user + used.system) / count);
      }
    }
  }
  return names.map((n) => {
    const now = best[n]!['this build']!;
    const before = best[n]!.previous!;
    return { request: n, 'this build CPU µs': fmt(now, 1), 'previous CPU µs': fmt(before, 1), 'this / previous': `${fmt(now / before, 2)}×` };
  });
}

export async function run(): Promise<Section[]> {
  const title = 'Rings (#30): this build beside the build before it, one run';
  const previous = process.env.SCIMKIT_PREVIOUS;
  if (!previous)
    return [{ title, notes: 'Not measured: set SCIMKIT_PREVIOUS to a directory holding the previous build (see bench/rings.bench.ts).', rows: [] }];
  const load = async (dir: string, entry = 'index') => import(pathToFileURL(join(resolve(dir), `dist/${entry}.js`)).href);
  const here = join(import.meta.dirname, '..');
  const builds = { 'this build': (await load(here)) as Build, previous: (await load(previous)) as Build };
  const label = process.env.SCIMKIT_PREVIOUS_NAME ?? previous;
  const sections: Section[] = [];
  const memory = { 'this build': await seeded(builds['this build']), previous: await seeded(builds.previous) };
  sections.push({
    title,
    notes: `Previous: ${label}. server.handle() over MemoryStore with ${fmt(USERS)} users and a 1,000-member group, the activity log on (the default), rate limits off; CPU time per request (user + system: on this shared machine wall time counts other processes), the least of seven interleaved rounds of each. Target: no slower (this / previous ≤ 1.05, within this machine's noise).`,
    rows: await compare(memory, 7, 400),
  });
  const url = process.env.DATABASE_URL;
  if (url) {
    // the same requests over PostgresStore, each build in a schema of its own; the CPU measured is this process's (the engine and the store's JavaScript), not the database's
    USERS = 2_000;
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    const stores: Record<string, object> = {};
    for (const [which, dir] of [
      ['this build', here],
      ['previous', previous],
    ] as const) {
      const schema = `rings_bench_${which === 'previous' ? 'prev' : 'now'}`;
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      const { PostgresStore } = (await load(dir, 'postgres')) as {
        PostgresStore: new (pool: unknown, options: { schema: string }) => { migrate(): Promise<unknown> };
      };
      const store = new PostgresStore(pool, { schema });
      await store.migrate();
      stores[which] = store;
    }
    const states = { 'this build': await seeded(builds['this build'], stores['this build']), previous: await seeded(builds.previous, stores.previous) };
    sections.push({
      title: `${title}: PostgresStore`,
      notes: `Previous: ${label}. As above over PostgresStore (PostgreSQL at DATABASE_URL) with ${fmt(USERS)} users and a 1,000-member group; the CPU time of this process only (engine and store), the least of five interleaved rounds.`,
      rows: await compare(states, 5, 100),
    });
    for (const s of ['rings_bench_now', 'rings_bench_prev']) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pool.end();
  }
  return sections;
}
