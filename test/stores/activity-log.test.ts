import { describe, expect, it } from 'vitest';
import {
  type ActivityRecord,
  bearerTokens,
  createScimServer,
  hashToken,
  MemoryStore,
  responseText,
  ScimError,
  type ScimLogger,
  type ScimServerOptions,
} from '../../src/index.js';
import { freshPGlite } from '../pglite.js';
import { G, PATCH, U } from '../server/helpers.js';

const TOKEN = 'scimkit_activity-test-token-0123456789abcdef';
const ENTRA = 'Microsoft Azure AD SCIM provisioning 1.0.0';

/** A tenant-in-path server with a token id, its log lines captured, and a JSON-text `call`. */
function setup(options: Partial<ScimServerOptions> = {}) {
  const lines: { level: string; fields: Record<string, unknown>; message?: string }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message?: string): void =>
      void lines.push({ level, fields, message });
  const logger: ScimLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore();
  const server = createScimServer({
    tenantInPath: true,
    authenticate: bearerTokens([{ tenant: 'acme', tokenHash: hashToken(TOKEN), tokenId: 'tok-1' }]),
    baseUrl: 'https://app.example.com/scim/v2',
    store,
    logger,
    ...options,
  });
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const [p, q] = path.split('?');
    return server.handle({
      method,
      path: p!,
      query: q ?? '',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'user-agent': ENTRA,
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      remoteAddress: '203.0.113.7',
    });
  }
  /** The newest record of the tenant (or of the refused requests naming it), once written. */
  async function last(tenant = 'acme', refused = false): Promise<ActivityRecord> {
    await server.activity.flush();
    const [r] = await server.activity.list({ tenant, limit: 1, refused });
    return r!;
  }
  return { server, store, call, last, lines };
}

