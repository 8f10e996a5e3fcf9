// Many organizations, one server: a SCIM connection per organization (scim.connections: its
// tenant URL, a token shown once and kept as a hash, rotation, disable, health), one selected
// workspace and default role per organization in the connection's settings, groups as
// teams, and a lifecycle log. `npm run example:multi-tenant`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createScimServer, type LifecycleEvent, MemoryStore } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { shutdown } from 'scimkit/node';

// The app's own model: members with roles it manages, teams in a workspace.
const members = new Map<string, { workspace: string; role: string; active: boolean }>();
const teams = new Map<string, { workspace: string; name: string; members: Set<string> }>();

function onEvent(e: LifecycleEvent): void {
  // the connection's settings name the workspace and the default role (connectionAuth puts them in ctx)
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

// no `authenticate`: every request's token is checked against the tenants' connections in the store
const store = new MemoryStore();
const scim = createScimServer({ store, tenantInPath: true, connections: {}, uniqueGroupDisplayName: true, hooks: { onEvent } });
const connections = scim.connections!;

// What the app's "Organization settings → Security → SCIM" page saves, per organization. A
// store that outlives the process (PostgresStore) keeps the connections: they are made on
// the first run only, and their tokens are not printed again (rotate one to get a new secret).
const shownOnce: { tenant: string; settings: string; token: string }[] = [];
for (const [tenant, name, workspace, defaultRole] of [
  ['acme', 'Acme Corp', 'acme-engineering', 'member'],
  ['globex', 'Globex', 'globex-sales', 'viewer'],
] as const) {
  const [existing] = await connections.list({ tenant });
  const c = existing ?? (await connections.create({ tenant, name, settings: { workspace, defaultRole }, actor: 'example:multi-tenant' }));
  const token = existing
    ? '(kept from an earlier run: rotate the connection for a new one)'
    : (await connections.issueToken(c.id, { actor: 'example:multi-tenant' })).token;
  shownOnce.push({ tenant, settings: `workspace=${workspace} defaultRole=${defaultRole} connection=${c.id}`, token });
}

const app = express();
app.use('/scim/v2', scimRouter(scim));
const server = createServer(app);
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log('scimkit example (multi-tenant) is ready.');
  for (const c of shownOnce) {
    console.log(`  [${c.tenant}] SCIM tenant URL: http://${address}:${port}/scim/v2/${c.tenant}  ${c.settings}`);
    console.log(`  [${c.tenant}] Secret token:    ${c.token}`);
  }
});
// no new requests; those in flight finish (10 s at most); event delivery stops last
const stop = () => void shutdown(server, scim).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
