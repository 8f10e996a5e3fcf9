// The OAuth 2.0 token endpoint of connections (RFC 6749 §4.4) through every adapter over real
// HTTP on 127.0.0.1: each passes the form body (client_secret_post) and the Authorization
// header (client_secret_basic) to the engine, and a body the adapter refuses (too large) is
// answered in §5.2 form (`invalid_request`, no-store), never as a SCIM error.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import Fastify4 from 'fastify4';
import { Hono } from 'hono';
import Koa from 'koa';
import { createScimServer, type IssuedClient, MemoryStore, type ScimServer, silentLogger } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { scimPlugin } from 'scimkit/fastify';
import { toFetchHandler } from 'scimkit/fetch';
import { scimMiddleware } from 'scimkit/koa';
import { toNodeHandler } from 'scimkit/node';
import { afterEach, describe, expect, it } from 'vitest';

const ACTOR = 'admin@acme.io';
/** The server's body limit in these tests: a form past it is refused by the adapter, before the endpoint sees it. */
const MAX_BODY = 4096;

type Start = (scim: ScimServer) => Promise<{ server: Server; close: () => Promise<void> }>;

const listening = (s: Server) =>
  new Promise<{ server: Server; close: () => Promise<void> }>((r) =>
    s.listen(0, '127.0.0.1', () =>
      r({
        server: s,
        close: () =>
          new Promise<void>((done) => {
            s.closeAllConnections();
            s.close(() => done());
          }),
      }),
    ),
  );

const adapters: [string, Start][] = [
  ['node:http', (scim) => listening(createServer(toNodeHandler(scim, { basePath: '/scim/v2' })))],
  ['express (no body parser)', (scim) => listening(createServer(express().use('/scim/v2', scimRouter(scim))))],
  [
    'express (with express.urlencoded())',
    (scim) =>
      listening(
        createServer(
          express()
            .use(express.urlencoded({ extended: false, limit: MAX_BODY }))
            .use('/scim/v2', scimRouter(scim)),
        ),
      ),
  ],
  [
    'koa',
    (scim) => {
      const app = new Koa();
      app.use(scimMiddleware(scim, { prefix: '/scim/v2' }) as unknown as Koa.Middleware);
      return listening(createServer(app.callback()));
    },
  ],
  [
    'fastify 5',
    async (scim) => {
      const app = Fastify();
      await app.register(scimPlugin(scim), { prefix: '/scim/v2' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { server: app.server, close: () => app.close() };
    },
  ],
  [
    'fastify 4',
    async (scim) => {
      const app = Fastify4();
      // Fastify 4's instance type differs in details the plugin does not use
      await app.register(scimPlugin(scim) as never, { prefix: '/scim/v2' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { server: app.server, close: () => app.close() };
    },
  ],
  [
    'fetch (Hono on @hono/node-server)',
    (scim) => {
      const app = new Hono();
      const handler = toFetchHandler(scim, { basePath: '/scim/v2' });
      app.all('/scim/v2/*', (c) => handler(c.req.raw));
      return new Promise((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
          const server = s as unknown as Server;
          resolve({
            server,
            close: () =>
              new Promise<void>((done) => {
                server.closeAllConnections();
                server.close(() => done());
              }),
          });
        });
      });
    },
  ],
];

const running: { close: () => Promise<void>; scim: ScimServer }[] = [];
afterEach(async () => {
  for (const { close, scim } of running.splice(0)) {
    await close();
    await scim.close();
  }
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe.each(adapters)('OAuth token endpoint through %s', (_name, start) => {
  async function started(): Promise<{ base: string; client: IssuedClient }> {
    const scim = createScimServer({ store: new MemoryStore(), tenantInPath: true, connections: {}, limits: { maxBodyBytes: MAX_BODY }, logger: silentLogger });
    const { server, close } = await start(scim);
    running.push({ close, scim });
    const c = await scim.connections!.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const client = await scim.connections!.oauthClient(c.id, { actor: ACTOR });
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/acme`, client };
  }

  const post = async (base: string, body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
  };

  it('client_secret_post and client_secret_basic get a §5.1 answer whose access token authenticates SCIM requests', async () => {
    const { base, client } = await started();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    const viaPost = await post(base, form.toString());
    expect(viaPost.status).toBe(200);
    expect(viaPost.headers.get('cache-control')).toBe('no-store');
    expect(viaPost.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    const viaBasic = await post(base, 'grant_type=client_credentials', { authorization: basic(client.clientId, client.clientSecret) });
    expect(viaBasic.status).toBe(200);
    for (const token of [viaPost.body.access_token, viaBasic.body.access_token]) {
      const users = await fetch(`${base}/Users`, { headers: { authorization: `Bearer ${String(token)}` } });
      expect(users.status).toBe(200);
    }
  });

  it('a wrong secret is 401 invalid_client in §5.2 form', async () => {
    const { base, client } = await started();
    const wrong = await post(base, new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'nope' }).toString());
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(wrong.body.schemas).toBeUndefined();
  });

  it('a form larger than the server’s body limit is refused as §5.2 invalid_request (no SCIM error body), not stored', async () => {
    const { base, client } = await started();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      padding: 'x'.repeat(MAX_BODY * 2),
    });
    const big = await post(base, form.toString());
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^application\/json/);
    expect(big.headers.get('cache-control')).toBe('no-store');
    expect(big.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });
});
