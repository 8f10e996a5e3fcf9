// One tenant's expensive filters against another tenant's latency (issue #29, item 4): tenant
// a keeps 5 POST /Users/.search with the 290-term `emails[value co "qN"] or …` filter (7.7 KB)
// in flight against a MemoryStore of 50,000 users, while tenant b GETs one of its users by id,
// one request at a time. Server, attacker and the measuring client are three processes
// (bench/heavy-filter-server.ts). The server runs once with the default limits (the filter's
// cost is over the budget: 400 before any scan) and once with the filter budget lifted, so the
// scans run and take turns with other work (stores/memory/scan-turns.ts).
import os from 'node:os';
import { fmt, type Section } from './harness.js';
import { TOKENS, USERS } from './heavy-filter-server.js';
import { benchChild, percentile, stopChild, tenantGets } from './tenant-latency.js';

const SAMPLES = 2000;
type Answers = { statuses: Record<string, number>; ms: number[] };

/** A child process of bench/heavy-filter-server.ts and the first line it prints. */
const child = (...args: string[]) => benchChild('heavy-filter-server.ts', args);

/** Tenant b's GET by id, `SAMPLES` times one after another: each one's milliseconds. */
async function sample(port: number, bUser: string): Promise<number[]> {
  const { ms, statuses } = await tenantGets(port, `/scim/v2/Users/${bUser}`, TOKENS.b, SAMPLES);
  if (Object.keys(statuses).some((s) => s !== '200')) throw new Error(`tenant b's GET answered ${JSON.stringify(statuses)}`);
  return ms;
}

/** Tenant b's latencies while tenant a keeps 5 `kind` requests in flight, and how tenant a's were answered. */
async function during(port: number, bUser: string, kind: 'heavy' | 'plain'): Promise<{ busy: number[]; answers: Answers }> {
  const attacker = await child('attack', String(port), kind);
  // the requests are in flight (and, lifted, scanning) before the first sample
  await new Promise((r) => setTimeout(r, 200));
  const busy = await sample(port, bUser);
  return { busy, answers: await stopChild<Answers>(attacker) };
}

/** Tenant b idle before and after (pooled: the machine's drift hits both), and while tenant a sends. */
async function scenario(
  mode: 'default' | 'lifted',
): Promise<{ idle: number[]; heavy: { busy: number[]; answers: Answers }; plain?: { busy: number[]; answers: Answers } }> {
  const server = await child('server', mode);
  try {
    const { port, bUser } = JSON.parse(server.first) as { port: number; bUser: string };
    const before = await sample(port, bUser);
    const heavy = await during(port, bUser, 'heavy');
    const plain = mode === 'default' ? await during(port, bUser, 'plain') : undefined;
    const idle = [...before, ...(await sample(port, bUser))];
    return plain ? { idle, heavy, plain } : { idle, heavy };
  } finally {
    server.proc.kill('SIGTERM');
  }
}

export async function run(): Promise<Section[]> {
  const rows: Record<string, string>[] = [];
  const row = (what: string, t: number[], idle: number[], answers: string) => ({
    "tenant b's GET /Users/{id} over HTTP": what,
    'p50 ms': fmt(percentile(t, 0.5), 2),
    'p99 ms': fmt(percentile(t, 0.99), 2),
    'max ms': fmt(Math.max(...t), 2),
    'p50 / idle p50': `${fmt(percentile(t, 0.5) / percentile(idle, 0.5), 2)}×`,
    'p99 / idle p99': `${fmt(percentile(t, 0.99) / percentile(idle, 0.99), 2)}×`,
    "tenant a's requests answered": answers,
  });
  const answered = (h: Answers) =>
    `${Object.entries(h.statuses)
      .map(([s, n]) => `${fmt(n)} × ${s}`)
      .join(', ')}; median ${fmt(percentile(h.ms, 0.5), 1)} ms`;
  for (const mode of ['default', 'lifted'] as const) {
    const { idle, heavy, plain } = await scenario(mode);
    const label = mode === 'default' ? 'default limits' : 'filter budget lifted (maxFilterCost, maxFilterWork ∞)';
    rows.push(row(`${label}: tenant a idle`, idle, idle, ''));
    rows.push(row(`${label}: tenant a keeps 5 290-term /.search in flight`, heavy.busy, idle, answered(heavy.answers)));
    if (plain) rows.push(row(`${label}, for comparison: tenant a keeps 5 GET /Users?count=1 in flight`, plain.busy, idle, answered(plain.answers)));
  }
  return [
    {
      title: "Containment: another tenant's latency while one tenant sends expensive filters (MemoryStore)",
      notes:
        `MemoryStore with ${fmt(USERS)} users of tenant a (an e-mail each); server, attacker and measuring client in three processes on loopback (node:http calling handle(), rate limits off). ` +
        `Tenant b sends ${SAMPLES} GETs by id one after another with tenant a idle (before and after, pooled), and ${SAMPLES} while tenant a keeps 5 POST /Users/.search in flight with \`emails[value co "q0"] or … or emails[value co "q289"]\` (7.7 KB, cost 2,320 per user), each sent again once answered. ` +
        'Default limits: the cost is over maxFilterCost (256), 400 invalidFilter before any scan. Lifted: the scans run (2,320 × 50,000 units each, about 0.75 s of CPU alone), in 0.1 ms slices that take turns on the event loop, one slice per turn, tenants in rotation, until the 10 s deadline. ' +
        'Before the budget and the turns, each scan ran in one piece and tenant b waited for them: 4.3 s for one GET with 30,000 users (test/server/filter-budget.test.ts on the old code), 20.3 s in the run of issue #29. ' +
        'The comparison row keeps 5 plain GETs of tenant a in flight instead: what any 5 requests sent back to back cost tenant b (request rate, which rateLimits.perTenant bounds; off here). ' +
        `Target: tenant b within 2× its idle p50 and p99 while the scans run. Load average when it ended: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores (the machine is shared: p99 moves between runs).`,
      rows,
    },
  ];
}
