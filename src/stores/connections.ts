/**
 * The connection record contract: each customer's SCIM connection (one per tenant) and its
 * credentials, kept by the store beside the tenant's resources (`ProvisioningStore.connections`).
 * The server decides everything (who may have which credential, rotation, states, health); a
 * store keeps the records, finds a credential by the hash of its secret, and refuses a write
 * made against a version it no longer holds. Secrets are never stored: only their SHA-256.
 * @module
 */
import type { JsonObject } from '../core/schema/resource.js';

/**
 * Where a connection stands: `pending` until the first authenticated request, `active` while
 * requests succeed, `failing` when recent requests fail (the server decides from health),
 * `disabled` when an admin switched it off (every request refused).
 */
export type ConnectionState = 'pending' | 'active' | 'failing' | 'disabled';

/**
 * How a connection's changes reach the host: `live`, its lifecycle events are delivered as they
 * commit; `preview`, the IdP's writes succeed as usual but their events are held in the outbox
 * until an admin approves the first sync (or discards it). Only approval moves a connection from
 * `preview` to `live`. Two passing modes mark that work under way, so that neither can run into
 * the other: `approving` (events still held; new users are linked as on a live connection) and
 * `discarding` (events held; the tenant's user writes are refused with 503 until it ends). Every
 * mode but `live` holds the tenant's events.
 */
export type ConnectionMode = 'live' | 'preview' | 'approving' | 'discarding';

/** What an admin decided for one user of a sync in preview: applied when the preview is approved. */
export interface UserResolution {
  /** `link`: to the host's account `account`; `create`: a new account, whatever matched; `skip`: left out of the app. */
  action: 'link' | 'create' | 'skip';
  /** The host's account, for `link`. */
  account?: string;
  /** Who decided. */
  actor: string;
  /** When (xsd:dateTime). */
  at: string;
}

/** One customer's SCIM connection: the tenant it provisions and what the host configured. */
export interface Connection {
  /** The connection's id (server-made, opaque). */
  id: string;
  /** The tenant its requests act on; one connection per tenant. */
  tenant: string;
  /** A display name (the customer's organisation, say). */
  name: string;
  /** Where it stands. */
  state: ConnectionState;
  /** The identity provider the admin chose (`entra`, `okta`, `google`, …), if any. */
  idp: string | null;
  /** The client detected from its requests (activity log's client names), if any yet. */
  detectedIdp: string | null;
  /** The host's own settings (the workspace to synchronise, the default role, …): JSON the host defines and validates. */
  settings: JsonObject;
  /** Whether its events are delivered (`live`) or held for an admin's approval (`preview`). */
  mode: ConnectionMode;
  /** The e-mail and userName domains its users may have (lower case; a subdomain counts); empty: any. */
  domains: string[];
  /** The admin's decisions for users of a sync in preview, by user id (empty once live). */
  resolutions: Record<string, UserResolution>;
  /** When it was created (xsd:dateTime). */
  createdAt: string;
  /** Who created it: an actor string the host passes. */
  createdBy: string;
  /** When it last changed. */
  updatedAt: string;
  /** Who changed it last. */
  updatedBy: string;
  /** Its version: one more at every change; a write naming another is refused. */
  version: number;
}

/** What a credential is: a bearer token, an OAuth client (id and secret), or an access token that client obtained. */
export type CredentialKind = 'bearer' | 'oauthClient' | 'oauthAccess';

/** A credential of a connection; the secret itself is never kept. */
export interface ConnectionCredential {
  /** The credential's id (server-made, opaque; safe to show). */
  id: string;
  /** The connection it authenticates. */
  connectionId: string;
  /** What it is. */
  kind: CredentialKind;
  /** SHA-256 of the secret, hex: what a request's secret is looked up by. */
  hash: string;
  /** An OAuth client's public id (`oauthClient`, unique among clients), or the id of the client an access token was issued to (`oauthAccess`, shared by its tokens). */
  clientId: string | null;
  /** When it was made. */
  createdAt: string;
  /** Who made it (an actor; `oauth` for access tokens the token endpoint issued). */
  createdBy: string;
  /** When it stops working, or null for never. */
  expiresAt: string | null;
  /** When it was revoked, or null. */
  revokedAt: string | null;
  /** When it was last used (written at most about once a minute), or null. */
  lastUsedAt: string | null;
  /** The address it was last used from, or null. */
  lastUsedFrom: string | null;
}

/** Changes to a credential: only these fields ever change after it is made. */
export interface CredentialChange {
  /** A new expiry (rotation ends the old secret after the overlap). */
  expiresAt?: string | null;
  /** The revocation time. */
  revokedAt?: string | null;
  /** The last use. */
  lastUsedAt?: string | null;
  /** Where the last use came from. */
  lastUsedFrom?: string | null;
}

/** A page of connections. */
export interface ConnectionQuery {
  /** Only the connection of this tenant. */
  tenant?: string;
  /** Connections whose id sorts after this one (keyset paging, ids ascending). */
  after?: string;
  /** The most to return. */
  limit?: number;
}

/**
 * What a store implements to keep connections (`ProvisioningStore.connections`). Each method
 * is one atomic step. Errors are ScimErrors: 409 `uniqueness` for a second connection of a
 * tenant, a credential whose hash is taken, or an `oauthClient` credential whose client id
 * another `oauthClient` has (only OAuth clients own a client id: the `oauthAccess` tokens a
 * client obtained carry its id too, many of them, and never conflict); 412 for a stale
 * `ifVersion`, 404 for a connection that is not there.
 */
export interface ConnectionStore {
  /** Stores a new connection (its `version` is 1). 409 when the tenant has one. */
  createConnection(connection: Connection): Promise<Connection>;
  /**
   * Replaces a connection's fields (not `id`, `tenant`, `createdAt`, `createdBy`) when its
   * version is still `ifVersion`, and returns it at the next version; 412 otherwise, 404 when gone.
   */
  updateConnection(connection: Connection, ifVersion: number): Promise<Connection>;
  /** One connection by id or by tenant. */
  getConnection(query: { id: string } | { tenant: string }): Promise<Connection | undefined>;
  /** Connections by id ascending. */
  listConnections(query: ConnectionQuery): Promise<Connection[]>;
  /** Deletes a connection and its credentials; the tenant's resources stay. False when it was not there. */
  deleteConnection(id: string): Promise<boolean>;
  /** Stores a new credential. 409 when its hash is taken, or, for an `oauthClient`, when another `oauthClient` has its client id. */
  addCredential(credential: ConnectionCredential): Promise<ConnectionCredential>;
  /** Changes a credential's expiry, revocation or last use; undefined when it is not there. */
  updateCredential(id: string, change: CredentialChange): Promise<ConnectionCredential | undefined>;
  /** A credential by the hash of its secret, by id, or by an OAuth client id (the `oauthClient` that owns it, never an access token naming it). */
  findCredential(query: { hash: string } | { clientId: string } | { id: string }): Promise<ConnectionCredential | undefined>;
  /** A connection's credentials, oldest first, revoked and expired ones included. */
  listCredentials(connectionId: string): Promise<ConnectionCredential[]>;
  /** Deletes the credentials of `kind` that expired before `before`; returns how many (access tokens pile up otherwise). */
  deleteExpiredCredentials(kind: CredentialKind, before: string): Promise<number>;
}
