/**
 * MemoryStore's connection records (stores/connections.ts): connections by id and by tenant,
 * credentials by id, by hash and by OAuth client id. Every method does its checks and its
 * changes without an await in between, which is what makes each one atomic (a version check
 * and the write it guards cannot interleave with another call). Records are copied in and
 * out, so callers never alias what is stored.
 * @module
 */
import { ScimError } from '../../core/errors.js';
import { cloneJson } from '../../core/schema/resource.js';
import type { Connection, ConnectionCredential, ConnectionQuery, ConnectionStore, CredentialChange, CredentialKind } from '../connections.js';

/** Every connection record, as a MemoryStore snapshot carries them (`MemorySnapshot.connections`). */
export interface MemoryConnectionsSnapshot {
  /** Every connection. */
  connections: Connection[];
  /** Every credential, oldest first per connection. */
  credentials: ConnectionCredential[];
}

/** How many connections a list returns without a `limit`. */
const DEFAULT_LIMIT = 100;

/**
 * A copy of a connection: its settings, domains and resolutions are JSON the caller may change
 * afterwards. A record without a mode, domains or resolutions (a snapshot from before they
 * existed) is a live connection with none.
 */
function copyConnection(c: Connection): Connection {
  return {
    ...c,
    settings: cloneJson(c.settings),
    mode: c.mode ?? 'live',
    domains: [...(c.domains ?? [])],
    resolutions: cloneJson(c.resolutions ?? {}),
  };
}

/** A copy of a credential (all its fields are scalars). */
function copyCredential(c: ConnectionCredential): ConnectionCredential {
  return { ...c };
}

/** An id cut for an error's detail: ids come from callers and may be long. */
const named = (id: string) => JSON.stringify(id.slice(0, 60));

/** Only OAuth clients own their client id: access tokens name the client they were issued to, many per client. */
const ownsClientId = (c: ConnectionCredential): c is ConnectionCredential & { clientId: string } => c.kind === 'oauthClient' && c.clientId !== null;

/** A {@link ConnectionStore} in memory: MemoryStore's `connections`. */
export class MemoryConnections implements ConnectionStore {
  /** Connections by id. */
  readonly #byId = new Map<string, Connection>();
  /** Connection id by tenant (one connection per tenant). */
  readonly #byTenant = new Map<string, string>();
  /** Credentials by id. */
  readonly #credentials = new Map<string, ConnectionCredential>();
  /** Credential id by the hash of its secret. */
  readonly #byHash = new Map<string, string>();
  /** OAuth client credential id by client id. */
  readonly #byClientId = new Map<string, string>();
  /** Credential ids of each connection, in the order they were added. */
  readonly #ofConnection = new Map<string, Set<string>>();

