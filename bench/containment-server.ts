// The child processes of bench/containment.bench.ts: the server, and each party that attacks
// it, in processes of their own so that neither an attacker's work nor the measuring client's
// is the server's. Every attacker stops by itself (a count and a time) or on SIGTERM, and then
// prints one JSON line: what it sent and how it was answered.
// - `server [acmeHook globexHook]`: node:http through scimkit/node's handler (which admits a
//   request from its headers before reading its body), tenants in the path (the shipped
//   multi-tenant example's shape), MemoryStore with 100 users of tenant b; with hook URLs,
//   acme's and globex's events go to them (rate limits as shipped), without them the
//   per-tenant and per-token rates are off. Prints {port, bUser}; on SIGUSR2, after two forced
//   collections, {heapUsed, rss, maxRss} (run it with --expose-gc).
// - `stranger <port> <count> <maxMs>`: bad-token GETs, each naming a new 15,000-character tenant.
// - `guesser <port> <count> <maxMs>`: GETs of tenant b's users, a new made-up token each.
// - `reads <port> <count> <maxMs>`: tenant acme's plain GETs, for comparison.
// - `stall <port> <open> <total> <maxMs>`: keeps `open` unauthenticated POSTs declaring just
//   under 1 MiB and stalling 100 bytes short, opening another when the server closes one.
// - `hook`: a webhook receiver that never answers events of users named `hang-…` and answers
//   the others at once. Prints {url}.
// - `creates <port> <tenant> <prefix> <count> <maxMs>`: the tenant keeps 5 creates in flight.
// It imports the source, not dist/: run it with TSX_TSCONFIG_PATH=tsconfig.json, so that the
// adapter's `scimkit` is src/index.ts too.
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { toNodeHandler } from '../src/adapters/node.js';
import {
  bearerTokens,
  createScimServer,
  generateWebhookSecret,
  hashToken,
  MemoryStore,
  SchemaRegistry,
  silentLogger,
  type WebhookPayload,
} from '../src/index.js';

export const TOKENS = {
  b: 'containment-b-0123456789-0123456789-0123',
  acme: 'containment-acme-0123456789-0123456789-01',
  globex: 'containment-globex-0123456789-0123456789',
};
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const IN_FLIGHT = 5;

/** What an attacker reports: how many requests it sent, how many got each status (0: no answer), their median milliseconds. */
export interface Sent {
  sent: number;
  statuses: Record<string, number>;
  medianMs: number;
}

/** Prints the report line and exits once it is out (a pipe is written asynchronously: exit() at once can cut it). */
function reportAndExit(report: unknown): void {
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}

async function serve(acmeHook?: string, globexHook?: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the server with --expose-gc');
  const store = new MemoryStore();
  const User = new SchemaRegistry().resourceType('User')!;
  let bUser = '';
  for (let i = 0; i < 100; i++) bUser = (await store.create({ tenant: 'b', requestId: 'seed' }, User, { schemas: [U], userName: `b${i}@example.com` })).id!;
  const secret = generateWebhookSecret();
  const scim = createScimServer({
    authenticate: bearerTokens(Object.entries(TOKENS).map(([tenant, token]) => ({ tenant, tokenHash: hashToken(token), tokenId: tenant }))),
    tenantInPath: true,
    store,
    logger: silentLogger,
    ...(acmeHook && globexHook
      ? {
          // as shipped: acme's creates past 500 a second are 429
          events: {
            webhooks: [
              { url: acmeHook, secret, tenant: 'acme' },
              { url: globexHook, secret, tenant: 'globex' },
            ],
          },
        }
      : // tenant b's measuring client reads faster than the default 500 requests a second of a
        // tenant: off, so that only the failed-authentication budgets (at their defaults) are in play
        { rateLimits: { perTenant: false, perToken: false } }),
  });
  const server = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
  process.on('SIGUSR2', () => {
    gc();
    gc();
    const { heapUsed, rss } = process.memoryUsage();
    console.log(JSON.stringify({ heapUsed, rss, maxRss: process.resourceUsage().maxRSS * 1024 }));
  });
  process.on('SIGTERM', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port, bUser })));
}

/**
 * Sends `once(i)` for i = 0, 1, … with 5 in flight until `count` were sent, `maxMs` passed or
 * SIGTERM came; then prints how they were answered and exits.
 */
