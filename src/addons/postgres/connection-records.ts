/**
 * PostgresStore's connection records (migration 8: `scim_connections`, `scim_credentials`):
 * each method one statement (an update that matched nothing reads once more, to tell 404 from
 * 412). Uniqueness is the database's (unique indexes on the tenant, the hash and an OAuth
 * client's id), so it holds across instances; a version check is in the UPDATE's WHERE, so
 * of concurrent updates at one version exactly one matches. Values are always parameters.
 * Named apart from connections.ts, which is how the store reaches its database.
 * @module
 */
import { ScimError } from 'scimkit';
import {
  type Connection,
  type ConnectionCredential,
  type ConnectionQuery,
  type ConnectionStore,
  type CredentialChange,
  type CredentialKind,
  isDateTime,
} from 'scimkit/store-kit';
import { FOREIGN_KEY_VIOLATION, pgError, UNIQUE_VIOLATION } from './errors.js';
import type { SqlQueryable } from './sql.js';
import { type TableNames, UNQUALIFIED } from './tables.js';

/** How many connections a list returns without a `limit`, as MemoryStore's. */
const DEFAULT_LIMIT = 100;

/** A timestamp column as xsd:dateTime in UTC with milliseconds, whatever type parsers the pool has. */
const instant = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The columns of a connection, named as its fields. */
const CONNECTION_COLUMNS = `id, tenant, name, state, idp, detected_idp AS "detectedIdp", settings, mode, domains, resolutions,
  ${instant('created_at')} AS "createdAt", created_by AS "createdBy",
  ${instant('updated_at')} AS "updatedAt", updated_by AS "updatedBy", version`;

/** The columns of a credential, named as its fields. */
const CREDENTIAL_COLUMNS = `id, connection_id AS "connectionId", kind, hash, client_id AS "clientId",
  ${instant('created_at')} AS "createdAt", created_by AS "createdBy", ${instant('expires_at')} AS "expiresAt",
  ${instant('revoked_at')} AS "revokedAt", ${instant('last_used_at')} AS "lastUsedAt", last_used_from AS "lastUsedFrom"`;

/** The column of each field a credential change may name. */
const CHANGE_COLUMNS = { expiresAt: 'expires_at', revokedAt: 'revoked_at', lastUsedAt: 'last_used_at', lastUsedFrom: 'last_used_from' } as const;

/** A connection row as a Connection (a bigint version comes as a string from pg, a bigint or number from others). */
function connectionOf(row: Record<string, unknown>): Connection {
  return { ...(row as unknown as Connection), version: Number(row.version) };
}

/** The mode, domains and resolutions of a connection as parameters (a record without them: live, none). */
function previewOf(c: Connection): [string, string, string] {
  return [c.mode ?? 'live', JSON.stringify(c.domains ?? []), JSON.stringify(c.resolutions ?? {})];
}

/** A credential row as a ConnectionCredential. */
function credentialOf(row: Record<string, unknown>): ConnectionCredential {
  return row as unknown as ConnectionCredential;
}

/** Whether a value can name a stored record: PostgreSQL's text refuses U+0000, so one holding it names nothing. */
const storable = (s: string) => !s.includes('\u0000');

/** An id cut for an error's detail: ids come from callers and may be long. */
const named = (id: string) => JSON.stringify(id.slice(0, 60));

/**
 * Refuses a time that is not an xsd:dateTime (400): PostgreSQL would read `now`, `today` or
 * `epoch` as times of its own, which a store in memory could never compare alike.
 */
function checkTimes(what: string, times: Record<string, string | null | undefined>): void {
  for (const [field, value] of Object.entries(times)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' || !isDateTime(value)) throw ScimError.invalidValue(`${what}: ${field} is not an xsd:dateTime`);
  }
}

/** SQLSTATEs of a value the database refuses to store or read: U+0000 in text or jsonb, a timestamp it cannot read. */
const REFUSED_VALUES = new Set(['22021', '22P05', '22007', '22008']);

/** The SCIM error for a database error of a write the caller's input caused, else the error as it was. */
function refusal(e: unknown, what: string): unknown {
  const { code, constraint } = (e ?? {}) as { code?: string; constraint?: string };
  if (code === UNIQUE_VIOLATION) {
    if (constraint === 'scim_connections_tenant') return ScimError.uniqueness(`the tenant of ${what} already has a connection`);
    if (constraint === 'scim_credentials_hash') return ScimError.uniqueness('a credential with this secret already exists');
    if (constraint === 'scim_credentials_client_id') return ScimError.uniqueness(`the client id of ${what} is taken`);
    return ScimError.uniqueness(`${what} already exists`);
  }
  if (code === FOREIGN_KEY_VIOLATION) return ScimError.notFound(`the connection of ${what} not found`);
  if (code !== undefined && REFUSED_VALUES.has(code)) return ScimError.invalidValue(`${what}: ${pgError(e).detail ?? 'a value the store cannot keep'}`);
  return e;
}

