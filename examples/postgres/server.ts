// SCIM 2.0 on Express with PostgresStore: `DATABASE_URL=postgres://… npm run example:postgres`.
// Several instances of this server can share one database (docs/scaling.md).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pg from 'pg';
import { bearerToken, createScimServer, generateToken } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { PostgresStore } from 'scimkit/postgres';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  max: Number(process.env.PG_POOL_SIZE ?? 10),
});
const store = new PostgresStore(pool);
await store.migrate();

const token = process.env.SCIM_TOKEN || generateToken();
// The public SCIM URL, as the IdP reaches it (behind a proxy or TLS terminator): the URLs in
// responses use it. Without it they use this server's own address (X-Forwarded-* are not trusted).
const baseUrl = process.env.SCIM_BASE_URL;
const scim = createScimServer({ authenticate: bearerToken(token), store, uniqueGroupDisplayName: true, ...(baseUrl ? { baseUrl } : {}) });

const app = express();
app.use('/scim/v2', scimRouter(scim));
const server = createServer(app);
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log('scimkit example (Express, PostgreSQL store) is ready.');
  console.log(`  SCIM tenant URL: ${baseUrl ?? `http://${address}:${port}/scim/v2`}`);
  if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
  console.log(`  Secret token:    ${token}`);
});
const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
