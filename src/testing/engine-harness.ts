/**
 * The whole engine over the store under test, for the rules only a server shows (ETags,
 * If-Match, soft delete, the engine's filter and sort fallback): `createScimServer` with the
 * contract's registry and one bearer token, requests through `server.handle` as an adapter
 * sends them, and every server closed after its test (so its event delivery stops before the
 * store is closed or truncated).
 * @module
 * @internal
 */
import {
  bearerToken,
  createScimServer,
  type ProvisioningStore,
  type SchemaRegistry,
  type ScimResource,
  type ScimServer,
  type ScimServerOptions,
} from 'scimkit';
import { afterEach } from 'vitest';

/** The bearer token of the kit's servers. */
export const TOKEN = 'contract-token-0123456789-0123456789';
/** The base URL the kit's servers answer under. */
export const BASE_URL = 'https://sp.example/scim/v2';

/** A response of the engine with its JSON body typed loosely, as a test reads it. */
export type Answer = { status: number; headers: Record<string, string | undefined> } & {
  body: Record<string, unknown> & { Resources?: ScimResource[]; scimType?: string; detail?: string; totalResults?: number };
};

/** Sends one request: method, path with an optional `?query`, a JSON body, extra headers. */
export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer>;

/** Servers over a store, closed after each test of the `describe` that made the harness. */
export interface EngineHarness {
  /** A server over `store` with the contract's registry and token, and `options` on top. */
  serverOf(store: ProvisioningStore, options?: Partial<ScimServerOptions>): ScimServer;
  /** A server over `store`, and a `call` that sends it requests as an adapter would. */
  serve(store: ProvisioningStore, options?: Partial<ScimServerOptions>): Call;
  /** The servers of the running test, newest last. */
  readonly open: readonly ScimServer[];
}

/** A harness for the tests of the enclosing `describe`, authenticating as `tenant`. */
export function engineHarness(registry: SchemaRegistry, tenant: string): EngineHarness {
  const open: ScimServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  const serverOf = (store: ProvisioningStore, options: Partial<ScimServerOptions> = {}) => {
    const server = createScimServer({ authenticate: bearerToken(TOKEN, { tenant }), baseUrl: BASE_URL, store, registry, ...options });
    open.push(server);
    return server;
  };
  const serve = (store: ProvisioningStore, options: Partial<ScimServerOptions> = {}): Call => {
    const server = serverOf(store, options);
    return async (method, path, body, headers = {}) => {
      const [p, q] = path.split('?');
      const res = await server.handle({
        method,
        path: p!,
        query: q ?? '',
        headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, headers: res.headers, body: res.body as Answer['body'] };
    };
  };
  return { serverOf, serve, open };
}
