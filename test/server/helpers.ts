import { bearerToken, createScimServer, MemoryStore, type ScimResponse, type ScimServer, type ScimServerOptions } from '../../src/index.js';

export const TOKEN = 'test-token-0123456789-0123456789-ab';
export const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const E = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type Body = Record<string, unknown> & {
  detail?: string;
  scimType?: string;
  status?: string;
  Resources?: Record<string, unknown>[];
  totalResults?: number;
  id?: string;
};

const servers: ScimServer[] = [];

/** Closes every server `setup` made (call it before closing a database they wrote to: they write their activity log after the responses). */
export async function closeServers(): Promise<void> {
  for (const s of servers.splice(0)) await s.close();
}

/** A server on a fresh MemoryStore and a `call` that speaks JSON text, as an adapter would. */
export function setup(options: Partial<ScimServerOptions> = {}) {
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore();
  const server = createScimServer({ authenticate: bearerToken(TOKEN), baseUrl: 'https://app.example.com/scim/v2', store, ...options });
  servers.push(server);
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimResponse & { body: Body }> {
    const [p, q] = path.split('?');
    const res = await server.handle({
      method,
      path: p!,
      query: q ?? '',
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return res as ScimResponse & { body: Body };
  }
  const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [U], userName, active: true, ...extra });
  const group = (displayName: string, members: string[] = [], extra: Record<string, unknown> = {}) => ({
    schemas: [G],
    displayName,
    members: members.map((value) => ({ value })),
    ...extra,
  });
  const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
  return { server, store, call, user, group, patch };
}
