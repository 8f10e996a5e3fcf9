/**
 * Authentication through connections: a request's bearer secret → its hash → the credential →
 * its connection → the tenant. Unknown, revoked and expired secrets, and a disabled
 * connection, are 401 `invalid_token` (RFC 6750 §3); a connection its host does not entitle is
 * 403 with the host's message. Look-ups are cached for `cacheMs` (lookups.ts), a use is noted
 * and written after the response (usage.ts).
 * @module
 */
import { ScimError } from '../../core/errors.js';
import type { Connection, ConnectionCredential, ConnectionStore } from '../../stores/connections.js';
import type { ProvisioningStore } from '../../stores/store.js';
import { clientOf } from '../activity/client.js';
import { consoleLogger } from '../activity/console-logger.js';
import type { ScimLogger } from '../activity/logger.js';
import { type Authenticate, bearer } from '../auth.js';
import type { AuthContext } from '../auth-context.js';
import { header, type ScimRequest } from '../request.js';
import { isThenable } from '../thenable.js';
import { hashToken } from '../tokens.js';
import { ConnectionLookups, type Maybe } from './lookups.js';
import { type ConnectionAuthOptions, cacheMsOf, type Entitlement } from './options.js';
import { ConnectionUsage } from './usage.js';

/** Errors of use bookkeeping when nobody named a logger. */
const stderrLogger = consoleLogger({ level: 'error', write: (line) => void process.stderr.write(`${line}\n`) });

/** A credential of a kind that authenticates SCIM requests: a bearer token or an OAuth access token (never a client secret). */
function authenticates(c: ConnectionCredential): boolean {
  return c.kind === 'bearer' || c.kind === 'oauthAccess';
}

/** The context a connection's requests run in: its tenant, the credential's id, and the host settings the context names. @internal */
export function contextOf(connection: Connection, credential: ConnectionCredential): AuthContext {
  const ctx: AuthContext = { tenant: connection.tenant, tokenId: credential.id, principal: connection.id };
  const { workspace, defaultRole } = connection.settings;
  if (typeof workspace === 'string') ctx.workspace = workspace;
  if (typeof defaultRole === 'string') ctx.defaultRole = defaultRole;
  return ctx;
}

/** One authenticator's state: its look-ups and use bookkeeping, which the lifecycle API tells of its own changes. @internal */
export class ConnectionAuthenticator {
  readonly lookups: ConnectionLookups;
  readonly usage: ConnectionUsage;
  readonly #now: () => number;

  /** An authenticator over `store`. */
  constructor(store: ConnectionStore, options: ConnectionAuthOptions & { logger?: Pick<ScimLogger, 'error'> }) {
    this.lookups = new ConnectionLookups(store, cacheMsOf(options), options.entitled);
    this.usage = new ConnectionUsage(store, options.logger ?? stderrLogger);
    this.#now = options.now ?? Date.now;
  }

