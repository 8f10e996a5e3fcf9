// portal.node mounted the way each framework mounts a node handler — Express (after its own
// body parser), Koa (ctx.respond = false), Fastify (reply.hijack) — and portal.fetch behind a
// web-standard server: a link opens a session and a form post (CSRF token in the body) saves.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { createScimServer, MemoryStore, silentLogger } from 'scimkit';
import { type AdminPortal, adminPortal } from 'scimkit/portal';
import { afterEach, describe, expect, it } from 'vitest';
import { browser, FIELDS } from './harness.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function portalOf(): { portal: AdminPortal; scim: ReturnType<typeof createScimServer> } {
  const scim = createScimServer({ store: new MemoryStore(), tenantInPath: true, connections: {}, logger: silentLogger });
  return { scim, portal: adminPortal(scim, { basePath: '/scim-admin', scimUrl: 'https://app.example.com/scim/v2/{tenant}', fields: FIELDS }) };
}

async function listening(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Opens a link, creates the connection through the setup form, and checks it was saved. */
async function flow(origin: string, { portal, scim }: ReturnType<typeof portalOf>) {
  const b = browser(origin);
  expect((await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }))).res.status).toBe(303);
  const csrf = b.csrfOf((await b.get('/scim-admin/setup?idp=okta')).text);
  const made = await b.post('/scim-admin/setup', { idp: 'okta', workspace: 'acme-main', defaultRole: 'member', _csrf: csrf });
  expect(made.res.status).toBe(200);
  expect(made.text).toContain('https://app.example.com/scim/v2/acme');
  expect((await scim.connections!.list({ tenant: 'acme' }))[0]?.settings).toEqual({ workspace: 'acme-main', defaultRole: 'member' });
}

describe('mounting', () => {
  it('Express: app.use(portal.node) after express.urlencoded, other paths go on to the app', async () => {
    const pair = portalOf();
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(pair.portal.node);
    app.get('/other', (_req, res) => void res.send('the app'));
    const origin = await listening(createServer(app));
    await flow(origin, pair);
    expect(await (await fetch(`${origin}/other`)).text()).toBe('the app');
  });

  it('Express: mounted under a router prefix, it still sees its whole path', async () => {
    const pair = portalOf();
    const app = express();
    app.use('/scim-admin', pair.portal.node);
    await flow(await listening(createServer(app)), pair);
  });

  it('Koa: ctx.respond = false', async () => {
    const pair = portalOf();
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (!ctx.path.startsWith(pair.portal.basePath)) return next();
      ctx.respond = false;
      await pair.portal.node(ctx.req, ctx.res);
    });
    await flow(await listening(createServer(app.callback())), pair);
  });

  it('Fastify: reply.hijack() with the raw request and response', async () => {
    const pair = portalOf();
    const app = Fastify();
    await app.register(async (scoped) => {
      // the portal reads its own body: no parser of Fastify's may consume it
      scoped.removeAllContentTypeParsers();
      scoped.addContentTypeParser('*', (_req, _payload, done) => done(null));
      scoped.all('/scim-admin/*', (req, reply) => {
        reply.hijack();
        void pair.portal.node(req.raw, reply.raw);
      });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    const address = app.server.address() as AddressInfo;
    await flow(`http://127.0.0.1:${address.port}`, pair);
  });

  it('fetch: a web-standard server', async () => {
    const pair = portalOf();
    const server = createServer(async (req, res) => {
      const body = req.method === 'GET' ? undefined : await new Response(req as unknown as ReadableStream).arrayBuffer();
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        ...(body ? { body } : {}),
      });
      const r = await pair.portal.fetch(request, { remoteAddress: req.socket.remoteAddress });
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    });
    await flow(await listening(server), pair);
  });
});

describe('mounting: bodies and methods', () => {
  it('a form read by express.text() first still posts; TRACE is a 405', async () => {
    const pair = portalOf();
    const app = express();
    app.use(express.text({ type: 'application/x-www-form-urlencoded' }));
    app.use(pair.portal.node);
    const origin = await listening(createServer(app));
    await flow(origin, pair);
    const { request } = await import('node:http');
    const url = new URL(origin);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/scim-admin/', method: 'TRACE' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(405);
  });
});
