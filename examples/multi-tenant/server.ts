// Many organizations, one server: per-organization tokens (stored as hashes) and tenant
// URLs, one selected workspace and default role per organization, groups as teams, and a
// lifecycle log. `npm run example:multi-tenant`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { bearerTokens, createScimServer, generateToken, hashToken, type LifecycleEvent, type TenantToken } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { shutdown } from 'scimkit/node';

// What the app's "Organization settings → Security → SCIM" page saves, per organization.
const connections: TenantToken[] = [];
const shownOnce: Record<string, string> = {};
for (const [org, workspace, defaultRole] of [
  ['acme', 'acme-engineering', 'member'],
  ['globex', 'globex-sales', 'viewer'],
] as const) {
  const token = process.env[`SCIM_TOKEN_${org.toUpperCase()}`] || generateToken();
  shownOnce[org] = token;
  connections.push({ tenant: org, workspace, defaultRole, tokenHash: hashToken(token) });
}

// The app's own model: members with roles it manages, teams in a workspace.
const members = new Map<string, { workspace: string; role: string; active: boolean }>();
const teams = new Map<string, { workspace: string; name: string; members: Set<string> }>();

function onEvent(e: LifecycleEvent): void {
  const ws = e.ctx.workspace!;
  switch (e.type) {
    case 'user.created':
      members.set(e.id, { workspace: ws, role: e.ctx.defaultRole ?? 'member', active: e.resource?.active !== false });
      console.log(`[${e.ctx.tenant}] invite ${String(e.resource?.userName)} to ${ws} as ${e.ctx.defaultRole}`);
      break;
    case 'user.deactivated':
      members.get(e.id)!.active = false;
      console.log(`[${e.ctx.tenant}] deactivate ${e.id}: sessions revoked`);
      break;
    case 'user.reactivated':
      members.get(e.id)!.active = true;
      break;
    case 'user.deleted':
      members.delete(e.id);
      console.log(`[${e.ctx.tenant}] remove ${e.id} from ${ws}`);
      break;
    case 'group.created':
      teams.set(e.id, { workspace: ws, name: String(e.resource?.displayName), members: new Set() });
      break;
    case 'group.renamed':
      teams.get(e.id)!.name = String(e.resource?.displayName);
      break;
    case 'group.membersAdded':
      for (const m of e.memberIds ?? []) teams.get(e.id)?.members.add(m);
      break;
    case 'group.membersRemoved':
      for (const m of e.memberIds ?? []) teams.get(e.id)?.members.delete(m);
      break;
    case 'group.deleted':
      teams.delete(e.id);
      break;
    default:
      break;
  }
}

const scim = createScimServer({ authenticate: bearerTokens(connections), tenantInPath: true, uniqueGroupDisplayName: true, hooks: { onEvent } });
const app = express();
app.use('/scim/v2', scimRouter(scim));
const server = createServer(app);
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log('scimkit example (multi-tenant) is ready.');
  for (const c of connections) {
    console.log(`  [${c.tenant}] SCIM tenant URL: http://${address}:${port}/scim/v2/${c.tenant}  workspace=${c.workspace} defaultRole=${c.defaultRole}`);
    console.log(`  [${c.tenant}] Secret token:    ${shownOnce[c.tenant]}`);
  }
});
// no new requests; those in flight finish (10 s at most); event delivery stops last
const stop = () => void shutdown(server, scim).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