  /** The request's context, or 401/403: synchronous when everything it needs is cached. */
  authenticate(req: ScimRequest, tenant: string | undefined): Maybe<AuthContext> {
    const hash = hashToken(bearer(req));
    const now = this.#now();
    const credential = this.lookups.credential(hash, now);
    return isThenable(credential) ? credential.then((c) => this.#ofCredential(c, req, tenant, now)) : this.#ofCredential(credential, req, tenant, now);
  }

  /** The credential is one a bearer may use, now: its connection next. */
  #ofCredential(credential: ConnectionCredential | null, req: ScimRequest, tenant: string | undefined, now: number): Maybe<AuthContext> {
    if (!credential || !authenticates(credential)) throw ScimError.invalidToken('The bearer token is not valid');
    // a secret that was this connection's: its use is noted (bounded) so health can say the IdP still sends it
    if (credential.revokedAt !== null) {
      this.usage.noteRefused(credential, now, req.remoteAddress);
      throw ScimError.invalidToken('The token has been revoked');
    }
    if (credential.expiresAt !== null && !(now < Date.parse(credential.expiresAt))) {
      this.usage.noteRefused(credential, now, req.remoteAddress);
      throw ScimError.invalidToken('The token has expired');
    }
    const connection = this.lookups.connection(credential.connectionId, now);
    return isThenable(connection)
      ? connection.then((c) => this.#ofConnection(c, credential, req, tenant, now))
      : this.#ofConnection(connection, credential, req, tenant, now);
  }

  #ofConnection(
    connection: Connection | null,
    credential: ConnectionCredential,
    req: ScimRequest,
    tenant: string | undefined,
    now: number,
  ): Maybe<AuthContext> {
    if (!connection) throw ScimError.invalidToken('The bearer token is not valid');
    if (connection.state === 'disabled') {
      this.usage.noteRefused(credential, now, req.remoteAddress);
      throw ScimError.invalidToken('The connection is disabled');
    }
    if (tenant !== undefined && tenant !== connection.tenant) throw ScimError.invalidToken('The bearer token is not valid for this tenant');
    const entitled = this.lookups.entitlement(connection, now);
    return isThenable(entitled)
      ? entitled.then((e) => this.#accepted(e, connection, credential, req, now))
      : this.#accepted(entitled, connection, credential, req, now);
  }

  #accepted(entitled: Entitlement, connection: Connection, credential: ConnectionCredential, req: ScimRequest, now: number): AuthContext {
    // the credential is good: a 403, not a 401 that would have the admin rotate it; nothing is used or written
    if (entitled !== true) throw ScimError.forbidden(entitled.message);
    this.usage.note(credential, connection, now, req.remoteAddress, clientOf(header(req, 'user-agent')));
    return contextOf(connection, credential);
  }
}

/** The authenticator behind each function {@link connectionAuth} made (a WeakMap: it goes with the function). */
const authenticators = new WeakMap<Authenticate, ConnectionAuthenticator>();

/** The state behind an `Authenticate` that {@link connectionAuth} made, if it is one. @internal */
export function authenticatorOf(authenticate: Authenticate | undefined): ConnectionAuthenticator | undefined {
  return authenticate && authenticators.get(authenticate);
}

/** The store's connections: a ProvisioningStore's (`store.connections`) or a ConnectionStore itself. @internal */
export function connectionStoreOf(store: ProvisioningStore | ConnectionStore): ConnectionStore {
  const connections = 'findCredential' in store ? store : store.connections;
  if (!connections) throw new TypeError('connections: the store keeps no connections (its `connections` is undefined)');
  return connections;
}

/**
 * Authenticates SCIM requests through the connections `store` keeps: the bearer secret's
 * SHA-256 names a credential (a bearer token or an OAuth access token), the credential its
 * connection, the connection its tenant. An unknown, revoked or expired secret, or a disabled
 * connection, is 401 `invalid_token` with `WWW-Authenticate: Bearer … error="invalid_token"`;
 * a connection `entitled` refuses is 403 with the host's message. Look-ups are cached for
 * `cacheMs` (default 4 s, so a change on another instance takes effect within 5 s), unknown
 * secrets too; a credential's last use is written at most once a minute, after the response.
 * `createScimServer({ connections })` uses one by default.
 *
 * @example
 * ```ts
 * import { connectionAuth, createScimServer } from 'scimkit';
 *
 * const scim = createScimServer({ store, tenantInPath: true, authenticate: connectionAuth(store, { cacheMs: 2_000 }), connections: {} });
 * ```
 */
export function connectionAuth(
  store: ProvisioningStore | ConnectionStore,
  options: ConnectionAuthOptions & { logger?: Pick<ScimLogger, 'error'> } = {},
): Authenticate {
  const state = new ConnectionAuthenticator(connectionStoreOf(store), options);
  const authenticate: Authenticate = (req, tenant) => state.authenticate(req, tenant);
  authenticators.set(authenticate, state);
  return authenticate;
}
