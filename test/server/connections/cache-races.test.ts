// Changes made on the same instance while a request's look-up is in flight: a revocation or
// disable made after a slow look-up began is not undone by that look-up's answer being cached
// when it lands (the next request sees the change at once), and an OAuth client revoked while
// its token request is in flight leaves no access token in force.
import { MemoryStore, type ProvisioningStore } from 'scimkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTOR, closeAll, eventually, listen } from './helpers.js';

afterEach(closeAll);

/** `store` whose connection look-ups of the kind `gated` names read now but answer only when released. */
function gatedStore(store: MemoryStore, gated: 'hash' | 'connection' | 'clientId') {
  const inner = store.connections!;
  let release: () => void = () => undefined;
  let armed = false;
  let waiting = 0;
  const gate = () =>
    new Promise<void>((r) => {
      release = r;
    });
  const connections = new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      if ((gated === 'hash' || gated === 'clientId') && prop === 'findCredential')
        return async (q: { hash?: string; clientId?: string }) => {
          const found = await inner.findCredential(q as never);
          if (armed && q[gated] !== undefined) {
            armed = false;
            waiting++;
            await gate();
          }
          return found;
        };
      if (gated === 'connection' && prop === 'getConnection')
        return async (q: { id?: string }) => {
          const found = await inner.getConnection(q as never);
          if (armed && q.id !== undefined) {
            armed = false;
            waiting++;
            await gate();
          }
          return found;
        };
      return v.bind(target);
    },
  });
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'connections') return connections;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as ProvisioningStore;
  return {
    store: wrapped,
    arm: () => {
      armed = true;
    },
    waiting: () => waiting > 0,
    release: () => release(),
  };
}

describe('connection look-ups in flight during a change on the same instance', () => {
  it('a revocation made while the token’s look-up is in flight takes effect at the next request', async () => {
    const g = gatedStore(new MemoryStore(), 'hash');
    const { connections, call } = await listen({ store: g.store, connections: { cacheMs: 60_000 } });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const { token, credential } = await connections.issueToken(c.id, { actor: ACTOR });
    g.arm();
    const first = call('GET', '/acme/Users', token);
    expect(await eventually(() => g.waiting())).toBe(true);
    await connections.revoke(c.id, credential.id, { actor: ACTOR });
    g.release();
    // the request that began before the revocation may pass; the next ones must not
    await first;
    expect((await call('GET', '/acme/Users', token)).status).toBe(401);
  });

  it('a disable made while the connection’s look-up is in flight takes effect at the next request', async () => {
    const g = gatedStore(new MemoryStore(), 'connection');
    const { connections, call } = await listen({ store: g.store, connections: { cacheMs: 60_000 } });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const { token } = await connections.issueToken(c.id, { actor: ACTOR });
    g.arm();
    const first = call('GET', '/acme/Users', token);
    expect(await eventually(() => g.waiting())).toBe(true);
    await connections.disable(c.id, { actor: ACTOR });
    g.release();
    await first;
    expect((await call('GET', '/acme/Users', token)).status).toBe(401);
  });

  it('an OAuth client revoked while its token request is in flight: no access token it obtained works', async () => {
    const g = gatedStore(new MemoryStore(), 'clientId');
    const { connections, call, base } = await listen({ store: g.store });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const client = await connections.oauthClient(c.id, { actor: ACTOR });
    g.arm();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    const pending = fetch(`${base}/acme/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(await eventually(() => g.waiting())).toBe(true);
    await connections.revoke(c.id, client.credential.id, { actor: ACTOR });
    g.release();
    const res = await pending;
    const body = (await res.json()) as { access_token?: string; error?: string };
    if (res.status === 200) expect((await call('GET', '/acme/Users', body.access_token)).status).toBe(401);
    else expect([res.status, body.error]).toEqual([401, 'invalid_client']);
    const live = (await g.store.connections!.listCredentials(c.id)).filter((x) => x.kind === 'oauthAccess' && x.revokedAt === null);
    expect(live).toEqual([]);
  });
});
