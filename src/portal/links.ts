/**
 * Setup links: `portal.link({ tenant, actor, expiresIn })` signs who may open the portal for
 * which tenant until when, with a random id; opening it marks the id used (once, across
 * instances when {@link LinkRedemptions} is shared) and starts a session.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { sign, verify } from './signed.js';

/** Where setup links are marked used: `redeem` is true the first time an id is given, false after. */
export interface LinkRedemptions {
  /** Marks `id` used; false when it was already (keep it at least until `expiresAt`). */
  redeem(id: string, expiresAt: Date): boolean | Promise<boolean>;
}

/** What {@link AdminPortal.link} takes. */
export interface PortalLinkOptions {
  /** The tenant whose connection the link opens. */
  tenant: string;
  /** Who it is for (an e-mail): their changes are recorded under it. */
  actor: string;
  /** Seconds it can be opened in (default 300, at most 7 days). */
  expiresIn?: number;
}

/** The link's claims, once verified. */
export interface LinkClaims {
  /** The tenant. */
  tenant: string;
  /** The actor. */
  actor: string;
  /** Its id (marked used when opened). */
  id: string;
  /** When it stops opening, epoch ms. */
  expiresAt: number;
}

const PURPOSE = 'scimkit-portal-link';

/** A new link token for `o` (a TypeError for bad input: the host calls it, not a visitor). */
export function linkToken(key: string, o: PortalLinkOptions, now: number): { token: string; claims: LinkClaims } {
  if (!o || typeof o.tenant !== 'string' || o.tenant === '' || o.tenant.length > 200) throw new TypeError('portal.link: tenant must be a non-empty string');
  if (typeof o.actor !== 'string' || o.actor === '' || o.actor.length > 200) throw new TypeError('portal.link: actor must be a non-empty string');
  const seconds = o.expiresIn ?? 300;
  if (!(Number.isFinite(seconds) && seconds > 0 && seconds <= 7 * 24 * 3600))
    throw new TypeError('portal.link: expiresIn must be seconds between 1 and 7 days');
  const claims: LinkClaims = { tenant: o.tenant, actor: o.actor, id: randomBytes(16).toString('base64url'), expiresAt: now + Math.round(seconds * 1000) };
  return { token: sign(key, PURPOSE, { t: claims.tenant, a: claims.actor, i: claims.id, e: claims.expiresAt }), claims };
}

/** The claims of a link token, or why it cannot be opened (a bad signature and a malformed one look the same). */
export function linkClaims(key: string, token: string, now: number): LinkClaims | 'invalid' | 'expired' {
  const p = verify(key, PURPOSE, token);
  if (!p || typeof p.t !== 'string' || typeof p.a !== 'string' || typeof p.i !== 'string' || typeof p.e !== 'number') return 'invalid';
  if (!(now < p.e)) return 'expired';
  return { tenant: p.t, actor: p.a, id: p.i, expiresAt: p.e };
}

/** The default {@link LinkRedemptions}: this process's memory, each id kept until its link expires; at most `max` unexpired ids, past which a link is refused rather than an id forgotten (it could open twice then). */
export class MemoryLinkRedemptions implements LinkRedemptions {
  readonly #used = new Map<string, number>();
  readonly #max: number;
  /** Keeps at most `max` ids (default 100,000). */
  constructor(max = 100_000) {
    this.#max = max;
  }
  redeem(id: string, expiresAt: Date): boolean {
    const now = Date.now();
    if (this.#used.has(id)) return false;
    if (this.#used.size >= this.#max) for (const [k, until] of this.#used) if (until <= now) this.#used.delete(k);
    // still full of links that can be opened: refuse rather than forget one (a link could then open twice)
    if (this.#used.size >= this.#max) return false;
    this.#used.set(id, expiresAt.getTime());
    return true;
  }
}
