// A SCIM server with connections and its admin portal on one real listening node:http server
// (127.0.0.1): SCIM under /scim/v2/{tenant}, the portal under /scim-admin.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createScimServer, MemoryStore, type ScimServerOptions, silentLogger } from 'scimkit';
import { toNodeHandler } from 'scimkit/node';
import { type AdminPortalOptions, adminPortal } from 'scimkit/portal';

const open: Server[] = [];

/** Closes every server {@link portalServer} started. */
export async function closeAll(): Promise<void> {
  for (const s of open.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/** The host's fields of the tests: a workspace (loaded per tenant) and a default role. */
export const FIELDS: AdminPortalOptions['fields'] = [
  { name: 'workspace', label: 'Workspace', type: 'select', options: (v) => [{ value: `${v.tenant}-main`, label: 'Main' }] },
  {
    name: 'defaultRole',
    label: 'Default role',
    type: 'select',
    options: [
      { value: 'member', label: 'Member' },
      { value: 'admin', label: 'Admin' },
    ],
  },
  { name: 'adminGroup', label: 'Admin group', type: 'text', maxLength: 50 },
];

/** Starts the pair; `portal` options over the defaults. */
export async function portalServer(o: { portal?: Partial<AdminPortalOptions>; scim?: Partial<ScimServerOptions> } = {}) {
  const store = new MemoryStore();
  const scim = createScimServer({ store, tenantInPath: true, connections: {}, logger: silentLogger, events: { mode: 'beforeResponse' }, ...o.scim });
  const scimHandler = toNodeHandler(scim, { basePath: '/scim/v2' });
  let origin = '';
  const portal = adminPortal(scim, { basePath: '/scim-admin', scimUrl: (t) => `${origin}/scim/v2/${t}`, fields: FIELDS, ...o.portal });
  const http = createServer((req, res) => {
    if (req.url?.startsWith('/scim-admin')) void portal.node(req, res);
    else scimHandler(req, res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  open.push(http);
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { scim, store, portal, origin, connections: scim.connections! };
}

/** A browser-like client: keeps the session cookie, reads the CSRF token from pages. */
export function browser(origin: string) {
  let cookie = '';
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${origin}${path}`, { redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...headers } });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!.endsWith('=') ? '' : set.split(';')[0]!;
    return { res, text: await res.text() };
  };
  const post = async (path: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${origin}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin, ...(cookie ? { cookie } : {}), ...headers },
      body: new URLSearchParams(form).toString(),
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!.endsWith('=') ? '' : set.split(';')[0]!;
    return { res, text: await res.text() };
  };
  /** The CSRF token a page carries. */
  const csrfOf = (page: string) => /<meta name="csrf-token" content="([^"]*)"/.exec(page)?.[1] ?? '';
  return { get, post, csrfOf, cookie: () => cookie, setCookie: (c: string) => void (cookie = c) };
}

/** A SCIM request as an IdP sends it. */
export async function idp(origin: string, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${origin}/scim/v2${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'user-agent': 'Microsoft Azure AD SCIM provisioning 1.0.0',
      ...(body ? { 'content-type': 'application/scim+json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
