// The transactional outbox on PostgresStore (needs DATABASE_URL; skipped otherwise): what
// recording events in the write's transaction costs a create and a member add (target: 15%
// or less), and how fast and how far behind delivery runs.
import { randomUUID } from 'node:crypto';
import { bearerToken, createScimServer, type EventDraft, type ProvisioningStore, SchemaRegistry } from 'scimkit';
import { PostgresStore } from 'scimkit/postgres';
import type { WriteOptions } from 'scimkit/store-kit';
import { scratchDatabase } from '../test/scratch-database.js';
import { fmt, type Section } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const ROUNDS = 5;
const PER_ROUND = 300;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/** The events the engine records with a create or a member add. */
const withEvents = (type: EventDraft['type']): WriteOptions => ({
  events: (o) => [{ id: randomUUID(), type, resourceType: 'User', resourceId: String(o.stored?.id), data: o.stored ? { resource: o.stored } : {} }],
});

/** Alternating rounds of the same write with and without events, so drift hits both alike. */
async function sideBySide(run: (events: boolean, i: number) => Promise<void>): Promise<{ without: number[]; with: number[] }> {
  const out = { without: [] as number[], with: [] as number[] };
  let i = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const events of [false, true]) {
      for (let k = 0; k < PER_ROUND; k++) {
        const t0 = performance.now();
        await run(events, i++);
        (events ? out.with : out.without).push(performance.now() - t0);
      }
    }
  }
  return out;
}

export async function run(): Promise<Section[]> {
  if (!process.env.DATABASE_URL) return [];
  const { pool, drop } = await scratchDatabase('scimkit_bench_outbox', 8);
  try {
    const store: ProvisioningStore = new PostgresStore(pool);
    await (store as PostgresStore).migrate();
    const ctx = { tenant: 'bench', requestId: 'b' };
    const create = await sideBySide(async (events, i) => {
      await store.create(ctx, User, { schemas: [U], userName: `c${i}@x.io` }, events ? withEvents('user.created') : {});
    });
    const reserve: string[] = [];
    for (let i = 0; i < ROUNDS * PER_ROUND * 2; i++) reserve.push((await store.create(ctx, User, { schemas: [U], userName: `m${i}@x.io` })).id!);
    const group = await store.create(ctx, Group, { schemas: [G], displayName: 'Everyone' });
    const member = await sideBySide(async (events, i) => {
      await store.replace(
        ctx,
        Group,
        group.id!,
        { schemas: [G], displayName: 'Everyone' },
        {
          members: { removeAll: false, added: [{ value: reserve[i]! }], removed: [] },
          keepAttributes: true,
          ...(events ? withEvents('group.membersAdded') : {}),
        },
      );
    });
    const rows = [
      ['create a user', create],
      ['add one member to a group (delta)', member],
    ].map(([name, r]) => {
      const m = r as { without: number[]; with: number[] };
      return {
        write: name as string,
        'without events: mean / p99 ms': `${fmt(mean(m.without), 3)} / ${fmt(percentile(m.without, 0.99), 3)}`,
        'with its event in the transaction: mean / p99 ms': `${fmt(mean(m.with), 3)} / ${fmt(percentile(m.with, 0.99), 3)}`,
        slower: `${fmt((mean(m.with) / mean(m.without) - 1) * 100, 1)}%`,
      };
    });

    // delivery: a backlog drained, then lag while 4 clients write
    await pool.query(`UPDATE scim_events SET state = 'delivered'`);
    const backlog = 5000;
    for (let i = 0; i < backlog; i++)
      await store.create({ tenant: `t${i % 50}`, requestId: 'q' }, User, { schemas: [U], userName: `d${i}@x.io` }, withEvents('user.created'));
    let delivered = 0;
    const lags: number[] = [];
    let measuring = false;
    const t0 = performance.now();
    const server = createScimServer({
      authenticate: bearerToken('o'.repeat(32)),
      store,
      registry,
      hooks: {
        onEvent: (e) => {
          delivered++;
          if (measuring) lags.push(Date.now() - Date.parse(e.time));
        },
      },
    });
    while (delivered < backlog) await new Promise((r) => setTimeout(r, 20));
    const drainMs = performance.now() - t0;
    measuring = true;
    const headers = { authorization: `Bearer ${'o'.repeat(32)}`, 'content-type': 'application/scim+json' };
    let requests = 0;
    const until = Date.now() + 5000;
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; Date.now() < until; i++) {
          const r = await server.handle({ method: 'POST', path: '/Users', headers, body: JSON.stringify({ schemas: [U], userName: `l${w}-${i}@x.io` }) });
          if (r.status !== 201) throw new Error(`create answered ${r.status}`);
          requests++;
        }
      }),
    );
    while (lags.length < requests) await new Promise((r) => setTimeout(r, 20));
    await server.close();
    return [
      {
        title: 'PostgresStore: the outbox',
        notes: `Store calls on PostgreSQL, ${ROUNDS} alternating rounds of ${PER_ROUND} writes without and with the event (as the engine records it: in the write's transaction, the tenant's sequence row last). Target: 15% slower or less.`,
        rows,
      },
      {
        title: 'Event delivery on PostgreSQL',
        notes: `One server's dispatcher, onEvent doing nothing. Backlog: ${fmt(backlog)} pending events of 50 tenants, from start to the last delivered. Lag: from commit (the event's time) to onEvent while 4 clients create users for 5 s through handle().`,
        rows: [
          {
            'backlog drained, events/s': fmt(backlog / (drainMs / 1000)),
            'creates during the lag run': fmt(requests),
            'lag p50 / p99 / max ms': `${fmt(percentile(lags, 0.5))} / ${fmt(percentile(lags, 0.99))} / ${fmt(Math.max(...lags))}`,
          },
        ],
      },
    ];
  } finally {
    await drop();
  }
}
