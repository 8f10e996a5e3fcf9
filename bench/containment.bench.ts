// What an attack on the server costs the other tenants (issue #29, attacks 1, 2, 3 and 6; 4 is
// bench/heavy-filter.bench.ts). Server, attacker and measuring client are separate processes
// on 127.0.0.1 (bench/containment-server.ts); every attack is bounded in count and time.
// - Strangers (1, 3, 2): tenant b GETs one of its users by id, one request at a time, idle and
//   while a stranger floods bad tokens naming new 15,000-character tenants (1), while a
//   guesser hammers made-up tokens for tenant b from the IdP's own address (3: everything
//   here comes from 127.0.0.1), and while 1,500 unauthenticated connections declare ~1 MiB
//   bodies and stall (2); with the server's heap and RSS before and after, and b's refusals.
// - Events (6): globex creates users one at a time and its webhook receiver (in this process)
//   takes each event; the time from the 201 to the event, idle, while acme creates users with
//   a target that answers, and while acme creates users whose events its target never answers.
// CONTAINMENT_SCALE (default 1) scales every count and time, e.g. 0.05 for a quick try.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { type Sent, TOKENS } from './containment-server.js';
import { fmt, type Section } from './harness.js';
import { type BenchChild, benchChild, type Gets, percentile, stopChild, tenantGets } from './tenant-latency.js';

const SCALE = Number(process.env.CONTAINMENT_SCALE ?? 1);
const scaled = (n: number) => Math.max(1, Math.round(n * SCALE));
const SAMPLES = scaled(2000);
/** The most of tenant b's GETs while one attack runs (the attack's own bounds end it first). */
const MOST = 200_000;
const STRANGER = { count: scaled(20_000), maxMs: scaled(60_000) };
const GUESSER = { count: scaled(20_000), maxMs: scaled(60_000) };
const READS = { count: scaled(20_000), maxMs: scaled(60_000) };
const STALL = { open: scaled(1500), total: scaled(6000), maxMs: scaled(20_000) };
const GLOBEX_EVERY_MS = 4;
const EVENTS = { idleMs: scaled(10_000), healthyMs: scaled(10_000), hangingMs: scaled(25_000) };

type Memory = { heapUsed: number; rss: number; maxRss: number };
type Stalled = { opened: number; statuses: Record<string, number>; open: number; oldestMs: number; bytes: number };

/** A process of bench/containment-server.ts, importing the adapters from src/ (the root tsconfig's paths). */
const child = (args: (string | number)[], nodeArgs: string[] = []) =>
  benchChild('containment-server.ts', args.map(String), { env: { TSX_TSCONFIG_PATH: join(import.meta.dirname, '..', 'tsconfig.json') }, nodeArgs });

/** The server's heap and RSS after two forced collections, and its peak RSS so far. */
async function memory(server: BenchChild): Promise<Memory> {
  server.proc.kill('SIGUSR2');
  const line = await server.lines.next();
  return JSON.parse(line.value as string) as Memory;
}

/** Starts an attacker and runs `measure` until it reports (its bounds end it), or stops it when `measure` is done first. */
async function whileAttacking<M, R>(args: (string | number)[], measure: (attacking: () => boolean) => Promise<M>): Promise<{ measured: M; report: R }> {
  const attacker = await child(args);
  let report: R | undefined;
  const reported = attacker.lines.next().then((l) => {
    report = JSON.parse(l.value as string) as R;
  });
  const measured = await measure(() => report === undefined);
  if (report === undefined) attacker.proc.kill('SIGTERM');
  await reported;
  return { measured, report: report! };
}

/** Which measured rows are within 2× of their idle p50 and p99, and which are not. */
type Verdict = { met: string[]; missed: string[] };
const verdictText = (v: Verdict) => `Within 2× of idle p50 and p99: ${v.met.join('; ') || 'none'}. Past it: ${v.missed.join('; ') || 'none'}.`;

/** The p50 and p99 cells of `t` against `idle`; a row other than the idle one goes into `verdict`. */
function againstIdle(what: string, t: number[], idle: number[], verdict: Verdict): Record<string, string> {
  const p50 = percentile(t, 0.5) / percentile(idle, 0.5);
  const p99 = percentile(t, 0.99) / percentile(idle, 0.99);
  if (t !== idle) (p50 <= 2 && p99 <= 2 ? verdict.met : verdict.missed).push(`${what} (${fmt(p50, 2)}×, ${fmt(p99, 2)}×)`);
  return { 'p50 / idle': `${fmt(p50, 2)}×`, 'p99 / idle': `${fmt(p99, 2)}×` };
}

