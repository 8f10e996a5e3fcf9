/**
 * Who is using the portal: a session a setup link started (a signed cookie: HttpOnly,
 * SameSite=Lax, Secure over HTTPS, scoped to the portal's path), else the host's own sign-in
 * (`authorize`). Each viewer's CSRF token is a keyed digest of their session, so it needs no
 * storage and differs between viewers and between sessions.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { PortalViewer } from './options.js';
import { digest, sign, verify } from './signed.js';

/** A viewer, how they came in, and their CSRF token. */
export interface PortalSession extends PortalViewer {
  /** `link`: a session a setup link started; `host`: the host's `authorize`. */
  via: 'link' | 'host';
  /** The token every form and API write must carry. */
  csrf: string;
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'scimkit_portal';
const PURPOSE = 'scimkit-portal-session';

/** The cookie's value for a new session of `viewer` until `expiresAt`. */
export function sessionCookieValue(key: string, viewer: PortalViewer, expiresAt: number): string {
  return sign(key, PURPOSE, { t: viewer.tenant, a: viewer.actor, s: randomBytes(12).toString('base64url'), e: expiresAt });
}

/** The Set-Cookie header of a session (empty value and Max-Age=0 ends it). */
export function sessionCookie(value: string, o: { path: string; secure: boolean; maxAgeMs: number }): string {
  const age = Math.max(0, Math.floor(o.maxAgeMs / 1000));
  return `${SESSION_COOKIE}=${value}; Path=${o.path}; Max-Age=${age}; HttpOnly; SameSite=Lax${o.secure ? '; Secure' : ''}`;
}

/** The value of cookie `name` in a Cookie header. */
export function cookieOf(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The link session in a request's cookie, when it is valid now. */
export function linkSessionOf(key: string, cookieHeader: string | null, now: number): PortalSession | undefined {
  const value = cookieOf(cookieHeader, SESSION_COOKIE);
  const p = value ? verify(key, PURPOSE, value) : undefined;
  if (!p || typeof p.t !== 'string' || typeof p.a !== 'string' || typeof p.s !== 'string' || typeof p.e !== 'number' || !(now < p.e)) return undefined;
  return { tenant: p.t, actor: p.a, via: 'link', csrf: digest(key, 'csrf', `link\n${p.s}`) };
}

/** A host-authorized viewer's session (their CSRF token is bound to tenant and actor). */
export function hostSession(key: string, viewer: PortalViewer): PortalSession {
  return { tenant: viewer.tenant, actor: viewer.actor, via: 'host', csrf: digest(key, 'csrf', `host\n${viewer.tenant}\n${viewer.actor}`) };
}
