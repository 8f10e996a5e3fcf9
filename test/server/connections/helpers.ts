// Servers with connections on a real listening node:http server on 127.0.0.1, and a store
// wrapper that counts the connection store's calls.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createScimServer, MemoryStore, type ProvisioningStore, type ScimServer, type ScimServerOptions } from 'scimkit';
import { toNodeHandler } from 'scimkit/node';

export const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ACTOR = 'admin@acme.io';

const open: { http: Server; scim: ScimServer }[] = [];

/** Closes every server `listen` started. */
export async function closeAll(): Promise<void> {
  for (const { http, scim } of open.splice(0)) {
    await new Promise<void>((r) => http.close(() => r()));
    http.closeAllConnections();
    await scim.close();
  }
}

/** A SCIM server with connections (tenants in the path) listening on 127.0.0.1 under /scim/v2. */
export async function listen(options: Partial<ScimServerOptions> = {}) {
  const store = options.store ?? new MemoryStore();
  const scim = createScimServer({ store, tenantInPath: true, connections: {}, rateLimits: false, ...options });
  const http = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  open.push({ http, scim });
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2`;
  const connections = scim.connections!;
  /** A SCIM request as an IdP sends it. */
  const call = async (method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { detail?: string } };
  };
  return { scim, store, base, connections, call };
}

/** Calls of each method of the store's connections. */
export type Counts = Record<string, number>;

/** `store` with its `connections` counted (a wrapper over the real one: the same records). */
export function counted(store: MemoryStore): { store: ProvisioningStore; counts: Counts } {
  const counts: Counts = {};
  const inner = store.connections!;
  const connections = new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        counts[String(prop)] = (counts[String(prop)] ?? 0) + 1;
        return v.apply(target, args);
      };
    },
  });
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'connections') return connections;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: wrapped, counts };
}

/** Polls `check` every 50 ms until it holds or `ms` passed; whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const user = (userName: string) => ({ schemas: [U], userName, active: true });