const mb = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MB`;
const signedMb = (bytes: number) => `${bytes < 0 ? '−' : '+'}${mb(Math.abs(bytes))}`;
const statusText = (s: Record<string, number>) =>
  Object.entries(s)
    .map(([k, n]) => `${fmt(n)} × ${k === '0' ? 'no answer' : k}`)
    .join(', ');

/** Tenant b's latency and the server's memory, idle and under one stranger's attack; for stalled bodies also after it. */
async function strangerRows(label: string, attack: (string | number)[], after: boolean, verdict: Verdict): Promise<Record<string, string>[]> {
  const server = await child(['server'], ['--expose-gc']);
  try {
    const { port, bUser } = JSON.parse(server.first) as { port: number; bUser: string };
    const path = `/scim/v2/b/Users/${bUser}`;
    const idle = await tenantGets(port, path, TOKENS.b, SAMPLES);
    const m0 = await memory(server);
    const started = performance.now();
    const { measured: busy, report } = await whileAttacking<Gets, Sent | Stalled>([attack[0]!, port, ...attack.slice(1)], (attacking) =>
      tenantGets(port, path, TOKENS.b, MOST, () => !attacking()),
    );
    const seconds = (performance.now() - started) / 1000;
    const m1 = await memory(server);
    const row = (what: string, g: Gets, mem: string, sent: string) => ({
      "tenant b's GET /b/Users/{id}": what,
      'p50 ms': fmt(percentile(g.ms, 0.5), 2),
      'p99 ms': fmt(percentile(g.ms, 0.99), 2),
      'max ms': fmt(Math.max(...g.ms), 2),
      ...againstIdle(what, g.ms, idle.ms, verdict),
      "b's answers": statusText(g.statuses),
      'server memory (after 2 GCs)': mem,
      'attack sent, answered': sent,
    });
    const sent =
      'sent' in report
        ? `${fmt(report.sent)} in ${fmt(seconds, 1)} s: ${statusText(report.statuses)}; median ${fmt(report.medianMs, 2)} ms`
        : `${fmt(report.opened)} connections in ${fmt(seconds, 1)} s, ${mb(report.bytes)} written by the attacker: ${statusText(report.statuses)}; at the end ${fmt(report.open)} open, the oldest for ${fmt(report.oldestMs)} ms`;
    const rows = [
      row(`${label}: idle`, idle, `heap ${mb(m0.heapUsed)}, RSS ${mb(m0.rss)}`, ''),
      row(`${label}: under attack`, busy, `heap ${signedMb(m1.heapUsed - m0.heapUsed)}, RSS ${signedMb(m1.rss - m0.rss)}; peak RSS ${mb(m1.maxRss)}`, sent),
    ];
    if (after) {
      const later = await tenantGets(port, path, TOKENS.b, SAMPLES);
      const m2 = await memory(server);
      rows.push(row(`${label}: after it`, later, `heap ${mb(m2.heapUsed)}, RSS ${mb(m2.rss)}`, ''));
    }
    return rows;
  } finally {
    server.proc.kill('SIGTERM');
  }
}

/** Globex's webhook receiver: when each resource's event came in. */
async function receiver(): Promise<{ url: string; arrived: (id: string) => Promise<number>; close: () => void }> {
  const times = new Map<string, number>();
  const waiting = new Map<string, (t: number) => void>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const t = performance.now();
      const id = (JSON.parse(body) as { data: { id: string } }).data.id;
      res.writeHead(204).end();
      const w = waiting.get(id);
      waiting.delete(id);
      if (w) w(t);
      else times.set(id, t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    arrived: (id) => {
      const t = times.get(id);
      times.delete(id);
      if (t !== undefined) return Promise.resolve(t);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(Number.NaN), 30_000);
        waiting.set(id, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Globex's milliseconds per user: its POST to its 201, its POST to its receiver having the event, its 201 to that (0 when the event came first). */
type Deliveries = { create: number[]; delivery: number[]; after201: number[]; lost: number };

/**
 * Globex creates a user, waits for its event, and again (one every `GLOBEX_EVERY_MS` at the
 * most: an IdP's pace, under the default 500 requests a second of a tenant), for `ms` or until `stop()`.
 */
async function globexEvents(port: number, events: Awaited<ReturnType<typeof receiver>>, ms: number, stop: () => boolean = () => false): Promise<Deliveries> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out: Deliveries = { create: [], delivery: [], after201: [], lost: 0 };
  const end = performance.now() + ms;
  let last = 0;
  for (let i = 0; performance.now() < end && !stop(); i++) {
    const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `globex-${i}-${Math.random()}@example.com` });
    if (i > 0) await new Promise((r) => setTimeout(r, Math.max(0, last + GLOBEX_EVERY_MS - performance.now())));
    const t0 = performance.now();
    last = t0;
    const { status, text, at } = await new Promise<{ status: number; text: string; at: number }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/scim/v2/globex/Users',
          headers: { authorization: `Bearer ${TOKENS.globex}`, 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text, at: performance.now() }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    if (status !== 201) throw new Error(`globex's create answered ${status}: ${text}`);
    const came = await events.arrived((JSON.parse(text) as { id: string }).id);
    if (i < 5) continue;
    out.create.push(at - t0);
    if (Number.isNaN(came)) out.lost++;
    else {
      out.delivery.push(came - t0);
      // the event often comes in before this process has read the 201: no wait at all
      out.after201.push(Math.max(0, came - at));
    }
  }
  agent.destroy();
  return out;
}

