/**
 * The neutral request and response every adapter translates to and from.
 * @module
 */
import { type ScimError, toScimError } from '../core/errors.js';

/** A transport-free HTTP request. */
export interface ScimRequest {
  /** The HTTP method, any case. */
  method: string;
  /** The path below the SCIM base URL, e.g. `/Users/123` (a tenant segment first when tenants are in the path). */
  path: string;
  /** The query string, parsed or raw. */
  query?: URLSearchParams | Record<string, string | string[] | undefined> | string;
  /** Headers; names in any case. */
  headers?: Record<string, string | string[] | undefined>;
  /** The body: the raw text (preferred: limits and syntax errors are the engine's), or parsed JSON. */
  body?: string | Uint8Array | unknown;
  /** The absolute SCIM base URL this request arrived at, for `Location` and `meta.location`. */
  baseUrl?: string;
  /** Aborted when the client went away. */
  signal?: AbortSignal;
  /** The client's address as the connection shows it (for limits on failed authentication); never from a header. */
  remoteAddress?: string;
}

/** A transport-free HTTP response. */
export interface ScimResponse {
  /** The status code. */
  status: number;
  /** Response headers (lower-case names). */
  headers: Record<string, string>;
  /** The JSON body, or undefined for 204/304. */
  body?: unknown;
}

/** The SCIM media type, sent on every response with a body. */
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** A JSON response with the SCIM content type. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): ScimResponse {
  return { status, headers: { 'content-type': SCIM_CONTENT_TYPE, ...headers }, body };
}

/** The SCIM error response for anything thrown. */
export function errorResponse(error: unknown): ScimResponse {
  const e: ScimError = toScimError(error);
  const headers: Record<string, string> = {};
  if (e.challenge) headers['www-authenticate'] = e.challenge;
  else if (e.status === 401) headers['www-authenticate'] = 'Bearer realm="scim"';
  if (e.retryAfter !== undefined) headers['retry-after'] = String(e.retryAfter);
  return jsonResponse(e.status, e.toJSON(), headers);
}

/** A header's value, case-insensitively (`name` in lower case); the first when repeated. */
export function header(req: ScimRequest, name: string): string | undefined {
  const h = req.headers;
  if (!h) return undefined;
  let v = h[name];
  if (v === undefined) {
    // Node's names are lower-case already and most look-ups are of absent headers (If-Match,
    // X-Request-Id): compare lengths first, so that costs no allocation
    for (const k in h) {
      if (k.length === name.length && k !== name && k.toLowerCase() === name) {
        v = h[k];
        break;
      }
    }
  }
  return Array.isArray(v) ? v[0] : v;
}

/** The query as URLSearchParams. */
export function queryOf(req: ScimRequest): URLSearchParams {
  const q = req.query;
  if (q === undefined) return new URLSearchParams();
  if (q instanceof URLSearchParams) return q;
  if (typeof q === 'string') return new URLSearchParams(q.startsWith('?') ? q.slice(1) : q);
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (Array.isArray(v)) for (const x of v) out.append(k, x);
    else if (v !== undefined) out.append(k, v);
  }
  return out;
}
