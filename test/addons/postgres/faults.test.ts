// PostgresStore under connection faults, through a fault-injecting proxy between it and the
// real PostgreSQL: the process survives, an outage answers 503 with Retry-After, the server
// recovers by itself, and nothing acknowledged is lost.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../src/addons/postgres/index.js';
import { bearerToken, bearerTokens, createScimServer, hashToken, type ScimResponse, type ScimServer, silentLogger } from '../../../src/index.js';
import { type FaultProxy, faultProxy } from '../../fault-proxy.js';
import { type ScratchDatabase, scratchDatabase } from '../../scratch-database.js';

const TOKEN = 'faults-token-0123456789-0123456789-0123';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Set-up runs in beforeAll, never in the describe body: a skipped describe still runs its body
// to collect tests, and connecting there failed the whole file on a machine without a server.
describe.runIf(process.env.DATABASE_URL)('PostgresStore through a faulty network', () => {
  let db: ScratchDatabase;
  let proxy: FaultProxy;
  let pool: pg.Pool;
  const setup = async () => {
    db = await scratchDatabase('scimkit_faults');
    await new PostgresStore(db.pool).migrate();
    proxy = await faultProxy();
    // a pool as docs/stores.md builds it, through the proxy, with no 'error' listener of its own
    pool = new pg.Pool({
      host: '127.0.0.1',
      port: proxy.port,
      user: 'postgres',
      database: new URL(db.url).pathname.slice(1),
      max: 4,
      connectionTimeoutMillis: 1000,
    });
  };
  beforeAll(setup);
  afterAll(async () => {
    await pool.end().catch(() => undefined);
    await proxy.close();
    await db.drop();
  });

  it('a dropped and refused database: the process lives, only 201 or 503 with Retry-After, recovery within a second, no acknowledged create lost', async () => {
    const store = new PostgresStore(pool);
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), store, logger: silentLogger });
    const create = (userName: string): Promise<ScimResponse> =>
      scim.handle({ method: 'POST', path: '/Users', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ schemas: [U], userName }) });
    // warm the pool: idle connections that the outage will kill
    await Promise.all([0, 1, 2, 3].map((i) => create(`warm${i}`)));
    const acknowledged: string[] = [];
    const answers: { status: number; retryAfter?: string }[] = [];
    let outageEnded = 0;
    let firstAfter = 0;
    let stop = false;
    const client = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await create(`u${i}`);
        answers.push({ status: r.status, ...(r.headers['retry-after'] ? { retryAfter: r.headers['retry-after'] } : {}) });
        if (r.status === 201) {
          acknowledged.push(`u${i}`);
          if (outageEnded && !firstAfter) firstAfter = Date.now();
        }
        await sleep(20);
      }
    })();
    await sleep(300);
    proxy.refuseFor(1500);
    await sleep(1500);
    outageEnded = Date.now();
    await sleep(1500);
    stop = true;
    await client;
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201, 503]));
    expect(answers.filter((a) => a.status === 503).every((a) => Number(a.retryAfter) >= 1)).toBe(true);
    expect(firstAfter - outageEnded).toBeLessThan(1000);
    const { rows } = await db.pool.query("SELECT doc->>'userName' AS u FROM scim_resources WHERE type = 'User'");
    const stored = new Set(rows.map((r) => r.u as string));
    expect(acknowledged.filter((u) => !stored.has(u))).toEqual([]);
    await scim.close();
  }, 30_000);
});

describe.runIf(process.env.DATABASE_URL)('deadlines on PostgresStore', () => {
  let db: ScratchDatabase;
  let scim: ScimServer;
  const TOKENS = { a: 'deadline-token-a-0123456789-0123456789', b: 'deadline-token-b-0123456789-0123456789' };
  beforeAll(async () => {
    db = await scratchDatabase('scimkit_deadline', 8);
    await new PostgresStore(db.pool).migrate();
    scim = createScimServer({
      authenticate: bearerTokens([
        { tenant: 'a', tokenHash: hashToken(TOKENS.a) },
        { tenant: 'b', tokenHash: hashToken(TOKENS.b) },
      ]),
      store: new PostgresStore(db.pool),
      limits: { requestTimeoutMs: 1000, maxConcurrentPerTenant: 3 },
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await scim?.close();
    await db?.drop();
  });
  const call = (token: string, method: string, path: string, body?: unknown) =>
    scim.handle({ method, path, headers: { authorization: `Bearer ${token}` }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const patchTitle = (id: string, title: string) =>
    call(TOKENS.a, 'PATCH', `/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: title }],
    });

  it('a row locked by another connection: 503 with Retry-After within the deadline and a margin, and the write never appears', async () => {
    const u = (await call(TOKENS.a, 'POST', '/Users', { schemas: [U], userName: 'locked@x.io' })).body as { id: string };
    const holder = await db.pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM scim_resources WHERE id = $1 FOR UPDATE', [u.id]);
    const t0 = Date.now();
    const r = await patchTitle(u.id, 'late');
    const took = Date.now() - t0;
    expect([r.status, r.headers['retry-after']]).toEqual([503, '1']);
    // a hang guard, not a speed target: the deadline is 1 s
    expect(took).toBeLessThan(3000);
    await sleep(300);
    await holder.query('COMMIT');
    holder.release();
    await sleep(300);
    const got = (await call(TOKENS.a, 'GET', `/Users/${u.id}`)).body as { title?: string };
    expect(got.title).toBeUndefined();
    expect((await patchTitle(u.id, 'now')).status).toBe(200);
  }, 20_000);

  it("one tenant's requests stuck on a lock do not slow another tenant's", async () => {
    const u = (await call(TOKENS.a, 'POST', '/Users', { schemas: [U], userName: 'busy@x.io' })).body as { id: string };
    await call(TOKENS.b, 'POST', '/Users', { schemas: [U], userName: 'other@x.io' });
    const holder = await db.pool.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM scim_resources WHERE id = $1 FOR UPDATE', [u.id]);
    const stuck = Promise.all(Array.from({ length: 10 }, (_, i) => patchTitle(u.id, `t${i}`)));
    await sleep(100);
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      const r = await call(TOKENS.b, 'GET', `/Users?filter=${encodeURIComponent('userName eq "other@x.io"')}`);
      times.push(Date.now() - t0);
      expect(r.status).toBe(200);
    }
    // a hang guard with a wide margin: tenant a holds at most 3 of the pool's connections
    expect(Math.max(...times)).toBeLessThan(800);
    const statuses = (await stuck).map((r) => r.status);
    expect(statuses.every((s) => s === 503 || s === 429)).toBe(true);
    await holder.query('COMMIT');
    holder.release();
  }, 30_000);
});
