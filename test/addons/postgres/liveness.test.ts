// The watch of stuck statements (src/addons/postgres/liveness.ts): a pooled statement whose
// backend the server shows idle is given up at once (503, its connection destroyed), long before
// its deadline; one the server is running, and a transaction idle between its statements, are
// left alone. Times are hang guards with margins for a busy 2-core machine.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../src/addons/postgres/index.js';
import { bearerTokens, createScimServer, hashToken, SchemaRegistry, type ScimServer, silentLogger } from '../../../src/index.js';
import { type FaultProxy, faultProxy } from '../../fault-proxy.js';
import { type ScratchDatabase, scratchDatabase } from '../../scratch-database.js';

const TOKEN = 'liveness-token-0123456789-0123456789-01234';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Set-up in beforeAll, never in the describe body: a skipped describe still runs its body.
describe.runIf(process.env.DATABASE_URL)('PostgresStore gives up statements stuck on dead connections', () => {
  let db: ScratchDatabase;
  let dbName: string;
  let proxy: FaultProxy;
  let pool: pg.Pool;
  let scim: ScimServer;
  let id: string;
  const call = (method: string, path: string, body?: unknown) =>
    scim.handle({ method, path, headers: { authorization: `Bearer ${TOKEN}` }, ...(body ? { body: JSON.stringify(body) } : {}) });
  beforeAll(async () => {
    db = await scratchDatabase('scimkit_liveness', 4);
    dbName = new URL(db.url).pathname.slice(1);
    await new PostgresStore(db.pool).migrate();
    proxy = await faultProxy();
    pool = new pg.Pool({ host: '127.0.0.1', port: proxy.port, user: 'postgres', database: dbName, max: 4, connectionTimeoutMillis: 1000 });
    pool.on('error', () => undefined);
    scim = createScimServer({
      authenticate: bearerTokens([{ tenant: 'acme', tokenHash: hashToken(TOKEN) }]),
      store: new PostgresStore(pool),
      limits: { requestTimeoutMs: 20_000 },
      rateLimits: false,
      activity: false,
      logger: silentLogger,
    });
    id = ((await call('POST', '/Users', { schemas: [U], userName: 'alive@acme.io' })).body as { id: string }).id;
  });
  afterAll(async () => {
    await Promise.race([scim?.close(), sleep(2000)]);
    await Promise.race([pool?.end().catch(() => undefined), sleep(2000)]);
    await proxy?.close();
    await db?.drop();
  });

  it('a read sent on a connection that went dead: 503 within seconds of the network healing, not at its 20 s deadline', async () => {
    // the pooled connection is open and idle when the network goes silent: the read is lost on it
    expect((await call('GET', `/Users/${id}`)).status).toBe(200);
    proxy.blackhole();
    const t0 = Date.now();
    const read = call('GET', `/Users/${id}`);
    await sleep(1500);
    proxy.heal();
    const r = await read;
    expect([r.status, r.headers['retry-after']]).toEqual([503, '1']);
    expect(Date.now() - t0).toBeLessThan(6000);
    // the dead connection was destroyed, not handed to the next request
    expect((await call('GET', `/Users/${id}`)).status).toBe(200);
    expect(proxy.deadOpen).toBe(0);
  }, 30_000);

  it('a statement the server is running (waiting for a lock for 3 s) is left alone', async () => {
    const holder = await db.pool.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE scim_resources IN ACCESS EXCLUSIVE MODE');
    const read = call('GET', `/Users/${id}`);
    await sleep(3000);
    await holder.query('COMMIT');
    holder.release();
    expect((await read).status).toBe(200);
  }, 30_000);

  it('a transaction idle between its statements (the host works meanwhile) is left alone', async () => {
    const store = new PostgresStore(pool);
    const type = new SchemaRegistry().resourceType('User')!;
    const ctx = { tenant: 'acme', requestId: 'tx', deadline: Date.now() + 20_000 };
    const created = await store.transaction(ctx, async () => {
      await store.get(ctx, type, id);
      await sleep(2500);
      return store.create(ctx, type, { schemas: [U], userName: 'later@acme.io' });
    });
    expect(await store.get(ctx, type, created.id as string)).toBeDefined();
  }, 30_000);
});
