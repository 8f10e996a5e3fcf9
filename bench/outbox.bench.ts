// The transactional outbox on PostgresStore (needs DATABASE_URL; skipped otherwise): what
// recording events with the write costs a create and a member add (target: 15% or less), this
// build beside the previous one (SCIMKIT_PREVIOUS, a directory holding that build's dist/ and
// package.json) in one run; what the tenant's counter row costs writers of one tenant at once;
// and how fast and how far behind delivery runs. Making the previous build:
//   npm run build && mkdir /tmp/prev && cp -r dist package.json /tmp/prev && ln -s "$PWD/node_modules" /tmp/prev/
//   (then change the code, npm run build) SCIMKIT_PREVIOUS=/tmp/prev npm run bench outbox
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { ProvisioningStore, ResourceType, ScimResource, StoreContext } from 'scimkit';
import type { WriteOptions } from 'scimkit/store-kit';
import { scratchDatabase } from '../test/scratch-database.js';
import { fmt, type Row, type Section } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ROUNDS = 6;
const PER_ROUND = 250;
const CPU_ROUNDS = 8;
const CPU_BLOCK = 100;
const CONTENDED_USERS = 5000;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/** The event the engine records with a create (server/hooks.ts eventsFor). */
const created = (): WriteOptions => ({
  events: (o) => [
    { id: randomUUID(), type: 'user.created', resourceType: 'User', resourceId: String(o.stored?.id), data: { resource: o.stored!, source: 'scim' } },
  ],
});

/** The event the engine records with a members-only add: none when no member moved (server/resources.ts). */
const membersAdded = (): WriteOptions => ({
  events: (o) =>
    o.stored && o.applied?.added.length
      ? [
          {
            id: randomUUID(),
            type: 'group.membersAdded',
            resourceType: 'Group',
            resourceId: String(o.stored.id),
            data: { resource: o.stored, previous: { ...o.stored, members: undefined }, memberIds: o.applied.added, source: 'scim' },
          },
        ]
      : [],
});

/** What a bench needs of a build: its registry and its PostgresStore. */
interface Build {
  SchemaRegistry: new (options: object) => { resourceType(name: string): ResourceType | undefined };
  bearerToken(token: string): unknown;
  createScimServer(options: object): {
    handle(req: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ status: number }>;
    close(): Promise<void>;
  };
  PostgresStore: new (pool: unknown, options?: { schema?: string }) => ProvisioningStore & { migrate(): Promise<unknown> };
}

/** A build's root and postgres entry points, from a directory holding its dist/. */
async function load(dir: string): Promise<Build> {
  const entry = (name: string) => import(pathToFileURL(join(resolve(dir), `dist/${name}.js`)).href);
  return { ...(await entry('index')), ...(await entry('postgres')) } as Build;
}

/** The pool as PostgresStore sees it, every statement counted (its own and its clients', transactions included). */
function countingPool(pool: pg.Pool, counter: { statements: number }) {
  return {
    query: (text: string, params?: unknown[]) => {
      counter.statements++;
      return pool.query(text, params);
    },
    connect: async () => {
      const client = await pool.connect();
      return {
        query: (text: string, params?: unknown[]) => {
          counter.statements++;
          return client.query(text, params);
        },
        release: (destroy?: boolean) => client.release(destroy),
        processID: (client as unknown as { processID?: number }).processID,
      };
    },
    get totalCount() {
      return pool.totalCount;
    },
  };
}

