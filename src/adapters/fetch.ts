/**
 * `scimkit/fetch`: a web-standard `(Request) => Promise<Response>` handler for Hono,
 * Next.js route handlers, Bun, Deno and Cloudflare Workers.
 * @packageDocumentation
 * @module scimkit/fetch
 */
import { responseText, ScimError, type ScimResponse, type ScimServer } from 'scimkit';

/** Options of {@link toFetchHandler}. */
export interface FetchHandlerOptions {
  /** The path SCIM is served under, e.g. `/scim/v2` (default: the root). */
  basePath?: string;
}

function toResponse(r: ScimResponse): Response {
  return new Response(r.body === undefined ? null : responseText(r), { status: r.status, headers: r.headers });
}

/** A Request's headers as a plain object. */
function headersOf(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return headers;
}

/** Reads a stream up to a limit; undefined past it. */
async function readLimited(request: Request, limit: number): Promise<Uint8Array | undefined | 'tooLarge'> {
  if (!request.body) return undefined;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return 'tooLarge';
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return size ? out : undefined;
}

/**
 * A fetch handler; requests outside `basePath` get a SCIM 404.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { toFetchHandler } from 'scimkit/fetch';
 *
 * const handler = toFetchHandler(scim, { basePath: '/scim/v2' }); // scim: createScimServer(...)
 * const app = new Hono();
 * app.all('/scim/v2/*', (c) => handler(c.req.raw));
 * ```
 */
export function toFetchHandler(server: ScimServer, options: FetchHandlerOptions = {}): (request: Request) => Promise<Response> {
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  return async (request) => {
    const url = new URL(request.url);
    const outside = base && url.pathname !== base && !url.pathname.startsWith(`${base}/`);
    if (outside)
      return toResponse(server.refuse({ method: request.method, path: url.pathname, headers: headersOf(request) }, ScimError.notFound('Not a SCIM path')));
    const declared = Number(request.headers.get('content-length'));
    const body = Number.isFinite(declared) && declared > server.limits.maxBodyBytes ? 'tooLarge' : await readLimited(request, server.limits.maxBodyBytes);
    const headers = headersOf(request);
    const path = url.pathname.slice(base.length) || '/';
    if (body === 'tooLarge')
      return toResponse(
        server.refuse({ method: request.method, path, headers }, ScimError.payloadTooLarge(`The body is larger than ${server.limits.maxBodyBytes} bytes`)),
      );
    const r = await server.handle({
      method: request.method,
      path,
      query: url.search,
      headers,
      body,
      baseUrl: `${url.origin}${base}`,
      signal: request.signal,
    });
    return toResponse(r);
  };
}
