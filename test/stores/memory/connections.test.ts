import { describe, expect, it } from 'vitest';
import { type Connection, type ConnectionCredential, MemoryStore, SchemaRegistry } from '../../../src/index.js';

const connection = (tenant: string, id = `c-${tenant}`): Connection => ({
  id,
  tenant,
  name: tenant,
  state: 'pending',
  idp: 'entra',
  detectedIdp: null,
  settings: { workspace: 'eng', roles: ['viewer'] },
  mode: 'live',
  domains: [],
  resolutions: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'admin@acme.io',
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'admin@acme.io',
  version: 1,
});

const credential = (connectionId: string, id: string, extra: Partial<ConnectionCredential> = {}): ConnectionCredential => ({
  id,
  connectionId,
  kind: 'bearer',
  hash: `hash-${id}`,
  clientId: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'admin@acme.io',
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  lastUsedFrom: null,
  ...extra,
});

describe('MemoryStore connections', () => {
  it('carries connections and credentials through a snapshot, versions and indexes included', async () => {
    const a = new MemoryStore();
    const c = await a.connections.createConnection(connection('acme'));
    await a.connections.updateConnection({ ...c, name: 'Acme Inc.' }, 1);
    await a.connections.addCredential(credential(c.id, 'k1'));
    await a.connections.addCredential(credential(c.id, 'k2', { kind: 'oauthClient', clientId: 'client-1' }));
    const b = new MemoryStore({ snapshot: JSON.parse(JSON.stringify(a.snapshot())) });
    expect(await b.connections.getConnection({ tenant: 'acme' })).toMatchObject({ id: c.id, name: 'Acme Inc.', version: 2 });
    expect((await b.connections.findCredential({ hash: 'hash-k1' }))?.id).toBe('k1');
    expect((await b.connections.findCredential({ clientId: 'client-1' }))?.id).toBe('k2');
    expect((await b.connections.listCredentials(c.id)).map((x) => x.id)).toEqual(['k1', 'k2']);
    // the restored indexes refuse what the original refused
    await expect(b.connections.createConnection(connection('acme', 'other'))).rejects.toMatchObject({ status: 409 });
    await expect(b.connections.addCredential(credential(c.id, 'k3', { hash: 'hash-k1' }))).rejects.toMatchObject({ status: 409 });
  });

  it('restores a snapshot taken before connections existed', async () => {
    const User = new SchemaRegistry().resourceType('User')!;
    const ctx = { tenant: 't', requestId: 'r' };
    const a = new MemoryStore();
    await a.create(ctx, User, { schemas: [User.schema.id], userName: 'old' });
    const { connections: _, ...old } = a.snapshot();
    const b = new MemoryStore({ snapshot: JSON.parse(JSON.stringify(old)) });
    expect((await b.search(ctx, User, { startIndex: 1, count: 10, members: false })).totalResults).toBe(1);
    expect(await b.connections.listConnections({})).toEqual([]);
  });

  it('refuses a snapshot whose connections are not lists', () => {
    expect(() => new MemoryStore({ snapshot: { version: 1, tenants: {}, connections: { connections: 'x' } } as never })).toThrow(TypeError);
  });

  it('refuses a credential of a connection that is not there (404), as the foreign key of PostgresStore does', async () => {
    const store = new MemoryStore();
    await expect(store.connections.addCredential(credential('nowhere', 'k1'))).rejects.toMatchObject({ status: 404 });
    expect(await store.connections.findCredential({ hash: 'hash-k1' })).toBeUndefined();
  });

  it('lets access tokens share the client id of the client they were issued to; only a second client with that id is refused', async () => {
    const store = new MemoryStore();
    const c = await store.connections.createConnection(connection('acme'));
    await store.connections.addCredential(credential(c.id, 'client', { kind: 'oauthClient', clientId: 'cid' }));
    await store.connections.addCredential(credential(c.id, 'at1', { kind: 'oauthAccess', clientId: 'cid' }));
    await store.connections.addCredential(credential(c.id, 'at2', { kind: 'oauthAccess', clientId: 'cid' }));
    expect((await store.connections.findCredential({ clientId: 'cid' }))?.id).toBe('client');
    await expect(store.connections.addCredential(credential(c.id, 'client2', { kind: 'oauthClient', clientId: 'cid' }))).rejects.toMatchObject({
      status: 409,
      scimType: 'uniqueness',
    });
  });

  it('keeps nothing of a deleted connection or of expired access tokens it deleted', async () => {
    const store = new MemoryStore();
    const c = await store.connections.createConnection(connection('acme'));
    await store.connections.addCredential(credential(c.id, 'client', { kind: 'oauthClient', clientId: 'cid' }));
    await store.connections.addCredential(credential(c.id, 'at1', { kind: 'oauthAccess', clientId: 'cid', expiresAt: '2026-01-01T01:00:00.000Z' }));
    expect(await store.connections.deleteExpiredCredentials('oauthAccess', '2026-01-02T00:00:00.000Z')).toBe(1);
    expect(await store.connections.deleteConnection(c.id)).toBe(true);
    expect(store.snapshot().connections).toEqual({ connections: [], credentials: [] });
    // the tenant and the client id are free again
    const again = await store.connections.createConnection(connection('acme', 'c2'));
    await store.connections.addCredential(credential(again.id, 'client', { kind: 'oauthClient', clientId: 'cid' }));
  });
});
