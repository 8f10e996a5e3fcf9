// PostgresStore under connection faults, through a fault-injecting proxy between it and the
// real PostgreSQL: the process survives, an outage answers 503 with Retry-After, the server
// recovers by itself, and nothing acknowledged is lost.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { bearerToken, createScimServer, type ScimResponse } from '../../src/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { type FaultProxy, faultProxy } from '../fault-proxy.js';
import { type ScratchDatabase, scratchDatabase } from '../scratch-database.js';

const TOKEN = 'faults-token-0123456789-0123456789-0123';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(process.env.DATABASE_URL)('PostgresStore through a faulty network', async () => {
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
  await setup();
  afterAll(async () => {
    await pool.end().catch(() => undefined);
    await proxy.close();
    await db.drop();
  });

  it('a dropped and refused database: the process lives, only 201 or 503 with Retry-After, recovery within a second, no acknowledged create lost', async () => {
    const store = new PostgresStore(pool);
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), store, logger: { error: () => undefined } });
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
