/**
 * `scimkit/fetch`: a web-standard `(Request) => Promise<Response>` handler for Hono,
 * Next.js route handlers, Bun, Deno and Cloudflare Workers.
 * @packageDocumentation
 * @module scimkit/fetch
 */
import { type DiscardBound, discardBoundOf, readLimited, responseText, ScimError, type ScimRequest, type ScimResponse, type ScimServer } from 'scimkit';

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
 * bound is refused without reading. A body not in by `deadline` (epoch ms) is `late`.
 */
async function readBody(request: Request, limit: number, discard: DiscardBound, deadline: number): Promise<Uint8Array | undefined | 'tooLarge' | 'late'> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > discard.bytes) return 'tooLarge';
  const { bytes, tooLarge, late } = await readLimited(request.body, limit, discard, deadline);
  return late ? 'late' : tooLarge ? 'tooLarge' : bytes.byteLength ? bytes : undefined;
}

/** The response with `Connection: close`: a body was refused or left unread, and the connection is not reused. */
function closing(r: ScimResponse): ScimResponse {
  return { ...r, headers: { ...r.headers, connection: 'close' } };
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
    const headers = headersOf(request);
    const path = url.pathname.slice(base.length) || '/';
    const scim: ScimRequest = { method: request.method, path, query: url.search, headers, baseUrl: `${url.origin}${base}`, signal: request.signal };
    // the credential is checked from the headers first: a body nobody authenticated is never read
    const admission = await server.admit(scim);
    if (admission.refusal) return toResponse(request.body ? closing(admission.refusal) : admission.refusal);
    const body = await readBody(request, server.limits.maxBodyBytes, discard, admission.deadline);
    if (body === 'tooLarge' || body === 'late') {
      const error =
        body === 'late'
          ? ScimError.requestTimeout(`The request body did not arrive within ${server.limits.requestTimeoutMs} ms`)
          : ScimError.payloadTooLarge(`The body is larger than ${server.limits.maxBodyBytes} bytes`);
      // the body may not have been read to its end (past the discard bound, or late): the connection is not reused
      return toResponse(closing(server.refuse({ method: request.method, path, headers }, error, admission)));
    }
    scim.body = body;
    const r = await server.handle(scim, admission);
    return toResponse(r);
  };
}
