// The default example: SCIM 2.0 on Express, every feature on, as a SaaS team should run it
// in front of real IdPs. `npm start`; SCIM_TOKEN, PORT, HOST, SCIM_BASE_URL, SCIM_DATA, SCIM_LOG and
// SCIM_RATE_LIMITS are optional.
// Data is kept in an embedded PostgreSQL (PGlite) in SCIM_DATA (default ./.scimkit-data), durable
// when a response is sent; SCIM_DATA=memory keeps it in memory only (gone when the process stops).
// The token: SCIM_TOKEN when set; else the data folder's, made at the first start and kept with the
// data as its hash only (printed once; `npm start -- --new-token` replaces it); in memory, a new
// one at each start.
// Every request gets a log line: readable on a terminal, JSON lines (pino's shape) with SCIM_LOG=json.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import express from 'express';
import { bearerToken, bearerTokens, consoleLogger, createScimServer, generateToken, MemoryStore, type ProvisioningStore } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { shutdown } from 'scimkit/node';
import { PostgresStore } from 'scimkit/postgres';
import { dataToken } from './data-token.js';

const fixedToken = process.env.SCIM_TOKEN || undefined;
const newToken = process.argv.includes('--new-token');
if (newToken && fixedToken) {
  // the data folder's token would change but not be used: say so rather than print a token that does nothing
  console.error('--new-token replaces the data folder’s token, but SCIM_TOKEN is set and is the token in use: unset SCIM_TOKEN or change it');
  process.exit(1);
}
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

// The token this start accepts, what it prints on the "Secret token" line (the secret, or a note
// when only its hash is known) and a line under it.
let authenticate = fixedToken ? bearerToken(fixedToken) : undefined;
let shown = fixedToken;
let note: string | undefined;
if (!authenticate && db) {
  const kept = await dataToken(db, newToken);
  authenticate = bearerTokens([{ tenant: 'default', tokenHash: kept.tokenHash }]);
  if (kept.secret) {
    shown = kept.secret;
    note = '(shown this once: only its hash is kept with the data; `npm start -- --new-token` makes a new one)';
  } else
    shown = `(the one made on ${kept.madeAt.toISOString()}: only its hash is kept, so it is not shown again; \`npm start -- --new-token\` makes a new one and the old one stops working)`;
} else if (!authenticate) {
  shown = generateToken();
  authenticate = bearerToken(shown);
  note = '(a new one at each start: SCIM_DATA=memory keeps nothing, not even the token)';
}

const scim = createScimServer({
  authenticate,
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
    process.stderr.write(`Secret token: ${shown}\n${note ? `${note}\n` : ''}`);
    return;
  }
  console.log(`scimkit example (Express, ${db ? 'embedded PostgreSQL' : 'in-memory'} store) is ready. Paste these into Entra ID or Okta:`);
  console.log(`  SCIM tenant URL: ${tenantUrl}`);
  if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
  console.log(`  Data:            ${db ? resolve(data) : 'in memory only (SCIM_DATA=memory)'}`);
  console.log(`  Secret token:    ${shown}`);
  if (note) console.log(`                   ${note}`);
});

// no new requests; those in flight finish (10 s at most); event delivery stops; then the database
const stop = () => void shutdown(server, scim, { after: () => db?.close() }).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
