// Event delivery isolates its consumers: one webhook target that hangs or keeps failing, for
// one tenant, must not delay another's events; a failing target is backed off as a whole,
// not retried event by event. Real receivers on 127.0.0.1 (one that hangs, one that answers
// 500, one that answers at once), on each kind of outbox: MemoryStore's (also the one a
// store without an outbox gets) and PostgresStore's (PGlite; PostgreSQL with DATABASE_URL),
// whose claims order events differently. The PGlite tests share one database: each test has
// tenants of its own, and its targets take only theirs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bearerTokens,
  createScimServer,
  type EventOptions,
  generateWebhookSecret,
  hashToken,
  type ProvisioningStore,
  type ScimServer,
  silentLogger,
  type WebhookPayload,
} from '../../../src/index.js';
import { storeFactories } from '../../store-factories.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
let run = 0;

type Answer = 'ok' | 'hang' | 'fail';

/** A webhook receiver on 127.0.0.1 that answers each POST as `answer` says for its payload. */
async function receiver(answer: (p: WebhookPayload) => Answer) {
  const taken: WebhookPayload[] = [];
  const stats = { posts: 0, hanging: 0, maxHanging: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      stats.posts++;
      const payload = JSON.parse(body) as WebhookPayload;
      const a = answer(payload);
      if (a === 'hang') {
        // never answered: only the sender's timeout (or our close) ends it
        stats.hanging++;
        stats.maxHanging = Math.max(stats.maxHanging, stats.hanging);
        res.on('close', () => stats.hanging--);
        return;
      }
      if (a === 'ok') taken.push(payload);
      res.writeHead(a === 'ok' ? 204 : 500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receivers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, taken, stats };
}

const receivers: Server[] = [];
const servers: ScimServer[] = [];
afterEach(async () => {
  // hanging POSTs end first, so the servers' deliveries in flight end and close() is quick
  for (const r of receivers) r.closeAllConnections();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(receivers.splice(0).map((r) => new Promise<void>((done) => r.close(() => done()))));
});

/** Names of this test's two tenants (unique in the database) and a server for them. */
function tenants() {
  run++;
  return { acme: `acme-${run}-${Date.now()}`, globex: `globex-${run}-${Date.now()}` };
}

function serve(store: ProvisioningStore, names: { acme: string; globex: string }, events: EventOptions) {
  const token = (tenant: string) => `isolation-token-${tenant}-0123456789-0123456789`;
  const server = createScimServer({
    authenticate: bearerTokens([
      { tenant: names.acme, tokenHash: hashToken(token(names.acme)) },
      { tenant: names.globex, tokenHash: hashToken(token(names.globex)) },
    ]),
    store,
    events: { pollMs: 50, ...events },
    activity: false,
    logger: silentLogger,
  });
  servers.push(server);
  /** Creates `n` users of `tenant`, a few at a time, and returns when every one is stored. */
  const create = async (tenant: string, n: number) => {
    for (let i = 0; i < n; i += 10)
      await Promise.all(
        Array.from({ length: Math.min(10, n - i) }, async (_, j) => {
          const r = await server.handle({
            method: 'POST',
            path: '/Users',
            headers: { authorization: `Bearer ${token(tenant)}`, 'content-type': 'application/scim+json' },
            body: JSON.stringify({ schemas: [U], userName: `${tenant}-${i + j}-${Math.random()}` }),
          });
          expect(r.status).toBe(201);
        }),
      );
  };
  return { server, create };
}

const secret = generateWebhookSecret();

describe.each(storeFactories())('delivery isolation on %s', (_name, makeStore) => {
  it("acme's target hangs: globex's events still arrive within 2 s, and acme's target never has more than 8 POSTs open", async () => {
    const t = tenants();
    const hang = await receiver(() => 'hang');
    const ok = await receiver(() => 'ok');
    const { create } = serve(await makeStore(), t, {
      webhooks: [
        { url: hang.url, secret, tenant: t.acme },
        { url: ok.url, secret, tenant: t.globex },
      ],
    });
    await create(t.acme, 200);
    await create(t.globex, 20);
    const t0 = Date.now();
    // before: batches of 50 waited for their slowest POST (10 s each), globex's after acme's 200 (275 s measured)
    await expect.poll(() => ok.taken.length, { timeout: 2000, interval: 20 }).toBe(20);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(ok.taken.every((p) => p.data.tenant === t.globex)).toBe(true);
    // the concurrency cap of one target for one tenant (before: a whole batch, 50, at once)
    expect(hang.stats.maxHanging).toBeGreaterThan(0);
    expect(hang.stats.maxHanging).toBeLessThanOrEqual(8);
  });

  it("one target for every tenant, hanging for acme's events only: globex's still arrive within 2 s (per tenant)", async () => {
    const t = tenants();
    const shared = await receiver((p) => (p.data.tenant === t.acme ? 'hang' : 'ok'));
    const { create } = serve(await makeStore(), t, { webhooks: [{ url: shared.url, secret }] });
    await create(t.acme, 200);
    await create(t.globex, 20);
    const globex = () => shared.taken.filter((p) => p.data.tenant === t.globex).length;
    await expect.poll(globex, { timeout: 2000, interval: 20 }).toBe(20);
    expect(shared.stats.maxHanging).toBeLessThanOrEqual(8);
  });

  it('a target that always answers 500 is backed off as a whole while a healthy one beside it gets every event; once healed, it gets them all', async () => {
    const t = tenants();
    let healed = false;
    const failing = await receiver(() => (healed ? 'ok' : 'fail'));
    const ok = await receiver(() => 'ok');
    const { create } = serve(await makeStore(), t, {
      webhooks: [
        { url: failing.url, secret, tenant: t.acme },
        { url: ok.url, secret, tenant: t.acme },
      ],
      retryBaseMs: 200,
      retryMaxMs: 1000,
      maxAttempts: 50,
    });
    await create(t.acme, 200);
    await expect.poll(() => ok.taken.length, { timeout: 5000, interval: 20 }).toBe(200);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000 - (Date.now() - t0)));
    // before: every event retried on its own, every 200 ms to 1 s: over 1,000 POSTs in these seconds
    // (about 1,000 a second at scale); now a few deliveries, then one trial per cool-down
    expect(failing.stats.posts).toBeLessThanOrEqual(40);
    healed = true;
    await expect.poll(() => new Set(failing.taken.map((p) => p.data.eventId)).size, { timeout: 15_000, interval: 50 }).toBe(200);
    // the healthy target got each event once: retries went only to the target that had failed
    expect(new Set(ok.taken.map((p) => p.data.eventId)).size).toBe(200);
    expect(ok.taken).toHaveLength(200);
  });
});
