// The SaaS flow in one app: `npm run example:workspace-app`, then open the printed URL.
import type { AddressInfo } from 'node:net';
import { shutdown } from 'scimkit/node';
import { createWorkspaceApp } from './app.js';

// DEV_SSO_STAND_IN=1: members sign in by userName alone (development only: anyone can, as anyone).
// TRUST_PROXY: Express's `trust proxy` behind a reverse proxy (`loopback`, a hop count, addresses).
// PUBLIC_URL: the origin IdPs reach the app at (the tenant URL the SCIM settings show).
const ssoStandIn = process.env.DEV_SSO_STAND_IN === '1';
const trustProxy = process.env.TRUST_PROXY;
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8090);
const { app, scim, admin } = createWorkspaceApp({
  publicUrl: process.env.PUBLIC_URL ?? `http://${host}:${port}`,
  ...(process.env.ADMIN_PASSWORD ? { adminPassword: process.env.ADMIN_PASSWORD } : {}),
  ...(ssoStandIn ? { ssoStandIn } : {}),
  ...(trustProxy ? { trustProxy: /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy } : {}),
});
const server = app.listen(port, host, () => {
  const bound = server.address() as AddressInfo;
  console.log(`Workspace app: http://${bound.address}:${bound.port}/scim-admin/ (Organization settings → Security → SCIM)`);
  console.log(`Sign in as:    ${admin.email} / ${admin.password}`);
  if (ssoStandIn) console.log('DEV_SSO_STAND_IN: POST /orgs/acme/login/<userName> signs any member in without a password (development only)');
});
// no new requests; those in flight finish (10 s at most); event delivery stops last
const stop = () => void shutdown(server, scim).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
