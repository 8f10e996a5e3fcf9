// The default example: SCIM 2.0 on Express, every feature on, as a SaaS team should run it
// in front of real IdPs. `npm start`; SCIM_TOKEN, PORT, HOST, SCIM_BASE_URL, SCIM_DATA, SCIM_LOG and
// SCIM_RATE_LIMITS are optional.
// Data is kept in an embedded PostgreSQL (PGlite) in SCIM_DATA (default ./.scimkit-data), durable
// when a response is sent; SCIM_DATA=memory keeps it in memory only (gone when the process stops).
// Every request gets a log line: readable on a terminal, JSON lines (pino's shape) with SCIM_LOG=json.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import express from 'express';
import { bearerToken, consoleLogger, createScimServer, generateToken, MemoryStore, type ProvisioningStore } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { shutdown } from 'scimkit/node';
import { PostgresStore } from 'scimkit/postgres';

const token = process.env.SCIM_TOKEN || generateToken();
// The public SCIM URL, as the IdP reaches it (behind a proxy or TLS terminator): the URLs in
// responses use it. Without it they use this server's own address (X-Forwarded-* are not trusted).
const baseUrl = process.env.SCIM_BASE_URL;
const data = process.env.SCIM_DATA || '.scimkit-data';
const json = process.env.SCIM_LOG === 'json';
// pino works here as it is: createScimServer({ logger: pino() })
const logger = consoleLogger({ format: json ? 'json' : 'pretty', level: 'info' });

// The same store and SQL as production, on an embedded database: each write and its events
// commit before the response (docs/design.md, "The embedded default").
let db: PGlite | undefined;
let store: ProvisioningStore;
if (data === 'memory') store = new MemoryStore();
else {
  db = new PGlite(resolve(data));
  const pg = new PostgresStore(db as never);
  await pg.migrate();
  store = pg;
}

const scim = createScimServer({
  authenticate: bearerToken(token),
  store,
  compatibility: 'lenient', // Entra ID and Okta dialects
  uniqueGroupDisplayName: true, // Entra ID matches groups by displayName
  features: { bulk: true, sort: true, etag: true, cursor: true },
  ...(process.env.SCIM_CURSOR_SECRET ? { cursorSecret: process.env.SCIM_CURSOR_SECRET } : {}),
  // per-tenant and per-token budgets (500/s each by default); SCIM_RATE_LIMITS=off for a load test
  ...(process.env.SCIM_RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
  ...(baseUrl ? { baseUrl } : {}),
  logger,
  hooks: {
    // delivered at least once, after the response (docs/hooks.md)
    onEvent: (e) =>
      logger.info(
        {
          event: e.type,
          eventId: e.eventId,
          tenant: e.ctx.tenant,
          resourceType: e.resourceType.name,
          resourceId: e.id,
          ...(e.memberIds ? { members: e.memberIds.length } : {}),
        },
        `event ${e.type}`,
      ),
  },
});

const app = express();
app.use('/scim/v2', scimRouter(scim));
const server = createServer(app);
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  const tenantUrl = baseUrl ?? `http://${address}:${port}/scim/v2`;
  if (json) {
    // one JSON line for the collector; the secret goes to the terminal (stderr), never into the log
    logger.info({ tenantUrl, listening: `http://${address}:${port}/scim/v2`, data: db ? resolve(data) : 'memory' }, 'scimkit example ready');
    process.stderr.write(`Secret token: ${token}\n`);
    return;
  }
  console.log(`scimkit example (Express, ${db ? 'embedded PostgreSQL' : 'in-memory'} store) is ready. Paste these into Entra ID or Okta:`);
  console.log(`  SCIM tenant URL: ${tenantUrl}`);
  if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
  console.log(`  Data:            ${db ? resolve(data) : 'in memory only (SCIM_DATA=memory)'}`);
  console.log(`  Secret token:    ${token}`);
});

// no new requests; those in flight finish (10 s at most); event delivery stops; then the database
const stop = () => void shutdown(server, scim, { after: () => db?.close() }).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
