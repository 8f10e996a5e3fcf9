/**
 * The OAuth 2.0 token endpoint of connections: the client credentials grant (RFC 6749 §4.4)
 * as Entra ID uses it. `POST {base}/oauth/token` (`/{tenant}/oauth/token` with
 * `tenantInPath`; the path is `connections.tokenPath`) with a form body, the client
 * authenticated by `client_secret_post` or `client_secret_basic`, answers §5.1
 * `{ access_token, token_type: 'Bearer', expires_in }` with `Cache-Control: no-store`, or a
 * §5.2 error JSON (never a SCIM error body). Access tokens are `oauthAccess` credentials (only
 * their hash kept), which connection authentication accepts until they expire. It is not
 * behind bearer authentication: it is rate limited per client address, and its failures
 * count in the failed-authentication lockout.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import { ScimError } from '../../core/errors.js';
import type { ConnectionStore } from '../../stores/connections.js';
import type { ScimLogger } from '../activity/logger.js';
import type { RequestAdmission } from '../admission.js';
import { decodeSegments } from '../path-segments.js';
import type { ScimRequest, ScimResponse } from '../request.js';
import type { Trace } from '../request-activity.js';
import { hashToken } from '../tokens.js';
import type { ConnectionAuthenticator } from './connection-auth.js';
import { inForce, newCredential } from './credentials.js';
import { type ConnectionsOptions, TOKEN_DEFAULTS } from './options.js';
import { basicClientIdOf, OAuthError, tokenRequestOf } from './token-request.js';

/** How often expired access tokens are deleted, at most (after a token is issued, off its request). */
const CLEAN_EVERY_MS = 10 * 60_000;

/** An OAuth JSON answer (RFC 6749 §5.1: never cached). */
function oauthResponse(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): ScimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache', ...headers }, body };
}

/**
 * The §5.2 answer of a refusal. A 401 names HTTP Basic, the one authentication scheme the
 * endpoint takes (§5.2: required when the client used it; HTTP wants a challenge on every 401).
 * A failure of the server's own is answered in the same JSON shape (`server_error`), logged.
 */
function refusal(e: unknown, logger: ScimLogger): ScimResponse {
  if (e instanceof OAuthError) {
    return oauthResponse(e.status, { error: e.code, error_description: e.description }, e.status === 401 ? { 'www-authenticate': 'Basic realm="scim"' } : {});
  }
  if (e instanceof ScimError && e.status === 429) {
    return oauthResponse(
      429,
      { error: 'invalid_request', error_description: e.detail },
      e.retryAfter === undefined ? {} : { 'retry-after': String(e.retryAfter) },
    );
  }
  const status = e instanceof ScimError && e.status >= 500 ? e.status : 500;
  logger.error({ error: e instanceof Error ? e.message : String(e) }, 'connections: the token endpoint failed');
  return oauthResponse(status, { error: 'server_error', error_description: 'The token could not be issued; try again' });
}

/** What a token request's failures are counted under in the lockout: its client id (the secret is what a guesser varies). */
function attemptCredential(clientId: string): string {
  return `client ${clientId}`;
}

/** Whether two hex digests are equal, in time that depends on their length only. */
function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** What the endpoint works with, made by the server. @internal */
export interface TokenEndpointParts {
  readonly store: ConnectionStore;
  readonly options: ConnectionsOptions;
  readonly tenantInPath: boolean;
  readonly admission: RequestAdmission;
  readonly authenticator: ConnectionAuthenticator | undefined;
  readonly logger: ScimLogger;
  readonly now: () => number;
}

/** The token endpoint of one server. @internal */
export class TokenEndpoint {
  readonly #p: TokenEndpointParts;
  /** The path's segments below the base (and tenant). */
  readonly #segments: string[];
  /** The path's end, to skip decoding for every other request. */
  readonly #suffix: string;
  #cleanedAt = Number.NEGATIVE_INFINITY;