/** One build's store in a schema of its own, its statements counted, and the two writes measured. */
async function subject(build: Build, pool: pg.Pool, schema: string) {
  const counter = { statements: 0 };
  const store = new build.PostgresStore(countingPool(pool, counter), { schema });
  await store.migrate();
  const registry = new build.SchemaRegistry({ uniqueGroupDisplayName: true });
  const User = registry.resourceType('User')!;
  const Group = registry.resourceType('Group')!;
  const ctx: StoreContext = { tenant: 'bench', requestId: 'b' };
  const reserve: string[] = [];
  for (let i = 0; i < (ROUNDS * PER_ROUND + CPU_ROUNDS * CPU_BLOCK) * 2; i++)
    reserve.push((await store.create(ctx, User, { schemas: [U], userName: `m${i}@x.io` })).id!);
  // the group as the engine hands it to replace: as it read it (here: as the last write returned it)
  let group: ScimResource = await store.create(ctx, Group, { schemas: [G], displayName: 'Everyone' });
  let made = 0;
  let added = 0;
  const writes: Record<string, (events: boolean) => Promise<unknown>> = {
    'create a user': (events) => store.create(ctx, User, { schemas: [U], userName: `c${made++}@x.io` }, events ? created() : {}),
    'add one member to a group (delta)': async (events) => {
      group = await store.replace(ctx, Group, group.id!, group, {
        members: { removeAll: false, added: [{ value: reserve[added++]! }], removed: [] },
        keepAttributes: true,
        ...(events ? membersAdded() : {}),
      });
    },
  };
  // member adds at once: writers each reading their group first (as the engine does), then adding one member
  const shared: ScimResource[] = [];
  for (let g = 0; g < 4; g++) shared.push(await store.create(ctx, Group, { schemas: [G], displayName: `Shared ${g}` }));
  const spare: string[] = [];
  for (let i = 0; i < CONTENDED_USERS; i++) spare.push((await store.create(ctx, User, { schemas: [U], userName: `s${i}@x.io` })).id!);
  const contended = async (groups: number, writers: number, ms: number) => {
    let done = 0;
    const until = performance.now() + ms;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let user = spare.pop(); user !== undefined && performance.now() < until; user = spare.pop()) {
          const g = shared[w % groups]!;
          const read = (await store.get(ctx, Group, g.id!))!;
          await store.replace(ctx, Group, g.id!, read, {
            members: { removeAll: false, added: [{ value: user }], removed: [] },
            keepAttributes: true,
            ...membersAdded(),
          });
          done++;
        }
      }),
    );
    return done / ((performance.now() - t0) / 1000);
  };
  return { counter, writes, contended };
}

type Subject = Awaited<ReturnType<typeof subject>>;

/** The CPU columns of a row: node + PostgreSQL µs per write without and with events, and how much more. */
function cpuColumns(without: { node: number; pg: number } | undefined, withE: { node: number; pg: number } | undefined): Row {
  if (!without || !withE)
    return { 'CPU per write, node + PostgreSQL µs: without / with events': 'not measured (PostgreSQL not on this machine)', 'more CPU': '' };
  const total = (c: { node: number; pg: number }) => c.node + c.pg;
  return {
    'CPU per write, node + PostgreSQL µs: without / with events': `${fmt(without.node)} + ${fmt(without.pg)} / ${fmt(withE.node)} + ${fmt(withE.pg)}`,
    'more CPU': `${fmt((total(withE) / total(without) - 1) * 100, 1)}%`,
  };
}
interface Blocks {
  /** The mean write (ms) of each round. */
  means: number[];
  /** Every write (ms). */
  all: number[];
  /** Statements per write. */
  statements: number;
}

/**
 * Rounds of PER_ROUND cycles, each cycle one write of each build with and without events, the
 * order turned every cycle: the machine's drift falls on every cell alike, write by write.
 */
async function compare(subjects: Record<string, Subject>, write: string): Promise<Record<string, Blocks>> {
  const cells = Object.keys(subjects).flatMap((b) => [false, true].map((events) => [b, events] as const));
  const out: Record<string, Blocks & { counted: number }> = {};
  for (const [b, events] of cells) out[`${b}\u0000${events}`] = { means: [], all: [], statements: 0, counted: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const times: Record<string, number[]> = {};
    for (let k = 0; k < PER_ROUND; k++) {
      for (let c = 0; c < cells.length; c++) {
        const [b, events] = cells[(c + k) % cells.length]!;
        const s = subjects[b]!;
        const key = `${b}\u0000${events}`;
        const before = s.counter.statements;
        const t0 = performance.now();
        await s.writes[write]!(events);
        (times[key] ??= []).push(performance.now() - t0);
        out[key]!.counted += s.counter.statements - before;
      }
    }
    for (const [key, xs] of Object.entries(times)) {
      out[key]!.means.push(mean(xs));
      out[key]!.all.push(...xs);
    }
  }
  for (const blocks of Object.values(out)) blocks.statements = blocks.counted / (ROUNDS * PER_ROUND);
  return out;
}

/**
 * The CPU time (µs) the PostgreSQL backends of the database `db` have used, from
 * /proc/<pid>/schedstat: undefined when the server is not on this machine.
 */
async function backendCpu(admin: pg.Pool, db: string): Promise<Map<number, number> | undefined> {
  const pids = (await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [db])).rows.map((r) => r.pid as number);
  const out = new Map<number, number>();
  try {
    for (const pid of pids) out.set(pid, Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000);
  } catch {
    return undefined;
  }
  return out;
}

/**
 * CPU per write of each cell, this process's and the database's backends', the least of
 * CPU_ROUNDS blocks of CPU_BLOCK writes each (noise on a shared machine only ever adds CPU
 * time): undefined when the backends cannot be read.
 */
