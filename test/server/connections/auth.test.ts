// Authentication through connections over real HTTP: invalid_token refusals (RFC 6750 §3),
// rotation with an overlap, revoke and disable, the tenant in the path, the cache (positive
// and negative) and last-use writes bounded, entitlement (403, nothing written), and two
// instances over one store (MemoryStore, and PostgreSQL with DATABASE_URL).
import { connectionAuth, createScimServer, MemoryStore, type ProvisioningStore } from 'scimkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTOR, closeAll, counted, eventually, listen, user } from './helpers.js';

afterEach(closeAll);

const INVALID_TOKEN = /^Bearer realm="scim", error="invalid_token"/;

async function withToken(options: Parameters<typeof listen>[0] = {}) {
  const s = await listen(options);
  const c = await s.connections.create({ tenant: 'acme', name: 'Acme', settings: { workspace: 'eng' }, actor: ACTOR });
  const issued = await s.connections.issueToken(c.id, { actor: ACTOR });
  return { ...s, c, ...issued };
}

describe('connection authentication', () => {
  it('refuses an unknown token with 401 invalid_token, no token with a bare challenge, another tenant’s path with invalid_token', async () => {
    const { call, token } = await withToken();
    expect((await call('GET', '/acme/Users', token)).status).toBe(200);
    const unknown = await call('GET', '/acme/Users', 'scimkit_not-a-token-of-anyone-at-all-0123456789');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toMatch(INVALID_TOKEN);
    const none = await call('GET', '/acme/Users', undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="scim"');
    const other = await call('GET', '/beta/Users', token);
    expect(other.status).toBe(401);
    expect(other.headers.get('www-authenticate')).toMatch(INVALID_TOKEN);
  });

  it('rotation: the old token works until the overlap ends, then 401 invalid_token; the new one works', async () => {
    const { connections, call, c, token: old } = await withToken();
    const next = await connections.rotate(c.id, { overlapMs: 400, actor: ACTOR });
    expect((await call('GET', '/acme/Users', old)).status).toBe(200);
    expect((await call('GET', '/acme/Users', next.token)).status).toBe(200);
    expect(await eventually(async () => (await call('GET', '/acme/Users', old)).status === 401, 3000)).toBe(true);
    const late = await call('GET', '/acme/Users', old);
    expect(late.headers.get('www-authenticate')).toMatch(INVALID_TOKEN);
    expect(late.body.detail).toMatch(/expired/);
    expect((await call('GET', '/acme/Users', next.token)).status).toBe(200);
  });

  it('rotation keeps at most two in force: the newest old one for the overlap, any other ends now', async () => {
    const { connections, call, c, token: first } = await withToken();
    const second = await connections.rotate(c.id, { overlapMs: 3600_000, actor: ACTOR });
    const third = await connections.rotate(c.id, { overlapMs: 3600_000, actor: ACTOR });
    expect((await call('GET', '/acme/Users', first)).status).toBe(401);
    expect((await call('GET', '/acme/Users', second.token)).status).toBe(200);
    expect((await call('GET', '/acme/Users', third.token)).status).toBe(200);
  });

  it('revoke and disable take effect at once on the instance that made them', async () => {
    const { connections, call, c, token, credential } = await withToken();
    expect((await call('GET', '/acme/Users', token)).status).toBe(200);
    await connections.disable(c.id, { actor: ACTOR });
    const disabled = await call('GET', '/acme/Users', token);
    expect(disabled.status).toBe(401);
    expect(disabled.headers.get('www-authenticate')).toMatch(INVALID_TOKEN);
    await connections.enable(c.id, { actor: ACTOR });
    expect((await call('GET', '/acme/Users', token)).status).toBe(200);
    await connections.revoke(c.id, credential.id, { actor: ACTOR });
    const revoked = await call('GET', '/acme/Users', token);
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toMatch(/revoked/);
    await expect(connections.revoke(c.id, 'cred_nope', { actor: ACTOR })).rejects.toMatchObject({ status: 404 });
  });

  it('a warm cache asks the store nothing per request; unknown tokens are cached too; last use is written once a minute at most, after the response', async () => {
    const { store, counts } = counted(new MemoryStore());
    const { call, connections, c, token, credential } = await withToken({ store });
    for (let i = 0; i < 20; i++) expect((await call('GET', '/acme/Users', token)).status).toBe(200);
    expect(counts.findCredential).toBe(1);
    expect(counts.getConnection).toBeLessThanOrEqual(3); // the look-up, and the activation's read
    await eventually(async () => (await store.connections!.findCredential({ id: credential.id }))?.lastUsedAt !== null);
    expect(counts.updateCredential).toBe(1);
    const used = await store.connections!.findCredential({ id: credential.id });
    expect(used?.lastUsedFrom).toBe('127.0.0.1');
    expect((await connections.get(c.id)).state).toBe('active');
    const before = counts.findCredential ?? 0;
    for (let i = 0; i < 20; i++) expect((await call('GET', '/acme/Users', 'scimkit_bad-token-0123456789-0123456789-0123')).status).toBe(401);
    expect((counts.findCredential ?? 0) - before).toBe(1);
  });

  it('entitlement: 403 with the host’s message, nothing written, health says so', async () => {
    let entitled = true;
    const { call, store, scim, connections, c, token } = await withToken({
      connections: { entitled: () => (entitled ? true : { message: 'SCIM needs the Business plan' }), cacheMs: 0 },
    });
    expect((await call('GET', '/acme/Users', token)).status).toBe(200);
    entitled = false;
    const refused = await call('POST', '/acme/Users', token, user('ann'));
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toBe('SCIM needs the Business plan');
    const users = scim.registry.resourceType('User')!;
    expect((await store.search({ tenant: 'acme', requestId: 't' }, users, { startIndex: 1, count: 1, members: false })).totalResults).toBe(0);
    expect((await connections.health(c.id)).entitled).toEqual({ message: 'SCIM needs the Business plan' });
  });
});

/** Two servers over one store: a revoke or disable on one is refused on the other within 5 s. */
function twoInstances(name: string, makeStore: () => Promise<{ store: ProvisioningStore; close: () => Promise<void> }>) {
  it(`${name}: revoke and disable on one instance are refused on the other within 5 s`, { timeout: 20_000 }, async () => {
    const { store, close } = await makeStore();
    try {
      const a = await listen({ store });
      const b = await listen({ store });
      const tenant = `t-${Date.now()}-${Math.round(Math.random() * 1e6)}`;
      const c = await a.connections.create({ tenant, name: 'Two', settings: {}, actor: ACTOR });
      const { token, credential } = await a.connections.issueToken(c.id, { actor: ACTOR });
      const second = await a.connections.issueToken(c.id, { actor: ACTOR });
      expect((await b.call('GET', `/${tenant}/Users`, token)).status).toBe(200);
      expect((await b.call('GET', `/${tenant}/Users`, second.token)).status).toBe(200);
      let t0 = Date.now();
      await a.connections.revoke(c.id, credential.id, { actor: ACTOR });
      expect((await a.call('GET', `/${tenant}/Users`, token)).status).toBe(401);
      expect(await eventually(async () => (await b.call('GET', `/${tenant}/Users`, token)).status === 401, 5000)).toBe(true);
      expect(Date.now() - t0).toBeLessThan(5000);
      t0 = Date.now();
      await a.connections.disable(c.id, { actor: ACTOR });
      expect(await eventually(async () => (await b.call('GET', `/${tenant}/Users`, second.token)).status === 401, 5000)).toBe(true);
      expect(Date.now() - t0).toBeLessThan(5000);
      await a.connections.delete(c.id, { actor: ACTOR });
    } finally {
      await closeAll();
      await close();
    }
  });
}

describe('two instances', () => {
  twoInstances('one MemoryStore', async () => ({ store: new MemoryStore(), close: async () => undefined }));
  describe.runIf(process.env.DATABASE_URL)('PostgreSQL', () => {
    twoInstances('one PostgresStore', async () => {
      const { PostgresStore } = await import('scimkit/postgres');
      const pg = (await import('pg')).default;
      const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
      const store = new PostgresStore(pool, { schema: 'scim_connections_two' });
      await store.migrate();
      return { store, close: () => pool.end() };
    });
  });
});

describe('connectionAuth on its own', () => {
  it('is an Authenticate a host passes itself; its uses are written without the server’s help', async () => {
    const store = new MemoryStore();
    const scim = createScimServer({ store, authenticate: connectionAuth(store, { cacheMs: 1000 }), connections: {} });
    const c = await scim.connections!.create({ tenant: 'solo', name: 'Solo', settings: {}, actor: ACTOR });
    const { token, credential } = await scim.connections!.issueToken(c.id, { actor: ACTOR });
    const res = await scim.handle({ method: 'GET', path: '/Users', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await eventually(async () => (await store.connections!.findCredential({ id: credential.id }))?.lastUsedAt !== null)).toBe(true);
    await scim.close();
  });
});
