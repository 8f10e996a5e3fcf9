// The default example: SCIM 2.0 on Express, every feature on, as a SaaS team should run it
// in front of real IdPs. `npm start`; SCIM_TOKEN, PORT, HOST, SCIM_BASE_URL and SCIM_DATA are optional.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { bearerToken, createScimServer, generateToken, type MemorySnapshot, MemoryStore } from 'scimkit';
import { scimRouter } from 'scimkit/express';

const token = process.env.SCIM_TOKEN || generateToken();
// The public SCIM URL, as the IdP reaches it (behind a proxy or TLS terminator): the URLs in
// responses use it. Without it they use this server's own address (X-Forwarded-* are not trusted).
const baseUrl = process.env.SCIM_BASE_URL;
const dataFile = process.env.SCIM_DATA;

// Keep data across restarts when SCIM_DATA names a file: load it, save after each write.
let saveTimer: NodeJS.Timeout | undefined;
const save = () => {
  if (!dataFile) return;
  const tmp = `${dataFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(store.snapshot()));
  renameSync(tmp, dataFile); // atomic: a crash never leaves half a file
};
const store: MemoryStore = new MemoryStore({
  ...(dataFile && existsSync(dataFile) ? { snapshot: JSON.parse(readFileSync(dataFile, 'utf8')) as MemorySnapshot } : {}),
  onChange: () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 200);
  },
});

const scim = createScimServer({
  authenticate: bearerToken(token),
  store,
  compatibility: 'lenient', // Entra ID and Okta dialects
  uniqueGroupDisplayName: true, // Entra ID matches groups by displayName
  features: { bulk: true, sort: true, etag: true, cursor: true },
  ...(process.env.SCIM_CURSOR_SECRET ? { cursorSecret: process.env.SCIM_CURSOR_SECRET } : {}),
  ...(baseUrl ? { baseUrl } : {}),
  hooks: {
    onEvent: (e) => console.log(`[scim] ${e.type} ${e.resourceType.name} ${e.id}${e.memberIds ? ` members=${e.memberIds.length}` : ''}`),
  },
});

const app = express();
app.use('/scim/v2', scimRouter(scim));
const server = createServer(app);
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log('scimkit example (Express, in-memory store) is ready. Paste these into Entra ID or Okta:');
  console.log(`  SCIM tenant URL: ${baseUrl ?? `http://${address}:${port}/scim/v2`}`);
  if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
  console.log(`  Secret token:    ${token}`);
  if (dataFile) console.log(`  Data file:       ${dataFile}`);
});

const stop = () => {
  clearTimeout(saveTimer);
  save();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