async function cpuPerWrite(subjects: Record<string, Subject>, write: string, admin: pg.Pool, db: string) {
  const cells = Object.keys(subjects).flatMap((b) => [false, true].map((events) => [b, events] as const));
  const least: Record<string, { node: number; pg: number }> = {};
  for (let round = 0; round < CPU_ROUNDS; round++) {
    for (const [b, events] of round % 2 ? [...cells].reverse() : cells) {
      const before = await backendCpu(admin, db);
      if (!before) return undefined;
      const node = process.cpuUsage();
      for (let k = 0; k < CPU_BLOCK; k++) await subjects[b]!.writes[write]!(events);
      const used = process.cpuUsage(node);
      const after = await backendCpu(admin, db);
      if (!after) return undefined;
      // a backend that ended meanwhile took its count along: that block is left out
      if ([...before.keys()].some((pid) => !after.has(pid))) continue;
      let pgUs = 0;
      for (const [pid, us] of after) pgUs += us - (before.get(pid) ?? 0);
      const key = `${b}\u0000${events}`;
      const was = least[key];
      const cell = { node: (used.user + used.system) / CPU_BLOCK, pg: pgUs / CPU_BLOCK };
      if (!was || cell.node + cell.pg < was.node + was.pg) least[key] = cell;
    }
  }
  return least;
}