  /** Stores a new connection at version 1; 409 when its tenant has one (or its id is taken). */
  async createConnection(connection: Connection): Promise<Connection> {
    if (this.#byTenant.has(connection.tenant)) throw ScimError.uniqueness(`tenant ${named(connection.tenant)} already has a connection`);
    if (this.#byId.has(connection.id)) throw ScimError.uniqueness(`connection ${named(connection.id)} already exists`);
    const stored = { ...copyConnection(connection), version: 1 };
    this.#byId.set(stored.id, stored);
    this.#byTenant.set(stored.tenant, stored.id);
    return copyConnection(stored);
  }

  /** Replaces the changeable fields when the version is still `ifVersion`: 404 when gone, 412 when stale. */
  async updateConnection(connection: Connection, ifVersion: number): Promise<Connection> {
    const current = this.#byId.get(connection.id);
    if (!current) throw ScimError.notFound(`connection ${named(connection.id)} not found`);
    if (current.version !== ifVersion)
      throw ScimError.preconditionFailed(`connection ${named(connection.id)} is at version ${current.version}, not ${ifVersion}`);
    const stored: Connection = {
      ...copyConnection(connection),
      id: current.id,
      tenant: current.tenant,
      createdAt: current.createdAt,
      createdBy: current.createdBy,
      version: current.version + 1,
    };
    this.#byId.set(stored.id, stored);
    return copyConnection(stored);
  }

  /** One connection by id or by tenant. */
  async getConnection(query: { id: string } | { tenant: string }): Promise<Connection | undefined> {
    const id = 'id' in query ? query.id : this.#byTenant.get(query.tenant);
    const c = id === undefined ? undefined : this.#byId.get(id);
    return c && copyConnection(c);
  }

  /** Whether `tenant`'s connection is in preview, synchronously: MemoryStore's outbox asks at each claim. */
  inPreview(tenant: string): boolean {
    const id = this.#byTenant.get(tenant);
    // every mode but live holds (approving and discarding too)
    const mode = id === undefined ? undefined : this.#byId.get(id)?.mode;
    return mode !== undefined && mode !== 'live';
  }

  /** Connections by id ascending, after `after`, at most `limit` (100 without one). */
  async listConnections(query: ConnectionQuery): Promise<Connection[]> {
    const limit = Math.max(0, query.limit ?? DEFAULT_LIMIT);
    let ids: string[];
    if (query.tenant !== undefined) {
      const id = this.#byTenant.get(query.tenant);
      ids = id === undefined ? [] : [id];
    } else ids = [...this.#byId.keys()];
    // ids compare as strings by code unit, as PostgreSQL's "C" collation does for ASCII ids
    const after = query.after;
    return ids
      .filter((id) => after === undefined || id > after)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map((id) => copyConnection(this.#byId.get(id)!));
  }

  /** Deletes a connection and its credentials; false when it was not there. */
  async deleteConnection(id: string): Promise<boolean> {
    const c = this.#byId.get(id);
    if (!c) return false;
    for (const credentialId of this.#ofConnection.get(id) ?? []) this.#forget(credentialId);
    this.#ofConnection.delete(id);
    this.#byId.delete(id);
    this.#byTenant.delete(c.tenant);
    return true;
  }

  /** Stores a new credential; 409 when its id, hash or (an OAuth client's) client id is taken, 404 when its connection is not there. */
  async addCredential(credential: ConnectionCredential): Promise<ConnectionCredential> {
    if (!this.#byId.has(credential.connectionId)) throw ScimError.notFound(`connection ${named(credential.connectionId)} not found`);
    if (this.#credentials.has(credential.id)) throw ScimError.uniqueness(`credential ${named(credential.id)} already exists`);
    if (this.#byHash.has(credential.hash)) throw ScimError.uniqueness('a credential with this secret already exists');
    if (ownsClientId(credential) && this.#byClientId.has(credential.clientId)) throw ScimError.uniqueness(`client id ${named(credential.clientId)} is taken`);
    return copyCredential(this.#keep(credential));
  }

  /** Keeps a copy of `credential` under its id, hash, client id and connection. */
  #keep(credential: ConnectionCredential): ConnectionCredential {
    const stored = copyCredential(credential);
    this.#credentials.set(stored.id, stored);
    this.#byHash.set(stored.hash, stored.id);
    if (ownsClientId(stored)) this.#byClientId.set(stored.clientId, stored.id);
    let ids = this.#ofConnection.get(stored.connectionId);
    if (!ids) this.#ofConnection.set(stored.connectionId, (ids = new Set()));
    ids.add(stored.id);
    return stored;
  }

  /** Changes only the fields `change` names; undefined when the credential is not there. */
  async updateCredential(id: string, change: CredentialChange): Promise<ConnectionCredential | undefined> {
    const c = this.#credentials.get(id);
    if (!c) return undefined;
    // only these four: a change object carrying other keys (say, from JSON) changes nothing else
    if (change.expiresAt !== undefined) c.expiresAt = change.expiresAt;
    if (change.revokedAt !== undefined) c.revokedAt = change.revokedAt;
    if (change.lastUsedAt !== undefined) c.lastUsedAt = change.lastUsedAt;
    if (change.lastUsedFrom !== undefined) c.lastUsedFrom = change.lastUsedFrom;
    return copyCredential(c);
  }

  /** A credential by the hash of its secret, by an OAuth client id, or by id. */
  async findCredential(query: { hash: string } | { clientId: string } | { id: string }): Promise<ConnectionCredential | undefined> {
    const id = 'id' in query ? query.id : 'hash' in query ? this.#byHash.get(query.hash) : this.#byClientId.get(query.clientId);
    const c = id === undefined ? undefined : this.#credentials.get(id);
    return c && copyCredential(c);
  }

  /** A connection's credentials, oldest first (by `createdAt`, then the order they were added). */
  async listCredentials(connectionId: string): Promise<ConnectionCredential[]> {
    const list = [...(this.#ofConnection.get(connectionId) ?? [])].map((id) => this.#credentials.get(id)!);
    // a stable sort: credentials made in the same millisecond stay in the order they were added
    return list.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt)).map(copyCredential);
  }

  /** Deletes the credentials of `kind` whose expiry is before `before`; returns how many. */
  async deleteExpiredCredentials(kind: CredentialKind, before: string): Promise<number> {
    const limit = Date.parse(before);
    let n = 0;
    for (const c of this.#credentials.values()) {
      if (c.kind !== kind || c.expiresAt === null || !(Date.parse(c.expiresAt) < limit)) continue;
      this.#forget(c.id);
      const ids = this.#ofConnection.get(c.connectionId);
      ids?.delete(c.id);
      if (ids?.size === 0) this.#ofConnection.delete(c.connectionId);
      n++;
    }
    return n;
  }

  /** Drops a credential and its index entries (not its place in its connection's set). */
  #forget(id: string): void {
    const c = this.#credentials.get(id);
    if (!c) return;
    this.#credentials.delete(id);
    if (this.#byHash.get(c.hash) === id) this.#byHash.delete(c.hash);
    if (ownsClientId(c) && this.#byClientId.get(c.clientId) === id) this.#byClientId.delete(c.clientId);
  }

  /** A JSON-serialisable copy of every record, for MemoryStore's snapshot. */
  snapshot(): MemoryConnectionsSnapshot {
    const credentials: ConnectionCredential[] = [];
    for (const ids of this.#ofConnection.values()) for (const id of ids) credentials.push(copyCredential(this.#credentials.get(id)!));
    return { connections: [...this.#byId.values()].map(copyConnection), credentials };
  }

  /** Puts back the records of a snapshot (into an empty store), keeping their versions. */
  restore(s: MemoryConnectionsSnapshot): void {
    for (const c of s.connections) {
      const stored = copyConnection(c);
      this.#byId.set(stored.id, stored);
      this.#byTenant.set(stored.tenant, stored.id);
    }
    for (const c of s.credentials) {
      if (this.#byId.has(c.connectionId)) this.#keep(c);
    }
  }
}
