// One benchmark server per process: `tsx bench/http-server.ts <kind>`; prints {port,userId,groupId} when seeded.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import Koa from 'koa';
import { bearerToken, createScimServer, MemoryStore, type ScimServer } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { toFetchHandler } from 'scimkit/fetch';
import { scimMiddleware } from 'scimkit/koa';
import { toNodeHandler } from 'scimkit/node';
import { scimmyApp } from '../test/peers/scimmy.js';
import { postUsers, seedUser } from './data.js';

const USERS = 10_000;
/** Users not in the big group, for the member adds (more than 3 s of adds at the fastest rate seen). */
const RESERVE = 80_000;
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const kind = process.argv[2] ?? 'node';
const userBody = seedUser;

async function seedScimkit(): Promise<{ scim: ScimServer; userId: string; groupId: string; reserve: string[] }> {
  // no rate limits: this measures the HTTP path, and one tenant at thousands of requests a second is past the default budget (429s)
  const scim = createScimServer({ authenticate: bearerToken('bench'.repeat(8)), store: new MemoryStore(), rateLimits: false });
  const headers = { authorization: `Bearer ${'bench'.repeat(8)}`, 'content-type': 'application/scim+json' };
  const { ids } = await postUsers(scim, USERS, headers);
  const g = await scim.handle({
    method: 'POST',
    path: '/Groups',
    headers,
    body: JSON.stringify({ schemas: [G], displayName: 'Big', members: ids.map((value) => ({ value })) }),
  });
  // members must name users of the tenant: the PATCH-add row adds users from this reserve
  const reserve: string[] = [];
  const User = scim.registry.resourceType('User')!;
  for (let i = 0; i < RESERVE; i++) reserve.push((await scim.store.create({ tenant: 'default', requestId: 'seed' }, User, userBody(`reserve-${i}`))).id!);
  return { scim, userId: ids[USERS / 2]!, groupId: (g.body as { id: string }).id, reserve };
}

async function main(): Promise<void> {
  let server: Server;
  let userId = 'fixed';
  let groupId = 'fixed';
  let reserve: string[] = [];
  if (kind === 'bare') {
    // the ceiling: node:http answering a fixed SCIM User, no parsing, no store
    const body = JSON.stringify({ ...userBody(1), id: 'fixed', meta: { resourceType: 'User', version: 'W/"1"' } });
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/scim+json' });
        res.end(body);
      });
    });
  } else if (kind.startsWith('bare-spin-')) {
    // calibration: the ceiling plus N µs of busy work per request, to show what N µs of any
    // server's own work costs in req/s on this machine (more than N µs: see docs/design.md)
    const spinNs = BigInt(Number(kind.slice('bare-spin-'.length)) * 1000);
    const body = JSON.stringify({ ...userBody(1), id: 'fixed', meta: { resourceType: 'User', version: 'W/"1"' } });
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const t0 = process.hrtime.bigint();
        while (process.hrtime.bigint() - t0 < spinNs);
        res.writeHead(200, { 'content-type': 'application/scim+json' });
        res.end(body);
      });
    });
  } else if (kind === 'bare-express') {
    // Express's own ceiling: the same fixed User from a handler mounted as scimRouter is
    const body = JSON.stringify({ ...userBody(1), id: 'fixed', meta: { resourceType: 'User', version: 'W/"1"' } });
    const app = express();
    app.use('/scim/v2', (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/scim+json' });
        res.end(body);
      });
    });
    server = createServer(app);
  } else if (kind === 'scimmy') {
    const { app, seed } = await scimmyApp('bench'.repeat(8));
    const ids: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const id = randomUUID();
      ids.push(id);
      seed('User', { ...userBody(i), id, meta: { created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' } });
    }
    groupId = randomUUID();
    seed('Group', {
      schemas: [G],
      id: groupId,
      displayName: 'Big',
      members: ids.map((value) => ({ value })),
      meta: { created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' },
    });
    userId = ids[USERS / 2]!;
    server = createServer(app);
  } else {
    const seeded = await seedScimkit();
    userId = seeded.userId;
    groupId = seeded.groupId;
    reserve = seeded.reserve;
    if (kind === 'node') server = createServer(toNodeHandler(seeded.scim, { basePath: '/scim/v2' }));
    else if (kind === 'express') {
      const app = express();
      app.use('/scim/v2', scimRouter(seeded.scim));
      server = createServer(app);
    } else if (kind === 'koa') {
      const app = new Koa();
      app.use(scimMiddleware(seeded.scim, { prefix: '/scim/v2' }) as Koa.Middleware);
      server = createServer(app.callback());
    } else {
      const app = new Hono();
      const h = toFetchHandler(seeded.scim, { basePath: '/scim/v2' });
      app.all('/scim/v2/*', (c) => h(c.req.raw));
      server = await new Promise<Server>((r) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => r(s as unknown as Server));
      });
      console.log(JSON.stringify({ port: (server.address() as AddressInfo).port, userId, groupId, reserve }));
      return;
    }
  }
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port, userId, groupId, reserve })));
}
void main();
process.on('SIGINT', () => process.exit(0));
// the load benchmark asks for the heap after a forced GC
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  console.log(JSON.stringify({ heapUsed: process.memoryUsage().heapUsed }));
});
