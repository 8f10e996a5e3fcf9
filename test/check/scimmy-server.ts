// SCIMMY (a peer SCIM library) mounted with scimmy-routers on Express, with the in-memory
// handlers its README shows: what `scimkit check` is run against as a peer.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export const SCIMMY_TOKEN = 'scimmy-token-0123456789-0123456789';

export async function startScimmy(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const SCIMMY = (await import('scimmy')).default;
  const SCIMMYRouters = (await import('scimmy-routers')).default;
  const db = { User: new Map<string, Record<string, unknown>>(), Group: new Map<string, Record<string, unknown>>() };
  for (const [name, R] of [
    ['User', SCIMMY.Resources.User],
    ['Group', SCIMMY.Resources.Group],
  ] as const) {
    // biome-ignore lint/suspicious/noExplicitAny: scimmy's resource classes have incompatible handler types
    (SCIMMY.Resources.declare(R as any) as any)
      .ingress((resource: { id?: string }, instance: Record<string, unknown>) => {
        // uniqueness is the handler's job in SCIMMY; done right (case-insensitive, RFC 7643 §4.1.1)
        const key = name === 'User' ? 'userName' : undefined;
        const taken = key && [...db[name].values()].some((r) => r.id !== resource.id && String(r[key]).toLowerCase() === String(instance[key]).toLowerCase());
        if (taken) throw new SCIMMY.Types.Error(409, 'uniqueness', `${key} is already taken`);
        const id = resource.id ?? randomUUID();
        const now = new Date().toISOString();
        const created = (db[name].get(id)?.meta as { created?: string } | undefined)?.created ?? now;
        const rec = { ...instance, id, meta: { created, lastModified: now } };
        db[name].set(id, rec);
        return rec as never;
      })
      .egress((resource: { id?: string }) => {
        if (!resource.id) return [...db[name].values()] as never;
        const found = db[name].get(resource.id);
        if (!found) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
        return found as never;
      })
      .degress((resource: { id?: string }) => {
        if (!db[name].delete(resource.id!)) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
      });
  }
  const app = express();
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      handler: (req: { header(n: string): string | undefined }) => {
        if (req.header('Authorization') !== `Bearer ${SCIMMY_TOKEN}`) throw new Error('Unauthorized');
        return 'scimmy';
      },
    }) as never,
  );
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/scim/v2`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
