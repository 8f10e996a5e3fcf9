// SCIM 2.0 on Hono through the web-standard fetch adapter: `npm run example:hono`.
// The same `toFetchHandler` serves Next.js route handlers, Bun, Deno and Workers.
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bearerToken, createScimServer, generateToken } from 'scimkit';
import { toFetchHandler } from 'scimkit/fetch';
import { shutdown } from 'scimkit/node';

const token = process.env.SCIM_TOKEN || generateToken();
// The public SCIM URL, as the IdP reaches it (behind a proxy or TLS terminator): the URLs in
// responses use it. Without it they use this server's own address (X-Forwarded-* are not trusted).
const baseUrl = process.env.SCIM_BASE_URL;
const scimServer = createScimServer({ authenticate: bearerToken(token), uniqueGroupDisplayName: true, ...(baseUrl ? { baseUrl } : {}) });
const scim = toFetchHandler(scimServer, { basePath: '/scim/v2' });

const app = new Hono();
app.all('/scim/v2/*', (c) => scim(c.req.raw));
app.get('/', (c) => c.text('SCIM is at /scim/v2'));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8080), hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
  console.log('scimkit example (Hono) is ready.');
  console.log(`  SCIM tenant URL: ${baseUrl ?? `http://${info.address}:${info.port}/scim/v2`}`);
  if (baseUrl) console.log(`  Listening on:    http://${info.address}:${info.port}/scim/v2`);
  console.log(`  Secret token:    ${token}`);
});
// no new requests; those in flight finish (10 s at most); event delivery stops last
const stop = () => void shutdown(server as Server, scimServer).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
