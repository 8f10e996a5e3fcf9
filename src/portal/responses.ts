/**
 * The portal's responses: pages with the security headers and this response's nonce, JSON
 * for the API (errors in SCIM's shape: `status`, `scimType`, `detail`), redirects.
 * @module
 */
import type { SafeHtml } from './html.js';
import { securityHeaders } from './security-headers.js';

/** How every response of one portal is made. */
export interface ResponseParts {
  /** Origins that may frame the portal. */
  readonly frameAncestors: readonly string[];
  /** The logo's origin when it is elsewhere. */
  readonly imgOrigin: string | undefined;
}

/** A page. */
export function pageResponse(p: ResponseParts, nonce: string, status: number, page: SafeHtml, headers: Record<string, string> = {}): Response {
  return new Response(page.text, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...securityHeaders(nonce, p.frameAncestors, p.imgOrigin), ...headers },
  });
}

/** A JSON answer of the API. */
export function jsonAnswer(p: ResponseParts, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...securityHeaders('-', p.frameAncestors, p.imgOrigin), ...headers },
  });
}

/** An API error: SCIM's error shape. */
export function jsonError(p: ResponseParts, status: number, detail: string, scimType?: string): Response {
  return jsonAnswer(p, status, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), ...(scimType ? { scimType } : {}), detail });
}

/** A redirect after a form (303: the browser GETs the page). */
export function seeOther(p: ResponseParts, location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, ...securityHeaders('-', p.frameAncestors, p.imgOrigin), ...headers } });
}
