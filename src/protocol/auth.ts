/**
 * Authentication: a request's credentials → the tenant context every store call is scoped to.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ScimError } from '../errors.js';
import { header, type ScimRequest } from './request.js';

/** What authentication resolves a request to (the store context less the request id). */
export interface AuthContext {
  /** The tenant; every store call is scoped to it. */
  tenant: string;
  /** The host's workspace this connection provisions into. */
  workspace?: string;
  /** The role the host gives new users. */
  defaultRole?: string;
  /** The authenticated subject. */
  principal?: string;
}

/**
 * Resolves a request to a context, or throws 401/403. `tenant` is the tenant segment of
 * the path when tenants are in the path; the result must be for that tenant.
 */
export type Authenticate = (request: ScimRequest, tenant: string | undefined) => AuthContext | Promise<AuthContext>;

/** The SHA-256 hex digest of a token: what to store instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random secret token (32 bytes, base64url), to show once and store as {@link hashToken}. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

function bearer(req: ScimRequest): string {
  const h = header(req, 'authorization');
  const m = h && /^Bearer[ \t]+(\S+)\s*$/i.exec(h);
  if (!m?.[1]) throw ScimError.unauthorized('A bearer token is required');
  return m[1];
}

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** One static bearer token for one tenant (default `default`): the simplest setup. Compared in constant time. */
export function bearerToken(token: string, context: Partial<AuthContext> = {}): Authenticate {
  if (!token) throw new TypeError('bearerToken: the token must not be empty');
  const want = hashToken(token);
  return (req) => {
    if (!sameDigest(hashToken(bearer(req)), want)) throw ScimError.unauthorized('The bearer token is not valid');
    return { tenant: 'default', ...context };
  };
}

/** A tenant's SCIM connection as the host stores it: the token only as its hash. */
export interface TenantToken extends AuthContext {
  /** {@link hashToken} of the secret token. */
  tokenHash: string;
}

/**
 * Per-tenant tokens stored as hashes. `lookup` finds the connection by token hash (from
 * the host's database); a token for another tenant than the one in the path is 401.
 */
export function bearerTokens(
  lookup: ((tokenHash: string) => TenantToken | undefined | Promise<TenantToken | undefined>) | readonly TenantToken[],
): Authenticate {
  const find =
    typeof lookup === 'function'
      ? lookup
      : (() => {
          const byHash = new Map(lookup.map((t) => [t.tokenHash, t]));
          return (h: string) => byHash.get(h);
        })();
  return async (req, tenant) => {
    const presented = hashToken(bearer(req));
    const hit = await find(presented);
    // compare once more in constant time: a lookup function may match loosely
    if (!hit || !sameDigest(hit.tokenHash, presented) || (tenant !== undefined && hit.tenant !== tenant)) {
      throw ScimError.unauthorized('The bearer token is not valid');
    }
    const { tokenHash: _hash, ...ctx } = hit;
    return ctx;
  };
}
