// #34 item 1, the request path: CPU time and bytes allocated per GET by id through
// server.handle(), this build (dist/) beside earlier builds in one process and one run, rounds
// interleaved so the machine's noise falls on all of them. Each lever is a commit: its build is
// measured beside the build before it. The builds compared are named in SCIMKIT_BUILDS, a
// comma-separated list of label=directory (each directory holding that commit's dist/), e.g.
//   npm run build && cp -r dist /tmp/before/dist     (before the change)
//   SCIMKIT_BUILDS=before=/tmp/before npm run bench request-path
// Without it the section measures this build alone; SCIMKIT_THIS_NAME labels this build.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { postUsers } from './data.js';
import { fmt, type Section } from './harness.js';

const TOKEN = 'bench-token-0123456789-0123456789-0';
/** The headers Node gives a typical IdP's GET (lower-case names, as node:http makes them). */
const headers = {
  host: '127.0.0.1:8080',
  'user-agent': 'Azure-AD-SCIM-Service/1.0',
  accept: 'application/scim+json',
  authorization: `Bearer ${TOKEN}`,
  'accept-encoding': 'gzip, deflate',
  connection: 'keep-alive',
};
const USERS = 10_000;
const ROUNDS = 31;
const PER_ROUND = 500;

interface Request {
  method: string;
  path: string;
  query?: string;
  headers: Record<string, string>;
  body?: string;
}
interface Response {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}
interface Build {
  createScimServer(options: object): { handle(req: Request): Promise<Response> };
  bearerToken(token: string): unknown;
  MemoryStore: new () => object;
  silentLogger: unknown;
}
type Server = ReturnType<Build['createScimServer']>;

async function seeded(build: Build): Promise<{ server: Server; ids: string[]; etags: string[] }> {
  const server = build.createScimServer({
    authenticate: build.bearerToken(TOKEN),
    store: new build.MemoryStore(),
    baseUrl: 'http://127.0.0.1/scim/v2',
    logger: build.silentLogger,
    // measured: the requests, not the rate limiter's 429s
    rateLimits: false,
  });
  const { ids, etags } = await postUsers(server, USERS, headers);
  return { server, ids, etags };
}

/** The requests measured, each a function of a running counter so no two calls are the same user. */
function requests(s: { server: Server; ids: string[]; etags: string[] }): Record<string, (i: number) => Promise<Response>> {
  const { server, ids, etags } = s;
  const at = (i: number) => (i * 7919) % USERS;
  return {
    'GET /Users/{id}': (i) => server.handle({ method: 'GET', path: `/Users/${ids[at(i)]}`, headers }),
    'GET /Users/{id}?attributes=userName': (i) => server.handle({ method: 'GET', path: `/Users/${ids[at(i)]}`, query: 'attributes=userName', headers }),
    'GET /Users/{id} If-None-Match (304)': (i) =>
      server.handle({ method: 'GET', path: `/Users/${ids[at(i)]}`, headers: { ...headers, 'if-none-match': etags[at(i)]! } }),
    'GET /Users/{missing} (404)': (i) => server.handle({ method: 'GET', path: `/Users/missing-${at(i)}`, headers }),
  };
}

/** GC entries seen so far (start and end, performance.now() ms): a batch that overlaps one does not count for allocation. */
const collections: [number, number][] = [];
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) collections.push([e.startTime, e.startTime + e.duration]);
});

interface Tally {
  cpu: number[];
  /** Bytes allocated per request of each batch no collection ran in. */
  bytes: { from: number; to: number; perRequest: number }[];
}

/** One round of `count` requests: CPU time per request, and the heap's growth per request over batches of 25. */
async function round(send: (i: number) => Promise<Response>, count: number, start: number, tally: Tally): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  for (let k = 0; k < count; k += 25) {
    const from = performance.now();
    const used = v8.getHeapStatistics().used_heap_size;
    for (let j = 0; j < 25; j++) await send(start + k + j);
    const grew = v8.getHeapStatistics().used_heap_size - used;
    tally.bytes.push({ from, to: performance.now(), perRequest: grew / 25 });
  }
  const used = process.cpuUsage(before);
  tally.cpu.push((used.user + used.system) / count);
}

