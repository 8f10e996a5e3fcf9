// A SCIM server for a runtime that forbids code generation from strings (as Cloudflare
// Workers does): run with `node --disallow-code-generation-from-strings`. The fetch handler,
// all features, and a custom resource type with a schema of its own. Prints its URL.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { bearerToken, createScimServer, MemoryStore, SchemaRegistry } from 'scimkit';
import { toFetchHandler } from 'scimkit/fetch';

const DEVICE = 'urn:example:params:scim:schemas:Device';
const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
registry.addSchema({
  id: DEVICE,
  name: 'Device',
  attributes: [
    { name: 'serial', type: 'string', required: true, uniqueness: 'server' },
    { name: 'enrolled', type: 'dateTime' },
    { name: 'ports', type: 'integer', multiValued: true },
  ],
});
registry.addResourceType({ name: 'Device', endpoint: '/Devices', schema: DEVICE });

const scim = createScimServer({
  authenticate: bearerToken(process.env.SCIM_TOKEN!),
  store: new MemoryStore(),
  registry,
  features: { bulk: true, sort: true, etag: true, cursor: true },
  rateLimits: false,
});
const server = serve({ fetch: toFetchHandler(scim, { basePath: '/scim/v2' }), port: 0, hostname: '127.0.0.1' }, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`SCIM tenant URL: http://127.0.0.1:${port}/scim/v2`);
});
