// createScimServer's type says when `connections` is there: made with the option, a server's
// `connections` is the lifecycle API itself (no `!` in the host's code); without it, it may be
// undefined. Checked by the compiler (npm run typecheck) and at run time.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { bearerToken, createScimServer, generateToken, MemoryStore } from '../../../src/index.js';
import type { ScimConnections } from '../../../src/server/connections/lifecycle.js';

describe('the type of a server with connections', () => {
  it('is the lifecycle API when the server was made with connections, and optional without', async () => {
    const withConnections = createScimServer({ store: new MemoryStore(), connections: {} });
    expectTypeOf(withConnections.connections).toEqualTypeOf<ScimConnections>();
    const made = await withConnections.connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: 'admin@acme.io' });
    expect(made.state).toBe('pending');

    const without = createScimServer({ authenticate: bearerToken(generateToken()) });
    expectTypeOf(without.connections).toEqualTypeOf<ScimConnections | undefined>();
    expect(without.connections).toBeUndefined();
    await withConnections.close();
    await without.close();
  });
});

describe('the connections options, checked when the server is made', () => {
  it.each([
    [{ accessTokenMs: Number.NaN }, /accessTokenMs/],
    [{ accessTokenMs: 0 }, /accessTokenMs/],
    [{ accessTokenMs: '3600000' as unknown as number }, /accessTokenMs/],
    [{ cacheMs: -1 }, /cacheMs/],
    [{ tokenPath: 'oauth/token?x=1' }, /tokenPath/],
    [{ tokenPath: '' }, /tokenPath/],
  ])('%o is a TypeError naming the option, not a 500 at the first token request', (connections, message) => {
    expect(() => createScimServer({ store: new MemoryStore(), connections })).toThrow(message);
  });
});

describe('the lifecycle API taken apart', () => {
  it('each method works detached from scim.connections', async () => {
    const scim = createScimServer({ store: new MemoryStore(), connections: {} });
    const { create, issueToken, credentials, rotate, get } = scim.connections;
    const c = await create({ tenant: 'acme', name: 'Acme', settings: {}, actor: 'admin@acme.io' });
    await issueToken(c.id, { actor: 'admin@acme.io' });
    await rotate(c.id, { actor: 'admin@acme.io', overlapMs: 0 });
    expect((await credentials(c.id)).map((x) => x.inForce)).toEqual([false, true]);
    expect((await get(c.id)).id).toBe(c.id);
    await scim.close();
  });
});