/** The value `q` of the way up the sorted values (0.5: the median). */
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;
const median = (xs: number[]) => quantile(xs, 0.5);

export async function run(): Promise<Section[]> {
  const title = 'Request path (#34): CPU and allocation per GET by id through handle(), builds side by side';
  const here = join(import.meta.dirname, '..');
  const load = async (dir: string) => (await import(pathToFileURL(join(resolve(dir), 'dist/index.js')).href)) as Build;
  const named = (process.env.SCIMKIT_BUILDS ?? '')
    .split(',')
    .filter(Boolean)
    .map((s) => s.split('=') as [string, string]);
  const builds: [string, Build][] = [];
  for (const [label, dir] of named) builds.push([label, await load(dir)]);
  // this build is dist/ when it is there (another change in the tree may keep it from building)
  if (existsSync(join(here, 'dist/index.js'))) builds.push([process.env.SCIMKIT_THIS_NAME ?? 'this build', await load(here)]);
  const states = new Map<string, Awaited<ReturnType<typeof seeded>>>();
  for (const [label, build] of builds) states.set(label, await seeded(build));
  // the answers of every build must be the same, but for ids, times and versions: the builds must answer alike to be compared
  const names = Object.keys(requests(states.get(builds[0]![0])!));
  const tallies = new Map<string, Tally>();
  observer.observe({ entryTypes: ['gc'] });
  let i = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...builds].reverse() : builds;
    for (const [label] of order) {
      const reqs = requests(states.get(label)!);
      for (const n of names) {
        const key = `${label}\u0000${n}`;
        if (!tallies.has(key)) tallies.set(key, { cpu: [], bytes: [] });
        await round(reqs[n]!, PER_ROUND, i, tallies.get(key)!);
        i += PER_ROUND;
      }
    }
  }
  // the observer's entries arrive after the batches they interrupted
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  const clean = (b: Tally['bytes']) => b.filter((x) => x.perRequest >= 0 && !collections.some(([s, e]) => s < x.to && e > x.from)).map((x) => x.perRequest);
  const rows = [];
  for (const n of names) {
    let before: { cpu: number; bytes: number } | undefined;
    for (const [label] of builds) {
      const t = tallies.get(`${label}\u0000${n}`)!;
      const bytes = clean(t.bytes);
      const now = { cpu: median(t.cpu), bytes: bytes.length ? median(bytes) : Number.NaN };
      rows.push({
        request: n,
        build: label,
        'CPU µs per request (median of rounds)': fmt(now.cpu, 1),
        'quartiles (least–most)': `${fmt(quantile(t.cpu, 0.25), 1)}–${fmt(quantile(t.cpu, 0.75), 1)} (${fmt(Math.min(...t.cpu), 1)}–${fmt(Math.max(...t.cpu), 1)})`,
        'vs the build above': before ? `${fmt(now.cpu / before.cpu, 2)}× CPU, ${fmt(now.bytes / before.bytes, 2)}× bytes` : '',
        'bytes allocated per request (median of batches)': bytes.length ? fmt(median(bytes)) : 'n/a',
        'batches without a GC': `${bytes.length} of ${t.bytes.length}`,
      });
      before = now;
    }
  }
  const labels = builds.map(([l]) => l).join(', ');
  return [
    {
      title,
      notes: `Builds, in order, each the one before it plus one lever: ${labels}. Each in this process with MemoryStore, ${fmt(USERS)} users, the activity log on (the default), rate limits off, six request headers as node:http gives an IdP's GET. CPU time per request (process.cpuUsage, user + system) over ${fmt(PER_ROUND)} requests a round, ${ROUNDS} rounds, builds interleaved and their order alternated; the median of the rounds, with their quartiles and range (this machine is shared, other engineers' tests run beside it, and CPU time here counts what a busy host takes from the VM; the rounds start after a forced collection and are too short for another, so collection is not in this column: the bytes are). Bytes allocated: the growth of V8's used heap over batches of 25 requests, counting only batches no garbage collection ran in (PerformanceObserver 'gc').`,
      rows,
    },
  ];
}
