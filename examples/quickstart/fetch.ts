import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bearerToken, createScimServer } from 'scimkit';
import { toFetchHandler } from 'scimkit/fetch';

// The same handler works in Next.js route handlers, Bun, Deno and Cloudflare Workers.
const scim = toFetchHandler(createScimServer({ authenticate: bearerToken(process.env.SCIM_TOKEN ?? 'change-me') }), { basePath: '/scim/v2' });

const app = new Hono();
app.all('/scim/v2/*', (c) => scim(c.req.raw));
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) =>
  console.log('SCIM tenant URL: http://127.0.0.1:%d/scim/v2', info.port),
);
process.on('SIGINT', () => server.close(() => process.exit(0)));
