// One suite, run through every adapter against a real server listening on 127.0.0.1.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import Fastify4 from 'fastify4';
import { Hono } from 'hono';
import Koa from 'koa';
import { bearerToken, createScimServer, MemoryStore, type ResourceType, type ScimServer, type StoreContext, silentLogger } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { scimPlugin } from 'scimkit/fastify';
import { toFetchHandler } from 'scimkit/fetch';
import { scimMiddleware } from 'scimkit/koa';
import { toNodeHandler } from 'scimkit/node';
import type { SearchQuery, SearchResult } from 'scimkit/store-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowUpload } from './slow-client.js';

const TOKEN = 'e2e-token-abcdef-0123456789-0123456789';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Start = (scim: ScimServer) => Promise<Server>;
const listen = (s: Server) => new Promise<Server>((r) => s.listen(0, '127.0.0.1', () => r(s)));

const adapters: [string, Start][] = [
  ['node:http', (scim) => listen(createServer(toNodeHandler(scim, { basePath: '/scim/v2' })))],
  [
    'express (no body parser)',
    (scim) => {
      const app = express();
      app.use('/scim/v2', scimRouter(scim));
      return listen(createServer(app));
    },
  ],
  [
    'express (with express.json())',
    (scim) => {
      const app = express();
      app.use(express.json({ type: ['application/json', 'application/scim+json'], limit: '1mb' }));
      app.use('/scim/v2', scimRouter(scim));
      return listen(createServer(app));
    },
  ],
  [
    'koa',
    (scim) => {
      const app = new Koa();
      app.use(scimMiddleware(scim, { prefix: '/scim/v2' }) as unknown as Koa.Middleware);
      app.use((ctx) => {
        ctx.status = 418;
      });
      return listen(createServer(app.callback()));
    },
  ],
  [
    'fastify 5',
    async (scim) => {
      const app = Fastify();
      await app.register(scimPlugin(scim), { prefix: '/scim/v2' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return app.server;
    },
  ],
  [
    'fastify 4',
    async (scim) => {
      const app = Fastify4();
      // Fastify 4's instance type differs in details the plugin does not use
      await app.register(scimPlugin(scim) as never, { prefix: '/scim/v2' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return app.server;
    },
  ],
  [
    'fetch (Hono on @hono/node-server)',
    (scim) => {
      const app = new Hono();
      const handler = toFetchHandler(scim, { basePath: '/scim/v2' });
      app.all('/scim/v2/*', (c) => handler(c.req.raw));
      return new Promise((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as unknown as Server));
      });
    },
  ],
];

/** A store that, for one userName look-up, waits until the request's signal aborts (or 2 s pass). */
class WaitingStore extends MemoryStore {
  outcome: 'aborted' | 'timeout' | 'no signal' | undefined;
  #started!: () => void;
  started = new Promise<void>((r) => {
    this.#started = r;
  });
  override async search(ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
    if (q.filter?.op === 'eq' && q.filter.value === 'wait-for-abort') {
      const signal = ctx.signal;
      this.#started();
      if (!signal) this.outcome = 'no signal';
      else
        this.outcome = await new Promise((r) => {
          const t = setTimeout(() => r('timeout'), 2000);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            r('aborted');
          });
        });
    }
    return super.search(ctx, type, q);
  }
}

