/**
 * `scimkit/fetch`: a web-standard `(Request) => Promise<Response>` handler for Hono,
 * Next.js route handlers, Bun, Deno and Cloudflare Workers.
 * @packageDocumentation
 * @module scimkit/fetch
 */
import { type DiscardBound, discardBoundOf, readLimited, responseText, ScimError, type ScimResponse, type ScimServer } from 'scimkit';

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

/**
 * A request body up to the limit; undefined when empty. Past the limit the rest is read and
 * dropped within `discard` (the client can then read its 413); a declared length past that
 * bound is refused without reading.
 */
async function readBody(request: Request, limit: number, discard: DiscardBound): Promise<Uint8Array | undefined | 'tooLarge'> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > discard.bytes) return 'tooLarge';
  const { bytes, tooLarge } = await readLimited(request.body, limit, discard);
  return tooLarge ? 'tooLarge' : bytes.byteLength ? bytes : undefined;
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
  const discard = discardBoundOf(server.limits);
  return async (request) => {
    const url = new URL(request.url);
    const outside = base && url.pathname !== base && !url.pathname.startsWith(`${base}/`);
    if (outside)
      return toResponse(server.refuse({ method: request.method, path: url.pathname, headers: headersOf(request) }, ScimError.notFound('Not a SCIM path')));
    const body = await readBody(request, server.limits.maxBodyBytes, discard);
    const headers = headersOf(request);
    const path = url.pathname.slice(base.length) || '/';
    if (body === 'tooLarge') {
      const r = server.refuse(
        { method: request.method, path, headers },
        ScimError.payloadTooLarge(`The body is larger than ${server.limits.maxBodyBytes} bytes`),
      );
      // the body may not have been read to its end (past the discard bound): the connection is not reused
      return toResponse({ ...r, headers: { ...r.headers, connection: 'close' } });
    }
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
