// #31's bench: GET /Users/{id} authenticated through connections (connectionAuth, the default
// of `createScimServer({ connections })`) beside the same server with a static token list
// (`bearerTokens`), both on one PostgresStore (DATABASE_URL), in-process through
// server.handle(), rounds interleaved so the machine's noise falls on both. Measured: CPU time
// per request (the least of the rounds) and the database queries per request, counted by
// wrapping the store's pool, with the queries on the connection tables (scim_connections,
// scim_credentials) apart: on a warm cache, authentication asks the database nothing, bar
// one look-up per `cacheMs` (4 s) and one last-use write a minute. Target: ≤ 5% slower.
//   npm run build && TSX_TSCONFIG_PATH=bench/tsconfig.json DATABASE_URL=postgres://… node --expose-gc --import tsx bench/run.ts connections
import pg from 'pg';
import { bearerTokens, createScimServer, hashToken, type ScimServer, silentLogger } from 'scimkit';
import { PostgresStore } from 'scimkit/postgres';
import { fmt, type Section } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const USERS = 2_000;
const TENANT = 'acme';
const SCHEMA = 'connections_bench';
const STATIC_TOKEN = 'bench-static-token-0123456789-0123456789';
const ROUNDS = 7;
const PER_ROUND = 400;

/** Queries sent through the store's pool: all of them, and those on the connection tables. */
const counted = { all: 0, connections: 0 };

/** The statement is on a connection table (a credential or connection look-up, a last-use write). */
const onConnections = (text: string) => /scim_(connections|credentials)\b/.test(text);

function count(text: string): void {
  counted.all++;
  if (onConnections(text)) counted.connections++;
}

/** The pool as PostgresStore sees it, every query counted: the pool's own and its clients' (transactions). */
function countingPool(pool: pg.Pool) {
  return {
    query: (text: string, params?: unknown[]) => {
      count(text);
      return pool.query(text, params);
    },
    connect: async () => {
      const client = await pool.connect();
      return {
        query: (text: string, params?: unknown[]) => {
          count(text);
          return client.query(text, params);
        },
        release: () => client.release(),
      };
    },
    get totalCount() {
      return pool.totalCount;
    },
  };
}

type Auth = 'connectionAuth' | 'bearerTokens (static list)';

/** CPU time and queries per request of each server, the least CPU of `ROUNDS` interleaved rounds. */
async function compare(servers: Record<Auth, { server: ScimServer; token: string }>, ids: string[]) {
  const cpu: Partial<Record<Auth, number>> = {};
  const queries: Record<Auth, { requests: number; all: number; connections: number }> = {
    connectionAuth: { requests: 0, all: 0, connections: 0 },
    'bearerTokens (static list)': { requests: 0, all: 0, connections: 0 },
  };
  let i = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const order: Auth[] = round % 2 ? ['bearerTokens (static list)', 'connectionAuth'] : ['connectionAuth', 'bearerTokens (static list)'];
    for (const which of order) {
      const { server, token } = servers[which];
      const headers = { authorization: `Bearer ${token}` };
      (globalThis as { gc?: () => void }).gc?.();
      const before = { ...counted };
      const started = process.cpuUsage();
      for (let k = 0; k < PER_ROUND; k++) {
        const r = await server.handle({ method: 'GET', path: `/${TENANT}/Users/${ids[(i++ * 7919) % USERS]}`, headers });
        if (r.status !== 200) throw new Error(`${which}: GET answered ${r.status}`);
      }
      const used = process.cpuUsage(started);
      // the least of the rounds: noise only ever adds CPU time
      cpu[which] = Math.min(cpu[which] ?? Number.POSITIVE_INFINITY, (used.user + used.system) / PER_ROUND);
      const q = queries[which];
      q.requests += PER_ROUND;
      q.all += counted.all - before.all;
      q.connections += counted.connections - before.connections;
    }
  }
  return { cpu: cpu as Record<Auth, number>, queries };
}

export async function run(): Promise<Section[]> {
  const title = 'Connections (#31): GET by id through connectionAuth vs a static token list, PostgresStore';
  const url = process.env.DATABASE_URL;
  if (!url) return [{ title, notes: 'Not measured: set DATABASE_URL (see bench/connections.bench.ts).', rows: [] }];
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const store = new PostgresStore(countingPool(pool), { schema: SCHEMA });
  await store.migrate();
  // the same options but the authentication; the activity log on (the default), rate limits off (measured: the requests, not 429s)
  const common = { store, tenantInPath: true, baseUrl: 'http://127.0.0.1/scim/v2', logger: silentLogger, rateLimits: false } as const;
  const withConnections = createScimServer({ ...common, connections: {} });
  const withList = createScimServer({ ...common, authenticate: bearerTokens([{ tenant: TENANT, tokenHash: hashToken(STATIC_TOKEN) }]) });
  const connection = await withConnections.connections!.create({ tenant: TENANT, name: 'Acme', settings: {}, actor: 'bench' });
  const { token } = await withConnections.connections!.issueToken(connection.id, { actor: 'bench' });

  const ids: string[] = [];
  const headers = { authorization: `Bearer ${STATIC_TOKEN}`, 'content-type': 'application/scim+json' };
  for (let i = 0; i < USERS; i++) {
    const body = { schemas: [U], userName: `user${i}@example.com`, active: true, emails: [{ value: `user${i}@example.com`, type: 'work', primary: true }] };
    const r = await withList.handle({ method: 'POST', path: `/${TENANT}/Users`, headers, body: JSON.stringify(body) });
    ids.push((r.body as { id: string }).id);
  }
  const servers = { connectionAuth: { server: withConnections, token }, 'bearerTokens (static list)': { server: withList, token: STATIC_TOKEN } };
  // warm: the connection's look-ups cached, its pending → active and first last-use written
  for (const s of Object.values(servers))
    for (let k = 0; k < 50; k++) await s.server.handle({ method: 'GET', path: `/${TENANT}/Users/${ids[k]}`, headers: { authorization: `Bearer ${s.token}` } });
  await withConnections.activity.flush();
  await withList.activity.flush();

  const started = Date.now();
  const { cpu, queries } = await compare(servers, ids);
  const seconds = (Date.now() - started) / 1000;
  const base = cpu['bearerTokens (static list)'];
  const rows = (Object.keys(servers) as Auth[]).map((which) => {
    const q = queries[which];
    return {
      authentication: which,
      'CPU µs / request': fmt(cpu[which], 1),
      'vs static list': `${fmt(cpu[which] / base, 3)}×`,
      'DB queries / request': fmt(q.all / q.requests, 3),
      'of which on connection tables': fmt(q.connections / q.requests, 4),
      'connection-table queries (total)': q.connections,
    };
  });
  const state = (await withConnections.connections!.get(connection.id)).state;
  for (const s of [withConnections, withList]) await s.close();
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await pool.end();
  return [
    {
      title,
      notes: `server.handle() (no HTTP) over one PostgresStore (PostgreSQL at DATABASE_URL) with ${fmt(USERS)} users, tenants in the path, the activity log on (the default; its writes are in the query counts of both), rate limits off. CPU time of this process per request (user + system), the least of ${ROUNDS} interleaved rounds of ${PER_ROUND} requests each (${fmt(seconds, 1)} s in all: the connection's 4 s cache was reloaded a few times); queries counted over every round through a wrapper of the store's pool, those on scim_connections / scim_credentials apart. The connection ended the run ${state}. Target: connectionAuth ≤ 1.05× the static list's CPU, and no connection-table query per request on a warm cache (only one per 4 s cache period and one last-use write a minute).`,
      rows,
    },
  ];
}
