import { describe, expect, it } from 'vitest';
import { bearerToken, bearerTokens, createScimServer, generateToken, hashToken, MemoryStore, type TenantToken, TokenList } from '../../src/index.js';
import { U } from './helpers.js';

const SECRET = 'a-secret-token-of-thirty-two-chars!';

function server(authenticate: ReturnType<typeof bearerTokens>, tenantInPath = false) {
  const scim = createScimServer({ authenticate, store: new MemoryStore(), baseUrl: 'https://sp.example/scim/v2', tenantInPath });
  return (method: string, path: string, token: string, body?: unknown) =>
    scim.handle({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}
const user = (userName: string) => ({ schemas: [U], userName });

describe('generateToken and bearerToken', () => {
  it('tokens carry the scimkit_ prefix secret scanners look for, and 256 random bits', () => {
    const a = generateToken();
    expect(a).toMatch(/^scimkit_[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(a);
  });

  it('bearerToken refuses a secret shorter than 32 characters', () => {
    expect(() => bearerToken('change-me')).toThrow(/32 characters/);
    expect(() => bearerToken('x'.repeat(31))).toThrow(TypeError);
    expect(() => bearerToken('x'.repeat(32))).not.toThrow();
  });
});

describe('bearerTokens: expiry, scopes, last use, revocation', () => {
  it('an expired token is 401 invalid_token; one that expires later works', async () => {
    const now = Date.now();
    const call = server(
      bearerTokens([
        { tenant: 't', tokenHash: hashToken(SECRET), expiresAt: new Date(now - 1000) },
        { tenant: 't', tokenHash: hashToken(`${SECRET}2`), expiresAt: new Date(now + 60_000).toISOString() },
      ]),
    );
    const expired = await call('GET', '/Users', SECRET);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toMatch(/^Bearer realm="scim", error="invalid_token", error_description="The token has expired"$/);
    expect((await call('GET', '/Users', `${SECRET}2`)).status).toBe(200);
  });

  it('a read-only token reads and gets 403 insufficient_scope for every write; POST /.search is a read', async () => {
    const call = server(bearerTokens([{ tenant: 't', tokenHash: hashToken(SECRET), scopes: ['read'] }]));
    expect((await call('GET', '/Users', SECRET)).status).toBe(200);
    expect((await call('POST', '/Users/.search', SECRET, { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })).status).toBe(200);
    expect((await call('POST', '/.search', SECRET, { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/Users', user('w')],
      ['PUT', '/Users/x', user('w')],
      ['PATCH', '/Users/x', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] }],
      ['DELETE', '/Users/x', undefined],
      ['POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }],
    ] as const) {
      const r = await call(method, path, SECRET, body);
      expect([r.status, (r.body as { detail?: string }).detail], `${method} ${path}`).toEqual([403, expect.stringContaining('write')]);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="scim", error="insufficient_scope", scope="write"');
    }
  });

  it('a write-only token cannot read; a token without scopes can do both', async () => {
    const call = server(
      bearerTokens([
        { tenant: 't', tokenHash: hashToken(SECRET), scopes: ['write'] },
        { tenant: 't', tokenHash: hashToken(`${SECRET}2`) },
      ]),
    );
    expect((await call('POST', '/Users', SECRET, user('w'))).status).toBe(201);
    expect((await call('GET', '/Users', SECRET)).headers['www-authenticate']).toContain('scope="read"');
    expect((await call('GET', '/Users', `${SECRET}2`)).status).toBe(200);
    expect((await call('POST', '/Users', `${SECRET}2`, user('v'))).status).toBe(201);
  });

  it('revocation takes effect at the next request: revokedAt on a record of the array, TokenList.revoke, or the lookup', async () => {
    const record: TenantToken = { tenant: 't', tokenHash: hashToken(SECRET) };
    const byArray = server(bearerTokens([record]));
    expect((await byArray('GET', '/Users', SECRET)).status).toBe(200);
    record.revokedAt = new Date();
    expect((await byArray('GET', '/Users', SECRET)).status).toBe(401);

    const list = new TokenList([{ tenant: 't', tokenHash: hashToken(SECRET), tokenId: 'conn-1' }]);
    const byList = server(bearerTokens(list));
    expect((await byList('GET', '/Users', SECRET)).status).toBe(200);
    expect(list.revoke('conn-1')).toBe(true);
    expect((await byList('GET', '/Users', SECRET)).status).toBe(401);
    list.add({ tenant: 't', tokenHash: hashToken(`${SECRET}2`), tokenId: 'conn-2' });
    expect((await byList('GET', '/Users', `${SECRET}2`)).status).toBe(200);
    expect(list.revoke(hashToken(`${SECRET}2`))).toBe(true);
    expect((await byList('GET', '/Users', `${SECRET}2`)).status).toBe(401);
    expect(list.revoke('unknown')).toBe(false);

    const db = new Map([[hashToken(SECRET), { tenant: 't', tokenHash: hashToken(SECRET) } as TenantToken]]);
    const byLookup = server(bearerTokens((h) => db.get(h)));
    expect((await byLookup('GET', '/Users', SECRET)).status).toBe(200);
    db.get(hashToken(SECRET))!.revokedAt = new Date().toISOString();
    expect((await byLookup('GET', '/Users', SECRET)).status).toBe(401);
  });

  it('a look-up answering null (a database client not finding the row) is 401, in its type too', async () => {
    const rows = new Map([[hashToken(SECRET), { org: 't', tokenHash: hashToken(SECRET) }]]);
    const findByTokenHash = async (h: string): Promise<{ org: string; tokenHash: string } | null> => rows.get(h) ?? null;
    const call = server(
      bearerTokens(async (h) => {
        const c = await findByTokenHash(h);
        return c && { tenant: c.org, tokenHash: c.tokenHash };
      }),
    );
    expect((await call('GET', '/Users', SECRET)).status).toBe(200);
    const unknown = await call('GET', '/Users', `${SECRET}-unknown`);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ status: '401' });
  });

  it('a row whose expiry and revocation columns are NULL (never, not revoked) authenticates, in its type too; a set one is 401', async () => {
    type Row = { tenant: string; tokenHash: string; expiresAt: Date | null; revokedAt: Date | null };
    const row: Row = { tenant: 't', tokenHash: hashToken(SECRET), expiresAt: null, revokedAt: null };
    const call = server(bearerTokens(async (h): Promise<Row | null> => (h === row.tokenHash ? row : null)));
    expect((await call('GET', '/Users', SECRET)).status).toBe(200);
    row.revokedAt = new Date();
    expect((await call('GET', '/Users', SECRET)).status).toBe(401);
  });

  it('records the last use on the record and tells the host at most once a minute per token', async () => {
    let clock = Date.parse('2026-12-01T10:00:00Z');
    const seen: [string | undefined, string][] = [];
    const record: TenantToken = { tenant: 't', tokenHash: hashToken(SECRET), tokenId: 'conn-1' };
    const call = server(bearerTokens([record], { now: () => clock, onUsed: (t, at) => void seen.push([t.tokenId, at.toISOString()]) }));
    expect(record.lastUsedAt).toBeUndefined();
    await call('GET', '/Users', SECRET);
    expect(record.lastUsedAt?.toISOString()).toBe('2026-12-01T10:00:00.000Z');
    clock += 30_000;
    await call('GET', '/Users', SECRET);
    expect(record.lastUsedAt?.toISOString()).toBe('2026-12-01T10:00:30.000Z');
    clock += 31_000;
    await call('GET', '/Users', SECRET);
    await call('GET', '/Users', 'a-wrong-token-that-is-long-enough-too');
    expect(seen).toEqual([
      ['conn-1', '2026-12-01T10:00:00.000Z'],
      ['conn-1', '2026-12-01T10:01:01.000Z'],
    ]);
  });

  it('a failing onUsed costs the request nothing and reaches the logger it was given, without the token', async () => {
    const errors: Record<string, unknown>[] = [];
    const record: TenantToken = { tenant: 't', tokenHash: hashToken(SECRET), tokenId: 'conn-2' };
    const call = server(
      bearerTokens([record], {
        onUsed: async () => {
          throw new Error('database down');
        },
        logger: { error: (f) => void errors.push(f) },
      }),
    );
    expect((await call('GET', '/Users', SECRET)).status).toBe(200);
    await expect.poll(() => errors).toEqual([{ tenant: 't', tokenId: 'conn-2', error: 'database down' }]);
    expect(JSON.stringify(errors)).not.toContain(SECRET);
  });

  it('the token id and scopes reach the store context; the hash does not', async () => {
    const contexts: unknown[] = [];
    const store = new MemoryStore();
    const scim = createScimServer({
      authenticate: bearerTokens([{ tenant: 't', tokenHash: hashToken(SECRET), tokenId: 'conn-1', scopes: ['read', 'write'] }]),
      store,
      hooks: { onEvent: (e) => void contexts.push(e.ctx) },
    });
    await scim.handle({ method: 'POST', path: '/Users', headers: { authorization: `Bearer ${SECRET}` }, body: JSON.stringify(user('c')) });
    await expect.poll(() => contexts[0]).toMatchObject({ tenant: 't', tokenId: 'conn-1', scopes: ['read', 'write'] });
    expect(JSON.stringify(contexts[0])).not.toContain(hashToken(SECRET));
  });

  it('a lookup that matches loosely still needs the exact digest; an upper-case stored digest matches', async () => {
    const loose = (stored: string) => bearerTokens(() => ({ tenant: 't', tokenHash: stored }));
    expect((await server(loose(hashToken(SECRET).toUpperCase()))('GET', '/Users', SECRET)).status).toBe(200);
    const other = hashToken(`${SECRET}x`);
    expect((await server(loose(other))('GET', '/Users', SECRET)).status).toBe(401);
    // one hex digit off, and a digest of another length
    const digest = hashToken(SECRET);
    const flipped = `${digest.slice(0, 63)}${digest[63] === '0' ? '1' : '0'}`;
    expect((await server(loose(flipped))('GET', '/Users', SECRET)).status).toBe(401);
    expect((await server(loose(digest.slice(0, 62)))('GET', '/Users', SECRET)).status).toBe(401);
  });

  it('an authenticate function may answer at once, with a promise, or with any thenable', async () => {
    const ctx = { tenant: 't' };
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise is what this test is about
    const thenable = { then: (ok: (v: typeof ctx) => void) => ok(ctx) } as unknown as Promise<typeof ctx>;
    for (const authenticate of [() => ctx, async () => ctx, () => thenable]) {
      const scim = createScimServer({ authenticate, store: new MemoryStore() });
      expect((await scim.handle({ method: 'GET', path: '/Users', headers: {} })).status).toBe(200);
    }
  });

  it('a stored digest as bytes, or with trailing white space, still matches; characters that only look like hex digits do not', async () => {
    const loose = (stored: unknown) => bearerTokens(() => ({ tenant: 't', tokenHash: stored as string }));
    const digest = hashToken(SECRET);
    // a bytea / BINARY(32) column read as a Buffer, and a hash read from a file with its newline
    expect((await server(loose(Buffer.from(digest, 'hex')))('GET', '/Users', SECRET)).status).toBe(200);
    expect((await server(loose(`${digest}\n`))('GET', '/Users', SECRET)).status).toBe(200);
    // U+0010..U+0019 are '0'..'9' with bit 0x20 cleared: folding case must not make them digits
    const controls = digest.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) & ~0x20));
    expect(controls).not.toBe(digest);
    expect((await server(loose(controls))('GET', '/Users', SECRET)).status).toBe(401);
    expect((await server(loose(undefined))('GET', '/Users', SECRET)).status).toBe(401);
  });
});
