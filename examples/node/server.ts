// SCIM 2.0 on plain node:http, no framework: `npm run example:node`. The options of `npm start`
// (every feature on, Entra ID and Okta dialects, a log line per request) with an in-memory
// store; SCIM_TOKEN, PORT, HOST, SCIM_BASE_URL, SCIM_LOG=json|off and SCIM_RATE_LIMITS=off are optional.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, consoleLogger, createScimServer, generateToken, MemoryStore, silentLogger } from 'scimkit';
import { shutdown, toNodeHandler } from 'scimkit/node';

const token = process.env.SCIM_TOKEN || generateToken();
const baseUrl = process.env.SCIM_BASE_URL;
const log = process.env.SCIM_LOG;
// SCIM_LOG=off for a load test: a line per request on a terminal costs more than the request
const logger = log === 'off' ? silentLogger : consoleLogger({ format: log === 'json' ? 'json' : 'pretty', level: 'info' });

const scim = createScimServer({
  authenticate: bearerToken(token),
  store: new MemoryStore(),
  compatibility: 'lenient',
  uniqueGroupDisplayName: true,
  features: { bulk: true, sort: true, etag: true, cursor: true },
  ...(process.env.SCIM_RATE_LIMITS === 'off' ? { rateLimits: false as const } : {}),
  ...(baseUrl ? { baseUrl } : {}),
  logger,
});

const server = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log('scimkit example (node:http, in-memory store) is ready.');
  console.log(`  SCIM tenant URL: ${baseUrl ?? `http://${address}:${port}/scim/v2`}`);
  if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
  console.log(`  Secret token:    ${token}`);
});

const stop = () => void shutdown(server, scim).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
