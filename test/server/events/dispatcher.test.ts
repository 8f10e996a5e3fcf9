// Delivery of recorded events to onEvent: at least once, off the request path, in order per
// resource, across restarts and across instances sharing one PostgreSQL database.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgresStore, type SqlPool } from '../../../src/addons/postgres/index.js';
import {
  bearerToken,
  createScimServer,
  type LifecycleEvent,
  type ProvisioningStore,
  type ScimServer,
  type ScimServerOptions,
  silentLogger,
} from '../../../src/index.js';
import { retryDelay } from '../../../src/server/events/dispatcher.js';
import { MemoryOutbox } from '../../../src/stores/memory/outbox.js';
import type { OutboxEvent } from '../../../src/stores/outbox.js';
import { freshPGlite } from '../../pglite.js';
import { scratchDatabase } from '../../scratch-database.js';
import { storeFactories } from '../../store-factories.js';

const TOKEN = 'dispatcher-token-0123456789-0123456789';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const open: ScimServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function serve(store: ProvisioningStore, options: Partial<ScimServerOptions> = {}) {
  const server = createScimServer({ authenticate: bearerToken(TOKEN), store, ...options });
  open.push(server);
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await server.handle({
      method,
      path,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return r as typeof r & { body: { id?: string } };
  };
  return { server, call };
}

/** Creates users and a group and changes them: the events every store must deliver. */
async function workload(call: ReturnType<typeof serve>['call'], n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = await call('POST', '/Users', { schemas: [U], userName: `w${i}-${randomUUID()}` });
    ids.push(u.body.id!);
  }
  const g = await call('POST', '/Groups', { schemas: [G], displayName: `g-${randomUUID()}` });
  for (const id of ids) {
    await call('PATCH', `/Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
    await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
  }
  return ids;
}

// the PostgreSQL server has a test of its own below (two instances)
const stores = storeFactories({ postgres: false });
const lite = freshPGlite();
afterAll(() => lite.close());

describe.each(stores)('delivery on %s', (_name, makeStore) => {
  it('a hook failing 5% of the time still gets every event, each resource in order, duplicates only as redeliveries', async () => {
    const store = await makeStore();
    const got: LifecycleEvent[] = [];
    let calls = 0;
    // deterministic "random" failures: every 20th call fails
    const onEvent = (e: LifecycleEvent) => {
      if (++calls % 20 === 0) throw new Error('host database hiccup');
      got.push(e);
    };
    const { server, call } = serve(store, { hooks: { onEvent }, events: { retryBaseMs: 5, retryMaxMs: 20, pollMs: 10 }, logger: silentLogger });
    await workload(call, 30);
    const tenant = 'default';
    const log: OutboxEvent[] = [];
    for (let after = 0; ; ) {
      const page = await server.events.list({ tenant, after, limit: 1000 });
      if (!page.length) break;
      log.push(...page);
      after = page.at(-1)!.seq;
    }
    // per user: created, updated, deactivated, and its group's membersAdded (a change of members only is no group.updated)
    expect(log.length).toBeGreaterThanOrEqual(30 * 4);
    await expect.poll(() => new Set(got.map((e) => e.eventId)).size, { timeout: 10_000 }).toBe(log.length);
    // every recorded event arrived; nothing arrived that was not recorded
    expect(new Set(got.map((e) => e.eventId))).toEqual(new Set(log.map((e) => e.id)));
    // per resource, in sequence order
    const byResource = new Map<string, number[]>();
    for (const e of got) byResource.set(e.id, [...(byResource.get(e.id) ?? []), e.seq]);
    for (const seqs of byResource.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect((await server.events.list({ tenant, limit: 1000 })).every((e) => e.state === 'delivered' || e.seq > log.at(-1)!.seq)).toBe(true);
  }, 30_000);

  it('off the request path: a slow hook does not delay the response; beforeResponse waits for it', async () => {
    const store = await makeStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const slow = serve(store, {
      hooks: {
        onEvent: async (e) => {
          await gate;
          seen.push(e.type);
        },
      },
    });
    const r = await slow.call('POST', '/Users', { schemas: [U], userName: `slow-${randomUUID()}` });
    expect([r.status, seen]).toEqual([201, []]);
    release();
    await expect.poll(() => seen).toEqual(['user.created']);

    const waited: string[] = [];
    const sync = serve(await makeStore(), { hooks: { onEvent: (e) => void waited.push(e.type) }, events: { mode: 'beforeResponse' } });
    const s = await sync.call('POST', '/Users', { schemas: [U], userName: `sync-${randomUUID()}` });
    expect([s.status, waited]).toEqual([201, ['user.created']]);
  });

  it('dead letters after the last attempt, listed and replayed', async () => {
    const store = await makeStore();
    let up = false;
    const got: string[] = [];
    const { server, call } = serve(store, {
      hooks: {
        onEvent: (e) => {
          if (!up) throw new Error('webhook receiver down');
          got.push(e.eventId);
        },
      },
      events: { maxAttempts: 2, retryBaseMs: 1, retryMaxMs: 2, pollMs: 10 },
      logger: silentLogger,
    });
    const u = await call('POST', '/Users', { schemas: [U], userName: `dead-${randomUUID()}` });
    await expect.poll(async () => (await server.events.deadLetters({ tenant: 'default' })).filter((e) => e.resourceId === u.body.id).length).toBe(1);
    const [dead] = (await server.events.deadLetters({ tenant: 'default' })).filter((e) => e.resourceId === u.body.id);
    expect([dead!.attempts, dead!.lastError]).toEqual([2, 'Error: webhook receiver down']);
    up = true;
    expect(await server.events.replay([dead!.id])).toBe(1);
    await expect.poll(() => got).toContain(dead!.id);
  });
});

describe('delivery resumes after a restart', () => {
  it('events recorded by a server that stopped before delivering are delivered by the next one', async () => {
    const store = new PostgresStore(lite as unknown as SqlPool);
    await store.migrate();
    // the first instance records but never gets to deliver (its hook hangs, then it stops)
    const first = serve(store, { hooks: { onEvent: () => new Promise(() => undefined) }, events: { leaseMs: 200 } });
    const u = await first.call('POST', '/Users', { schemas: [U], userName: `restart-${randomUUID()}` });
    void first.server.close();
    open.splice(open.indexOf(first.server), 1);
    const got: LifecycleEvent[] = [];
    serve(store, { hooks: { onEvent: (e) => void got.push(e) }, events: { pollMs: 20 } });
    await expect.poll(() => got.map((e) => [e.type, e.id, e.attempt]), { timeout: 5000 }).toContainEqual(['user.created', u.body.id, 2]);
  });
});

describe.runIf(process.env.DATABASE_URL)('two instances on one PostgreSQL', () => {
  it('every event is delivered, by one instance at a time, each resource in order', async () => {
    const db = await scratchDatabase('scimkit_dispatch');
    // the second instance: a pool of its own on the same database
    const pools = [db.pool, new pg.Pool({ connectionString: db.url, max: 4 })];
    try {
      const stores = pools.map((p) => new PostgresStore(p));
      await stores[0]!.migrate();
      const inFlight = new Set<string>();
      const deliveries: { eventId: string; id: string; seq: number; by: number }[] = [];
      let overlapped = 0;
      const hook = (by: number) => async (e: LifecycleEvent) => {
        if (inFlight.has(e.eventId)) overlapped++;
        inFlight.add(e.eventId);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        inFlight.delete(e.eventId);
        deliveries.push({ eventId: e.eventId, id: e.id, seq: e.seq, by });
      };
      const a = serve(stores[0]!, { hooks: { onEvent: hook(0) }, events: { pollMs: 20 } });
      const b = serve(stores[1]!, { hooks: { onEvent: hook(1) }, events: { pollMs: 20 } });
      await Promise.all([workload(a.call, 15), workload(b.call, 15)]);
      const recorded = await a.server.events.list({ tenant: 'default', limit: 1000 });
      await expect.poll(() => new Set(deliveries.map((d) => d.eventId)).size, { timeout: 20_000 }).toBe(recorded.length);
      expect(overlapped).toBe(0);
      expect(new Set(deliveries.map((d) => d.by))).toEqual(new Set([0, 1]));
      const byResource = new Map<string, number[]>();
      for (const d of deliveries) byResource.set(d.id, [...(byResource.get(d.id) ?? []), d.seq]);
      for (const seqs of byResource.values()) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    } finally {
      await Promise.all(open.splice(0).map((s) => s.close()));
      await pools[1]!.end();
      await db.drop();
    }
  }, 60_000);
});

describe('retryDelay', () => {
  it('doubles from the base with jitter in the upper half, bounded by the maximum', () => {
    expect([1, 2, 3, 4].map((a) => retryDelay(a, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((a) => retryDelay(a, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('EventDispatcher in isolation', () => {
  const event = (id: string): OutboxEvent => ({
    id,
    tenant: 't',
    seq: 1,
    type: 'user.created',
    resourceType: 'User',
    resourceId: id,
    data: {},
    context: { tenant: 't', requestId: 'r' },
    time: new Date().toISOString(),
    state: 'pending',
    attempts: 1,
  });
  it("runs its drains outside the async context of the request that woke it (a store's transaction lives there)", async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const { EventDispatcher } = await import('../../../src/server/events/dispatcher.js');
    const als = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const outbox = new MemoryOutbox();
    const claim = outbox.claim.bind(outbox);
    outbox.claim = async (o) => {
      seen.push(als.getStore());
      return claim(o);
    };
    const d = new EventDispatcher(outbox, async () => undefined, { pollMs: 10 }, silentLogger);
    d.start();
    als.run('request transaction', () => d.wake());
    await new Promise((r) => setTimeout(r, 60));
    await d.close();
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((s) => s === undefined)).toBe(true);
  });

  it('a consumer that never answers fails the attempt when the lease ends; the next events still go out', async () => {
    const { EventDispatcher } = await import('../../../src/server/events/dispatcher.js');
    const outbox = new MemoryOutbox();
    outbox.append({ tenant: 't', requestId: 'r' }, [
      { ...event('hangs'), data: {} },
      { ...event('other'), data: {} },
    ]);
    const delivered: string[] = [];
    let first = true;
    const d = new EventDispatcher(
      outbox,
      (e) => {
        if (e.id === 'hangs' && first) {
          first = false;
          return new Promise(() => undefined);
        }
        delivered.push(e.id);
        return Promise.resolve();
      },
      { leaseMs: 100, pollMs: 10, retryBaseMs: 1, retryMaxMs: 2 },
      silentLogger,
    );
    d.start();
    d.wake();
    await expect.poll(() => [...delivered].sort()).toEqual(['hangs', 'other']);
    await d.close();
  });
});
