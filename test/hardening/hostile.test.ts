import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { MemoryStore } from '../../src/index.js';
import { freshPGlite } from '../pglite.js';
import { closeServers, PATCH as PATCH_OP, setup, TOKEN, U } from '../server/helpers.js';
import { storeFactories } from '../store-factories.js';
import { hostileBodies, slowFilters, tenMegabyteUser } from './hostile-inputs.js';

const ERR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('hostile input always gets a 4xx SCIM error, never a 500', () => {
  it.each(hostileBodies)('%s', async (_name, method, path, body, status, scimType) => {
    const { call } = setup();
    const r = await call(method, path, body);
    expect(r.status).toBe(status);
    expect(r.body.schemas).toEqual([ERR]);
    if (scimType) expect(r.body.scimType).toBe(scimType);
  });

  it('a 10 MB body is 413 without being parsed', async () => {
    const { call } = setup();
    const r = await call('POST', '/Users', tenMegabyteUser());
    expect(r.status).toBe(413);
  });

  it('duplicate keys: the last wins, as in JSON.parse, and nothing breaks', async () => {
    const { call } = setup();
    const r = await call('POST', '/Users', `{"schemas":["${U}"],"userName":"first","userName":"second"}`);
    expect(r.status).toBe(201);
    expect(r.body.userName).toBe('second');
  });

  it('__proto__, constructor and prototype keys anywhere pollute nothing', async () => {
    const { call } = setup({ unknownAttributes: 'drop' });
    const evil = `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}}`;
    const u = await call('POST', '/Users', `{"schemas":["${U}"],"userName":"p","__proto__":{"polluted":"yes"},"name":${evil},"emails":[${evil}]}`);
    expect(u.status).toBe(201);
    await call('PUT', `/Users/${u.body.id}`, `{"schemas":["${U}"],"userName":"p","name":${evil}}`);
    await call(
      'PATCH',
      `/Users/${u.body.id}`,
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":${evil}},{"op":"add","path":"name","value":${evil}},{"op":"add","path":"__proto__","value":1}]}`,
    );
    await call(
      'POST',
      '/Bulk',
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"b","data":{"schemas":["${U}"],"userName":"q","__proto__":{"polluted":"yes"}}}],"__proto__":{"polluted":"yes"}}`,
    );
    await call('GET', `/Users?filter=${encodeURIComponent('__proto__.polluted eq "yes"')}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('filters built to be slow are refused or answered quickly', async () => {
    const { call } = setup();
    const long = await call('GET', `/Users?filter=${encodeURIComponent(slowFilters.longContains)}`);
    expect(long.status).toBe(200);
    expect((await call('GET', `/Users?filter=${encodeURIComponent(slowFilters.tenThousandOrs)}`)).body).toMatchObject({
      status: '400',
      scimType: 'invalidFilter',
    });
    expect((await call('GET', `/Users?filter=${encodeURIComponent(slowFilters.deepParentheses)}`)).body.scimType).toBe('invalidFilter');
  });

  it('huge count and negative startIndex are clamped, as advertised', async () => {
    const { call } = setup();
    expect((await call('GET', '/Users?count=1000000000000&startIndex=-5')).body).toMatchObject({ startIndex: 1, itemsPerPage: 0 });
    expect((await call('GET', '/Users?count=99999999999999999999')).body.scimType).toBe('invalidValue');
  });

  it('invalid UTF-8 in a body is not a 500', async () => {
    const { server } = setup();
    const bytes = new Uint8Array([...new TextEncoder().encode(`{"schemas":["${U}"],"userName":"`), 0xff, 0xfe, 0xc3, ...new TextEncoder().encode('"}')]);
    const r = await server.handle({
      method: 'POST',
      path: '/Users',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: bytes,
    });
    expect(r.status).toBeLessThan(500);
  });

  it('tokens and passwords never appear in responses or logs', async () => {
    const logs: string[] = [];
    const line = (f: Record<string, unknown>, m?: string) => logs.push(`${m} ${JSON.stringify(f)}`);
    const { server, call } = setup({ logger: { info: line, warn: line, error: line }, activity: { bodies: true } });
    const wrong = await server.handle({ method: 'GET', path: '/Users', headers: { authorization: 'Bearer sup3r-s3cret-wrong-token' } });
    const created = await call('POST', '/Users', { schemas: [U], userName: 'pw', password: 'Pa55w0rd!' });
    const bad = await call('POST', '/Users', { schemas: [U], userName: 'pw2', password: 'Pa55w0rd!', active: 'nope' });
    await server.activity.flush();
    // every sink: responses, log lines, and the activity log with its kept bodies
    // the refused request named no tenant: its record is in the refused bucket of ''
    const activity = [...(await server.activity.list({ tenant: 'default' })), ...(await server.activity.list({ tenant: '', refused: true }))];
    expect(activity.length).toBe(3);
    const all = JSON.stringify([wrong, created, bad, logs, activity]);
    expect(all).not.toContain('sup3r-s3cret-wrong-token');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain('Pa55w0rd!');
  });
});

