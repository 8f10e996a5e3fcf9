// The child processes of bench/heavy-filter.bench.ts, so that neither the attacker's work nor
// the measuring client's is the server's:
// - `tsx bench/heavy-filter-server.ts server <default|lifted>`: MemoryStore with 50,000 users
//   of tenant a (an e-mail each) and 100 of tenant b on node:http; prints {port, bUser}.
// - `tsx bench/heavy-filter-server.ts attack <port> <heavy|plain>`: tenant a keeps 5 requests
//   in flight until SIGTERM, then prints how they were answered.
// It imports the source, not dist/: the row measures the code as it stands, without a build
// (so it calls handle() itself rather than through scimkit/node, which imports dist/).
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerTokens, createScimServer, hashToken, MemoryStore, SchemaRegistry, silentLogger } from '../src/index.js';

export const TOKENS = { a: 'heavy-filter-a-0123456789-0123456789-01', b: 'heavy-filter-b-0123456789-0123456789-01' };
export const USERS = 50_000;
/** The filter of issue #29: 290 `emails[value co …]` terms, 7.7 KB. */
export const FILTER = Array.from({ length: 290 }, (_, i) => `emails[value co "q${i}"]`).join(' or ');
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

async function serve(mode: string): Promise<void> {
  const store = new MemoryStore();
  const User = new SchemaRegistry().resourceType('User')!;
  const U = User.schema.id;
  for (let i = 0; i < USERS; i++)
    await store.create({ tenant: 'a', requestId: 'seed' }, User, {
      schemas: [U],
      userName: `user${i}@example.com`,
      emails: [{ value: `user${i}@example.com`, type: 'work' }],
    });
  let bUser = '';
  for (let i = 0; i < 100; i++)
    bUser = (
      await store.create({ tenant: 'b', requestId: 'seed' }, User, { schemas: [U], userName: `b${i}@example.com`, emails: [{ value: `b${i}@example.com` }] })
    ).id!;
  const scim = createScimServer({
    authenticate: bearerTokens([
      { tenant: 'a', tokenHash: hashToken(TOKENS.a), tokenId: 'a' },
      { tenant: 'b', tokenHash: hashToken(TOKENS.b), tokenId: 'b' },
    ]),
    store,
    logger: silentLogger,
    // tenant a's loop is past the default 500 requests a second: this measures CPU, not the rate limit
    rateLimits: false,
    ...(mode === 'lifted' ? { limits: { maxFilterCost: Number.POSITIVE_INFINITY, maxFilterWork: Number.POSITIVE_INFINITY } } : {}),
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const r = await scim.handle({
        method: req.method ?? 'GET',
        path: (q < 0 ? url : url.slice(0, q)).replace(/^\/scim\/v2/, ''),
        query: q < 0 ? '' : url.slice(q + 1),
        headers: req.headers as Record<string, string>,
        body: chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined,
        remoteAddress: req.socket.remoteAddress,
      });
      res.writeHead(r.status, r.headers);
      res.end(r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port, bUser })));
}

function attack(port: number, kind: string): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 5 });
  const body = JSON.stringify({ schemas: [SEARCH], filter: FILTER, count: 10 });
  const statuses: Record<string, number> = {};
  const ms: number[] = [];
  let running = true;
  const once = () =>
    new Promise<number>((resolve) => {
      const heavy = kind === 'heavy';
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: heavy ? 'POST' : 'GET',
          path: heavy ? '/scim/v2/Users/.search' : '/scim/v2/Users?count=1',
          headers: {
            authorization: `Bearer ${TOKENS.a}`,
            ...(heavy ? { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(heavy ? body : undefined);
    });
  const loops = Array.from({ length: 5 }, async () => {
    while (running) {
      const t0 = performance.now();
      const status = await once();
      ms.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  });
  process.on('SIGTERM', async () => {
    running = false;
    await Promise.all(loops);
    console.log(JSON.stringify({ statuses, ms }));
    process.exit(0);
  });
  console.log('started');
}

if (process.argv[1] === import.meta.filename) {
  const [role, ...args] = process.argv.slice(2);
  if (role === 'server') void serve(args[0] ?? 'default');
  else if (role === 'attack') attack(Number(args[0]), args[1] ?? 'heavy');
  else throw new Error('usage: heavy-filter-server.ts server <default|lifted> | attack <port> <heavy|plain>');
}
