// scim.connections.test: Test connection runs the IdP's first request through the whole
// server as the connection (state, credential in force, entitlement, engine), without its
// secret, and reports what the IdP would get; a network request cannot pose as such a probe.
import { MemoryStore } from 'scimkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTOR, closeAll, listen } from './helpers.js';

afterEach(closeAll);

describe('Test connection', () => {
  it('succeeds with a credential in force, is recorded with its actor, and leaves the connection pending', async () => {
    const { scim, connections } = await listen();
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const none = await connections.test(c.id, { actor: ACTOR });
    expect(none).toMatchObject({ ok: false, failure: 'noCredential', status: 0 });
    expect(none.request).toMatch(/^GET \/Users\?filter=userName eq "scimkit-test-[0-9a-f]{12}"$/);
    await connections.issueToken(c.id, { actor: ACTOR });
    const ok = await connections.test(c.id, { actor: ACTOR });
    expect(ok).toMatchObject({ ok: true, status: 200 });
    expect(Date.parse(ok.testedAt)).toBeGreaterThan(Date.now() - 5000);
    await scim.activity.flush();
    const record = (await scim.activity.list({ tenant: 'acme' })).find((r) => r.operation !== 'connection');
    expect(record).toMatchObject({ status: 200, authenticated: true, path: '/acme/Users', userAgent: `scimkit-test-connection (${ACTOR})` });
    expect(record!.filter).toMatch(/^userName eq "scimkit-test-/);
    // only the IdP's own first request makes it active
    expect((await connections.get(c.id)).state).toBe('pending');
  });

  it('says why it fails: disabled, not entitled, or the SCIM error the IdP would get', async () => {
    let entitled = true;
    const store = new MemoryStore();
    const { connections } = await listen({
      store,
      connections: { entitled: () => (entitled ? true : { message: 'The plan does not include SCIM' }), cacheMs: 0 },
    });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    await connections.issueToken(c.id, { actor: ACTOR });
    entitled = false;
    expect(await connections.test(c.id, { actor: ACTOR })).toMatchObject({ ok: false, failure: 'notEntitled', detail: 'The plan does not include SCIM' });
    entitled = true;
    await connections.disable(c.id, { actor: ACTOR });
    expect(await connections.test(c.id, { actor: ACTOR })).toMatchObject({ ok: false, failure: 'disabled', status: 0 });
    await expect(connections.test('conn_nope', { actor: ACTOR })).rejects.toMatchObject({ status: 404 });
    await expect(connections.test(c.id, { actor: '' })).rejects.toMatchObject({ status: 400 });
  });

  it('reports the store error the IdP would get', async () => {
    const store = new MemoryStore();
    const { connections } = await listen({ store });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    await connections.issueToken(c.id, { actor: ACTOR });
    const list = store.search.bind(store);
    store.search = async () => {
      throw new Error('connection refused');
    };
    const failed = await connections.test(c.id, { actor: ACTOR });
    store.search = list;
    expect(failed).toMatchObject({ ok: false, failure: 'refused', status: 500 });
  });

  it('cannot be posed as by a network request: a header or body naming a probe is a 401', async () => {
    const { connections, call } = await listen();
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    await connections.issueToken(c.id, { actor: ACTOR });
    expect((await call('GET', '/acme/Users', undefined, undefined, { 'user-agent': 'scimkit-test-connection (x)' })).status).toBe(401);
  });
});