describe('first fixes of "Hostile input and tokens"', () => {
  it('with tenants in the path, a token for tenant a cannot serve tenant b’s path', async () => {
    const { bearerToken } = await import('../../src/index.js');
    const { call } = setup({ tenantInPath: true, authenticate: bearerToken(TOKEN, { tenant: 'a' }) });
    expect((await call('GET', '/a/Users')).status).toBe(200);
    const other = await call('GET', '/b/Users');
    expect([other.status, other.body.schemas]).toEqual([401, [ERR]]);
  });

  it('a base URL ending in 100,000 slashes is trimmed without a quadratic scan', async () => {
    const { server } = setup({ baseUrl: undefined as unknown as string });
    const t0 = performance.now();
    const r = await server.handle({ method: 'GET', path: '/Users', headers: {}, baseUrl: `http://a${'/'.repeat(100_000)}x` });
    // a hang guard, not a speed target: the quadratic trim took ~20 s here
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.status).toBe(401);
    const ok = await setup({ baseUrl: 'https://sp.example/scim/v2///' }).call('POST', '/Users', { schemas: [U], userName: 'trim' });
    expect(ok.headers.location).toBe(`https://sp.example/scim/v2/Users/${ok.body.id}`);
  });

  it.each([
    ['2024-02-30T00:00:00Z', 'February 30th'],
    ['2023-02-29T00:00:00Z', 'February 29th of a common year'],
    ['0000-01-01T00:00:00Z', 'year 0000'],
    ['2024-13-01T00:00:00Z', 'month 13'],
    ['2024-01-01T24:30:00Z', 'hour 24'],
    ['20240-01-01T00:00:00Z', 'a five-digit year'],
  ])('a dateTime of %s (%s) is 400, not rolled over', async (value) => {
    const { call } = setup();
    const f = await call('GET', `/Users?filter=${encodeURIComponent(`meta.created gt "${value}"`)}`);
    expect([f.status, f.body.scimType]).toEqual([400, 'invalidFilter']);
    const { isDateTime } = await import('../../src/store-kit.js');
    expect(isDateTime(value)).toBe(false);
    expect(isDateTime('2024-02-29T23:59:59.5+01:00')).toBe(true);
  });

  it('error details are bounded: a 200 KB attribute name does not come back whole', async () => {
    const { call } = setup();
    const r = await call('POST', '/Users', { schemas: [U], userName: 'x', ['a'.repeat(200_000)]: 1 });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body).length).toBeLessThan(3000);
  });
});

