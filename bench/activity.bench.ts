// Activity log (issue "Activity log"): what it costs a GET by id in-process (MemoryStore; the
// record is built and written after each response, so the loop yields to the event loop after
// every 50 requests, as a server does between network reads), and how fast PostgresStore
// writes the log while a pool serves creates (needs DATABASE_URL).
import { bearerTokens, consoleLogger, createScimServer, hashToken, MemoryStore, type ScimServer, type ScimServerOptions, silentLogger } from 'scimkit';
import { openTelemetry } from 'scimkit/opentelemetry';
import { PostgresStore } from 'scimkit/postgres';
import { scratchDatabase } from '../test/scratch-database.js';
import { fmt, type Section } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const TOKEN = 'activity-bench-token-0123456789-0123456789';
const auth = bearerTokens([{ tenant: 'a', tokenHash: hashToken(TOKEN), tokenId: 'a' }]);
const BATCH = 50;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

async function getCost(): Promise<Record<string, string>[]> {
  const base: ScimServerOptions = { authenticate: auth, rateLimits: false, logger: silentLogger };
  const variants: Record<string, Partial<ScimServerOptions>> = {
    'activity off (no log, no lines)': { activity: { log: false, logRequests: false } },
    'activity on: record + in-memory ring + a line to a silent logger (the default)': {},
    'record built, line to a silent logger, no log (activity.log false)': { activity: { log: false } },
    'record built, in-memory ring, no line (logRequests false)': { activity: { logRequests: false } },
    'activity on, lines as JSON (consoleLogger, output discarded)': { logger: consoleLogger({ format: 'json', write: () => {} }) },
    'activity on + openTelemetry() with the API and no SDK (no-op spans)': { telemetry: openTelemetry() },
  };
  const servers: Record<string, { s: ScimServer; id: string }> = {};
  for (const [name, o] of Object.entries(variants)) {
    const s = createScimServer({ ...base, store: new MemoryStore(), ...o });
    const r = await s.handle({
      method: 'POST',
      path: '/Users',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ schemas: [U], userName: 'bench' }),
    });
    servers[name] = { s, id: (r.body as { id: string }).id };
  }
  const task = (s: ScimServer, id: string) => async () => {
    for (let i = 0; i < BATCH; i++) {
      const r = await s.handle({ method: 'GET', path: `/Users/${id}`, headers: { authorization: `Bearer ${TOKEN}` } });
      if (r.status !== 200) throw new Error(`GET answered ${r.status}`);
    }
    // the records of the batch are built and written here, inside the measured time
    await yieldToLoop();
  };
  // interleaved finely: one batch of each variant in turn (the order rotated), 600 times, so
  // drift on this shared machine falls on every variant alike; each batch timed by the process's
  // CPU time (user + system); the median batch per variant, and the spread of the middle half
  const names = Object.keys(servers);
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  const runs = new Map(names.map((n) => [n, task(servers[n]!.s, servers[n]!.id)]));
  for (const n of names) for (let w = 0; w < 40; w++) await runs.get(n)!();
  for (let round = 0; round < 600; round++) {
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + round) % names.length]!;
      const before = process.cpuUsage();
      await runs.get(n)!();
      const used = process.cpuUsage(before);
      samples.get(n)!.push((used.user + used.system) / BATCH);
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const off = median(samples.get(names[0]!)!);
  const rows: Record<string, string>[] = [];
  for (const n of names) {
    const us = median(samples.get(n)!);
    const sorted = [...samples.get(n)!].sort((x, y) => x - y);
    rows.push({
      'GET /Users/{id} through handle()': n,
      'req/s': fmt(1e6 / us),
      'CPU µs per request': fmt(us, 2),
      'middle half (µs)': `${fmt(sorted[Math.floor(sorted.length / 4)]!, 1)} – ${fmt(sorted[Math.floor((sorted.length * 3) / 4)]!, 1)}`,
      'vs off': `${us >= off ? '+' : ''}${fmt(((us - off) / off) * 100, 1)}%`,
    });
  }
  for (const { s } of Object.values(servers)) await s.close();
  return rows;
}

async function postgresThroughput(): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  const db = await scratchDatabase('scimkit_bench_activity', 10);
  try {
    const store = new PostgresStore(db.pool);
    await store.migrate();
    // the log alone: batches of 500 records as the writer sends them
    const record = (i: number) => ({
      startedAt: new Date().toISOString(),
      requestId: `r-${i}`,
      tenant: `t${i % 10}`,
      authenticated: true,
      tokenId: 'tok',
      client: 'entra' as const,
      userAgent: 'Microsoft Azure AD SCIM provisioning 1.0.0',
      method: 'GET',
      path: '/Users',
      operation: 'list' as const,
      resourceType: 'User',
      filter: `userName eq "user${i}@example.com"`,
      status: 200,
      ms: 1.2,
      responseBytes: 120,
    });
    const t0 = performance.now();
    const n = 50_000;
    for (let i = 0; i < n; i += 500) await store.activity.append(Array.from({ length: 500 }, (_, k) => record(i + k)));
    const secs = (performance.now() - t0) / 1000;
    rows.push({
      measure: 'PostgresActivityLog.append, batches of 500',
      result: `${fmt(n / secs)} records/s`,
      detail: `${fmt(n)} records in ${fmt(secs, 2)} s`,
    });

    // under load: 10 clients creating users through handle(), the log on and off, 8 s each
    for (const on of [false, true]) {
      const s = createScimServer({
        authenticate: auth,
        store,
        rateLimits: false,
        logger: silentLogger,
        limits: { maxConcurrentPerTenant: 10 },
        ...(on ? {} : { activity: { log: false, logRequests: false } }),
      });
      let done = 0;
      let failed = 0;
      const until = Date.now() + 8000;
      await Promise.all(
        Array.from({ length: 10 }, async (_, c) => {
          for (let i = 0; Date.now() < until; i++) {
            const r = await s.handle({
              method: 'POST',
              path: '/Users',
              headers: { authorization: `Bearer ${TOKEN}` },
              body: JSON.stringify({ schemas: [U], userName: `${on ? 'on' : 'off'}-${c}-${i}` }),
            });
            if (r.status === 201) done++;
            else failed++;
          }
        }),
      );
      await s.activity.flush();
      const st = s.activity.stats;
      rows.push({
        measure: `creates on a pool of 10, 10 clients, 8 s, activity log ${on ? 'on (PostgreSQL table)' : 'off'}`,
        result: `${fmt(done / 8)} creates/s`,
        detail: `${failed} failed; log: ${fmt(st.written)} written, ${st.dropped} dropped, ${st.failed} failed`,
      });
      await s.close();
    }
  } finally {
    await db.drop();
  }
  return rows;
}

export async function run(): Promise<Section[]> {
  const sections: Section[] = [
    {
      title: 'Activity log: what it costs a GET by id (MemoryStore, in-process)',
      notes: `Each task is ${BATCH} sequential GETs followed by one turn of the event loop, in which the records are built, logged and appended; one batch of each variant in turn, 600 times (the order rotated), each batch timed by the process's CPU time (user + system); the median batch per variant. Rate limits off. Target: the default (activity on) within 5% of off.`,
      rows: await getCost(),
    },
  ];
  if (process.env.DATABASE_URL)
    sections.push({
      title: 'Activity log: PostgresStore write throughput',
      notes:
        'A scratch database on the local PostgreSQL 15; the writer sends one INSERT … SELECT FROM jsonb_array_elements per batch, one batch in flight at a time.',
      rows: await postgresThroughput(),
    });
  return sections;
}