describe.each(adapters)('through %s', (name, start) => {
  let server: Server;
  let base: string;
  let scim: ScimServer;
  const waiting = new WaitingStore();
  beforeAll(async () => {
    scim = createScimServer({ authenticate: bearerToken(TOKEN), store: waiting, limits: { maxBodyBytes: 1024 * 1024 }, logger: silentLogger });
    server = await start(scim);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  it('runs an Entra ID style sequence', async () => {
    const probe = await call('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@x.io"')}`);
    expect(probe.status).toBe(200);
    expect(probe.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(probe.body!.totalResults).toBe(0);
    const u = await call('POST', '/Users', { schemas: [U], userName: 'ann@x.io', active: true });
    expect(u.status).toBe(201);
    expect(u.headers.get('location')).toBe(`${base}/Users/${u.body!.id}`);
    expect((u.body!.meta as { location: string }).location).toBe(u.headers.get('location'));
    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Team' });
    const add = await call('PATCH', `/Groups/${g.body!.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Add', path: 'members', value: [{ value: u.body!.id }] }],
    });
    expect(add.status).toBe(204); // a member delta answers 204 by default (patchResponse: 'auto')
    expect(add.headers.get('etag')).toBe('W/"2"');
    const off = await call(
      'PATCH',
      `/Users/${u.body!.id}`,
      { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
      { 'content-type': 'application/json' },
    );
    expect(off.body!.active).toBe(false);
    expect((await call('DELETE', `/Users/${u.body!.id}`)).status).toBe(204);
    expect((await call('GET', `/Users/${u.body!.id}`)).status).toBe(404);
  });

  it('If-Match and ETag', async () => {
    const u = await call('POST', '/Users', { schemas: [U], userName: 'etag@x.io' });
    expect(u.headers.get('etag')).toBe('W/"1"');
    const stale = await call('PUT', `/Users/${u.body!.id}`, { schemas: [U], userName: 'etag@x.io' }, { 'if-match': 'W/"0"' });
    expect(stale.status).toBe(412);
    expect((await call('GET', `/Users/${u.body!.id}`, undefined, { 'if-none-match': 'W/"1"' })).status).toBe(304);
  });

  it('errors: 401, 404, 415, malformed JSON', async () => {
    const none = await fetch(`${base}/Users`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="scim"');
    expect((await call('GET', '/Nope')).status).toBe(404);
    expect((await call('POST', '/Users', '<xml/>', { 'content-type': 'application/xml' })).status).toBe(415);
    const bad = await call('POST', '/Users', '{"schemas": [', { 'content-type': 'application/scim+json' });
    expect([bad.status, bad.body!.scimType]).toEqual([400, 'invalidSyntax']);
  });

  it('a store sees the abort signal when the client hangs up mid-request', async () => {
    const port = (server.address() as AddressInfo).port;
    waiting.outcome = undefined;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'GET',
      path: `/scim/v2/Users?filter=${encodeURIComponent('userName eq "wait-for-abort"')}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    req.on('error', () => undefined);
    req.end();
    await waiting.started;
    req.destroy();
    await expect.poll(() => waiting.outcome, { timeout: 3000 }).toBe('aborted');
    // an answered request is not aborted afterwards
    expect((await call('GET', '/Users?count=0')).status).toBe(200);
  });

  it('a 2 MB body is 413 with a SCIM error', async () => {
    const big = JSON.stringify({ schemas: [U], userName: 'big', displayName: 'x'.repeat(2 * 1024 * 1024) });
    const r = await call('POST', '/Users', big);
    expect(r.status).toBe(413);
    expect(r.body!.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });

  it('every answer carries X-Request-Id, a body the adapter refused too, and each has an activity record with the bytes sent', async () => {
    const id = name.replace(/[^a-z]+/gi, '-');
    const ok = await call('GET', '/Users?count=0', undefined, { 'x-request-id': `${id}-ok` });
    expect(ok.headers.get('x-request-id')).toBe(`${id}-ok`);
    const big = await call('POST', '/Users', JSON.stringify({ schemas: [U], userName: 'x'.repeat(2 * 1024 * 1024) }), { 'x-request-id': `${id}-413` });
    expect([big.status, big.headers.get('x-request-id')]).toEqual([413, `${id}-413`]);
    expect((await fetch(`${base}/Users`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    if (name === 'node:http') {
      // outside the base path: the adapter's own 404, with an id too
      const outside = await fetch(`${base.replace('/scim/v2', '')}/elsewhere`);
      expect([outside.status, outside.headers.get('x-request-id')?.length]).toEqual([404, 36]);
    }
    await scim.activity.flush();
    const records = [...(await scim.activity.list({ tenant: 'default' })), ...(await scim.activity.list({ tenant: '', refused: true }))];
    const of = (requestId: string) => records.find((r) => r.requestId === requestId);
    const answered = JSON.stringify(ok.body);
    expect(of(`${id}-ok`)).toMatchObject({ status: 200, operation: 'list', responseBytes: Buffer.byteLength(answered) });
    expect(of(`${id}-413`)).toMatchObject({ status: 413, method: 'POST', path: '/Users', operation: 'create' });
  });

  it.each([
    ['with a Content-Length of 5 MB', false],
    ['chunked, without a Content-Length', true],
  ])('a 5 MB body sent slowly %s: the client reads the whole 413, no EPIPE or reset', async (_how, chunked) => {
    const port = (server.address() as AddressInfo).port;
    const r = await slowUpload(port, {
      method: 'PATCH',
      path: '/scim/v2/Users/some-id',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      bytes: 5 * 1024 * 1024,
      chunked,
    });
    expect({ status: r.status, complete: r.complete, error: r.error, written: r.written }).toEqual({
      status: 413,
      complete: true,
      error: undefined,
      written: 5 * 1024 * 1024,
    });
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '413' });
  });

  it('a slow client sending its body in pieces is served', async () => {
    const port = (server.address() as AddressInfo).port;
    const body = JSON.stringify({ schemas: [U], userName: 'slow@x.io' });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/scim/v2/Users',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      let i = 0;
      const tick = () => {
        if (i >= body.length) return req.end();
        req.write(body.slice(i, i + 8));
        i += 8;
        setTimeout(tick, 5);
      };
      tick();
    });
    expect(status).toBe(201);
  });
});
