// SCIM 2.0 on Koa: `npm run example:koa`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { bearerToken, createScimServer, generateToken } from 'scimkit';
import { scimMiddleware } from 'scimkit/koa';
import { shutdown } from 'scimkit/node';

const token = process.env.SCIM_TOKEN || generateToken();
// The public SCIM URL, as the IdP reaches it (behind a proxy or TLS terminator): the URLs in
// responses use it. Without it they use this server's own address (X-Forwarded-* are not trusted).
const baseUrl = process.env.SCIM_BASE_URL;
const scim = createScimServer({ authenticate: bearerToken(token), uniqueGroupDisplayName: true, ...(baseUrl ? { baseUrl } : {}) });

const app = new Koa();
app.use(scimMiddleware(scim, { prefix: '/scim/v2' }) as Koa.Middleware);
const server = createServer(app.callback());
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log('scimkit example (Koa) is ready.');
  console.log(`  SCIM tenant URL: ${baseUrl ?? `http://${address}:${port}/scim/v2`}`);
  if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
  console.log(`  Secret token:    ${token}`);
});
// no new requests; those in flight finish (10 s at most); event delivery stops last
const stop = () => void shutdown(server, scim).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