describe('the activity record of each kind of request', () => {
  it('a create (201): every field, the created id, sizes, duration, the token id and the client', async () => {
    const { call, last, lines } = setup();
    const body = JSON.stringify({ schemas: [U], userName: 'ada@acme.io' });
    const r = await call('POST', '/acme/Users', body, { 'x-request-id': 'req-create-1' });
    expect(r.status).toBe(201);
    // as an adapter writes it: the record counts the bytes of that very text
    const written = responseText(r);
    const rec = await last();
    expect(rec).toMatchObject({
      requestId: 'req-create-1',
      tenant: 'acme',
      authenticated: true,
      tokenId: 'tok-1',
      client: 'entra',
      userAgent: ENTRA,
      remoteAddress: '203.0.113.7',
      method: 'POST',
      path: '/acme/Users',
      operation: 'create',
      resourceType: 'User',
      resourceId: (r.body as { id: string }).id,
      status: 201,
      requestBytes: Buffer.byteLength(body),
      responseBytes: Buffer.byteLength(written),
    });
    expect(rec.ms).toBeGreaterThanOrEqual(0);
    expect(Date.now() - Date.parse(rec.startedAt)).toBeLessThan(60_000);
    expect(rec.scimType).toBeUndefined();
    // not written by an adapter (handle() called directly): no size rather than a second serialisation
    await call('GET', '/acme/Users');
    expect((await last()).responseBytes).toBeUndefined();
    expect(rec.requestBody).toBeUndefined();
    // one info line per request, with the fields a collector indexes
    expect(lines).toHaveLength(2);
    expect(lines[0]!.level).toBe('info');
    expect(lines[0]!.message).toMatch(/^POST \/acme\/Users 201 [\d.]+ms$/);
    expect(lines[0]!.fields).toMatchObject({ method: 'POST', path: '/acme/Users', status: 201, tenant: 'acme', requestId: 'req-create-1' });
    expect(typeof lines[0]!.fields.ms).toBe('number');
  });

  it('a list keeps its filter; a PATCH its operations in brief; a 4xx its scimType and detail at warn', async () => {
    const { call, last, lines } = setup();
    await call('GET', '/acme/Users?filter=userName%20eq%20%22nobody%40acme.io%22');
    expect(await last()).toMatchObject({ operation: 'list', resourceType: 'User', filter: 'userName eq "nobody@acme.io"', status: 200 });
    const u = (await call('POST', '/acme/Users', { schemas: [U], userName: 'bo@acme.io' })).body as { id: string };
    const p = await call('PATCH', `/acme/Users/${u.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', value: { displayName: 'Bo', title: 'Eng' } },
      ],
    });
    expect(p.status).toBe(200);
    expect(await last()).toMatchObject({ operation: 'patch', resourceId: u.id, patch: 'Replace active; Add {displayName, title}', status: 200 });
    const bad = await call('GET', '/acme/Users?filter=userName%20xx%20%22a%22');
    expect(bad.status).toBe(400);
    const rec = await last();
    expect(rec).toMatchObject({ status: 400, scimType: 'invalidFilter', filter: 'userName xx "a"' });
    expect(rec.detail).toBe((bad.body as { detail: string }).detail);
    expect(lines.at(-1)!.level).toBe('warn');
  });

  it('a wrong token (401): kept apart under the tenant its path named, never the token, marked as a rejected token', async () => {
    const { call, last, server } = setup();
    const r = await call('GET', '/acme/Users', undefined, { authorization: 'Bearer scimkit_wrong-token-0123456789abcdefghijkl' });
    expect(r.status).toBe(401);
    const rec = await last('acme', true);
    expect(rec).toMatchObject({ tenantHint: 'acme', authenticated: false, rejectedToken: true, status: 401, operation: 'list', client: 'entra' });
    expect(rec.tenant).toBeUndefined();
    expect(rec.tokenId).toBeUndefined();
    expect(JSON.stringify(rec)).not.toContain('wrong-token');
    expect(await server.activity.list({ tenant: 'acme', refused: true, rejectedTokens: true })).toHaveLength(1);
    expect(await server.activity.list({ tenant: 'acme' })).toHaveLength(0);
    expect((await server.activity.summary('acme')).rejectedTokens).toBe(1);
  });

  it('a read-only token writing (403 insufficient scope) is a rejected token too', async () => {
    const { call, last } = setup({
      authenticate: bearerTokens([{ tenant: 'acme', tokenHash: hashToken(TOKEN), tokenId: 'ro', scopes: ['read'] }]),
    });
    expect((await call('POST', '/acme/Users', { schemas: [U], userName: 'x' })).status).toBe(403);
    expect(await last()).toMatchObject({ status: 403, authenticated: true, tokenId: 'ro', rejectedToken: true });
  });

  it('a 500 from a failing store: error line with the stack (server side), a record without it, the id in the detail', async () => {
    const store = new MemoryStore();
    store.get = async () => {
      throw new Error('ECONNREFUSED 10.0.0.5:5432');
    };
    const { call, last, lines } = setup({ store });
    const r = await call('GET', '/acme/Users/abc', undefined, { 'x-request-id': 'req-500' });
    expect(r.status).toBe(500);
    const rec = await last();
    expect(rec).toMatchObject({ status: 500, operation: 'get', resourceType: 'User', resourceId: 'abc', requestId: 'req-500' });
    expect(rec.detail).toContain('req-500');
    expect(JSON.stringify(rec)).not.toContain('ECONNREFUSED');
    const line = lines.at(-1)!;
    expect(line.level).toBe('error');
    expect((line.fields.err as { stack: string }).stack).toContain('ECONNREFUSED');
  });

  it('Bulk: the record lists each sub-operation with its status, bulkId and error', async () => {
    const { call, last } = setup();
    const r = await call('POST', '/acme/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [U], userName: 'bulk1@acme.io', password: 'Pa55w0rd!' } },
        { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [G], displayName: 'Eng', members: [{ value: 'bulkId:u1' }] } },
        { method: 'PATCH', path: '/Users/nope', data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] } },
      ],
    });
    expect(r.status).toBe(200);
    const rec = await last();
    expect(rec.operation).toBe('bulk');
    expect(rec.bulk).toEqual([
      { method: 'POST', path: '/Users', bulkId: 'u1', status: 201 },
      { method: 'POST', path: '/Groups', bulkId: 'g1', status: 201 },
      { method: 'PATCH', path: '/Users/nope', status: 404, detail: expect.any(String) },
    ]);
  });

  it('a body over the limit, refused by the adapter, still gets a record and a request id (refuse)', async () => {
    const { server, last } = setup();
    const res = server.refuse({ method: 'POST', path: '/acme/Users', headers: { 'x-request-id': 'big-1' } }, ScimError.payloadTooLarge('too big'));
    expect(res.status).toBe(413);
    expect(res.headers['x-request-id']).toBe('big-1');
    expect(await last('acme', true)).toMatchObject({
      status: 413,
      requestId: 'big-1',
      authenticated: false,
      tenantHint: 'acme',
      operation: 'create',
      resourceType: 'User',
    });
  });

  it('the client comes from the User-Agent, else from Entra-style capitalised PATCH ops', async () => {
    const { call, last } = setup();
    const agents: [string, string][] = [
      ['Okta SCIM Client 1.0.0', 'okta'],
      ['Google-Auto-Provisioning', 'google'],
      ['OneLogin SCIM', 'onelogin'],
      ['JumpCloud SCIM Client', 'jumpcloud'],
      ['curl/8.5.0', 'unknown'],
    ];
    for (const [ua, client] of agents) {
      await call('GET', '/acme/ServiceProviderConfig', undefined, { 'user-agent': ua });
      expect((await last()).client, ua).toBe(client);
    }
    const u = (await call('POST', '/acme/Users', { schemas: [U], userName: 'cap@acme.io' })).body as { id: string };
    await call('PATCH', `/acme/Users/${u.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: false }] }, { 'user-agent': '' });
    expect((await last()).client).toBe('entra');
  });

  it('long filters, paths and PATCH lists are cut short', async () => {
    const { call, last } = setup();
    await call('GET', `/acme/Users?filter=${encodeURIComponent(`userName eq "${'a'.repeat(5000)}"`)}`);
    const rec = await last();
    expect(rec.filter!.length).toBeLessThanOrEqual(300);
    expect(rec.filter!.endsWith('…')).toBe(true);
  });
});

