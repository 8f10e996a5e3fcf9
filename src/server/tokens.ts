/**
 * Token records: what a host keeps for each SCIM connection (the token only as its hash),
 * how tokens are made, and a live list of them that can change while the server runs.
 * @module
 */
import * as crypto from 'node:crypto';
import type { AuthContext } from './auth-context.js';

export type { TokenScope } from './auth-context.js';

import { sha256 } from './sha256.js';

/** What a token may do: `read` (GET, `/.search`) and `write` (POST, PUT, PATCH, DELETE, Bulk). */

/** A point in time as a host may store it: a Date, an ISO 8601 string, or epoch milliseconds. */
export type Instant = Date | string | number;

/** A tenant's SCIM connection as the host stores it: the token only as its hash. */
export interface TenantToken extends AuthContext {
  /** {@link hashToken} of the secret token. */
  tokenHash: string;
  /** When the token stops working (401 `invalid_token` from then on); never, when absent or null (a NULL column). */
  expiresAt?: Instant | null;
  /** When the token was revoked: set it and the next request with the token is 401; absent or null: not revoked. */
  revokedAt?: Instant | null;
  /** When the token last authenticated a request; kept up to date by {@link bearerTokens} on the record it holds. */
  lastUsedAt?: Date;
}

/** The prefix of {@link generateToken}'s tokens, so that secret scanners can recognise a leaked one. */
export const TOKEN_PREFIX = 'scimkit_';

/** The SHA-256 hex digest of a token: what to store instead of the token. */
export function hashToken(token: string): string {
  return sha256(token, 'hex');
}

/** A new random secret token: `scimkit_` and 32 random bytes in base64url. Show it once; store {@link hashToken}. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
}

/** Milliseconds since the epoch of an {@link Instant}; NaN when it is not a time. */
export function instantMs(at: Instant): number {
  return at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
}

/**
 * The tokens of a running server, changeable at run time: {@link add} a connection,
 * {@link revoke} one by its `id` or hash, effective from the next request. Pass it to
 * {@link bearerTokens}.
 */
export class TokenList {
  readonly #byHash = new Map<string, TenantToken>();

  /** A list holding `tokens` (the records themselves: `lastUsedAt` is written to them). */
  constructor(tokens: Iterable<TenantToken> = []) {
    for (const t of tokens) this.add(t);
  }

  /** Adds a token, replacing any with the same hash. */
  add(token: TenantToken): void {
    this.#byHash.set(token.tokenHash, token);
  }

  /** Removes the token whose `tokenId` or `tokenHash` is `idOrHash`; whether there was one. */
  revoke(idOrHash: string): boolean {
    if (this.#byHash.delete(idOrHash)) return true;
    for (const [hash, t] of this.#byHash) if (t.tokenId === idOrHash) return this.#byHash.delete(hash);
    return false;
  }

  /** The record for a token hash. */
  find(tokenHash: string): TenantToken | undefined {
    return this.#byHash.get(tokenHash);
  }

  /** Every record, for a settings page (expiry, last use). */
  list(): TenantToken[] {
    return [...this.#byHash.values()];
  }
}
