// SCIM 2.0 over the app's own tables: `npm run example:own-tables` (an embedded PGlite database
// in memory) or `DATABASE_URL=postgres://… npm run example:own-tables` (SCIM_DATA=dir keeps
// PGlite's files in a folder instead). Users are rows of `users`, groups are `teams` with
// `team_members`, created when missing (migration.ts); the store is store.ts, the server
// app.ts, and docs/stores.md ("Serve your own tables") explains it.
// SCIM_TOKEN, PORT, HOST and SCIM_BASE_URL are optional.
import type { AddressInfo } from 'node:net';
import { shutdown } from 'scimkit/node';
import { createOwnTablesApp } from './app.js';

const app = await createOwnTablesApp(process.env);
const { http, scim } = app;
const baseUrl = process.env.SCIM_BASE_URL;
http.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = http.address() as AddressInfo;
  console.log(`scimkit example (the app's own tables, ${app.database}) is ready.`);
  console.log(`  SCIM tenant URL: ${baseUrl ?? `http://${address}:${port}/scim/v2`}`);
  if (baseUrl) console.log(`  Listening on:    http://${address}:${port}/scim/v2`);
  console.log(`  Secret token:    ${app.token}`);
});
// no new requests; those in flight finish (10 s at most); then the database
const stop = () => void shutdown(http, scim, { after: app.close }).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
