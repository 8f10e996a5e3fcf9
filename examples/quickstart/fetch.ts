import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bearerToken, createScimServer, generateToken } from 'scimkit';
import { toFetchHandler } from 'scimkit/fetch';
import { shutdown } from 'scimkit/node';

// at least 32 characters: set SCIM_TOKEN to a generateToken() you keep, or copy the one printed
const token = process.env.SCIM_TOKEN ?? generateToken();
// The same handler is for Next.js route handlers, Bun, Deno and Cloudflare Workers (README: what is tested).
const scimServer = createScimServer({ authenticate: bearerToken(token) });
const scim = toFetchHandler(scimServer, { basePath: '/scim/v2' });

const app = new Hono();
app.all('/scim/v2/*', (c) => scim(c.req.raw));
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) =>
  console.log('SCIM tenant URL: http://127.0.0.1:%d/scim/v2\nSecret token: %s', info.port, token),
);
// no new requests, those in flight finish, event delivery stops
process.on('SIGINT', () => void shutdown(server as Server, scimServer).then(() => process.exit(0)));
