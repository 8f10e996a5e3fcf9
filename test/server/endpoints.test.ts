import { describe, expect, it } from 'vitest';
import { bearerTokens, createScimServer, generateToken, hashToken, MemoryStore } from '../../src/index.js';
import { E, G, setup, TOKEN, U } from './helpers.js';

const ERR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('resources', () => {
  it('POST creates: 201, Location, ETag, meta', async () => {
    const { call, user } = setup();
    const r = await call('POST', '/Users', user('alice', { password: 'secret-pw' }));
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`https://app.example.com/scim/v2/Users/${r.body.id}`);
    expect(r.headers.etag).toBe('W/"1"');
    expect(r.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(r.body.meta).toMatchObject({ resourceType: 'User', version: 'W/"1"', location: r.headers.location });
    expect(r.body.password).toBeUndefined();
  });

  it('GET by id, 404 for unknown ids, 304 for a matching If-None-Match', async () => {
    const { call, user } = setup();
    const { body } = await call('POST', '/Users', user('bob'));
    const got = await call('GET', `/Users/${body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.userName).toBe('bob');
    expect((await call('GET', `/Users/${body.id}`, undefined, { 'if-none-match': 'W/"1"' })).status).toBe(304);
    expect((await call('GET', `/Users/${body.id}`, undefined, { 'if-none-match': 'W/"9"' })).status).toBe(200);
    const missing = await call('GET', '/Users/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ schemas: [ERR], status: '404', detail: 'User "nope" not found' });
  });

  it('header names in any case, as non-Node callers of handle() send them', async () => {
    const { server, call, user } = setup();
    const { body } = await call('POST', '/Users', user('casey'));
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/scim+json', 'If-Match': 'W/"9"', 'X-Request-ID': 'r-1' };
    const r = await server.handle({ method: 'PUT', path: `/Users/${body.id}`, headers, body: JSON.stringify(user('casey')) });
    expect(r.status).toBe(412); // authenticated, typed and conditional: every header was read
    expect(
      (await server.handle({ method: 'GET', path: `/Users/${body.id}`, headers: { AUTHORIZATION: `Bearer ${TOKEN}`, 'If-None-Match': 'W/"1"' } })).status,
    ).toBe(304);
  });

  it('PUT replaces, keeps id and created, bumps the version; readOnly input ignored', async () => {
    const { call, user } = setup();
    const { body } = await call('POST', '/Users', user('carol', { title: 'Dev' }));
    const r = await call('PUT', `/Users/${body.id}`, user('carol', { displayName: 'Carol', id: 'forged', meta: { version: 'x' } }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: body.id, displayName: 'Carol', meta: { version: 'W/"2"' } });
    expect(r.body.title).toBeUndefined();
    expect((r.body.meta as { created: string }).created).toBe((body.meta as { created: string }).created);
  });

  it('PATCH returns the resource, or 204 when configured', async () => {
    const { call, user, patch } = setup();
    const { body } = await call('POST', '/Users', user('dave'));
    const r = await call('PATCH', `/Users/${body.id}`, patch({ op: 'replace', path: 'active', value: false }));
    expect(r.status).toBe(200);
    expect(r.body.active).toBe(false);
    const quiet = setup({ patchResponse: 'noContent' });
    const u = await quiet.call('POST', '/Users', quiet.user('erin'));
    const p = await quiet.call('PATCH', `/Users/${u.body.id}`, quiet.patch({ op: 'replace', path: 'title', value: 'X' }));
    expect(p.status).toBe(204);
    expect(p.headers.etag).toBe('W/"2"');
  });

  it('DELETE: 204, then 404; a deleted user is removed from its groups; the userName is free again', async () => {
    const { call, user, group } = setup();
    const u = await call('POST', '/Users', user('frank'));
    const g = await call('POST', '/Groups', group('Team', [u.body.id as string]));
    expect((await call('DELETE', `/Users/${u.body.id}`)).status).toBe(204);
    expect((await call('GET', `/Users/${u.body.id}`)).status).toBe(404);
    expect((await call('DELETE', `/Users/${u.body.id}`)).status).toBe(404);
    expect((await call('GET', `/Groups/${g.body.id}`)).body.members).toBeUndefined();
    expect((await call('POST', '/Users', user('frank'))).status).toBe(201);
  });

  it('uniqueness: userName case-insensitively, externalId exactly → 409', async () => {
    const { call, user } = setup();
    await call('POST', '/Users', user('Grace', { externalId: 'x-1' }));
    const dup = await call('POST', '/Users', user('GRACE'));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ scimType: 'uniqueness', detail: 'userName "GRACE" is already taken' });
    expect((await call('POST', '/Users', user('other', { externalId: 'x-1' }))).body.scimType).toBe('uniqueness');
    expect((await call('POST', '/Users', user('other2', { externalId: 'X-1' }))).status).toBe(201);
  });

  it('group displayName is unique only when the server says so', async () => {
    const loose = setup();
    await loose.call('POST', '/Groups', loose.group('Ops'));
    expect((await loose.call('POST', '/Groups', loose.group('ops'))).status).toBe(201);
    const strict = setup({ uniqueGroupDisplayName: true });
    await strict.call('POST', '/Groups', strict.group('Ops'));
    expect((await strict.call('POST', '/Groups', strict.group('ops'))).status).toBe(409);
  });

  it('/Schemas says group displayName is unique exactly when it is (a client reads the rule there)', async () => {
    const uniquenessOf = async (s: ReturnType<typeof setup>) => {
      const schema = (await s.call('GET', `/Schemas/${G}`)).body as { attributes: { name: string; uniqueness: string }[] };
      return schema.attributes.find((a) => a.name === 'displayName')!.uniqueness;
    };
    expect(await uniquenessOf(setup())).toBe('none');
    expect(await uniquenessOf(setup({ uniqueGroupDisplayName: true }))).toBe('server');
  });

  it('If-Match: 412 on mismatch, * allowed, on PUT, PATCH and DELETE', async () => {
    const { call, user, patch } = setup();
    const { body } = await call('POST', '/Users', user('heidi'));
    const id = body.id as string;
    for (const [m, b] of [
      ['PUT', user('heidi')],
      ['PATCH', patch({ op: 'replace', path: 'title', value: 'T' })],
      ['DELETE', undefined],
    ] as const) {
      const r = await call(m, `/Users/${id}`, b, { 'if-match': 'W/"99"' });
      expect(r.status).toBe(412);
      expect(r.body.schemas).toEqual([ERR]);
    }
    expect((await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'T' }), { 'if-match': 'W/"1"' })).status).toBe(200);
    expect((await call('PUT', `/Users/${id}`, user('heidi'), { 'if-match': '*' })).status).toBe(200);
    expect((await call('DELETE', `/Users/${id}`, undefined, { 'if-match': 'W/"3"' })).status).toBe(204);
  });

  it('a deactivated user stays readable and filterable until deleted', async () => {
    const { call, user, patch } = setup();
    const { body } = await call('POST', '/Users', user('ivan'));
    await call('PATCH', `/Users/${body.id}`, patch({ op: 'replace', path: 'active', value: false }));
    const list = await call('GET', '/Users?filter=active eq false');
    expect(list.body.Resources?.map((r) => r.id)).toEqual([body.id]);
  });

  it('accepts what clients really send on create', async () => {
    const { call } = setup();
    const u = await call('POST', '/Users', {
      schemas: [U, E],
      userName: 'judy',
      phoneNumbers: null,
      groups: [],
      [E]: { manager: '26118915-6090-4610-87e4-49d8ca9f808d' },
    });
    // Entra's bare manager id, on create too: the lenient profile reads it as { value }
    expect(u.status, JSON.stringify(u.body)).toBe(201);
    expect(u.body[E]).toEqual({ manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } });
    // strict (RFC 7643 only) keeps the 400, naming the attribute
    const strict = await setup({ compatibility: 'strict' }).call('POST', '/Users', { schemas: [U, E], userName: 'judy', [E]: { manager: 'x' } });
    expect(strict.status).toBe(400);
    expect(strict.body.detail).toContain(`${E}:manager must be a complex object`);
    const ok = await call('POST', '/Users', { schemas: [U], userName: 'judy2', phoneNumbers: null, groups: [] });
    expect(ok.status).toBe(201);
    const g = await call('POST', '/Groups', { schemas: [G, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], displayName: 'AAD' });
    expect(g.status).toBe(201);
    expect(g.body.schemas).toEqual([G]);
  });
});

describe('lists', () => {
  async function seeded() {
    const s = setup();
    for (let i = 1; i <= 25; i++) {
      await s.call('POST', '/Users', s.user(`user${String(i).padStart(2, '0')}@example.com`, { displayName: `User ${26 - i}`, active: i % 2 === 0 }));
    }
    return s;
  }

  it('an unknown userName is 200 with totalResults 0 (the Entra ID Test connection)', async () => {
    const { call } = setup();
    const r = await call('GET', '/Users?filter=userName eq "3b4e5c9a-test@contoso.com"');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
  });

  it('filters, pages with startIndex and count, and counts exactly', async () => {
    const { call } = await seeded();
    const r = await call('GET', '/Users?filter=active eq true&startIndex=3&count=5');
    expect(r.body).toMatchObject({ totalResults: 12, itemsPerPage: 5, startIndex: 3 });
    const all = await call('GET', '/Users?count=100');
    expect(all.body.totalResults).toBe(25);
    expect((await call('GET', '/Users?count=0')).body).toMatchObject({ totalResults: 25, itemsPerPage: 0, Resources: [] });
    expect((await call('GET', '/Users?count=-5')).body.itemsPerPage).toBe(0);
    expect((await call('GET', '/Users?startIndex=0&count=1')).body.startIndex).toBe(1);
    expect((await call('GET', '/Users?startIndex=30')).body).toMatchObject({ totalResults: 25, itemsPerPage: 0 });
  });

  it('clamps count to maxResults and defaults to the page size', async () => {
    const s = setup({ limits: { maxResults: 10, defaultPageSize: 4 } });
    for (let i = 0; i < 12; i++) await s.call('POST', '/Users', s.user(`u${i}`));
    expect((await s.call('GET', '/Users?count=1000')).body.itemsPerPage).toBe(10);
    expect((await s.call('GET', '/Users')).body.itemsPerPage).toBe(4);
  });

  it('sorts, ties broken by id, missing values last', async () => {
    const { call } = await seeded();
    const asc = await call('GET', '/Users?sortBy=displayName&count=3');
    expect(asc.body.Resources?.map((r) => r.displayName)).toEqual(['User 1', 'User 10', 'User 11']);
    const desc = await call('GET', '/Users?sortBy=userName&sortOrder=descending&count=2');
    expect(desc.body.Resources?.map((r) => r.userName)).toEqual(['user25@example.com', 'user24@example.com']);
    expect((await call('GET', '/Users?sortBy=nope')).body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await call('GET', '/Users?sortBy=userName&sortOrder=sideways')).body.scimType).toBe('invalidValue');
  });

  it('attributes and excludedAttributes', async () => {
    const { call } = await seeded();
    const r = await call('GET', '/Users?count=1&attributes=userName');
    expect(Object.keys(r.body.Resources![0]!).sort()).toEqual(['id', 'schemas', 'userName']);
    const x = await call('GET', '/Users?count=1&excludedAttributes=displayName,meta');
    expect(x.body.Resources![0]!.displayName).toBeUndefined();
    expect(x.body.Resources![0]!.userName).toBeDefined();
  });

  it('POST /.search on a type and at the root', async () => {
    const { call, group } = await seeded();
    await call('POST', '/Groups', group('User Group'));
    const typed = await call('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "user0"',
      count: 3,
      attributes: ['userName'],
    });
    expect(typed.body).toMatchObject({ totalResults: 9, itemsPerPage: 3 });
    const root = await call('POST', '/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'displayName sw "User"',
      startIndex: 24,
      count: 5,
    });
    expect(root.body).toMatchObject({ totalResults: 26, itemsPerPage: 3 });
    expect(root.body.Resources?.map((r) => (r.meta as { resourceType: string }).resourceType)).toEqual(['User', 'User', 'Group']);
    expect((await call('POST', '/.search', { filter: 'x pr' })).body.scimType).toBe('invalidSyntax');
  });

  it('RFC 9865 cursors: pages, tamper-evident, bound to the query', async () => {
    const { call } = await seeded();
    const seen: string[] = [];
    let r = await call('GET', '/Users?cursor=&count=10&filter=userName pr');
    expect(r.body.startIndex).toBeUndefined();
    for (;;) {
      seen.push(...(r.body.Resources ?? []).map((x) => x.id as string));
      const next = r.body.nextCursor as string | undefined;
      if (!next) break;
      r = await call('GET', `/Users?cursor=${encodeURIComponent(next)}&count=10&filter=userName pr`);
      expect(r.body.previousCursor).toBeDefined();
    }
    expect(new Set(seen).size).toBe(25);
    const first = await call('GET', '/Users?cursor=&count=10');
    const cursor = first.body.nextCursor as string;
    const tampered = `${cursor.slice(0, -2)}xx`;
    expect((await call('GET', `/Users?cursor=${encodeURIComponent(tampered)}&count=10`)).body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
    expect((await call('GET', `/Users?cursor=${encodeURIComponent(cursor)}&count=10&filter=active eq true`)).body.scimType).toBe('invalidCursor');
    expect((await call('GET', '/Users?cursor=garbage')).body.scimType).toBe('invalidCursor');
  });

  it('bad list parameters are 400s', async () => {
    const { call } = setup();
    expect((await call('GET', '/Users?count=abc')).body).toMatchObject({
      status: '400',
      scimType: 'invalidValue',
      detail: 'count must be an integer, not "abc"',
    });
    expect((await call('GET', '/Users?startIndex=1.5')).body.scimType).toBe('invalidValue');
    const f = await call('GET', '/Users?filter=userName eq');
    expect(f.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    expect(f.body.detail).toContain('at position 11');
    expect((await call('GET', '/Users?filter=shoeSize eq "1"')).body.detail).toBe('shoeSize is not an attribute of this resource type');
    expect((await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${'a'.repeat(9000)}"`)}`)).body.detail).toMatch(/limit is 8192/);
  });
});

describe('discovery', () => {
  it('advertises exactly what is on', async () => {
    const { call } = setup();
    const spc = await call('GET', '/ServiceProviderConfig');
    expect(spc.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: { cursor: true, index: true, defaultPageSize: 100, maxPageSize: 1000, cursorTimeout: 3600 },
    });
    const off = setup({ features: { bulk: false, sort: false, etag: false, cursor: false }, hooks: { setPassword: () => {} } });
    const spc2 = await off.call('GET', '/ServiceProviderConfig');
    expect(spc2.body).toMatchObject({
      bulk: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      changePassword: { supported: true },
      pagination: { cursor: false },
    });
    expect((await off.call('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] })).status).toBe(501);
    expect((await off.call('GET', '/Users?sortBy=userName')).status).toBe(501);
    const u = await off.call('POST', '/Users', off.user('z'));
    expect(u.headers.etag).toBeUndefined();
  });

  it('ResourceTypes and Schemas, listed and by id', async () => {
    const { call } = setup();
    const rts = await call('GET', '/ResourceTypes');
    expect(rts.body.Resources?.map((r) => r.id)).toEqual(['User', 'Group']);
    expect((await call('GET', '/ResourceTypes/User')).body).toMatchObject({
      endpoint: '/Users',
      schema: U,
      schemaExtensions: [{ schema: E, required: false }],
    });
    const schemas = await call('GET', '/Schemas');
    expect(schemas.body.totalResults).toBe(6);
    const user = await call('GET', `/Schemas/${U}`);
    expect((user.body.attributes as { name: string }[]).map((a) => a.name)).toContain('userName');
    expect((await call('GET', '/Schemas/urn:nope')).status).toBe(404);
    expect((await call('GET', '/ResourceTypes/Nope')).status).toBe(404);
    expect((await call('GET', '/Schemas?filter=id pr')).status).toBe(403);
  });
});

describe('errors', () => {
  it.each([
    ['GET', '/Nope', undefined, 404, undefined],
    ['GET', '/', undefined, 404, undefined],
    ['DELETE', '/Users', undefined, 405, undefined],
    ['POST', '/ServiceProviderConfig', {}, 405, undefined],
    ['PUT', '/Users', {}, 405, undefined],
    ['POST', '/Users', '{"schemas": [', 400, 'invalidSyntax'],
    ['POST', '/Users', '[1,2]', 400, 'invalidSyntax'],
    ['POST', '/Users', undefined, 400, 'invalidSyntax'],
    ['GET', '/Users/x/y', undefined, 404, undefined],
    ['GET', '/Users/%E0%A4%A', undefined, 404, undefined],
    ['GET', '/Me', undefined, 501, undefined],
  ] as const)('%s %s → %i', async (method, path, body, status, scimType) => {
    const { call } = setup();
    const r = await call(method, path, body);
    expect(r.status).toBe(status);
    expect(r.body.schemas).toEqual([ERR]);
    expect(r.body.status).toBe(String(status));
    if (scimType) expect(r.body.scimType).toBe(scimType);
  });

  it('415 for a non-JSON content type, 413 beyond the body limit', async () => {
    const { server } = setup({ limits: { maxBodyBytes: 100 } });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const xml = await server.handle({ method: 'POST', path: '/Users', headers: { ...auth, 'content-type': 'application/xml' }, body: '<user/>' });
    expect(xml.status).toBe(415);
    const big = await server.handle({
      method: 'POST',
      path: '/Users',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ schemas: [U], userName: 'x'.repeat(200) }),
    });
    expect(big.status).toBe(413);
    const ok = await server.handle({
      method: 'POST',
      path: '/Users',
      headers: { ...auth, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ schemas: [U], userName: 'x' }),
    });
    expect(ok.status).toBe(201);
  });

  it('401 with WWW-Authenticate without or with a wrong token; details never echo the token', async () => {
    const { server } = setup();
    const none = await server.handle({ method: 'GET', path: '/Users' });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="scim"');
    const wrong = await server.handle({ method: 'GET', path: '/Users', headers: { authorization: 'Bearer wrong-token-value' } });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('wrong-token-value');
  });

  it('an exception in a store becomes a generic 500, reported to the logger', async () => {
    const errors: string[] = [];
    const store = new MemoryStore();
    store.search = async () => {
      throw new Error('connection refused to db.internal:5432 password=hunter2');
    };
    const sink = (f: Record<string, unknown>, m?: string) => errors.push(`${m} ${JSON.stringify(f)}`);
    const { call, server } = setup({ store, logger: { info: () => {}, warn: () => {}, error: sink } });
    const r = await call('GET', '/Users', undefined, { 'x-request-id': 'req-500' });
    expect(r.status).toBe(500);
    // the cause stays on the server; the request id lets an operator find it there
    expect(r.body).toEqual({ schemas: [ERR], status: '500', detail: 'Internal server error (request id req-500)' });
    expect(r.headers['x-request-id']).toBe('req-500');
    await server.activity.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"requestId":"req-500"');
    // the stack reaches the log line, never the client
    expect(errors[0]).toContain('connection refused');
    expect(errors[0]).toContain('"stack":');
    expect(JSON.stringify(r.body)).not.toContain('connection refused');
  });

  it('an unexpected error is logged by default (stderr), with the request id the 500 names', async () => {
    const store = new MemoryStore();
    store.get = async () => {
      throw new TypeError('boom');
    };
    const logged: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const { call, server } = setup({ store });
      const r = await call('GET', '/Users/x');
      expect(r.status).toBe(500);
      const id = /request id ([\w-]+)/.exec(r.body.detail ?? '')?.[1];
      expect(id).toBeDefined();
      await server.activity.flush();
      expect(logged.join('')).toContain(id!);
      expect(logged.join('')).toContain('boom');
    } finally {
      process.stderr.write = original;
    }
  });

  it('a cursor of non-ASCII text is a 400 invalidCursor, not a 500', async () => {
    const { call } = setup();
    // 22 characters, as a signature has, but 44 bytes
    const r = await call('GET', `/Users?cursor=${encodeURIComponent(`a.${'é'.repeat(22)}`)}`);
    expect([r.status, r.body.scimType]).toEqual([400, 'invalidCursor']);
  });

  it('sortBy on a complex attribute is a 400 naming it; on a multi-valued one it sorts by value', async () => {
    const { call, user } = setup();
    await call('POST', '/Users', user('b', { emails: [{ value: 'b@x.io' }] }));
    await call('POST', '/Users', user('a', { emails: [{ value: 'z@x.io' }, { value: 'a@x.io', primary: true }] }));
    const bad = await call('GET', '/Users?sortBy=name');
    expect([bad.status, bad.body.scimType]).toEqual([400, 'invalidValue']);
    expect(bad.body.detail).toContain('name');
    const ok = await call('GET', '/Users?sortBy=emails');
    expect(ok.body.Resources?.map((r) => r.userName)).toEqual(['a', 'b']);
  });
});

describe('tenants', () => {
  it('per-tenant tokens stored as hashes; one tenant never sees another', async () => {
    const a = generateToken();
    const b = generateToken();
    const server = createScimServer({
      authenticate: bearerTokens([
        { tenant: 'acme', tokenHash: hashToken(a), workspace: 'ws-1' },
        { tenant: 'globex', tokenHash: hashToken(b) },
      ]),
      tenantInPath: true,
      baseUrl: 'https://app.example.com/scim/v2',
    });
    const as = (token: string, method: string, path: string, body?: unknown) =>
      server.handle({
        method,
        path,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: body && JSON.stringify(body),
      });
    const created = await as(a, 'POST', '/acme/Users', { schemas: [U], userName: 'shared@x.io' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toMatch(/^https:\/\/app\.example\.com\/scim\/v2\/acme\/Users\//);
    const id = (created.body as { id: string }).id;
    expect((await as(b, 'GET', `/globex/Users/${id}`)).status).toBe(404);
    expect(((await as(b, 'GET', '/globex/Users')).body as { totalResults: number }).totalResults).toBe(0);
    expect((await as(b, 'DELETE', `/globex/Users/${id}`)).status).toBe(404);
    expect((await as(b, 'POST', '/globex/Users', { schemas: [U], userName: 'shared@x.io' })).status).toBe(201);
    // a valid token for another tenant's path
    expect((await as(b, 'GET', '/acme/Users')).status).toBe(401);
    expect((await as(a, 'GET', `/acme/Users/${id}`)).status).toBe(200);
  });

  it('two servers in one process are independent', async () => {
    const strict = setup({ compatibility: 'strict', unknownAttributes: 'reject' });
    const lenient = setup({ unknownAttributes: 'drop' });
    const body = strict.user('k', { shoe: 1 });
    expect((await strict.call('POST', '/Users', body)).status).toBe(400);
    expect((await lenient.call('POST', '/Users', body)).status).toBe(201);
    expect((await strict.call('POST', '/Users', body)).status).toBe(400);
  });
});
