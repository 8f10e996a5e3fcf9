// SCIMMY (a peer SCIM library) mounted with scimmy-routers on Express, with in-memory handlers
// done as SCIMMY asks of its host (userName uniqueness, case-insensitive, and 404 for an
// unknown id are the handler's job there). The tests run `scimkit check` against it; the HTTP
// bench measures it. What fails is SCIMMY's own, not the handlers'.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

type Json = Record<string, unknown>;

/** An Express app serving SCIMMY under /scim/v2, and `seed` to put resources in its store directly. */
export async function scimmyApp(token: string): Promise<{ app: express.Express; seed: (type: 'User' | 'Group', record: Json & { id: string }) => void }> {
  const SCIMMY = (await import('scimmy')).default;
  const SCIMMYRouters = (await import('scimmy-routers')).default;
  const db = { User: new Map<string, Json>(), Group: new Map<string, Json>() };
  // lower-cased userName → id: a unique index, as a database would keep it
  const userNames = new Map<string, string>();
  const seed = (type: 'User' | 'Group', record: Json & { id: string }) => {
    const old = db[type].get(record.id);
    if (type === 'User' && old) userNames.delete(String(old.userName).toLowerCase());
    db[type].set(record.id, record);
    if (type === 'User') userNames.set(String(record.userName).toLowerCase(), record.id);
  };
  for (const [name, R] of [
    ['User', SCIMMY.Resources.User],
    ['Group', SCIMMY.Resources.Group],
  ] as const) {
    // biome-ignore lint/suspicious/noExplicitAny: scimmy's resource classes have incompatible handler types
    (SCIMMY.Resources.declare(R as any) as any)
      .ingress((resource: { id?: string }, instance: Json) => {
        const holder = name === 'User' ? userNames.get(String(instance.userName).toLowerCase()) : undefined;
        if (holder && holder !== resource.id) throw new SCIMMY.Types.Error(409, 'uniqueness', 'userName is already taken');
        const id = resource.id ?? randomUUID();
        const now = new Date().toISOString();
        const created = (db[name].get(id)?.meta as { created?: string } | undefined)?.created ?? now;
        const rec = { ...instance, id, meta: { created, lastModified: now } };
        seed(name, rec);
        return rec as never;
      })
      .egress((resource: { id?: string }) => {
        if (!resource.id) return [...db[name].values()] as never;
        const found = db[name].get(resource.id);
        if (!found) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
        return found as never;
      })
      .degress((resource: { id?: string }) => {
        const found = db[name].get(resource.id!);
        if (!found) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
        db[name].delete(resource.id!);
        if (name === 'User') userNames.delete(String(found.userName).toLowerCase());
      });
  }
  const app = express();
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      handler: (req: { header(n: string): string | undefined }) => {
        if (req.header('Authorization') !== `Bearer ${token}`) throw new Error('Unauthorized');
        return 'scimmy';
      },
    }) as never,
  );
  return { app, seed };
}

export const SCIMMY_TOKEN = 'scimmy-token-0123456789-0123456789';

/** SCIMMY listening on 127.0.0.1. */
export async function startScimmy(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const { app } = await scimmyApp(SCIMMY_TOKEN);
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/scim/v2`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
