// scim.connections: create, update, tokens (rotated with an expiry, listed as the admin sees
// them), disable/enable, delete (keeping or purging the tenant's resources), each change in the
// tenant's activity log with its actor.
import { bearerToken, type CredentialSummary, createScimServer, hashToken, MemoryStore, ScimError } from 'scimkit';
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
    expect(credential).toMatchObject({ kind: 'bearer', createdBy: ACTOR, expiresAt: null, revokedAt: null, inForce: true });
    // the record handed out never carries the secret's hash
    expect(credential).not.toHaveProperty('hash');
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

  it('rotate with expiresAt: the new token carries the expiry and stops working at it; a past or unreadable one is 400 and changes nothing', async () => {
    const { scim, store, connections, call } = await listen();
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const first = await connections.issueToken(c.id, { actor: ACTOR });
    await expect(connections.rotate(c.id, { actor: ACTOR, expiresAt: '2001-01-01T00:00:00Z' })).rejects.toMatchObject({ status: 400 });
    await expect(connections.rotate(c.id, { actor: ACTOR, expiresAt: 'next week' })).rejects.toMatchObject({ status: 400 });
    // refused before anything changed: still the one token, in force, without an end
    expect(await store.connections!.listCredentials(c.id)).toMatchObject([{ id: first.credential.id, expiresAt: null, revokedAt: null }]);

    const inAYear = new Date(Date.now() + 365 * 86_400_000);
    const rotated = await connections.rotate(c.id, { actor: ACTOR, overlapMs: 3600_000, expiresAt: inAYear });
    expect(rotated.credential.expiresAt).toBe(inAYear.toISOString());
    expect((await store.connections!.findCredential({ id: rotated.credential.id }))?.expiresAt).toBe(inAYear.toISOString());
    // the overlap still applies to the token before
    const before = await store.connections!.findCredential({ id: first.credential.id });
    expect(Math.abs(Date.parse(before!.expiresAt!) - (Date.now() + 3600_000))).toBeLessThan(5000);
    await scim.activity.flush();
    const log = (await scim.activity.list({ tenant: 'acme' })).filter((r) => r.connection?.action === 'rotate');
    expect(log.map((r) => r.connection?.credentialId)).toEqual([rotated.credential.id]);

    // an ISO string works too, and the server refuses the token once it is past
    const soon = new Date(Date.now() + 1500).toISOString();
    const short = await connections.rotate(c.id, { actor: ACTOR, expiresAt: soon });
    expect(short.credential.expiresAt).toBe(soon);
    expect((await call('GET', '/acme/Users', short.token)).status).toBe(200);
    expect(await eventually(async () => (await call('GET', '/acme/Users', short.token)).status === 401, 5000)).toBe(true);
  });

  it('credentials(): the bearer tokens and OAuth client as the admin sees them, oldest first, with whether each is in force; never a hash, never an access token', async () => {
    const { base, connections, call } = await listen();
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    expect(await connections.credentials(c.id)).toEqual([]);
    const first = await connections.issueToken(c.id, { actor: ACTOR });
    const expiresAt = new Date(Date.now() + 30 * 86_400_000);
    const second = await connections.rotate(c.id, { actor: 'ops@acme.io', overlapMs: 0, expiresAt });
    const client = await connections.oauthClient(c.id, { actor: ACTOR });
    // an access token from the token endpoint: it authenticates, but it is not an admin's credential
    const grant = await fetch(`${base}/acme/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }).toString(),
    });
    expect(grant.status).toBe(200);
    expect((await call('GET', '/acme/Users', ((await grant.json()) as { access_token: string }).access_token)).status).toBe(200);
    expect((await call('GET', '/acme/Users', second.token)).status).toBe(200);

    const listed = await eventually(async () => (await connections.credentials(c.id)).find((x) => x.id === second.credential.id)?.lastUsedAt != null);
    expect(listed).toBe(true);
    const all: CredentialSummary[] = await connections.credentials(c.id);
    expect(all.map((x) => [x.id, x.kind, x.inForce])).toEqual([
      [first.credential.id, 'bearer', false],
      [second.credential.id, 'bearer', true],
      [client.credential.id, 'oauthClient', true],
    ]);
    expect(all[1]).toEqual({
      id: second.credential.id,
      kind: 'bearer',
      clientId: null,
      createdAt: second.credential.createdAt,
      createdBy: 'ops@acme.io',
      expiresAt: expiresAt.toISOString(),
      revokedAt: null,
      lastUsedAt: expect.any(String),
      lastUsedFrom: '127.0.0.1',
      inForce: true,
    });
    expect(all[2]).toMatchObject({ clientId: client.clientId, createdBy: ACTOR, expiresAt: null, revokedAt: null });
    const json = JSON.stringify(all);
    for (const secret of [first.token, second.token, client.clientSecret]) expect(json).not.toContain(hashToken(secret));
    expect(all.every((x) => !('hash' in x))).toBe(true);

    await connections.revoke(c.id, second.credential.id, { actor: ACTOR });
    const after = (await connections.credentials(c.id)).find((x) => x.id === second.credential.id);
    expect(after).toMatchObject({ inForce: false, revokedAt: expect.any(String) });
    await expect(connections.credentials('conn_nope')).rejects.toMatchObject({ status: 404 });
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
