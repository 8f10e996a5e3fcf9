// scim.connections.health after a scripted run over real HTTP: request figures from the
// activity log (lifecycle records left out), the client seen, credentials expiring soon,
// event delivery with a failing onEvent (pending, retrying, dead, the last error), and the
// failing rule written to the record.
import { MemoryStore } from 'scimkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTOR, closeAll, eventually, listen, user } from './helpers.js';

afterEach(closeAll);

describe('connection health', () => {
  it('reports requests, failures, client, expiring credentials and event delivery after a scripted run', async () => {
    const { scim, connections, call } = await listen({
      store: new MemoryStore(),
      hooks: {
        onEvent: (e) => {
          if (e.type === 'user.created') throw new Error(`the app refused ${e.type}`);
        },
      },
      events: { maxAttempts: 2, retryBaseMs: 60_000, retryMaxMs: 60_000, pollMs: 20 },
    });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const fresh = await connections.health(c.id);
    expect(fresh).toMatchObject({ state: 'pending', lastRequestAt: null, requests24h: 0, failures24h: 0, lastFailure: null, entitled: true });
    const { token } = await connections.issueToken(c.id, { actor: ACTOR });
    await connections.issueToken(c.id, { actor: ACTOR, expiresAt: new Date(Date.now() + 3 * 24 * 3600_000) });
    const entra = { 'user-agent': 'Microsoft Azure AD SCIM provisioning' };
    expect((await call('POST', '/acme/Users', token, user('ann'), entra)).status).toBe(201);
    expect((await call('GET', '/acme/Users', token, undefined, entra)).status).toBe(200);
    expect((await call('POST', '/acme/Users', token, user('ann'), entra)).status).toBe(409);
    expect((await call('GET', '/acme/Users/nope', token, undefined, entra)).status).toBe(404);
    // the first delivery of user.created fails: retrying, its error kept
    expect(await eventually(async () => (await connections.health(c.id)).events.retrying === 1)).toBe(true);
    await scim.activity.flush();
    const h = await connections.health(c.id);
    expect(h).toMatchObject({
      state: 'active',
      requests24h: 4,
      failures24h: 2,
      client: 'entra',
      entitled: true,
      lastFailure: { status: 404, detail: expect.stringContaining('not found') },
      events: { pending: 0, retrying: 1, dead: 0, lastError: expect.stringContaining('the app refused user.created') },
    });
    expect(h.lastRequestAt).not.toBeNull();
    expect(h.lastSuccessAt).not.toBeNull();
    expect(h.credentialsExpiringSoon.map((x) => x.kind)).toEqual(['bearer']);
    // a second failed attempt (maxAttempts 2) makes it dead
    const [event] = await scim.events.list({ tenant: 'acme' });
    await scim.store.outbox!.fail(event!.id, { error: 'Error: the app refused user.created again', dead: true });
    const dead = await connections.health(c.id);
    expect(dead.events).toEqual({ pending: 0, retrying: 0, dead: 1, lastError: 'Error: the app refused user.created again' });
  });

  it('failing when most recent requests fail, active again when they succeed; disabled stays disabled', async () => {
    const { scim, connections, call } = await listen();
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const { token } = await connections.issueToken(c.id, { actor: ACTOR });
    for (let i = 0; i < 4; i++) expect((await call('POST', '/acme/Users', token, { schemas: ['urn:nope'] })).status).toBe(400);
    await scim.activity.flush();
    expect((await connections.health(c.id)).state).toBe('failing');
    expect((await connections.get(c.id)).state).toBe('failing');
    for (let i = 0; i < 8; i++) expect((await call('GET', '/acme/Users', token)).status).toBe(200);
    await scim.activity.flush();
    expect((await connections.health(c.id)).state).toBe('active');
    expect((await connections.get(c.id)).state).toBe('active');
    await connections.disable(c.id, { actor: ACTOR });
    expect((await connections.health(c.id)).state).toBe('disabled');
  });
  it('an IdP still sending a token that a rotation ended: health names the ended credential in use and says failing, from the store (any instance)', async () => {
    const { scim, connections, call } = await listen();
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const { token: old, credential } = await connections.issueToken(c.id, { actor: ACTOR });
    expect((await call('GET', '/acme/Users', old)).status).toBe(200);
    await scim.activity.flush();
    // the admin rotates with no overlap, and the IdP keeps the old token: every request is refused before it reaches the tenant's log
    await connections.rotate(c.id, { actor: ACTOR, overlapMs: 0 });
    const refused = await call('GET', '/acme/Users', old);
    expect(refused.status).toBe(401);
    const h = await eventually(async () => (await connections.health(c.id)).endedCredentialsInUse.length === 1);
    expect(h).toBe(true);
    const health = await connections.health(c.id);
    expect(health.state).toBe('failing');
    expect(health.endedCredentialsInUse.map((x) => x.id)).toEqual([credential.id]);
    expect(health.endedCredentialsInUse[0]!.lastUsedFrom).toBe('127.0.0.1');
    // the IdP takes the new token: active again
    const { token: next } = await connections.rotate(c.id, { actor: ACTOR, overlapMs: 60_000 });
    await new Promise((r) => setTimeout(r, 5));
    expect((await call('GET', '/acme/Users', next)).status).toBe(200);
    await scim.activity.flush();
    expect((await connections.health(c.id)).state).toBe('active');
  });
});
