// SCIM 2.0 on Fastify: `npm run example:fastify`.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { bearerToken, consoleLogger, createScimServer, generateToken } from 'scimkit';
import { scimPlugin } from 'scimkit/fastify';

const token = process.env.SCIM_TOKEN || generateToken();
// The public SCIM URL, as the IdP reaches it (behind a proxy or TLS terminator): the URLs in
// responses use it. Without it they use this server's own address (X-Forwarded-* are not trusted).
const baseUrl = process.env.SCIM_BASE_URL;
const scim = createScimServer({
  authenticate: bearerToken(token),
  uniqueGroupDisplayName: true,
  logger: consoleLogger({ level: 'info' }),
  ...(baseUrl ? { baseUrl } : {}),
});

const app = Fastify();
await app.register(scimPlugin(scim), { prefix: '/scim/v2' });
await app.listen({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' });
const { address, port } = app.server.address() as AddressInfo;
console.log('scimkit example (Fastify) is ready.');
console.log(`  SCIM tenant URL: ${baseUrl ?? `http://${address}:${port}/scim/v2`}`);
if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
console.log(`  Secret token:    ${token}`);

// no new requests; those in flight finish; then event delivery and the activity log stop
const stop = () =>
  void app
    .close()
    .then(() => scim.close())
    .then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
