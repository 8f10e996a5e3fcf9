// scim.connections: create, update, tokens, disable/enable, delete (keeping or purging the
// tenant's resources), each change in the tenant's activity log with its actor.
import { bearerToken, createScimServer, MemoryStore, ScimError } from 'scimkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTOR, closeAll, eventually, listen, user } from './helpers.js';

afterEach(closeAll);

describe('scim.connections lifecycle', () => {
  it('is undefined without the connections option, and a store without connections is a TypeError', () => {
    const plain = createScimServer({ authenticate: bearerToken('x'.repeat(40)) });
    expect(plain.connections).toBeUndefined();
    const bare = new MemoryStore();
    const noConnections = new Proxy(bare, { get: (t, p) => (p === 'connections' ? undefined : Reflect.get(t, p, t)) });
    expect(() => createScimServer({ store: noConnections, connections: {} })).toThrow(TypeError);
    expect(() => createScimServer({ store: bare })).toThrow(/authenticate is required/);
  });

  it('creates a pending connection, one per tenant, with checked settings and input', async () => {
    const { connections } = await listen({
      connections: {
        settings: (s) => {
          if (typeof s.workspace !== 'string') throw ScimError.invalidValue('settings.workspace is required');
          return { ...s, workspace: s.workspace.toLowerCase() };
        },
      },
    });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: { workspace: 'ENG', defaultRole: 'viewer' }, actor: ACTOR });
    expect(c).toMatchObject({
      tenant: 'acme',
      name: 'Acme',
      state: 'pending',
      settings: { workspace: 'eng', defaultRole: 'viewer' },
      createdBy: ACTOR,
      version: 1,
    });
    expect((await connections.get(c.id)).state).toBe('pending');
    expect((await connections.list({ tenant: 'acme' })).map((x) => x.id)).toEqual([c.id]);
    await expect(connections.create({ tenant: 'acme', name: 'Again', settings: { workspace: 'x' }, actor: ACTOR })).rejects.toMatchObject({ status: 409 });
    await expect(connections.create({ tenant: 'beta', name: 'Beta', settings: {}, actor: ACTOR })).rejects.toMatchObject({ status: 400 });
    await expect(connections.create({ tenant: '', name: 'B', settings: { workspace: 'x' }, actor: ACTOR })).rejects.toMatchObject({ status: 400 });
    await expect(connections.create({ tenant: 'b', name: 'B', settings: { workspace: 'x' }, actor: '' })).rejects.toMatchObject({ status: 400 });
    await expect(connections.get('conn_nope')).rejects.toMatchObject({ status: 404 });
    const u = await connections.update(c.id, { name: 'Acme Inc', settings: { workspace: 'OPS' }, actor: 'ops@acme.io' });
    expect(u).toMatchObject({ name: 'Acme Inc', settings: { workspace: 'ops' }, updatedBy: 'ops@acme.io', version: 2 });
  });

  it('a token authenticates the tenant; the connection becomes active after its first request; every change is in the activity log with its actor', async () => {
    const { scim, connections, call } = await listen();
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: { workspace: 'eng' }, actor: ACTOR });
    const { token, credential } = await connections.issueToken(c.id, { actor: ACTOR });
    expect(token).toMatch(/^scimkit_/);
    expect(credential).toMatchObject({ kind: 'bearer', connectionId: c.id, createdBy: ACTOR, expiresAt: null, revokedAt: null });
    expect(credential.hash).not.toContain(token);
    expect((await call('POST', '/acme/Users', token, user('ann'))).status).toBe(201);
    expect(await eventually(async () => (await connections.get(c.id)).state === 'active')).toBe(true);
    await connections.disable(c.id, { actor: 'sec@acme.io' });
    expect((await connections.get(c.id)).state).toBe('disabled');
    await connections.enable(c.id, { actor: 'sec@acme.io' });
    expect(await eventually(async () => (await connections.get(c.id)).state === 'active')).toBe(true);
    await scim.activity.flush();
    const log = (await scim.activity.list({ tenant: 'acme' })).filter((r) => r.operation === 'connection');
    expect(log.map((r) => [r.connection?.action, r.actor]).reverse()).toEqual([
      ['create', ACTOR],
      ['issueToken', ACTOR],
      ['disable', 'sec@acme.io'],
      ['enable', 'sec@acme.io'],
    ]);
    expect(log.find((r) => r.connection?.action === 'issueToken')?.connection?.credentialId).toBe(credential.id);
  });

  it('at most two bearer tokens in force: a third issue is 409', async () => {
    const { connections } = await listen();
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    await connections.issueToken(c.id, { actor: ACTOR });
    await connections.issueToken(c.id, { actor: ACTOR, expiresAt: new Date(Date.now() + 3600_000) });
    await expect(connections.issueToken(c.id, { actor: ACTOR })).rejects.toMatchObject({ status: 409 });
    await expect(connections.issueToken(c.id, { actor: ACTOR, expiresAt: '2001-01-01T00:00:00Z' })).rejects.toMatchObject({ status: 400 });
  });

  it('delete keeps the tenant’s resources; delete with purge deletes them with their events', async () => {
    const { scim, store, connections, call } = await listen();
    const keep = await connections.create({ tenant: 'keep', name: 'Keep', settings: {}, actor: ACTOR });
    const keepToken = (await connections.issueToken(keep.id, { actor: ACTOR })).token;
    expect((await call('POST', '/keep/Users', keepToken, user('kim'))).status).toBe(201);
    await connections.delete(keep.id, { actor: ACTOR });
    await expect(connections.get(keep.id)).rejects.toMatchObject({ status: 404 });
    expect((await call('GET', '/keep/Users', keepToken)).status).toBe(401);
    const users = scim.registry.resourceType('User')!;
    expect((await store.search({ tenant: 'keep', requestId: 't' }, users, { startIndex: 1, count: 10, members: false })).totalResults).toBe(1);

    const gone = await connections.create({ tenant: 'gone', name: 'Gone', settings: {}, actor: ACTOR });
    const token = (await connections.issueToken(gone.id, { actor: ACTOR })).token;
    const ann = await call('POST', '/gone/Users', token, user('ann'));
    await call('POST', '/gone/Users', token, user('bob'));
    await call('POST', '/gone/Groups', token, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'g',
      members: [{ value: ann.body.id }],
    });
    await connections.delete(gone.id, { actor: ACTOR, purge: true });
    expect((await store.search({ tenant: 'gone', requestId: 't' }, users, { startIndex: 1, count: 10, members: false })).totalResults).toBe(0);
    const events = await scim.events.list({ tenant: 'gone' });
    expect(events.filter((e) => e.type === 'user.deleted').length).toBe(2);
    expect(events.filter((e) => e.type === 'group.deleted').length).toBe(1);
  });
});