/** Creates by `clients` at once for `ms`, each client in `tenantOf(client)`: creates per second. */
async function concurrent(store: ProvisioningStore, User: ResourceType, clients: number, tenantOf: (c: number) => string, events: boolean, ms: number) {
  let done = 0;
  const until = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const ctx = { tenant: tenantOf(c), requestId: 'q' };
      while (performance.now() < until) {
        await store.create(ctx, User, { schemas: [U], userName: `${randomUUID()}@x.io` }, events ? created() : {});
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

export async function run(): Promise<Section[]> {
  if (!process.env.DATABASE_URL) return [];
  // this build: dist/, or SCIMKIT_THIS (a directory holding a build's dist/, when dist/ is being rebuilt)
  const here = process.env.SCIMKIT_THIS ?? join(import.meta.dirname, '..');
  const previousDir = process.env.SCIMKIT_PREVIOUS;
  const builds: Record<string, Build> = { 'this build': await load(here) };
  if (previousDir) builds.previous = await load(previousDir);
  const label = process.env.SCIMKIT_PREVIOUS_NAME ?? previousDir;
  const { pool, url, drop } = await scratchDatabase('scimkit_bench_outbox', 12);
  const db = new URL(url).pathname.slice(1);
  // the backends' CPU is read from a connection to another database: its own queries are not counted
  const admin = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  try {
    const subjects: Record<string, Subject> = {};
    for (const [name, build] of Object.entries(builds)) subjects[name] = await subject(build, pool, name === 'previous' ? 'outbox_prev' : 'outbox_now');
    const rows: Row[] = [];
    for (const write of ['create a user', 'add one member to a group (delta)']) {
      const m = await compare(subjects, write);
      const cpu = await cpuPerWrite(subjects, write, admin, db);
      for (const b of Object.keys(builds)) {
        const without = m[`${b}\u0000false`]!;
        const withE = m[`${b}\u0000true`]!;
        // each round's cost: its writes with events over its writes without
        const ratios = withE.means.map((w, i) => (w / without.means[i]! - 1) * 100);
        rows.push({
          write,
          build: b,
          'statements without / with events': `${fmt(without.statements, 1)} / ${fmt(withE.statements, 1)}`,
          'without events: mean / p99 ms': `${fmt(mean(without.all), 3)} / ${fmt(percentile(without.all, 0.99), 3)}`,
          'with its events: mean / p99 ms': `${fmt(mean(withE.all), 3)} / ${fmt(percentile(withE.all, 0.99), 3)}`,
          slower: `${fmt((mean(withE.all) / mean(without.all) - 1) * 100, 1)}%`,
          'by round: median (min – max)': `${fmt(median(ratios), 1)}% (${fmt(Math.min(...ratios), 1)} – ${fmt(Math.max(...ratios), 1)}%)`,
          ...cpuColumns(cpu?.[`${b}\u0000false`], cpu?.[`${b}\u0000true`]),
        });
      }
    }
    const sections: Section[] = [
      {
        title: 'PostgresStore: the outbox',
        notes: `Store calls on PostgreSQL, ${ROUNDS} rounds of ${PER_ROUND} cycles, each cycle one write of each build without and with the event as the engine records it, the order turned every cycle (the member add gets the group as the engine hands it: as last read). ${previousDir ? `Previous: ${label}, in a schema of its own in the same database.` : 'Previous build: not measured (set SCIMKIT_PREVIOUS, see bench/outbox.bench.ts).'} Statements per write counted through a wrapper of the pool (BEGIN and COMMIT included: each is a round trip). "by round": each round's writes with events against its writes without. CPU: this process's and the database's backends' (/proc/<pid>/schedstat), the least of ${CPU_ROUNDS} interleaved blocks of ${CPU_BLOCK} writes (on this shared machine wall time counts other processes; CPU time much less). Target: 15% slower or less.`,
        rows,
      },
    ];

    // member adds at once: a group changed since a writer read it costs that writer a statement
    // that writes nothing (then its events are made again), or the transaction
    const adds: Record<string, number[]> = {};
    for (let round = 0; round < 3; round++)
      for (const b of round % 2 ? Object.keys(builds).reverse() : Object.keys(builds))
        for (const groups of [1, 4]) (adds[`${b}\u0000${groups}`] ??= []).push(await subjects[b]!.contended(groups, 8, 1500));
    const range = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))} – ${fmt(Math.max(...xs))})`;
    sections.push({
      title: 'PostgresStore: member adds at once, with their events',
      notes: `8 clients each reading a group and adding one member to it (as the engine does a PATCH), with the event, for 1.5 s; 3 interleaved rounds of each build (median, min – max adds/s). ${previousDir ? `Previous: ${label}.` : ''} One group: every write finds the group changed by another since it read it.`,
      rows: [1, 4].map((groups) => ({
        writers: `8 on ${groups === 1 ? 'one group' : '4 groups (2 each)'}`,
        ...Object.fromEntries(Object.keys(builds).map((b) => [`${b}, adds/s`, range(adds[`${b}\u0000${groups}`]!)])),
      })),
    });

    // the counter row: writers of one tenant take it one at a time (each holds it to its commit),
    // writers of different tenants do not meet; the same 8 clients either way
    const build = builds['this build']!;
    const store = new build.PostgresStore(pool, { schema: 'outbox_now' });
    const User = new build.SchemaRegistry({}).resourceType('User')!;
    const tput: Record<string, number[]> = {};
    for (let round = 0; round < 3; round++)
      for (const [name, tenants] of [
        ['one tenant', () => 'hot'],
        ['8 tenants', (c: number) => `t${c}`],
      ] as const)
        for (const events of [false, true]) (tput[`${name}\u0000${events}`] ??= []).push(await concurrent(store, User, 8, tenants, events, 1500));
    sections.push({
      title: "PostgresStore: the outbox's counter row, 8 writers at once",
      notes: `This build: 8 clients each creating users one after another for 1.5 s, 3 interleaved rounds (median, min – max creates/s), all in one tenant (each event takes the tenant's counter row, held to its commit) or each in a tenant of its own (no two writers meet on a counter row). The pool has 12 connections; node and PostgreSQL share the machine's cores.`,
      rows: ['one tenant', '8 tenants'].map((name) => {
        const without = tput[`${name}\u0000false`]!;
        const withE = tput[`${name}\u0000true`]!;
        return {
          writers: name,
          'without events, creates/s': range(without),
          'with events, creates/s': range(withE),
          'fewer with events': `${fmt((1 - median(withE) / median(without)) * 100, 1)}%`,
        };
      }),
    });

    // delivery: a backlog drained, then lag while 4 clients write
    await pool.query(`UPDATE outbox_now.scim_events SET state = 'delivered'`);
    const backlog = 5000;
    for (let i = 0; i < backlog; i++) await store.create({ tenant: `t${i % 50}`, requestId: 'q' }, User, { schemas: [U], userName: `d${i}@x.io` }, created());
    let delivered = 0;
    const lags: number[] = [];
    let measuring = false;
    const t0 = performance.now();
    const server = build.createScimServer({
      authenticate: build.bearerToken('o'.repeat(32)),
      store,
      // the lag of delivery, not the per-tenant rate limit (4 writers went past 500/s and got 429)
      rateLimits: false,
      registry: new build.SchemaRegistry({ uniqueGroupDisplayName: true }),
      hooks: {
        onEvent: (e: { time: string }) => {
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
    sections.push({
      title: 'Event delivery on PostgreSQL',
      notes: `One server's dispatcher, onEvent doing nothing. Backlog: ${fmt(backlog)} pending events of 50 tenants, from start to the last delivered. Lag: from commit (the event's time) to onEvent while 4 clients create users for 5 s through handle().`,
      rows: [
        {
          'backlog drained, events/s': fmt(backlog / (drainMs / 1000)),
          'creates during the lag run': fmt(requests),
          'lag p50 / p99 / max ms': `${fmt(percentile(lags, 0.5))} / ${fmt(percentile(lags, 0.99))} / ${fmt(Math.max(...lags))}`,
        },
      ],
    });
    return sections;
  } finally {
    await admin.end();
    await drop();
  }
}