describe('__proto__ keys stay data', () => {
  it('a Bulk operation is checked as the same request sent directly', async () => {
    const { call } = setup();
    const search = `{"__proto__":{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}}`;
    const direct = await call('POST', '/Users/.search', search);
    expect(direct.status).toBe(400);
    const bulk = await call(
      'POST',
      '/Bulk',
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","bulkId":"s","path":"/Users/.search","data":${search}}]}`,
    );
    expect((bulk.body.Operations as { status: string }[])[0]!.status).toBe('400');
  });

  it('copies keep a __proto__ key as an own property and the plain prototype', async () => {
    const { cloneJson } = await import('../../src/core/schema/resource.js');
    const copy = cloneJson(JSON.parse('{"a":{"__proto__":{"polluted":true}}}')) as { a: Record<string, unknown> };
    expect(Object.getPrototypeOf(copy.a)).toBe(Object.prototype);
    expect(Object.hasOwn(copy.a, '__proto__')).toBe(true);
    expect((copy.a as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('forwarded headers', () => {
  const forwarded = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'javascript' };
  it('are not trusted by default: Location comes from the connection and Host', async () => {
    const { call } = setup({ baseUrl: undefined as unknown as string });
    const r = await call('POST', '/Users', { schemas: [U], userName: 'fw' }, { host: 'sp.example', ...forwarded });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`http://sp.example/Users/${r.body.id}`);
    expect(JSON.stringify(r.body)).not.toContain('evil.example');
  });

  it('with trustProxy, are used only when they are an http(s) origin', async () => {
    const { call } = setup({ baseUrl: undefined as unknown as string, trustProxy: true });
    const bad = await call('POST', '/Users', { schemas: [U], userName: 'fw1' }, { host: 'sp.example', ...forwarded });
    expect(bad.headers.location).toBe(`http://sp.example/Users/${bad.body.id}`);
    const good = await call(
      'POST',
      '/Users',
      { schemas: [U], userName: 'fw2' },
      { host: 'internal:8080', 'x-forwarded-host': 'sp.example', 'x-forwarded-proto': 'https' },
    );
    expect(good.headers.location).toBe(`https://sp.example/Users/${good.body.id}`);
  });
});

describe('security headers', () => {
  it('every answer says nosniff and no-store: success, error, 401, 304', async () => {
    const { call, user } = setup();
    const created = await call('POST', '/Users', user('hdr'));
    const answers = [
      created,
      await call('GET', `/Users/${created.body.id}`),
      await call('GET', `/Users/${created.body.id}`, undefined, { 'if-none-match': created.headers.etag! }),
      await call('GET', '/Users?filter=bad'),
      await call('GET', '/Users', undefined, { authorization: 'Bearer wrong' }),
      await call('DELETE', `/Users/${created.body.id}`),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 304, 400, 401, 204]);
    for (const a of answers) expect([a.headers['x-content-type-options'], a.headers['cache-control']]).toEqual(['nosniff', 'no-store']);
  });
});

/** MemoryStore and PostgresStore on PGlite, the stores every class of hostile input runs on. */
async function bothStores() {
  const { PostgresStore } = await import('../../src/addons/postgres/index.js');
  const { MemoryStore } = await import('../../src/index.js');
  const lite = freshPGlite();
  afterAll(async () => {
    await closeServers();
    await lite.close();
  });
  const pgStore = new PostgresStore(lite as never);
  await pgStore.migrate();
  const stores = [
    ['MemoryStore', () => new MemoryStore()],
    ['PostgresStore (PGlite)', () => pgStore],
  ] as const;
  return { stores, pgStore };
}

describe('what no store can hold is refused the same on both stores', async () => {
  const { stores } = await bothStores();

  it.each(stores)('%s: NUL and lone surrogates are 400 naming the attribute, in bodies, PATCH values and filters', async (_name, make) => {
    const { call, user } = setup({ store: make() as never });
    for (const bad of ['a\u0000b', 'x\ud800', '\udc00y']) {
      const post = await call('POST', '/Users', user(`ok-${Math.random()}`, { displayName: bad }));
      expect([post.status, post.body.scimType], JSON.stringify(bad)).toEqual([400, 'invalidValue']);
      expect(post.body.detail).toContain('displayName');
      const u = await call('POST', '/Users', user(`fine-${Math.random()}`));
      const patch = await call('PATCH', `/Users/${u.body.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'emails', value: [{ value: bad }] }],
      });
      expect([patch.status, patch.body.scimType]).toEqual([400, 'invalidValue']);
      const filter = await call('GET', `/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(bad)}`)}`);
      expect([filter.status, filter.body.scimType]).toEqual([400, 'invalidFilter']);
    }
  });

  it.each(stores)('%s: a startIndex beyond 2^53 is clamped, not a 500', async (_name, make) => {
    const { call } = setup({ store: make() as never });
    for (const startIndex of [1e19, 1e21]) {
      const r = await call('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], startIndex });
      expect([r.status, r.body.Resources]).toEqual([200, []]);
    }
  });
});

describe('maxValuesPerAttribute', () => {
  const emails = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ value: `u${from + i}@x.io` }));
  it('bounds a multi-valued attribute on create, replace and PATCH (400 naming it); members are exempt', async () => {
    const { call, user } = setup({ limits: { maxValuesPerAttribute: 50 } });
    const tooMany = await call('POST', '/Users', user('many', { emails: emails(51) }));
    expect([tooMany.status, tooMany.body.scimType]).toEqual([400, 'invalidValue']);
    expect(tooMany.body.detail).toContain('emails');
    const ok = await call('POST', '/Users', user('many', { emails: emails(50) }));
    expect(ok.status).toBe(201);
    const put = await call('PUT', `/Users/${ok.body.id}`, user('many', { emails: emails(60) }));
    expect(put.status).toBe(400);
    // an add that would pass the limit once merged with the values already there
    const add = await call('PATCH', `/Users/${ok.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'emails', value: emails(1, 100) }],
    });
    expect([add.status, add.body.scimType]).toEqual([400, 'invalidValue']);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await call('POST', '/Users', user(`m${i}`))).body.id!);
    const g = await call('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'big',
      members: ids.map((value) => ({ value })),
    });
    expect(g.status).toBe(201);
  });

  it('the default allows 1,000 values', async () => {
    const { call, user } = setup();
    expect((await call('POST', '/Users', user('thousand', { emails: emails(1000) }))).status).toBe(201);
    expect((await call('POST', '/Users', user('more', { emails: emails(1001, 5000) }))).status).toBe(400);
  });
});

describe('string lengths every store can hold and index', async () => {
  const { stores, pgStore } = await bothStores();
  const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

  it.each(stores)('%s: the attributes IdPs look up by hold 512 characters; longer is 400 naming them, never a 500', async (_name, make) => {
    const { call, user } = setup({ store: make() as never });
    // 512 four-byte characters: what the longest allowed value costs an index, in bytes
    const longest = '𝔘'.repeat(256);
    for (const [attr, extra] of [
      ['userName', {}],
      ['externalId', { externalId: 'x'.repeat(513) }],
      ['displayName', { displayName: 'é'.repeat(513) }],
      ['emails', { emails: [{ value: `${'a'.repeat(510)}@x.io` }] }],
    ] as const) {
      const body = attr === 'userName' ? user('u'.repeat(513)) : user(`bad-${attr}-${Math.random()}`, extra);
      const r = await call('POST', '/Users', body);
      expect([r.status, r.body.scimType], attr).toEqual([400, 'invalidValue']);
      expect(r.body.detail).toContain(attr);
    }
    const ok = await call(
      'POST',
      '/Users',
      user(`${longest}-${Math.random()}`.slice(0, 512), { externalId: longest, displayName: longest, emails: [{ value: longest }] }),
    );
    expect(ok.status).toBe(201);
    const g = await call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'g'.repeat(513) });
    expect([g.status, g.body.scimType]).toEqual([400, 'invalidValue']);
    // the same through PATCH, with and without a value filter in the path
    for (const op of [
      { op: 'replace', path: 'userName', value: 'p'.repeat(4000) },
      { op: 'replace', value: { displayName: 'p'.repeat(4000) } },
      { op: 'add', path: 'emails', value: [{ value: 'p'.repeat(4000), type: 'work' }] },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'p'.repeat(4000) },
    ]) {
      const r = await call('PATCH', `/Users/${ok.body.id}`, { schemas: [PATCH], Operations: [op] });
      expect([r.status, r.body.scimType], JSON.stringify(op).slice(0, 60)).toEqual([400, 'invalidValue']);
    }
  });

  it.each(stores)('%s: other strings hold 4,096 characters, binary values 65,536', async (_name, make) => {
    const { call, user } = setup({ store: make() as never });
    const fits = await call('POST', '/Users', user(`s-${Math.random()}`, { title: '😀'.repeat(2048), x509Certificates: [{ value: 'A'.repeat(65536) }] }));
    expect(fits.status).toBe(201);
    const long = await call('POST', '/Users', user(`s-${Math.random()}`, { name: { givenName: 'g'.repeat(4097) } }));
    expect([long.status, long.body.scimType]).toEqual([400, 'invalidValue']);
    expect(long.body.detail).toContain('name.givenName');
    const ref = await call('POST', '/Users', user(`s-${Math.random()}`, { profileUrl: `https://x.io/${'p'.repeat(4090)}` }));
    expect(ref.status).toBe(400);
    const cert = await call('POST', '/Users', user(`s-${Math.random()}`, { x509Certificates: [{ value: 'A'.repeat(65537) }] }));
    expect([cert.status, cert.body.detail]).toEqual([400, expect.stringContaining('x509Certificates[0].value')]);
  });

  it('PostgresStore: a limit raised past what it can index is a 400 naming the attribute, not a 500', async () => {
    const { call, user } = setup({ store: pgStore as never, limits: { maxIndexedStringLength: 4096 } });
    // random, so that PostgreSQL cannot compress the index entry under its limit
    const random = () => randomBytes(2000).toString('hex');
    for (const [body, attr] of [
      [user(random()), 'userName'],
      [user(`e-${Math.random()}`, { externalId: random() }), 'externalId'],
      [user(`m-${Math.random()}`, { emails: [{ value: random() }] }), 'emails'],
    ] as const) {
      const r = await call('POST', '/Users', body);
      expect([r.status, r.body.scimType], attr).toEqual([400, 'invalidValue']);
      expect(r.body.detail).toContain(attr);
    }
  });

  it('the limits are server options', async () => {
    const { call, user } = setup({ limits: { maxStringLength: 10, maxIndexedStringLength: 5 } });
    expect((await call('POST', '/Users', user('abcdef'))).status).toBe(400);
    expect((await call('POST', '/Users', user('abcde', { title: 'x'.repeat(11) }))).status).toBe(400);
    expect((await call('POST', '/Users', user('abcde', { title: 'x'.repeat(10) }))).status).toBe(201);
  });
});

describe('ids no store can hold', () => {
  for (const [name, make] of storeFactories()) {
    it(`a resource id with U+0000 names no resource (404, not 500): ${name}`, async () => {
      const { call } = setup({ store: (await make()) as MemoryStore });
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        const body =
          method === 'PUT'
            ? { schemas: [U], userName: 'n' }
            : method === 'PATCH'
              ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }
              : undefined;
        const r = await call(method, '/Users/a%00b', body);
        expect([method, r.status]).toEqual([method, 404]);
      }
    });
  }
});
