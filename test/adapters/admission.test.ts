// Every adapter checks the credential from the headers before it reads a body: an
// unauthenticated body is never buffered (401 at once, `Connection: close`, the rest not
// read), and an authenticated body that does not arrive by the request's deadline is 408.
// Real listening servers, raw sockets that declare a body and stall partway through it.
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { bearerToken, createScimServer, type ScimServer, silentLogger } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { scimPlugin } from 'scimkit/fastify';
import { toFetchHandler } from 'scimkit/fetch';
import { scimMiddleware } from 'scimkit/koa';
import { toNodeHandler } from 'scimkit/node';
import { afterEach, describe, expect, it } from 'vitest';

const TOKEN = 'admission-token-0123456789-0123456789-0123';
const MiB = 1024 * 1024;
const listen = (s: Server) => new Promise<Server>((r) => s.listen(0, '127.0.0.1', () => r(s)));

const adapters: [string, (scim: ScimServer) => Promise<{ server: Server; close: () => Promise<void> }>][] = [
  ['node:http', async (scim) => wrap(await listen(createServer(toNodeHandler(scim, { basePath: '/scim/v2' }))))],
  [
    'express',
    async (scim) => {
      const app = express();
      app.use('/scim/v2', scimRouter(scim));
      return wrap(await listen(createServer(app)));
    },
  ],
  [
    'koa',
    async (scim) => {
      const app = new Koa();
      app.use(scimMiddleware(scim, { prefix: '/scim/v2' }) as unknown as Koa.Middleware);
      return wrap(await listen(createServer(app.callback())));
    },
  ],
  [
    'fastify',
    async (scim) => {
      const app = Fastify();
      await app.register(scimPlugin(scim), { prefix: '/scim/v2' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { server: app.server, close: () => app.close() };
    },
  ],
  [
    'fetch (on @hono/node-server)',
    (scim) =>
      new Promise((r) => {
        const s = serve({ fetch: toFetchHandler(scim, { basePath: '/scim/v2' }), port: 0, hostname: '127.0.0.1' }, () => r(wrap(s as unknown as Server)));
      }),
  ],
];

function wrap(server: Server) {
  return {
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** What a stalled upload saw: the answer's status and headers, when it came, and when the server closed the connection. */
interface Stalled {
  status: number;
  headers: Record<string, string>;
  answeredMs: number | undefined;
  closedMs: number | undefined;
}

/** Sends the headers and `send` bytes of a `declared`-byte body, then nothing more; reads what comes back for `waitMs`. */
function stalledUpload(port: number, o: { headers: Record<string, string>; declared: number; send: number; waitMs: number }): Promise<Stalled> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ port, host: '127.0.0.1' });
    let text = '';
    let answeredMs: number | undefined;
    let closedMs: number | undefined;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const end = text.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = (end < 0 ? '' : text.slice(0, end)).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).trim().toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ status: Number(statusLine?.split(' ')[1] ?? 0), headers, answeredMs, closedMs });
    };
    const timer = setTimeout(done, o.waitMs);
    socket.on('data', (d: Buffer) => {
      answeredMs ??= performance.now() - started;
      text += d.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closedMs = performance.now() - started;
      done();
    });
    socket.on('end', () => {
      closedMs ??= performance.now() - started;
    });
    const head = ['POST /scim/v2/Users HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/scim+json', `Content-Length: ${o.declared}`];
    for (const [k, v] of Object.entries(o.headers)) head.push(`${k}: ${v}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    socket.write(Buffer.alloc(o.send, 'x'));
  });
}

let running: { close: () => Promise<void> } | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe.each(adapters)('through %s', (_name, start) => {
  async function listenWith(limits: { requestTimeoutMs?: number } = {}) {
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), limits, logger: silentLogger });
    const started = await start(scim);
    running = started;
    return started.server.address() as AddressInfo;
  }

  it('40 unauthenticated uploads declaring ~1 MiB and stalling: each answered 401 at once with Connection: close, and closed', async () => {
    const { port } = await listenWith();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        stalledUpload(port, {
          headers: i % 2 ? { authorization: 'Bearer wrong-token-0123456789-0123456789-0123' } : {},
          declared: MiB - 100,
          send: 64 * 1024,
          waitMs: 5000,
        }),
      ),
    );
    for (const r of results) {
      // the body is nowhere near complete: the answer came without it
      expect([r.status, r.headers.connection]).toEqual([401, 'close']);
      expect(r.answeredMs).toBeLessThan(4000);
      expect(r.closedMs).toBeLessThan(5000);
    }
  });

  it('an authenticated body that stalls is 408 at the request deadline, and the connection closed', async () => {
    const { port } = await listenWith({ requestTimeoutMs: 400 });
    const r = await stalledUpload(port, { headers: { authorization: `Bearer ${TOKEN}` }, declared: 4096, send: 100, waitMs: 5000 });
    expect([r.status, r.headers.connection]).toEqual([408, 'close']);
    expect(r.answeredMs).toBeGreaterThan(300);
    expect(r.answeredMs).toBeLessThan(4000);
  });

  it('an authenticated body that arrives is handled as before (201)', async () => {
    const { port } = await listenWith();
    const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'admitted' });
    const res = await fetch(`http://127.0.0.1:${port}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body,
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { userName: string }).userName).toBe('admitted');
  });
});