function flood(count: number, maxMs: number, once: (i: number) => Promise<number>): void {
  const statuses: Record<string, number> = {};
  const ms: number[] = [];
  const end = performance.now() + maxMs;
  let next = 0;
  let running = true;
  const loops = Array.from({ length: IN_FLIGHT }, async () => {
    while (running && next < count && performance.now() < end) {
      const i = next++;
      const t0 = performance.now();
      const status = await once(i);
      ms.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  });
  const report = async () => {
    running = false;
    await Promise.all(loops);
    ms.sort((x, y) => x - y);
    reportAndExit({ sent: ms.length, statuses, medianMs: ms[ms.length >> 1] ?? 0 } satisfies Sent);
  };
  process.on('SIGTERM', () => void report());
  void Promise.all(loops).then(report);
  console.log('started');
}

/** One HTTP request on `agent`; resolves with its status (0 when it failed). */
function send(agent: Agent, port: number, method: string, path: string, headers: Record<string, string | number>, body?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ agent, host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const agent = () => new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
const badToken = () => `Bearer ${randomBytes(24).toString('base64url')}`;

function stranger(port: number, count: number, maxMs: number): void {
  const a = agent();
  const long = 'x'.repeat(15_000);
  const token = badToken();
  flood(count, maxMs, (i) => send(a, port, 'GET', `/scim/v2/${i}${long}/Users`, { authorization: token }));
}

function guesser(port: number, count: number, maxMs: number): void {
  const a = agent();
  flood(count, maxMs, () => send(a, port, 'GET', '/scim/v2/b/Users?count=1', { authorization: badToken() }));
}

/** Tenant acme's plain GETs, for comparison: what any 5 requests in flight cost another tenant. */
function reads(port: number, count: number, maxMs: number): void {
  const a = agent();
  flood(count, maxMs, () => send(a, port, 'GET', '/scim/v2/acme/Users?count=1', { authorization: `Bearer ${TOKENS.acme}` }));
}

function creates(port: number, tenant: string, prefix: string, count: number, maxMs: number): void {
  const a = agent();
  const token = TOKENS[tenant as keyof typeof TOKENS];
  const run = randomBytes(4).toString('hex');
  flood(count, maxMs, (i) => {
    const body = JSON.stringify({ schemas: [U], userName: `${prefix}${run}-${i}@example.com` });
    return send(
      a,
      port,
      'POST',
      `/scim/v2/${tenant}/Users`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(body) },
      body,
    );
  });
}

/**
 * Keeps `open` connections that each declare a body of just under 1 MiB without a valid
 * token, send it but the last 100 bytes and wait; when the server closes one, another is
 * opened, up to `total`. Reports how they were answered, the bytes written, and how many
 * were open at the end and the age of the oldest (one the server held: the whole attack).
 */
function stall(port: number, open: number, total: number, maxMs: number): void {
  const declared = 1024 * 1024 - 1;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const statuses: Record<string, number> = {};
  /** Open connections and when each was opened. */
  const sockets = new Map<Socket, number>();
  let opened = 0;
  let bytes = 0;
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      opened++;
      const s = connect(port, '127.0.0.1');
      sockets.set(s, performance.now());
      let sent = 0;
      let status = '';
      const pump = () => {
        while (sent < declared - 100) {
          const n = Math.min(chunk.length, declared - 100 - sent);
          sent += n;
          if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once('drain', pump);
        }
      };
      s.on('connect', () => {
        s.write(
          `POST /scim/v2/b/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${badToken()}\r\n` +
            `Content-Type: application/scim+json\r\nContent-Length: ${declared}\r\n\r\n`,
        );
        pump();
      });
      s.on('data', (d: Buffer) => {
        if (!status) status = d.toString('latin1', 9, 12);
      });
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        bytes += s.bytesWritten;
        statuses[status || 0] = (statuses[status || 0] ?? 0) + 1;
        resolve();
      });
    });
  const slot = async () => {
    while (running && opened < total) await one();
  };
  // 50 more every 10 ms, not 1,500 SYNs at once past the listen backlog (511)
  const slots: Promise<void>[] = [];
  const ramp = setInterval(() => {
    for (let i = 0; i < 50 && slots.length < open; i++) slots.push(slot());
    if (slots.length >= open) clearInterval(ramp);
  }, 10);
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    running = false;
    clearInterval(ramp);
    const now = performance.now();
    const open = sockets.size;
    // one the server holds stays open for the whole attack; a fresh one is milliseconds old
    const oldestMs = Math.max(0, ...[...sockets.values()].map((t) => now - t));
    for (const s of sockets.keys()) s.destroy();
    reportAndExit({ opened, statuses, open, oldestMs, bytes });
  };
  setTimeout(report, maxMs);
  process.on('SIGTERM', report);
  const done = setInterval(() => {
    if (opened >= total && sockets.size === 0) report();
  }, 50);
  done.unref();
  console.log('started');
}

function hook(): void {
  const stats = { posts: 0, hung: 0, hanging: 0, maxHanging: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      stats.posts++;
      const p = JSON.parse(body) as WebhookPayload;
      if (String((p.data.resource as { userName?: string } | undefined)?.userName).startsWith('hang-')) {
        // never answered: only the sender's timeout ends it
        stats.hung++;
        stats.hanging++;
        stats.maxHanging = Math.max(stats.maxHanging, stats.hanging);
        res.on('close', () => stats.hanging--);
        return;
      }
      res.writeHead(204).end();
    });
  });
  process.on('SIGTERM', () => {
    reportAndExit(stats);
  });
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` })));
}

if (process.argv[1] === import.meta.filename) {
  const [role, ...args] = process.argv.slice(2);
  const n = (i: number) => Number(args[i]);
  if (role === 'server') void serve(args[0], args[1]);
  else if (role === 'stranger') stranger(n(0), n(1), n(2));
  else if (role === 'guesser') guesser(n(0), n(1), n(2));
  else if (role === 'reads') reads(n(0), n(1), n(2));
  else if (role === 'stall') stall(n(0), n(1), n(2), n(3));
  else if (role === 'hook') hook();
  else if (role === 'creates') creates(n(0), args[1]!, args[2]!, n(3), n(4));
  else throw new Error(`unknown role ${role}: see the head of bench/containment-server.ts`);
}