  /** The endpoint over `parts`. */
  constructor(parts: TokenEndpointParts) {
    this.#p = parts;
    this.#segments = (parts.options.tokenPath ?? TOKEN_DEFAULTS.path).split('/').filter((s) => s !== '');
    if (!this.#segments.length) throw new TypeError('connections: tokenPath must name a path, e.g. oauth/token');
    this.#suffix = `/${this.#segments.join('/')}`;
  }

  /** The tenant the path names (`''` without tenantInPath) when `req` is for this endpoint, else undefined. O(1) for other requests. */
  tenantOf(req: ScimRequest): string | undefined {
    const path = req.path ?? '/';
    if (!path.endsWith(this.#suffix) && !path.endsWith(`${this.#suffix}/`)) return undefined;
    let segs: string[];
    try {
      segs = decodeSegments(path);
    } catch {
      return undefined;
    }
    const tenant = this.#p.tenantInPath ? segs.shift() : '';
    if (tenant === undefined || segs.length !== this.#segments.length || segs.some((s, i) => s !== this.#segments[i])) return undefined;
    return tenant;
  }

  /**
   * Before the body is read: the per-address budget, and the lockout of a client named in HTTP
   * Basic. A client id sent in the body is checked once it is read (#issue): checked here as an
   * anonymous attempt, a source past its budget would refuse the clients that authenticated from
   * it before too (an IdP behind the same NAT as a guesser), which the lockout spares.
   * A refusal to answer now, or undefined.
   */
  async precheck(req: ScimRequest, tenant: string): Promise<ScimResponse | undefined> {
    try {
      // per source: behind a proxy the client it names (rateLimits.sourceOf), not the proxy everyone shares
      const source = this.#p.admission.sourceOf(req, tenant || undefined);
      if (source !== undefined) await this.#p.admission.spendOn(`oauth-token\u0000${source}`, this.#p.options.tokenRate ?? TOKEN_DEFAULTS.rate);
      const basicId = basicClientIdOf(req);
      if (basicId !== undefined) this.#p.admission.attemptOf(req, tenant || undefined, attemptCredential(basicId));
      return undefined;
    } catch (e) {
      return refusal(e, this.#p.logger);
    }
  }

  /**
   * The answer to a token request whose body the adapter refused (413 too large, 408 late, 400
   * unreadable): its status kept, its body §5.2 `invalid_request` (an OAuth client reads no SCIM
   * error), never cached. `t`, the trace of an admitted request, gets the path's parts for its record.
   */
  refusedBody(error: ScimError, t?: Trace, tenant?: string): ScimResponse {
    if (t) {
      t.segs = [...this.#segments];
      if (this.#p.tenantInPath && tenant !== undefined) t.tenantHint = tenant;
    }
    const headers: Record<string, string> = error.retryAfter === undefined ? {} : { 'retry-after': String(error.retryAfter) };
    return oauthResponse(error.status, { error: 'invalid_request', error_description: error.detail }, headers);
  }

  /** Answers a token request (its pre-check done when `checked`). Sets `t.auth` when a client authenticated, so its record is the tenant's. */
  async answer(req: ScimRequest, t: Trace, tenant: string, checked: boolean): Promise<ScimResponse> {
    t.segs = [...this.#segments];
    if (this.#p.tenantInPath) t.tenantHint = tenant;
    if (!checked) {
      const refused = await this.precheck(req, tenant);
      if (refused) return refused;
    }
    try {
      if ((req.method ?? '').toUpperCase() !== 'POST')
        return oauthResponse(405, { error: 'invalid_request', error_description: 'Use POST' }, { allow: 'POST' });
      const tr = tokenRequestOf(req);
      if (tr.grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
      if (tr.grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported');
      if (tr.clientId === undefined || tr.clientSecret === undefined)
        throw new OAuthError('invalid_client', 'Client authentication is required (client_id and client_secret)');
      return await this.#issue(req, t, tenant, tr.clientId, tr.clientSecret);
    } catch (e) {
      return refusal(e, this.#p.logger);
    }
  }

  /** Authenticates the client and issues an access token. */
  async #issue(req: ScimRequest, t: Trace, tenant: string, clientId: string, secret: string): Promise<ScimResponse> {
    const p = this.#p;
    const attempt = p.admission.attemptOf(req, tenant || undefined, attemptCredential(clientId));
    const now = p.now();
    const client = clientId.length <= 200 ? await p.store.findCredential({ clientId }) : undefined;
    const connection = client && (await p.store.getConnection({ id: client.connectionId }));
    const ok =
      client?.kind === 'oauthClient' &&
      sameHash(client.hash, hashToken(secret)) &&
      inForce(client, now) &&
      connection !== undefined &&
      (!p.tenantInPath || connection.tenant === tenant);
    await p.admission.attemptEnded(attempt, ok);
    if (!ok || !connection) throw new OAuthError('invalid_client', 'The client is unknown, its secret is wrong, or it has expired or been revoked');
    if (connection.state === 'disabled') throw new OAuthError('unauthorized_client', 'The connection is disabled');
    const ttl = p.options.accessTokenMs ?? TOKEN_DEFAULTS.accessTokenMs;
    const made = newCredential('oauthAccess', connection.id, 'oauth', new Date(now).toISOString(), {
      expiresAt: new Date(now + ttl).toISOString(),
      clientId,
    });
    await p.store.addCredential(made.credential);
    // a revocation of the client that ran meanwhile listed its access tokens before this one
    // existed: read the client again (after the write), and take the token back if it was revoked
    const after = await p.store.findCredential({ id: client.id });
    if (!after || after.revokedAt !== null) {
      await p.store.updateCredential(made.credential.id, { revokedAt: new Date(p.now()).toISOString() });
      throw new OAuthError('invalid_client', 'The client is unknown, its secret is wrong, or it has expired or been revoked');
    }
    p.authenticator?.lookups.forget({ hash: made.credential.hash });
    t.auth = { tenant: connection.tenant, tokenId: client.id, principal: connection.id };
    this.#cleanUp(now);
    return oauthResponse(200, { access_token: made.secret, token_type: 'Bearer', expires_in: Math.floor(ttl / 1000) });
  }

  /** Deletes access tokens that expired, now and then, not awaited by the request that issued one. */
  #cleanUp(now: number): void {
    if (now - this.#cleanedAt < CLEAN_EVERY_MS) return;
    this.#cleanedAt = now;
    setImmediate(() => {
      this.#p.store.deleteExpiredCredentials('oauthAccess', new Date(now).toISOString()).catch((e: unknown) => {
        this.#cleanedAt = Number.NEGATIVE_INFINITY;
        this.#p.logger.error({ error: e instanceof Error ? e.message : String(e) }, 'connections: deleting expired access tokens failed');
      });
    });
  }
}
