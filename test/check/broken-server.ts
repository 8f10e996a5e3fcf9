// A real scimkit server on 127.0.0.1 whose requests and responses a test can bend: each
// "break" makes it violate exactly one rule of the catalogue, as a defective server would.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { bearerToken, createScimServer, MemoryStore, type ScimServerOptions } from 'scimkit';
import { toFetchHandler } from 'scimkit/fetch';

export const TOKEN = 'check-token-0123456789-0123456789-0123456789';

type Json = Record<string, unknown>;
type Inner = (request: Request) => Promise<Response>;

/** How a break bends one request: return a request to pass on, or a response to answer with. */
export interface Break {
  before?: (request: Request, url: URL, inner: Inner) => Promise<Request | Response | undefined> | Request | Response | undefined;
  after?: (request: Request, response: Response, url: URL) => Promise<Response | undefined> | Response | undefined;
}

export interface BrokenServer {
  baseUrl: string;
  store: MemoryStore;
  /** The break in force (none: the real server). */
  use(b: Break | undefined): void;
  close(): Promise<void>;
}

export async function startBrokenServer(options: Partial<ScimServerOptions> = {}): Promise<BrokenServer> {
  const store = new MemoryStore();
  const scim = createScimServer({
    authenticate: bearerToken(TOKEN),
    store,
    features: { bulk: true, sort: true, etag: true, cursor: true },
    uniqueGroupDisplayName: true,
    rateLimits: false,
    ...options,
  });
  const inner = toFetchHandler(scim, { basePath: '/scim/v2' });
  let current: Break | undefined;
  const fetch = async (request: Request): Promise<Response> => {
    const b = current;
    const url = new URL(request.url);
    let req = request;
    if (b?.before) {
      const bent = await b.before(request.clone(), url, inner);
      if (bent instanceof Response) return bent;
      if (bent) req = bent;
    }
    const res = await inner(req);
    return (b?.after && (await b.after(req, res.clone(), new URL(req.url)))) || res;
  };
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as unknown as Server));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/scim/v2`,
    store,
    use: (b) => void (current = b),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// Helpers for writing breaks.

/** The path below the base, e.g. `/Users/123`. */
export const pathOf = (url: URL): string => url.pathname.replace(/^\/scim\/v2/, '');

/** A SCIM JSON response. */
export const scimJson = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/scim+json', ...headers } });

/** The same request with another body. */
export const withBody = (r: Request, body: unknown): Request =>
  new Request(r.url, { method: r.method, headers: r.headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The same request to another URL. */
export const withUrl = (r: Request, url: URL | string): Request =>
  new Request(String(url), {
    method: r.method,
    headers: r.headers,
    ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { body: r.body, duplex: 'half' }),
  } as RequestInit);

/** The same request without a query parameter. */
export function withoutParam(r: Request, url: URL, name: string): Request {
  const u = new URL(url);
  u.searchParams.delete(name);
  return withUrl(r, u);
}

/** The same request without a header. */
export function withoutHeader(r: Request, name: string): Request {
  const headers = new Headers(r.headers);
  headers.delete(name);
  return new Request(r.url, {
    method: r.method,
    headers,
    ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { body: r.body, duplex: 'half' }),
  } as RequestInit);
}

/** A response with its JSON body edited. */
export async function editJson(res: Response, edit: (body: Json) => unknown): Promise<Response> {
  const body = (await res.json()) as Json;
  const out = edit(body) ?? body;
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(out), { status: res.status, headers });
}

/** A PATCH request with its operations edited. */
export async function editOperations(r: Request, edit: (ops: Json[]) => Json[]): Promise<Request> {
  const body = (await r.json()) as { Operations: Json[] };
  return withBody(r, { ...body, Operations: edit(body.Operations) });
}

/** The request's filter, if any. */
export const filterOf = (url: URL): string => url.searchParams.get('filter') ?? '';

/** An empty ListResponse. */
export const emptyList = (): Response => scimJson(200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, Resources: [] });
