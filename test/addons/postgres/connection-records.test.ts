// PostgresStore's connection records beyond the contract (describeConnections runs in
// store.test.ts): values PostgreSQL cannot hold are a SCIM error on a write and name nothing on
// a read (an OAuth client id comes from a request), stores in two schemas keep their own, a
// credential needs its connection, and the migration makes the indexes the store relies on.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Connection, ConnectionCredential } from 'scimkit';
import { PostgresStore, type SqlPool } from 'scimkit/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPGlite } from '../../pglite.js';

const connection = (extra: Partial<Connection> = {}): Connection => ({
  id: randomUUID(),
  tenant: `t-${randomUUID()}`,
  name: 'Acme',
  state: 'pending',
  idp: null,
  detectedIdp: null,
  settings: { workspace: 'eng' },
  mode: 'live',
  domains: [],
  resolutions: {},
  createdAt: '2026-03-01T10:00:00.000Z',
  createdBy: 'admin@acme.io',
  updatedAt: '2026-03-01T10:00:00.000Z',
  updatedBy: 'admin@acme.io',
  version: 1,
  ...extra,
});

const credential = (connectionId: string, extra: Partial<ConnectionCredential> = {}): ConnectionCredential => ({
  id: randomUUID(),
  connectionId,
  kind: 'bearer',
  hash: randomUUID(),
  clientId: null,
  createdAt: '2026-03-01T10:00:00.000Z',
  createdBy: 'admin@acme.io',
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  lastUsedFrom: null,
  ...extra,
});

const lite = freshPGlite();
const url = process.env.DATABASE_URL;
const pool = url ? new pg.Pool({ connectionString: url, max: 4 }) : undefined;
afterAll(async () => {
  await pool?.end();
  await lite.close();
});

const databases: [string, SqlPool][] = [['PGlite', lite as unknown as SqlPool]];
if (pool) databases.push(['PostgreSQL', pool]);

describe.each(databases)('PostgresStore connection records (%s)', (_, db) => {
  const store = new PostgresStore(db);
  const ready = store.migrate();
  const records = store.connections;

  it('refuses values PostgreSQL cannot hold with a SCIM error, and finds nothing by them', async () => {
    await ready;
    await expect(records.createConnection(connection({ name: 'a\u0000b' }))).rejects.toMatchObject({ status: 400, scimType: 'invalidValue' });
    await expect(records.createConnection(connection({ settings: { k: 'a\u0000b' } }))).rejects.toMatchObject({ status: 400, scimType: 'invalidValue' });
    // PostgreSQL reads `yesterday` as a time of its own: refused before it gets there
    await expect(records.createConnection(connection({ createdAt: 'yesterday' }))).rejects.toMatchObject({ status: 400 });
    await expect(records.createConnection(connection({ updatedAt: '2026-13-01T00:00:00Z' }))).rejects.toMatchObject({ status: 400 });
    const c = await records.createConnection(connection());
    await expect(records.deleteExpiredCredentials('oauthAccess', 'now')).rejects.toMatchObject({ status: 400 });
    await expect(records.updateCredential(randomUUID(), { revokedAt: 'epoch' })).rejects.toMatchObject({ status: 400 });
    // the token endpoint looks a client id from the request up as it came
    expect(await records.findCredential({ clientId: 'a\u0000b' })).toBeUndefined();
    expect(await records.findCredential({ hash: '\u0000' })).toBeUndefined();
    expect(await records.getConnection({ tenant: '\u0000' })).toBeUndefined();
    expect(await records.listConnections({ after: '\u0000' })).toEqual([]);
    expect(await records.deleteConnection('\u0000')).toBe(false);
    await expect(records.updateConnection({ ...c, id: '\u0000' }, 1)).rejects.toMatchObject({ status: 404 });
    await expect(records.updateConnection({ ...c, name: 'x' }, 1.5)).rejects.toMatchObject({ status: 412 });
  });

  it('refuses a credential of a connection that is not there (404)', async () => {
    await ready;
    await expect(records.addCredential(credential(randomUUID()))).rejects.toMatchObject({ status: 404 });
  });

  it('keeps each schema’s records apart', async () => {
    await ready;
    const other = new PostgresStore(db, { schema: `conn_${randomUUID().slice(0, 8)}` });
    await other.migrate();
    const c = connection();
    await records.createConnection(c);
    // the same tenant, id and hash in the other schema: no conflict
    await other.connections.createConnection(c);
    const k = credential(c.id);
    await records.addCredential(k);
    await other.connections.addCredential(k);
    await records.deleteConnection(c.id);
    expect(await other.connections.findCredential({ hash: k.hash })).toEqual(k);
    expect(await records.findCredential({ hash: k.hash })).toBeUndefined();
  });

  it('looks credentials up by index: hash, OAuth client id, connection', async () => {
    await ready;
    const { rows } = await db.query(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'scim_credentials' AND schemaname = current_schema() ORDER BY 1",
    );
    const defs = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef as string]));
    expect(defs.scim_credentials_hash).toMatch(/UNIQUE INDEX .* \(hash\)/);
    expect(defs.scim_credentials_client_id).toMatch(/UNIQUE INDEX .* \(client_id\) WHERE \(kind = 'oauthClient'::text\)/);
    expect(defs.scim_credentials_connection).toMatch(/\(connection_id, created_at, seq\)/);
  });
});
