// The bound on reading a refused body (src/server/refused-body.ts): a body over the limit is
// read and dropped so the client can read its 413 (test/adapters/e2e.test.ts), but no more
// than 4 × maxBodyBytes (at least 16 MiB) and no longer than requestTimeoutMs. Through the
// Node reader (node:http; Express, Koa and Fastify share it) and the fetch adapter.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { bearerToken, createScimServer, type ScimServer, silentLogger } from 'scimkit';
import { toFetchHandler } from 'scimkit/fetch';
import { toNodeHandler } from 'scimkit/node';
import { afterEach, describe, expect, it } from 'vitest';
import { slowUpload } from './slow-client.js';

const TOKEN = 'refused-body-token-0123456789-0123456789';
const MiB = 1024 * 1024;
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };

const starts: [string, (scim: ScimServer) => Promise<Server>][] = [
  [
    'node:http',
    (scim) => {
      const s = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
      return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
    },
  ],
  [
    'fetch (on @hono/node-server)',
    (scim) =>
      new Promise((r) => {
        const s = serve({ fetch: toFetchHandler(scim, { basePath: '/scim/v2' }), port: 0, hostname: '127.0.0.1' }, () => r(s as unknown as Server));
      }),
  ],
];

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe.each(starts)('through %s', (_name, start) => {
  const listen = async (limits: { maxBodyBytes: number; requestTimeoutMs?: number }) => {
    server = await start(createScimServer({ authenticate: bearerToken(TOKEN), limits, logger: silentLogger }));
    return (server.address() as AddressInfo).port;
  };

  it('a declared Content-Length past the bound is answered at once, nothing read', async () => {
    const port = await listen({ maxBodyBytes: MiB });
    const started = performance.now();
    const r = await slowUpload(port, { method: 'POST', path: '/scim/v2/Users', headers, bytes: 1024 * MiB, pauseMs: 20 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(r.written).toBeLessThan(16 * MiB);
  });

  it('a chunked body that never ends is read up to the bound (16 MiB here), then the connection closes', async () => {
    const port = await listen({ maxBodyBytes: MiB });
    const r = await slowUpload(port, { method: 'POST', path: '/scim/v2/Users', headers, bytes: 1024 * MiB, chunked: true, chunkBytes: 256 * 1024, pauseMs: 0 });
    // what the server read, plus what socket buffers on both sides held when it stopped
    expect(r.written).toBeGreaterThan(4 * MiB);
    expect(r.written).toBeLessThan(40 * MiB);
  });

  it('a body that trickles in is read for requestTimeoutMs at most, then the connection closes', async () => {
    const port = await listen({ maxBodyBytes: 1024, requestTimeoutMs: 300 });
    const started = performance.now();
    const r = await slowUpload(port, { method: 'POST', path: '/scim/v2/Users', headers, bytes: 5 * MiB, chunkBytes: 1024, pauseMs: 30 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(r.written).toBeLessThan(MiB);
  });
});