/** A {@link ConnectionStore} in PostgreSQL: PostgresStore's `connections`. */
export class PostgresConnectionRecords implements ConnectionStore {
  readonly #db: () => SqlQueryable;
  readonly #t: TableNames;

  /** Records on the database `db()` names (never a request's transaction), in the store's tables `t` (its schema's; by default the search_path's). */
  constructor(db: () => SqlQueryable, t: TableNames = UNQUALIFIED) {
    this.#db = db;
    this.#t = t;
  }

  /** Runs one statement, its input errors as SCIM errors naming `what`. */
  async #query(what: string, text: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    try {
      return (await this.#db().query(text, params)).rows;
    } catch (e) {
      throw refusal(e, what);
    }
  }

  /** Stores a new connection at version 1; 409 when its tenant has one (or its id is taken). */
  async createConnection(c: Connection): Promise<Connection> {
    checkTimes(`connection ${named(c.id)}`, { createdAt: c.createdAt, updatedAt: c.updatedAt });
    const rows = await this.#query(
      `connection ${named(c.id)}`,
      `INSERT INTO ${this.#t.connections} (id, tenant, name, state, idp, detected_idp, settings, created_at, created_by, updated_at, updated_by, version, mode, domains, resolutions)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::timestamptz, $9, $10::timestamptz, $11, 1, $12, $13::jsonb, $14::jsonb) RETURNING ${CONNECTION_COLUMNS}`,
      [c.id, c.tenant, c.name, c.state, c.idp, c.detectedIdp, JSON.stringify(c.settings), c.createdAt, c.createdBy, c.updatedAt, c.updatedBy, ...previewOf(c)],
    );
    return connectionOf(rows[0]!);
  }

  /** Replaces the changeable fields when the version is still `ifVersion` (in the UPDATE's WHERE): 404 when gone, 412 when stale. */
  async updateConnection(c: Connection, ifVersion: number): Promise<Connection> {
    const what = `connection ${named(c.id)}`;
    checkTimes(what, { updatedAt: c.updatedAt });
    if (storable(c.id) && Number.isSafeInteger(ifVersion)) {
      const rows = await this.#query(
        what,
        `UPDATE ${this.#t.connections} SET name = $3, state = $4, idp = $5, detected_idp = $6, settings = $7::jsonb,
           updated_at = $8::timestamptz, updated_by = $9, version = version + 1, mode = $10, domains = $11::jsonb, resolutions = $12::jsonb
         WHERE id = $1 AND version = $2 RETURNING ${CONNECTION_COLUMNS}`,
        [c.id, ifVersion, c.name, c.state, c.idp, c.detectedIdp, JSON.stringify(c.settings), c.updatedAt, c.updatedBy, ...previewOf(c)],
      );
      if (rows[0]) return connectionOf(rows[0]);
    }
    const current = await this.getConnection({ id: c.id });
    if (!current) throw ScimError.notFound(`${what} not found`);
    throw ScimError.preconditionFailed(`${what} is at version ${current.version}, not ${String(ifVersion).slice(0, 20)}`);
  }

  /** One connection by id or by tenant. */
  async getConnection(query: { id: string } | { tenant: string }): Promise<Connection | undefined> {
    const [column, value] = 'id' in query ? ['id', query.id] : ['tenant', query.tenant];
    if (!storable(value)) return undefined;
    const rows = await this.#query('a connection', `SELECT ${CONNECTION_COLUMNS} FROM ${this.#t.connections} WHERE ${column} = $1`, [value]);
    return rows[0] && connectionOf(rows[0]);
  }

  /** Connections by id ascending (byte-wise), after `after`, at most `limit` (100 without one). */
  async listConnections(query: ConnectionQuery): Promise<Connection[]> {
    const limit = Math.max(0, Math.floor(query.limit ?? DEFAULT_LIMIT));
    if ((query.tenant !== undefined && !storable(query.tenant)) || (query.after !== undefined && !storable(query.after)) || !(limit > 0)) return [];
    const rows = await this.#query(
      'connections',
      `SELECT ${CONNECTION_COLUMNS} FROM ${this.#t.connections}
       WHERE ($1::text IS NULL OR tenant = $1) AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [query.tenant ?? null, query.after ?? null, limit],
    );
    return rows.map(connectionOf);
  }

  /** Deletes a connection; its credentials go with it (ON DELETE CASCADE). False when it was not there. */
  async deleteConnection(id: string): Promise<boolean> {
    if (!storable(id)) return false;
    const rows = await this.#query(`connection ${named(id)}`, `DELETE FROM ${this.#t.connections} WHERE id = $1 RETURNING 1 AS gone`, [id]);
    return rows.length > 0;
  }

  /** Stores a new credential; 409 when its id, hash or (an OAuth client's) client id is taken, 404 when its connection is not there. */
  async addCredential(c: ConnectionCredential): Promise<ConnectionCredential> {
    checkTimes(`credential ${named(c.id)}`, { createdAt: c.createdAt, expiresAt: c.expiresAt, revokedAt: c.revokedAt, lastUsedAt: c.lastUsedAt });
    const rows = await this.#query(
      `credential ${named(c.id)}`,
      `INSERT INTO ${this.#t.credentials} (id, connection_id, kind, hash, client_id, created_at, created_by, expires_at, revoked_at, last_used_at, last_used_from)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8::timestamptz, $9::timestamptz, $10::timestamptz, $11) RETURNING ${CREDENTIAL_COLUMNS}`,
      [c.id, c.connectionId, c.kind, c.hash, c.clientId, c.createdAt, c.createdBy, c.expiresAt, c.revokedAt, c.lastUsedAt, c.lastUsedFrom],
    );
    return credentialOf(rows[0]!);
  }

  /** Changes only the fields `change` names, in one UPDATE; undefined when the credential is not there. */
  async updateCredential(id: string, change: CredentialChange): Promise<ConnectionCredential | undefined> {
    checkTimes(`credential ${named(id)}`, { expiresAt: change.expiresAt, revokedAt: change.revokedAt, lastUsedAt: change.lastUsedAt });
    if (!storable(id)) return undefined;
    const params: unknown[] = [id];
    const sets: string[] = [];
    // the column names come from this module's list, never from the change's keys
    for (const [field, column] of Object.entries(CHANGE_COLUMNS) as [keyof CredentialChange, string][]) {
      const value = change[field];
      if (value === undefined) continue;
      params.push(value);
      sets.push(field === 'lastUsedFrom' ? `${column} = $${params.length}` : `${column} = $${params.length}::timestamptz`);
    }
    const rows = sets.length
      ? await this.#query(
          `credential ${named(id)}`,
          `UPDATE ${this.#t.credentials} SET ${sets.join(', ')} WHERE id = $1 RETURNING ${CREDENTIAL_COLUMNS}`,
          params,
        )
      : await this.#query(`credential ${named(id)}`, `SELECT ${CREDENTIAL_COLUMNS} FROM ${this.#t.credentials} WHERE id = $1`, params);
    return rows[0] && credentialOf(rows[0]);
  }

  /** A credential by the hash of its secret, by an OAuth client id (the partial unique index), or by id. */
  async findCredential(query: { hash: string } | { clientId: string } | { id: string }): Promise<ConnectionCredential | undefined> {
    const [where, value] =
      'id' in query ? ['id = $1', query.id] : 'hash' in query ? ['hash = $1', query.hash] : ["client_id = $1 AND kind = 'oauthClient'", query.clientId];
    // a value from a request (an OAuth client id, say) that PostgreSQL cannot hold names nothing
    if (typeof value !== 'string' || !storable(value)) return undefined;
    const rows = await this.#query('a credential', `SELECT ${CREDENTIAL_COLUMNS} FROM ${this.#t.credentials} WHERE ${where}`, [value]);
    return rows[0] && credentialOf(rows[0]);
  }

  /** A connection's credentials, oldest first (by creation time, then the order they were stored). */
  async listCredentials(connectionId: string): Promise<ConnectionCredential[]> {
    if (!storable(connectionId)) return [];
    const rows = await this.#query(
      'credentials',
      `SELECT ${CREDENTIAL_COLUMNS} FROM ${this.#t.credentials} WHERE connection_id = $1 ORDER BY created_at, seq`,
      [connectionId],
    );
    return rows.map(credentialOf);
  }

  /** Deletes the credentials of `kind` whose expiry is before `before`, in one statement; returns how many. */
  async deleteExpiredCredentials(kind: CredentialKind, before: string): Promise<number> {
    checkTimes('expired credentials', { before });
    const rows = await this.#query(
      'expired credentials',
      `WITH gone AS (DELETE FROM ${this.#t.credentials} WHERE kind = $1 AND expires_at < $2::timestamptz RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [kind, before],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