async function eventRows(verdict: Verdict): Promise<Record<string, string>[]> {
  const acmeHook = await child(['hook']);
  const globex = await receiver();
  const server = await child(['server', (JSON.parse(acmeHook.first) as { url: string }).url, globex.url], ['--expose-gc']);
  try {
    const { port } = JSON.parse(server.first) as { port: number };
    const idle = await globexEvents(port, globex, EVENTS.idleMs);
    const acme = (prefix: string, ms: number) =>
      whileAttacking<Deliveries, Sent>(['creates', port, 'acme', prefix, 1_000_000, ms], (acting) => globexEvents(port, globex, ms + 5000, () => !acting()));
    const healthy = await acme('ok-', EVENTS.healthyMs);
    const hanging = await acme('hang-', EVENTS.hangingMs);
    const hook = await stopChild<{ posts: number; hung: number; maxHanging: number }>(acmeHook);
    const row = (what: string, d: Deliveries, sent: string) => ({
      "globex's user.created events": what,
      events: fmt(d.delivery.length),
      '201 → event p50 / p99 / max ms': `${fmt(percentile(d.after201, 0.5), 2)} / ${fmt(percentile(d.after201, 0.99), 2)} / ${fmt(Math.max(...d.after201), 2)}`,
      'POST → event p50 ms': fmt(percentile(d.delivery, 0.5), 2),
      'p99 ms': fmt(percentile(d.delivery, 0.99), 2),
      'max ms': fmt(Math.max(...d.delivery), 2),
      ...againstIdle(what, d.delivery, idle.delivery, verdict),
      'POST → 201 p50 / p99 ms': `${fmt(percentile(d.create, 0.5), 2)} / ${fmt(percentile(d.create, 0.99), 2)}`,
      'not in 30 s': fmt(d.lost),
      "acme's creates answered": sent,
    });
    const sent = (s: Sent) => statusText(s.statuses);
    return [
      row('acme idle', idle, ''),
      row('acme keeps 5 creates in flight, its target answers at once', healthy.measured, sent(healthy.report)),
      row(
        `acme keeps 5 creates in flight, its target never answers (${fmt(hook.hung)} POSTs left hanging, at most ${fmt(hook.maxHanging)} at once)`,
        hanging.measured,
        sent(hanging.report),
      ),
    ];
  } finally {
    server.proc.kill('SIGTERM');
    acmeHook.proc.kill('SIGTERM');
    globex.close();
  }
}