describe('X-Request-Id', () => {
  it('every response carries one: the client’s when plain, else a new one', async () => {
    const { call } = setup();
    expect((await call('GET', '/acme/Users', undefined, { 'x-request-id': 'abc-123' })).headers['x-request-id']).toBe('abc-123');
    const fresh = (await call('GET', '/acme/Users')).headers['x-request-id'];
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    // errors, unauthenticated ones included
    expect((await call('GET', '/acme/Users', undefined, { authorization: 'Bearer x' })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // a value with spaces or control characters, or too long, is replaced rather than echoed
    for (const odd of ['a b', 'x\u0001y', 'r'.repeat(201)])
      expect((await call('GET', '/acme/Users', undefined, { 'x-request-id': odd })).headers['x-request-id']).not.toBe(odd);
  });
});

describe('bodies, kept only on request and masked', () => {
  it('a password, the host’s masked attributes and a PATCH value for them never reach the record', async () => {
    const { call, last } = setup({
      activity: { bodies: true, mask: ['phoneNumbers', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber'] },
    });
    const created = await call('POST', '/acme/Users', {
      schemas: [U, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      userName: 'm@acme.io',
      password: 'Pa55w0rd!',
      phoneNumbers: [{ value: '+1 555 0100' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: 'E-42', department: 'R&D' },
    });
    expect(created.status).toBe(201);
    const rec = await last();
    const text = JSON.stringify(rec);
    expect(text).not.toContain('Pa55w0rd!');
    expect(text).not.toContain('555 0100');
    expect(text).not.toContain('E-42');
    expect(text).toContain('R&D');
    expect((rec.requestBody as { password: string }).password).toBe('[masked]');
    const id = (created.body as { id: string }).id;
    await call('PATCH', `/acme/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'password', value: 'N3wPa55!' }] });
    expect(JSON.stringify(await last())).not.toContain('N3wPa55!');
  });
});

describe('the activity log of a PostgresStore', () => {
  it('is the store’s table by default: records of requests land in scim_activity, NUL in the path included', async () => {
    const { PostgresStore } = await import('../../src/addons/postgres/index.js');
    const db = freshPGlite();
    const store = new PostgresStore(db);
    await store.migrate();
    const { call, server } = setup({ store: store as unknown as MemoryStore });
    expect((await call('POST', '/acme/Users', { schemas: [U], userName: 'pg@acme.io' })).status).toBe(201);
    expect((await call('GET', '/acme/Users/a%00b')).status).toBe(404);
    await server.activity.flush();
    expect(server.activity.stats).toMatchObject({ written: 2, failed: 0 });
    const rows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM scim_activity')).rows;
    expect(rows[0]!.n).toBe(2);
    const [latest, first] = await server.activity.list({ tenant: 'acme' });
    expect([first!.status, latest!.status]).toEqual([201, 404]);
    expect((await server.activity.summary('acme')).byStatus).toEqual({ 201: 1, 404: 1 });
    await server.close();
    await db.close();
  });
});

describe('masking every way a client can name a password', () => {
  it('URN-qualified core names, capitalised PATCH keys, padded paths, no-path values: never kept', async () => {
    const { call, server } = setup({ activity: { bodies: true } });
    const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
    const created = await call('POST', '/acme/Users', { schemas: [U], userName: 'urn@acme.io', [`${CORE}:password`]: 'Secret-1!' });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const patches = [
      { Op: 'replace', Path: 'password', Value: 'Secret-2!' },
      { op: 'replace', path: ' password ', value: 'Secret-3!' },
      { op: 'replace', value: { [`${CORE}:password`]: 'Secret-4!' } },
      { op: 'replace', path: `${CORE}:password`, value: 'Secret-5!' },
    ];
    for (const op of patches) await call('PATCH', `/acme/Users/${id}`, { schemas: [PATCH], Operations: [op] });
    await call('POST', '/acme/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [U], userName: 'bulk-urn@acme.io', [`${CORE}:PASSWORD`]: 'Secret-6!' } }],
    });
    await server.activity.flush();
    const text = JSON.stringify(await server.activity.list({ tenant: 'acme' }));
    for (let i = 1; i <= 6; i++) expect(text, `Secret-${i}!`).not.toContain(`Secret-${i}!`);
  });

  it('kept bodies are bounded: a large one is replaced by its size', async () => {
    const { call, last } = setup({ activity: { bodies: true } });
    await call('POST', '/acme/Users', {
      schemas: [U],
      userName: 'big@acme.io',
      displayName: 'd'.repeat(3000),
      title: 't'.repeat(3000),
      nickName: 'n'.repeat(3000),
      profileUrl: `https://x/${'p'.repeat(3000)}`,
      locale: 'en',
      timezone: 'Europe/Paris',
      emails: Array.from({ length: 20 }, (_, i) => ({ value: `e${i}-${'x'.repeat(500)}@acme.io` })),
    });
    const rec = await last();
    expect(JSON.stringify(rec.requestBody).length).toBeLessThan(200);
    expect(rec.requestBody).toMatchObject({ omitted: expect.stringMatching(/bytes/) });
  });
});

describe('refused requests cannot crowd out or impersonate a tenant’s history', () => {
  it('tokenless requests naming a tenant go to its refused bucket: its own records and its status line stay', async () => {
    const { call, server } = setup();
    await call('POST', '/acme/Users', { schemas: [U], userName: 'real@acme.io' });
    for (let i = 0; i < 1200; i++) await call('GET', '/acme/Users', undefined, { authorization: '' });
    await server.activity.flush();
    const own = await server.activity.list({ tenant: 'acme' });
    expect(own.map((r) => r.status)).toEqual([201]);
    const summary = await server.activity.summary('acme');
    expect(summary.lastRequest?.status).toBe(201);
    expect(summary.rejectedTokens).toBeGreaterThan(0);
    const refused = await server.activity.list({ tenant: 'acme', refused: true });
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(100);
    expect(refused.every((r) => !r.authenticated && r.tenant === undefined && r.tenantHint === 'acme')).toBe(true);
  });
});
