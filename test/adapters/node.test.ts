// writeNodeResponse, the response writer of scimkit/node and scimkit/express: what other
// middleware on the same response sees (request loggers read the headers when it finishes).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { bearerToken, createScimServer, MemoryStore } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { toNodeHandler } from 'scimkit/node';
import { afterEach, describe, expect, it } from 'vitest';

const TOKEN = 'node-adapter-token-0123456789-0123456789';
const listen = (s: Server) => new Promise<Server>((r) => s.listen(0, '127.0.0.1', () => r(s)));
let server: Server | undefined;
afterEach(() => server?.close());

/** GETs /scim/v2/Users; returns what a logger listening for 'finish' read with getHeaders(), and what the client got. */
async function seenByLogger(mount: (onFinish: (h: Record<string, unknown>) => void) => Server) {
  let logged: Record<string, unknown> | undefined;
  server = await listen(mount((h) => (logged = h)));
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/scim/v2/Users`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  await new Promise((r) => setTimeout(r, 20));
  return { logged, res, text };
}

describe('writeNodeResponse', () => {
  const scim = () => createScimServer({ authenticate: bearerToken(TOKEN), store: new MemoryStore() });

  it('node:http: the response headers stay readable with getHeaders() for a request logger', async () => {
    const handler = toNodeHandler(scim(), { basePath: '/scim/v2' });
    const { logged, res, text } = await seenByLogger((onFinish) =>
      createServer((req, r) => {
        r.on('finish', () => onFinish(r.getHeaders()));
        handler(req, r);
      }),
    );
    expect(res.status).toBe(200);
    expect(logged?.['x-request-id']).toBe(res.headers.get('x-request-id'));
    expect(logged?.['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
  });

  it('Express: a middleware that wraps writeHead and headers set before stay as they were', async () => {
    const { logged, res } = await seenByLogger((onFinish) => {
      const app = express();
      app.use((_req, r, next) => {
        r.setHeader('x-app', 'kept');
        r.on('finish', () => onFinish(r.getHeaders()));
        next();
      });
      app.use('/scim/v2', scimRouter(scim()));
      return createServer(app);
    });
    expect([res.status, res.headers.get('x-app'), res.headers.get('content-type')]).toEqual([200, 'kept', 'application/scim+json; charset=utf-8']);
    expect(logged?.['x-request-id']).toBe(res.headers.get('x-request-id'));
  });
});
