// Rotation and issue under concurrency: however many rotate / issueToken / oauthClient calls run
// at once, on one instance or on two over one store, at most two bearer tokens (and two OAuth
// clients) are in force afterwards, and the newest one works.
import { type ConnectionCredential, MemoryStore } from 'scimkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTOR, closeAll, listen } from './helpers.js';

afterEach(closeAll);

/** The credentials of `kind` in force now. */
async function inForce(store: MemoryStore, connectionId: string, kind: ConnectionCredential['kind']): Promise<ConnectionCredential[]> {
  const now = Date.now();
  return (await store.connections!.listCredentials(connectionId)).filter(
    (c) => c.kind === kind && c.revokedAt === null && (c.expiresAt === null || now < Date.parse(c.expiresAt)),
  );
}

describe('connection credentials under concurrency', () => {
  it('concurrent rotations on one instance leave two bearer tokens in force, the newest among them', async () => {
    const store = new MemoryStore();
    const { connections, call } = await listen({ store });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const first = await connections.issueToken(c.id, { actor: ACTOR });
    const rotated = await Promise.all([1, 2, 3, 4].map(() => connections.rotate(c.id, { actor: ACTOR })));
    const live = await inForce(store, c.id, 'bearer');
    expect(live.length).toBe(2);
    const working: string[] = [];
    for (const t of [first.token, ...rotated.map((r) => r.token)]) if ((await call('GET', '/acme/Users', t)).status === 200) working.push(t);
    expect(working.length).toBe(2);
    // the first token ended: the two in force are rotations' tokens (the last two to run)
    expect(live.every((x) => rotated.some((r) => r.credential.id === x.id))).toBe(true);
  });

  it('concurrent issues never make a third bearer token: the ones past two are 409', async () => {
    const store = new MemoryStore();
    const { connections } = await listen({ store });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    const results = await Promise.allSettled([1, 2, 3].map(() => connections.issueToken(c.id, { actor: ACTOR })));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(2);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { status?: number }).status).toBe(409);
    expect((await inForce(store, c.id, 'bearer')).length).toBe(2);
  });

  it('concurrent rotations on two instances over one store leave two bearer tokens in force', async () => {
    const store = new MemoryStore();
    const a = await listen({ store });
    const b = await listen({ store });
    const c = await a.connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    await a.connections.issueToken(c.id, { actor: ACTOR });
    await Promise.all([a, b, a, b].map((x) => x.connections.rotate(c.id, { actor: ACTOR })));
    expect((await inForce(store, c.id, 'bearer')).length).toBe(2);
  });

  it('concurrent OAuth client rotations leave two clients in force', async () => {
    const store = new MemoryStore();
    const a = await listen({ store });
    const b = await listen({ store });
    const c = await a.connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
    await Promise.all([a, b, a, b].map((x) => x.connections.oauthClient(c.id, { actor: ACTOR })));
    expect((await inForce(store, c.id, 'oauthClient')).length).toBe(2);
  });
});