export async function run(): Promise<Section[]> {
  const startLoad = os.loadavg()[0]!.toFixed(1);
  const strangerVerdict: Verdict = { met: [], missed: [] };
  const strangers = [
    ...(await strangerRows('1. bad tokens naming new 15,000-character tenants', ['stranger', STRANGER.count, STRANGER.maxMs], false, strangerVerdict)),
    ...(await strangerRows("3. a guesser's made-up tokens for tenant b, from b's address", ['guesser', GUESSER.count, GUESSER.maxMs], false, strangerVerdict)),
    ...(await strangerRows("for comparison: tenant acme's plain GETs", ['reads', READS.count, READS.maxMs], false, strangerVerdict)),
    ...(await strangerRows(
      `2. ${fmt(STALL.open)} unauthenticated ~1 MiB bodies stalling`,
      ['stall', STALL.open, STALL.total, STALL.maxMs],
      true,
      strangerVerdict,
    )),
  ];
  const eventVerdict: Verdict = { met: [], missed: [] };
  const events = await eventRows(eventVerdict);
  const load = `Load average (1 min) when it started: ${startLoad}, when it ended: ${os.loadavg()[0]!.toFixed(1)}, on ${os.cpus().length} cores (the machine is shared: p99 moves between runs).`;
  return [
    {
      title: "Containment: another tenant's latency and the server's memory while strangers attack",
      notes:
        'node:http through scimkit/node (which admits a request from its headers before it reads a body), tenants in the path as in the multi-tenant example, MemoryStore, the failed-authentication budgets at their defaults (per-tenant request rates off: the measuring client reads faster than 500 a second); ' +
        "server, attacker and measuring client in separate processes on 127.0.0.1, so the attacker shares the address of tenant b's client, as a guesser behind the IdP's NAT would. " +
        `Tenant b sends ${fmt(SAMPLES)} GETs by id one after another with no attack, then as many as it can while the attack runs, on a fresh server per attack. ` +
        `1: ${fmt(STRANGER.count)} bad-token GETs, 5 in flight, each naming a new tenant \`<i>xxx…\` of 15,000 characters (before #29: the heap grew 306 MB for 20,000). ` +
        `3: ${fmt(GUESSER.count)} GETs of /b/Users, 5 in flight, each with a new made-up token (before: the real client got 29 × 429 of 30). ` +
        `2: ${fmt(STALL.open)} connections at a time each POST with a bad token and Content-Length 1 MiB − 1, send all but 100 bytes and wait; each one the server closes is replaced, ${fmt(STALL.total)} in all or ${fmt(STALL.maxMs / 1000)} s (before: RSS 387 MB → 1.67 GB, held until Node's 300 s request timeout). ` +
        `For comparison, tenant acme sends ${fmt(READS.count)} GET /acme/Users?count=1 with its valid token, 5 in flight: what any 5 requests sent back to back cost tenant b on this machine. ` +
        "Memory: heap and RSS after two forced collections, under attack as the change over the attack; peak RSS is the process's since it started. " +
        `Target: tenant b within 2× its idle p50 and p99, no 429 for b, memory flat. ${verdictText(strangerVerdict)} ${load} ` +
        "Issue #29's other attacks: 4 (one tenant's expensive filters) is the section above, bench/heavy-filter.bench.ts; 5 (a network that goes silent between PostgresStore and PostgreSQL, then heals) is test/addons/postgres/blackhole.test.ts, which times the tenant's recovery (served again within 5 s of the heal) through a fault proxy; 7 (a tenant's refused records evicted by others' failures) is a count, asserted by test/server/activity/refused-quota.test.ts on every store.",
      rows: strangers,
    },
    {
      title: "Containment: another tenant's event delivery while one tenant's webhook target hangs",
      notes:
        "The same server with the default rate limits and event delivery options, acme's events to a receiver process that answers those of users named `ok-…` at once and never answers those named `hang-…` (the sender's 10 s timeout ends each), globex's to a receiver in the measuring process. " +
        `Globex creates a user, waits for its event, and again, one every ${GLOBEX_EVERY_MS} ms at the most: ${fmt(EVENTS.idleMs / 1000)} s with acme idle, ${fmt(EVENTS.healthyMs / 1000)} s while acme keeps 5 creates in flight with its target answering, ${fmt(EVENTS.hangingMs / 1000)} s while acme's target hangs (long enough for its first POSTs to time out and the circuit breaker to open). ` +
        "Times per globex user: from globex reading its 201 to its receiver having the whole event (0 when the event came first, as it mostly does: delivery starts as the response goes out), then from sending the POST to having the event (the create's own time included: what acme's load costs globex's writes shows here) against idle, and the POST's own time. " +
        "Before #29: globex's events waited behind acme's batches, 275 s in the issue's run. " +
        `Target: globex's events within 2 s while acme's target hangs (test/server/events/isolation.test.ts), and here within 2× idle. ${verdictText(eventVerdict)} ${load}`,
      rows: events,
    },
  ];
}
