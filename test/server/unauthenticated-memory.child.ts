// Run by unauthenticated-memory.test.ts in its own process (node --expose-gc --import tsx):
// sends bad-token requests, each naming a new 15,000-character tenant, and prints the heap
// growth they left behind after a forced GC, as JSON on stdout.
//   argv: <shape: handle | express> <requests> <addresses: one | many> [<auth: tokens | connections>]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { bearerTokens, createScimServer, generateToken, hashToken, MemoryStore, type ScimServer, silentLogger } from 'scimkit';
import { scimRouter } from 'scimkit/express';

const [shape = 'handle', countText = '20000', addresses = 'one', auth = 'tokens'] = process.argv.slice(2);
const count = Number(countText);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** Heap in use after two full collections (the second catches what the first's finalizers freed). */
function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const long = 'x'.repeat(15_000);
const tenantOf = (i: number) => `${i}${long}`;
const addressOf = (i: number) => (addresses === 'one' ? '203.0.113.9' : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);

// the shipped multi-tenant example's shape: per-organization tokens (a list, or connections with
// their look-up cache), tenants in the path
const scim: ScimServer =
  auth === 'connections'
    ? createScimServer({ store: new MemoryStore(), connections: {}, tenantInPath: true, logger: silentLogger })
    : createScimServer({
        authenticate: bearerTokens([{ tenant: 'acme', tokenHash: hashToken(generateToken()) }]),
        tenantInPath: true,
        logger: silentLogger,
      });
if (auth === 'connections')
  await scim.connections!.issueToken((await scim.connections!.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: 't' })).id, { actor: 't' });
const oneBad = `Bearer ${generateToken()}`;
// through connections each request brings a new secret: every one is a miss the look-up cache may keep
const badOf = (i: number) => (auth === 'connections' ? `Bearer ${generateToken()}${i}` : oneBad);

async function viaHandle(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const r = await scim.handle({ method: 'GET', path: `/${tenantOf(i)}/Users`, headers: { authorization: badOf(i) }, remoteAddress: addressOf(i) });
    if (r.status !== 401 && r.status !== 429) throw new Error(`unexpected ${r.status}`);
  }
}

async function viaExpress(from: number, to: number): Promise<void> {
  const app = express();
  app.use('/scim/v2', scimRouter(scim));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  let next = from;
  // a few connections at a time, as a script would send them
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < to) {
        const i = next++;
        const r = await fetch(`http://127.0.0.1:${port}/scim/v2/${tenantOf(i)}/Users`, { headers: { authorization: badOf(i) } });
        await r.arrayBuffer();
        if (r.status !== 401 && r.status !== 429) throw new Error(`unexpected ${r.status}`);
      }
    }),
  );
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

const send = shape === 'express' ? viaExpress : viaHandle;
// warm up (code, caches, the first records), then measure from a collected heap
await send(-200, 0);
await scim.activity.flush();
const before = heap();
const started = performance.now();
await send(0, count);
await scim.activity.flush();
const ms = performance.now() - started;
const after = heap();
await scim.close();
process.stdout.write(`${JSON.stringify({ before, after, growth: after - before, ms })}\n`);
