// A million users on PostgreSQL (#34 item 4): the operations an IdP and an admin make, through the
// engine (server.handle(), the activity log on as by default, bearerToken), on a 10,000-user tenant
// and a 1,000,000-user tenant of one database side by side in one run; the process's memory; the
// plans of each operation's statements at 1M (auto_explain on a second pool). Needs DATABASE_URL;
// keeps its tenants in a database of its own (million-seed.ts), seeded by SQL once and reused.
// SCIMKIT_MILLION_USERS sets the big tenant's size (default 1,000,000) for a quicker run.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bearerToken, createScimServer, type ScimServer } from 'scimkit';
import { PostgresStore } from 'scimkit/postgres';
import { fmt, measure, type Row, type Section } from './harness.js';
import {
  ensureSeeded,
  groupAttributes,
  membersRange,
  millionDatabase,
  resetBigGroup,
  type SeedRecord,
  type SeedShape,
  seedId,
  shapeOf,
  userAttributes,
  userNameOf,
} from './million-seed.js';

const TITLE = 'A million users on PostgreSQL (#34)';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const TOKEN = 'million-bench-token-0123456789-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
/** The target of #34: an operation at 1M users takes at most this many times what it takes at 10k. */
const TARGET = 1.5;
/** Milliseconds each operation is measured for (tinybench also runs at least 64 iterations after 16 warm-up ones). */
const TIME = 1000;

const log = (s: string) => console.error(`million: ${s}`);
const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
const mb = (bytes: number) => fmt(bytes / 2 ** 20, 1);

type Handle = ScimServer['handle'];
type Response = Awaited<ReturnType<Handle>>;

