// Faults and overload (issue "Faults and overload"): another tenant's latency while one
// tenant's requests are stuck on a locked row (PostgreSQL; needs DATABASE_URL), and what the
// limits cost a GET by id in-process (MemoryStore, rate limits on and off).
import { bearerTokens, createScimServer, hashToken, MemoryStore, silentLogger } from 'scimkit';
import { PostgresStore } from 'scimkit/postgres';
import { scratchDatabase } from '../test/scratch-database.js';
import { fmt, measure, type Section } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const TOKENS = { a: 'faults-bench-a-0123456789-0123456789-01', b: 'faults-bench-b-0123456789-0123456789-01' };
const auth = bearerTokens([
  { tenant: 'a', tokenHash: hashToken(TOKENS.a), tokenId: 'a' },
  { tenant: 'b', tokenHash: hashToken(TOKENS.b), tokenId: 'b' },
]);
const percentile = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function limiterCost(): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  const servers = {
    // a budget never reached: the buckets are kept and checked as always, nothing is refused
    'rate limits on (per tenant and per token)': createScimServer({
      authenticate: auth,
      store: new MemoryStore(),
      rateLimits: { perTenant: { burst: 1e12, perSecond: 1e12 }, perToken: { burst: 1e12, perSecond: 1e12 } },
    }),
    'rate limits off': createScimServer({ authenticate: auth, store: new MemoryStore(), rateLimits: false }),
  };
  const ids: Record<string, string> = {};
  for (const [name, s] of Object.entries(servers)) {
    const r = await s.handle({
      method: 'POST',
      path: '/Users',
      headers: { authorization: `Bearer ${TOKENS.a}` },
      body: JSON.stringify({ schemas: [U], userName: 'bench' }),
    });
    ids[name] = (r.body as { id: string }).id;
  }
  // alternating, so drift hits both alike
  const res = await measure(
    Object.fromEntries(
      Object.entries(servers).map(([name, s]) => [
        name,
        async () => {
          const r = await s.handle({ method: 'GET', path: `/Users/${ids[name]}`, headers: { authorization: `Bearer ${TOKENS.a}` } });
          if (r.status !== 200) throw new Error(`GET answered ${r.status}`);
        },
      ]),
    ),
    1500,
  );
  for (const [name, m] of res)
    rows.push({ 'GET /Users/{id} through handle()': name, 'req/s': fmt(m.hz), 'mean µs': fmt(m.meanUs, 1), 'p99 µs': fmt(m.p99Us, 1) });
  return rows;
}

async function otherTenant(): Promise<Record<string, string>[]> {
  const db = await scratchDatabase('scimkit_bench_faults', 10);
  try {
    const store = new PostgresStore(db.pool);
    await store.migrate();
    const scim = createScimServer({ authenticate: auth, store, limits: { requestTimeoutMs: 3000 }, logger: silentLogger });
    const call = (token: string, method: string, path: string, body?: unknown) =>
      scim.handle({ method, path, headers: { authorization: `Bearer ${token}` }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const locked = (await call(TOKENS.a, 'POST', '/Users', { schemas: [U], userName: 'locked@x.io' })).body as { id: string };
    for (let i = 0; i < 100; i++) await call(TOKENS.b, 'POST', '/Users', { schemas: [U], userName: `b${i}@x.io` });
    const sample = async () => {
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        const r = await call(TOKENS.b, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "b${i % 100}@x.io"`)}`);
        if (r.status !== 200) throw new Error(`GET answered ${r.status}`);
        times.push(performance.now() - t0);
      }
      return times;
    };
    const quiet = await sample();
    const holder = await db.pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM scim_resources WHERE id = $1 FOR UPDATE', [locked.id]);
    const stuck = Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(TOKENS.a, 'PATCH', `/Users/${locked.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'title', value: `t${i}` }],
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    const busy = await sample();
    const statuses = (await stuck).map((r) => r.status);
    await holder.query('COMMIT');
    holder.release();
    await scim.close();
    const row = (when: string, t: number[]) => ({
      'tenant b: GET userName eq (PostgreSQL)': when,
      'p50 ms': fmt(percentile(t, 0.5), 2),
      'p99 ms': fmt(percentile(t, 0.99), 2),
      'max ms': fmt(Math.max(...t), 2),
    });
    return [row('tenant a idle', quiet), row(`tenant a: 12 PATCHes stuck on a locked row (answered ${[...new Set(statuses)].join('/')})`, busy)];
  } finally {
    await db.drop();
  }
}

export async function run(): Promise<Section[]> {
  const sections: Section[] = [
    {
      title: 'Limits: what they cost a GET by id (MemoryStore, in-process)',
      notes:
        'Both servers have the per-tenant concurrency limit and the deadline; the first checks a per-tenant and a per-token bucket on every request (with a budget it never reaches: the defaults, 500/s per tenant, would refuse this loop), the second has no rate limits. Target: within noise.',
      rows: await limiterCost(),
    },
  ];
  if (process.env.DATABASE_URL)
    sections.push({
      title: "Faults: another tenant's latency while one tenant is stuck on a lock",
      notes:
        'PostgresStore on a pool of 10, 300 sequential look-ups of tenant b, first with tenant a idle, then while 12 PATCHes of tenant a wait on a row another connection holds (requestTimeoutMs 3,000, maxConcurrentPerTenant 5: tenant a holds at most 5 connections).',
      rows: await otherTenant(),
    });
  return sections;
}
