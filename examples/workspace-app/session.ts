// Sign-in for the organization's admin: a session cookie (HttpOnly, SameSite=Lax), a CSRF
// token per session checked on every form post of the app's pages, and the Origin checked when
// the browser sends it. The SCIM portal reads the same session through its `authorize` and
// checks its own forms (its CSRF token and the same-origin rule).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type express from 'express';

export interface Session {
  /** The organization this admin manages. */
  org: string;
  /** The admin's e-mail. */
  email: string;
  /** Sent back in every form; a post without it is refused. */
  csrf: string;
  expiresAt: number;
}

const COOKIE = 'workspace_session';
const LIFETIME_MS = 8 * 3600_000;

/** The sessions of one app (in memory: a real app keeps them in its database). */
export class Sessions {
  readonly #byId = new Map<string, Session>();

  /** Starts a session and sets its cookie. */
  start(res: express.Response, org: string, email: string, secure = false): Session {
    const id = randomBytes(32).toString('base64url');
    const session: Session = { org, email, csrf: randomBytes(32).toString('base64url'), expiresAt: Date.now() + LIFETIME_MS };
    this.#byId.set(id, session);
    // Secure whenever the app is served over HTTPS (as it must be in production)
    res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: LIFETIME_MS, secure });
    return session;
  }

  /** The request's live session, if any. */
  of(req: express.Request): Session | undefined {
    return this.ofCookieHeader(req.headers.cookie);
  }

  /** The live session a Cookie header names, if any (for the SCIM portal's `authorize`, which gets a fetch Request). */
  ofCookieHeader(header: string | null | undefined): Session | undefined {
    const id = cookieOf(header, COOKIE);
    const s = id ? this.#byId.get(id) : undefined;
    if (s && s.expiresAt < Date.now()) {
      this.#byId.delete(id!);
      return undefined;
    }
    return s;
  }

  /** Ends the request's session. */
  end(req: express.Request, res: express.Response): void {
    const id = cookieOf(req.headers.cookie, COOKIE);
    if (id) this.#byId.delete(id);
    res.clearCookie(COOKIE, { path: '/' });
  }
}

function cookieOf(header: string | null | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      // a malformed cookie is no session, not a 500
      return undefined;
    }
  }
  return undefined;
}

/** Whether two secrets are equal, in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a form post carries the session's CSRF token and, when the browser names one, comes from this origin. */
export function validPost(req: express.Request, session: Session): boolean {
  const origin = req.get('origin');
  if (origin !== undefined && origin !== `${req.protocol}://${req.get('host')}`) return false;
  const token = typeof req.body?.csrf === 'string' ? req.body.csrf : '';
  return sameSecret(token, session.csrf);
}