/** A request that must answer `status`: anything else fails the operation (and the bench). */
async function call(handle: Handle, status: number, method: string, path: string, query?: string, body?: unknown): Promise<Response> {
  const r = await handle({ method, path, ...(query ? { query } : {}), headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (r.status !== status) throw new Error(`${method} ${path}${query ? `?${query}` : ''}: ${r.status}, not ${status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  return r;
}

/** Every server made, closed (their activity written) before their pool ends. */
const servers: ScimServer[] = [];

/** The server of one tenant over `store`, as an app would make it (rate limits off: the bench is one client going as fast as it can). */
function serverOf(store: PostgresStore, tenant: string): ScimServer {
  const server = createScimServer({ store, authenticate: bearerToken(TOKEN, { tenant }), rateLimits: false });
  servers.push(server);
  return server;
}

/** Closes the servers made so far. */
async function closeServers(): Promise<void> {
  for (const s of servers.splice(0)) await s.close();
}

/** A generator of numbers in [1, n] that repeats the same sequence every run. */
function randomIn(n: number, seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return 1 + (x % n);
  };
}

/** A resource as read back, without what differs between two creations of the same attributes: ids (each replaced by its name in `names`) and times. */
function comparable(body: unknown, names: Map<string, string>): string {
  return JSON.stringify(body, (k, v) => {
    if (typeof v === 'string') {
      for (const [id, name] of names) if (v.includes(id)) v = v.replaceAll(id, name);
      if (k === 'created' || k === 'lastModified') return '<time>';
    }
    return v;
  });
}

/**
 * Proves that what the seed writes is what the store writes: a small tenant seeded by SQL beside
 * the same users and groups created through the engine, compared as read back (GET, ids and times
 * aside) and as stored (every column of scim_resources, the unique keys, the member rows); then a
 * filter on userName, a member add and a user PATCH on the seeded tenant. Throws on a difference.
 */
async function seededMatchesApi(pool: pg.Pool, store: PostgresStore): Promise<string> {
  const shape: SeedShape = { users: 6, groups: 3, bigGroupMembers: 3, smallGroupMembers: 1 };
  const [sqlTenant, apiTenant] = ['million-proof-sql', 'million-proof-api'];
  for (const t of [sqlTenant, apiTenant]) {
    for (const table of ['scim_members', 'scim_unique', 'scim_resources', 'scim_event_seq', 'scim_events', 'scim_activity'])
      await pool.query(`DELETE FROM ${table} WHERE tenant = $1`, [t]);
    await pool.query('DELETE FROM million_bench_seed WHERE tenant = $1', [t]).catch(() => undefined);
  }
  await ensureSeeded(pool, sqlTenant, shape, () => undefined);
  const [apiServer, seededServer] = [serverOf(store, apiTenant), serverOf(store, sqlTenant)];
  const api: Handle = (r) => apiServer.handle(r);
  const seeded: Handle = (r) => seededServer.handle(r);
  const names = new Map<string, string>();
  const apiUsers: string[] = [];
  for (let i = 1; i <= shape.users; i++) {
    const id = ((await call(api, 201, 'POST', '/Users', undefined, userAttributes(i))).body as { id: string }).id;
    apiUsers.push(id);
    names.set(id, `user ${i}`).set(seedId(sqlTenant, 'u', i), `user ${i}`);
  }
  const apiGroups: string[] = [];
  for (let g = 1; g <= shape.groups; g++) {
    const [from, to] = membersRange(shape, g);
    const body = groupAttributes(g, apiUsers.slice(from - 1, to));
    const id = ((await call(api, 201, 'POST', '/Groups', undefined, body)).body as { id: string }).id;
    apiGroups.push(id);
    names.set(id, `group ${g}`).set(seedId(sqlTenant, 'g', g), `group ${g}`);
  }
  const differences: string[] = [];
  const same = (what: string, a: string, b: string) => {
    if (a !== b) differences.push(`${what}:\n  seeded ${b}\n  API    ${a}`);
  };
  for (let i = 1; i <= shape.users; i++) {
    const a = await call(api, 200, 'GET', `/Users/${apiUsers[i - 1]}`);
    const b = await call(seeded, 200, 'GET', `/Users/${seedId(sqlTenant, 'u', i)}`);
    same(`GET user ${i}`, comparable(a.body, names), comparable(b.body, names));
  }
  for (let g = 1; g <= shape.groups; g++) {
    const a = await call(api, 200, 'GET', `/Groups/${apiGroups[g - 1]}`);
    const b = await call(seeded, 200, 'GET', `/Groups/${seedId(sqlTenant, 'g', g)}`);
    same(`GET group ${g}`, comparable(a.body, names), comparable(b.body, names));
  }
  // as stored: every column but the times and seq, in the order of the resources' numbers
  const stored = async (tenant: string) => {
    const rows = (
      await pool.query(
        `SELECT type, id, doc, user_name_ci, external_id, display_name_ci, version, doc_ci, folded_version,
           created = (doc->'meta'->>'created')::timestamptz AND last_modified = (doc->'meta'->>'lastModified')::timestamptz AS times_agree
         FROM scim_resources WHERE tenant = $1 ORDER BY type DESC, seq`,
        [tenant],
      )
    ).rows;
    const unique = (await pool.query('SELECT type, attr, value, id FROM scim_unique WHERE tenant = $1 ORDER BY type, id, attr', [tenant])).rows;
    const members = (await pool.query('SELECT group_id, member_id, member FROM scim_members WHERE tenant = $1 ORDER BY seq', [tenant])).rows;
    const seq = (await pool.query('SELECT seq FROM scim_event_seq WHERE tenant = $1', [tenant])).rows;
    return { rows, unique: unique.map((u) => comparable(u, names)).sort(), members, seq };
  };
  const [a, b] = [await stored(apiTenant), await stored(sqlTenant)];
  same('rows', String(a.rows.length), String(b.rows.length));
  for (let k = 0; k < a.rows.length; k++) same(`row ${k + 1} of scim_resources`, comparable(a.rows[k], names), comparable(b.rows[k], names));
  same('scim_unique', a.unique.join('\n'), b.unique.join('\n'));
  same('scim_members', comparable(a.members, names), comparable(b.members, names));
  same('scim_event_seq', JSON.stringify(a.seq), JSON.stringify(b.seq));
  // and they work: a look-up, a member add, a user PATCH
  const found = (await call(seeded, 200, 'GET', '/Users', `filter=${encodeURIComponent(`userName eq "${userNameOf(2).toUpperCase()}"`)}`)).body as {
    totalResults: number;
    Resources: { id: string }[];
  };
  if (found.totalResults !== 1 || found.Resources[0]?.id !== seedId(sqlTenant, 'u', 2)) differences.push(`filter on userName found ${JSON.stringify(found)}`);
  const group = seedId(sqlTenant, 'g', 1);
  const extra = seedId(sqlTenant, 'u', shape.users);
  await call(seeded, 204, 'PATCH', `/Groups/${group}`, undefined, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Add', path: 'members', value: [{ value: extra }] }],
  });
  const after = (await call(seeded, 200, 'GET', `/Groups/${group}`)).body as { members: { value: string }[]; meta: { version: string } };
  if (!after.members.some((m) => m.value === extra) || after.meta.version !== 'W/"2"') differences.push(`member add: ${JSON.stringify(after)}`);
  const user = seedId(sqlTenant, 'u', 1);
  const patched = (
    await call(seeded, 200, 'PATCH', `/Users/${user}`, undefined, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'displayName', value: 'Renamed' },
        { op: 'Replace', path: 'active', value: 'False' },
      ],
    })
  ).body as { displayName: string; active: boolean; meta: { version: string }; groups?: { value: string }[] };
  if (patched.displayName !== 'Renamed' || patched.active !== false || patched.meta.version !== 'W/"2"' || patched.groups?.[0]?.value !== group)
    differences.push(`user PATCH: ${JSON.stringify(patched)}`);
  const renamed = (await call(seeded, 200, 'GET', '/Users', `filter=${encodeURIComponent('displayName eq "renamed"')}`)).body as { totalResults: number };
  if (renamed.totalResults !== 1) differences.push(`filter on the patched displayName: ${renamed.totalResults} found`);
  if (differences.length) throw new Error(`million: the seeded rows are not what the store writes:\n${differences.join('\n')}`);
  return `${shape.users} users and ${shape.groups} groups seeded by SQL read back (GET) and are stored (every column of scim_resources but times and seq, scim_unique, scim_members, scim_event_seq) exactly as the same created through the engine, ids and times aside; a filter on userName, a member add and a user PATCH on them answer as on created ones`;
}

/** What a tenant's operations need: its server, size and big group, users outside the big group to add, members to remove. */
interface Tenant {
  name: string;
  shape: SeedShape;
  handle: Handle;
  bigGroup: string;
  reserve: string[];
  removable: string[];
}

async function tenantOf(pool: pg.Pool, store: PostgresStore, name: string, shape: SeedShape): Promise<Tenant> {
  const bigGroup = seedId(name, 'g', 1);
  // the state earlier runs left: users not in the big group (the newest first), its oldest members
  const reserve = (
    await pool.query(
      `SELECT r.id FROM scim_resources r WHERE r.tenant = $1 AND r.type = 'User'
         AND NOT EXISTS (SELECT 1 FROM scim_members m WHERE m.tenant = $1 AND m.group_id = $2 AND m.member_id = r.id)
       ORDER BY r.seq DESC LIMIT 20000`,
      [name, bigGroup],
    )
  ).rows.map((r) => r.id as string);
  const removable = (
    await pool.query('SELECT member_id FROM scim_members WHERE tenant = $1 AND group_id = $2 ORDER BY seq LIMIT 20000', [name, bigGroup])
  ).rows.map((r) => r.member_id as string);
  const server = serverOf(store, name);
  return { name, shape, handle: (r) => server.handle(r), bigGroup, reserve, removable };
}

/** The deep startIndex of the sorted pages: the last page but one of the small tenant (a cursor page follows it), the same in both. */
const deepIndex = (small: number) => small - 199;

/**
 * The operations measured, by name, over one tenant. Each is an async function: tinybench calls
 * a task that is not once when it is added, to see whether it returns a promise, and those calls
 * ran at once (four sorted pages of the big tenant together: 503s, and a warm-up behind them failed).
 */
async function operations(t: Tenant, deep: number): Promise<Record<string, () => Promise<unknown>>> {
  const n = t.shape.users;
  const pick = randomIn(n, 0x9e3779b9 ^ n);
  const sorted = 'sortBy=userName&count=100';
  // the first cursor page of a walk; when it fails, the operation says why
  const cursorAfter = async (startIndex: number): Promise<() => string> => {
    try {
      const r = await call(t.handle, 200, 'GET', '/Users', `${sorted}&startIndex=${startIndex}&cursor=`);
      const next = (r.body as { nextCursor?: string }).nextCursor;
      if (!next) throw new Error('no nextCursor');
      return () => next;
    } catch (e) {
      return () => {
        throw new Error(`the page before it: ${(e as Error).message}`);
      };
    }
  };
  const [afterFirst, afterDeep] = [await cursorAfter(1), await cursorAfter(deep)];
  const added: string[] = [];
  // values no earlier run wrote (the users picked repeat from run to run): a PATCH that changes nothing writes nothing
  const run = Date.now().toString(36);
  let k = 0;
  return {
    'GET /Users/{id}': async () => call(t.handle, 200, 'GET', `/Users/${seedId(t.name, 'u', pick())}`),
    'GET /Users?filter=userName eq "…"': async () => {
      const r = await call(t.handle, 200, 'GET', '/Users', `filter=${encodeURIComponent(`userName eq "${userNameOf(pick())}"`)}`);
      if ((r.body as { totalResults: number }).totalResults !== 1) throw new Error('userName look-up: not 1 found');
    },
    'sorted by userName, startIndex 1, count 100': async () => call(t.handle, 200, 'GET', '/Users', `${sorted}&startIndex=1`),
    [`sorted by userName, startIndex ${fmt(deep)}, count 100`]: async () => call(t.handle, 200, 'GET', '/Users', `${sorted}&startIndex=${deep}`),
    'next page by cursor (after page 1)': async () => call(t.handle, 200, 'GET', '/Users', `${sorted}&cursor=${afterFirst()}`),
    [`next page by cursor (after startIndex ${fmt(deep)})`]: async () => call(t.handle, 200, 'GET', '/Users', `${sorted}&cursor=${afterDeep()}`),
    'PATCH big group: add 1 member': async () => {
      const id = t.reserve.shift();
      if (!id) throw new Error('the reserve of users outside the big group ran out');
      added.push(id);
      return call(t.handle, 204, 'PATCH', `/Groups/${t.bigGroup}`, undefined, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Add', path: 'members', value: [{ value: id }] }],
      });
    },
    'PATCH big group: remove 1 member': async () => {
      const id = t.removable.shift() ?? added.shift();
      if (!id) throw new Error('no member left to remove');
      return call(t.handle, 204, 'PATCH', `/Groups/${t.bigGroup}`, undefined, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Remove', path: 'members', value: [{ value: id }] }],
      });
    },
    'PATCH a user (replace displayName, active)': async () => {
      const i = pick();
      k++;
      return call(t.handle, 200, 'PATCH', `/Users/${seedId(t.name, 'u', i)}`, undefined, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'displayName', value: `User ${i} (${run}-${k})` },
          { op: 'Replace', path: 'active', value: k % 2 ? 'False' : 'True' },
        ],
      });
    },
  };
}

/**
 * Runs the operations once each, as the harness will: those that fail (a 503 past the request's
 * deadline, say) are taken out and their errors returned, rather than measured as NaN 80 times.
 */
async function checkOnce(ops: Record<string, () => Promise<unknown>>): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  for (const [name, fn] of Object.entries(ops)) {
    const t0 = performance.now();
    try {
      await fn();
    } catch (e) {
      failed.set(name, `failed after ${fmt(performance.now() - t0)} ms: ${(e as Error).message.slice(0, 200)}`);
      delete ops[name];
      log(`${name}: ${failed.get(name)}`);
    }
  }
  return failed;
}

type Measured = Map<string, { meanUs: number; p99Us: number }>;

function memory(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/** One statement's plan as auto_explain told it. */
interface Plan {
  operation: string;
  statement: string;
  text: string;
  ms: number;
  buffers: string;
  seqScans: string[];
}

/**
 * The plans of every statement of each operation on the big tenant: a second store and server over
 * a pool whose sessions load auto_explain (ANALYZE, BUFFERS, nested statements) and get the plans as
 * notices; the measured pool never does. Each operation runs once; its plans are those noticed meanwhile.
 */
async function plansOf(url: string, t: Tenant, deep: number): Promise<Plan[]> {
  let current = '';
  const plans: Plan[] = [];
  // auto_explain loaded and set at each session's start (a superuser's startup options)
  const settings = ['session_preload_libraries=auto_explain', 'auto_explain.log_min_duration=0', 'auto_explain.log_analyze=on', 'auto_explain.log_buffers=on']
    .concat(['auto_explain.log_nested_statements=on', 'auto_explain.log_level=notice'])
    .map((x) => `-c ${x}`)
    .join(' ');
  const pool = new pg.Pool({ connectionString: url, max: 4, options: settings });
  pool.on('connect', (client) => {
    client.on('notice', (n) => {
      const m = /duration: ([\d.]+) ms\s+plan:\nQuery Text: ([\s\S]*)/.exec(n.message ?? '');
      if (!m) return;
      const body = m[2]!;
      const first = body.split('\n').find((l) => l.trim() !== '') ?? '';
      // a statement of a function (the e-mail indexes' functions as a write updates them) starts with blank lines
      const kind = body.startsWith('\n')
        ? '(nested: index function) '
        : /pg_stat_activity/.test(first)
          ? "(the store's liveness check, once a second while a statement is out) "
          : '';
      const text = `${kind}${first.replace(/\s+/g, ' ').trim()}`;
      const operation = /scim_activity/.test(body.split('\n').slice(0, 3).join(' ')) ? 'activity log (append after the response)' : current;
      plans.push({
        operation,
        statement: text,
        text: body,
        ms: Number(m[1]),
        buffers: /Buffers: ([^\n]*)/.exec(body)?.[1]?.trim() ?? '',
        seqScans: [...body.matchAll(/Seq Scan on (\w+)/g)].map((x) => x[1]!),
      });
    });
  });
  const store = new PostgresStore(pool);
  const server = serverOf(store, t.name);
  const explained: Tenant = { ...t, handle: (r) => server.handle(r) };
  const ops = await operations(explained, deep);
  for (const [name, fn] of Object.entries(ops)) {
    current = name;
    // a statement cancelled at the deadline logs no plan: the operation's row of the table says it failed
    await fn().catch((e: Error) => log(`plans: ${name}: ${e.message.slice(0, 200)}`));
    await new Promise((r) => setTimeout(r, 50));
  }
  current = 'after';
  await closeServers();
  await pool.end();
  const activity = plans.find((p) => p.operation.startsWith('activity log'));
  return [
    ...plans.filter((p) => p.operation !== 'after' && p.operation !== '' && p !== activity && !p.operation.startsWith('activity log')),
    ...(activity ? [activity] : []),
  ];
}

export async function run(): Promise<Section[]> {
  const base = process.env.DATABASE_URL;
  if (!base) return [{ title: TITLE, notes: 'Skipped: set DATABASE_URL to a PostgreSQL server.', rows: [{ note: 'no DATABASE_URL' }] }];
  const url = await millionDatabase(base);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const store = new PostgresStore(pool);
  await store.migrate();
  const bigN = Number(process.env.SCIMKIT_MILLION_USERS ?? 1_000_000);
  const smallN = 10_000;
  const tenants = [
    { name: 'million-10k', shape: shapeOf(smallN) },
    { name: bigN === 1_000_000 ? 'million-1m' : `million-${label(bigN).toLowerCase()}`, shape: shapeOf(bigN) },
  ];
  const seeds: SeedRecord[] = [];
  for (const t of tenants) {
    seeds.push(await ensureSeeded(pool, t.name, t.shape, log));
    await resetBigGroup(pool, t.name, t.shape);
  }
  // autovacuum may be off (it is on this machine): the visibility map and statistics a live table would have
  const v0 = performance.now();
  for (const table of ['scim_resources', 'scim_unique', 'scim_members']) await pool.query(`VACUUM (ANALYZE) ${table}`);
  const vacuumS = (performance.now() - v0) / 1000;
  log(`VACUUM (ANALYZE) in ${fmt(vacuumS, 1)} s`);
  const proof = await seededMatchesApi(pool, store);
  log(proof);
  const deep = deepIndex(smallN);
  const [small, big] = [await tenantOf(pool, store, tenants[0]!.name, tenants[0]!.shape), await tenantOf(pool, store, tenants[1]!.name, tenants[1]!.shape)];
  const bigMembers = async (t: Tenant) =>
    Number((await pool.query('SELECT count(*)::int AS n FROM scim_members WHERE tenant = $1 AND group_id = $2', [t.name, t.bigGroup])).rows[0].n);
  const membersBefore = [await bigMembers(small), await bigMembers(big)];

  const mem: { at: string; heap: number; rss: number }[] = [];
  mem.push({ at: 'before any operation', ...memory() });
  // a first pass at the small tenant, not kept: the engine's code warm before either is measured
  log(`warming up on ${small.name}`);
  await measure(await operations(small, deep), TIME);
  mem.push({ at: `before the measured operations (after the warm-up pass at ${label(smallN)})`, ...memory() });
  const [opsSmall, opsBig] = [await operations(small, deep), await operations(big, deep)];
  const failures = [await checkOnce(opsSmall), await checkOnce(opsBig)];
  // every operation in rounds small, big, big, small (a drift of the machine falls on both
  // alike); before migration 12 the pages read and spilled gigabytes at 1M and were measured
  // apart, after the others, once per tenant
  const point: [Measured[], Measured[]] = [[], []];
  for (const k of [0, 1, 1, 0] as const) {
    log(`measuring on ${[small, big][k]!.name}`);
    point[k].push(await measure([opsSmall, opsBig][k]!, TIME));
  }
  mem.push({ at: `after all the operations (the last at ${label(bigN)})`, ...memory() });
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const membersAfter = [await bigMembers(small), await bigMembers(big)];
  // the mean and p99 of the two rounds' means and p99s
  const averaged = (rounds: Measured[]): Measured => {
    const out: Measured = new Map();
    for (const name of rounds[0]!.keys()) {
      const ms = rounds.map((r) => r.get(name)!);
      out.set(name, { meanUs: ms.reduce((a, m) => a + m.meanUs, 0) / ms.length, p99Us: ms.reduce((a, m) => a + m.p99Us, 0) / ms.length });
    }
    return out;
  };
  const results: [Measured, Measured] = [averaged(point[0]), averaged(point[1])];

  await closeServers();
  log('plans at both tenants');
  const plans = await plansOf(url, big, deep);
  const smallPlans = await plansOf(url, small, deep);
  const planFile = join(os.tmpdir(), `million-plans-${label(bigN)}.txt`);
  writeFileSync(
    planFile,
    [...plans, ...smallPlans.map((p) => ({ ...p, operation: `${p.operation} [${label(smallN)}]` }))]
      .map((p) => `### ${p.operation} (${p.ms} ms)\n${p.text}\n`)
      .join('\n'),
  );
  log(`plans written to ${planFile}`);
  // the same statement at the small tenant: the nth of its text in its operation
  const keyed = (list: Plan[]) => {
    const seen = new Map<string, number>();
    return list.map((p) => {
      const k = `${p.operation}\u0000${p.statement}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
      return `${k}\u0000${seen.get(k)}`;
    });
  };
  const smallBuffers = new Map(keyed(smallPlans).map((k, i) => [k, smallPlans[i]!.buffers]));
  const bigKeys = keyed(plans);

  const sizes = (
    await pool.query(
      `SELECT c.relname AS name, CASE c.relkind WHEN 'i' THEN 'index of ' || t.relname ELSE 'table (with TOAST, without indexes)' END AS kind,
         CASE c.relkind WHEN 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END AS bytes,
         CASE c.relkind WHEN 'r' THEN pg_total_relation_size(c.oid) END AS total
       FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
       WHERE c.relname IN ('scim_resources', 'scim_unique', 'scim_members', 'scim_resource_counts')
          OR t.relname IN ('scim_resources', 'scim_unique', 'scim_members', 'scim_resource_counts')
       ORDER BY coalesce(t.relname, c.relname), c.relkind DESC, bytes DESC`,
    )
  ).rows as { name: string; kind: string; bytes: string; total: string | null }[];
  const users = Number((await pool.query(`SELECT count(*)::int AS n FROM scim_resources WHERE type = 'User'`)).rows[0].n);
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
    } catch {
      return 'an unknown commit';
    }
  })();
  const serverVersion = String((await pool.query('SHOW server_version')).rows[0].server_version).split(' ')[0];
  await pool.end();

  const [s, b] = results;
  const rows: Row[] = [];
  const nan = { meanUs: Number.NaN, p99Us: Number.NaN };
  const names = [...new Set([...s.keys(), ...b.keys(), ...failures.flatMap((f) => [...f.keys()])])];
  for (const name of names) {
    const [m10, m1] = [s.get(name) ?? nan, b.get(name) ?? nan];
    const failure = failures[0]!.get(name) ?? failures[1]!.get(name);
    const ratio = m1.meanUs / m10.meanUs;
    rows.push({
      operation: name,
      [`${label(smallN)} mean ms`]: fmt(m10.meanUs / 1000, 2),
      [`${label(smallN)} p99 ms`]: fmt(m10.p99Us / 1000, 2),
      [`${label(bigN)} mean ms`]: fmt(m1.meanUs / 1000, 2),
      [`${label(bigN)} p99 ms`]: fmt(m1.p99Us / 1000, 2),
      [`${label(bigN)}/${label(smallN)} (mean)`]: `${fmt(ratio, 2)}×`,
      [`${label(bigN)}/${label(smallN)} (p99)`]: `${fmt(m1.p99Us / m10.p99Us, 2)}×`,
      [`≤ ${TARGET}×`]: failure ? `missed: ${failure.replaceAll('|', '\\|')}` : Number.isFinite(ratio) ? (ratio <= TARGET ? 'met' : 'missed') : 'failed',
    });
  }
  const [m0, m10, m1] = mem as [(typeof mem)[0], (typeof mem)[0], (typeof mem)[0]];
  const heapGrowth = m1.heap - m0.heap;
  const flat = m1.heap - m10.heap <= 8 * 2 ** 20;
  const seedNote = seeds
    .map(
      (r, i) =>
        `${tenants[i]!.name}: ${fmt(r.shape.users)} users, ${fmt(r.shape.groups)} groups (group 1 with ${fmt(r.shape.bigGroupMembers)} members, the others ${fmt(r.shape.smallGroupMembers)}), seeded by SQL in ${fmt(r.seconds, 1)} s${r.reused ? ` (on ${r.at.slice(0, 10)}, reused)` : ''}`,
    )
    .join('; ');
  // the liveness checks during one statement, one row
  const merged: (Plan & { times: number; small: string })[] = [];
  plans.forEach((p, i) => {
    const last = merged[merged.length - 1];
    if (last && last.operation === p.operation && last.statement === p.statement && p.statement.includes('liveness')) last.times++;
    else merged.push({ ...p, times: 1, small: smallBuffers.get(bigKeys[i]!) ?? '' });
  });
  const planRows: Row[] = merged.map((p) => ({
    operation: p.operation,
    statement: `${p.statement.slice(0, 90).replaceAll('|', '\\|')}${p.times > 1 ? ` (×${p.times})` : ''}`,
    'ms (auto_explain)': fmt(p.ms, 2),
    [`buffers (top node) at ${label(bigN)}`]: p.buffers,
    [`the same at ${label(smallN)}`]: p.statement.includes('liveness') ? '' : p.small,
    [`seq scans at ${label(bigN)}`]: p.seqScans.filter((x) => x !== 'scim_event_seq').join(', ') || 'none',
  }));
  return [
    {
      title: TITLE,
      notes: `server.handle() of createScimServer({ store: new PostgresStore(pool), authenticate: bearerToken(…) }) per tenant (the activity log on, as by default; rate limits off), both over one pool of 10 on one database of their own beside the test database, the build of ${commit}, PostgreSQL ${serverVersion} with its defaults (shared_buffers 128 MB; autovacuum off on this machine, so VACUUM (ANALYZE) runs after the seed, ${fmt(vacuumS, 1)} s). ${seedNote}. Seed check: ${proof}. Each operation measured with the harness (${TIME} ms, at least 64 iterations, after its warm-up; a whole first pass at ${label(smallN)} before, not kept): every operation in four rounds, ${label(smallN)}, ${label(bigN)}, ${label(bigN)}, ${label(smallN)}, each figure the average of its tenant's two rounds' means (and p99s; before migration 12 the sorted pages read the whole table at ${label(bigN)} and spilled to temporary files, so they ran apart, once per tenant, after the others); random users from a fixed sequence; PATCH of the big group adds a user not yet in it / removes one of its oldest members (Entra's form, 204), its members (as seeded at the start of each run) before → after the run: ${label(smallN)} ${fmt(membersBefore[0]!)} → ${fmt(membersAfter[0]!)}, ${label(bigN)} ${fmt(membersBefore[1]!)} → ${fmt(membersAfter[1]!)}; the user PATCH is Entra's (Replace displayName, Replace active "False"/"True"). Sorted pages start at 1 and at ${fmt(deep)} (the last page but one of the ${label(smallN)} tenant) in both; the cursor pages are the next after each (cursor=, RFC 9865, a keyset on userName and id). Target (#34): each at ${label(bigN)} ≤ ${TARGET}× its time at ${label(smallN)}, judged on the mean.`,
      rows,
    },
    {
      title: `${TITLE}: memory`,
      notes: `The bench process is the server (both tenants' servers, one pool). heapUsed after two forced collections (node --expose-gc${(globalThis as { gc?: unknown }).gc ? '' : ': NOT given, so no collection was forced'}), and RSS, at each point; peak RSS of the run ${mb(peakRss)} MB (it includes the harness and the seed check). Target: memory flat from ${label(smallN)} to ${label(bigN)}: heapUsed after all the operations within 8 MB of heapUsed before the measured ones (after a first pass at ${label(smallN)}, not measured, which warmed the code and filled the bounded rings, the activity log's among them): ${flat ? 'met' : 'missed'} (${mb(m1.heap - m10.heap)} MB; ${mb(heapGrowth)} MB from before any operation).`,
      rows: mem.map((x) => ({ point: x.at, 'heapUsed MB': mb(x.heap), 'RSS MB': mb(x.rss) })),
    },
    {
      title: `${TITLE}: sizes`,
      notes: `The store's tables and indexes in the bench's database after the run: ${fmt(users)} users in all (the two tenants, the seed check's) and their groups, members, unique keys. "per user" is the size over the users of the database. pg_table_size (with TOAST), pg_relation_size of each index, pg_total_relation_size of each table.`,
      rows: sizes.map((r) => ({
        relation: r.name,
        kind: r.kind,
        MB: mb(Number(r.bytes)),
        'bytes per user': fmt(Number(r.bytes) / users),
        'table + indexes MB': r.total === null ? '' : mb(Number(r.total)),
      })),
    },
    {
      title: `${TITLE}: plans`,
      notes: `Every statement of each operation run once on each tenant after the measurements through a second server whose pool loads auto_explain (ANALYZE, BUFFERS, nested statements, to the client as notices): at ${label(bigN)} its duration as auto_explain timed it (with instrumentation), the buffers of its top node at both (read: not in shared_buffers), and any sequential scan of the store's tables. The whole plans: ${planFile} (not committed).`,
      rows: planRows,
    },
  ];
}
