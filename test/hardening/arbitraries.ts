// Random SCIM requests for fast-check: shared by the fuzz tests and the hardening benchmark
// (bench/hardening.bench.ts), which times the same requests one by one.
import fc from 'fast-check';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export const TOKENS = { a: 'token-tenant-a', b: 'token-tenant-b' };

/**
 * Strings that stores and validation must agree on: NUL, lone surrogates, right-to-left and
 * combining marks, astral characters, and lengths around the limits (512 indexed, 4,096).
 */
export const oddString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  fc.constantFrom('a\u0000b', '\ud800', 'x\udc00', '\u202eevil\u202c', 'e\u0301', '😀', '\uffff', ' ', ''),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(511, 512, 513, 4096, 4097).chain((n) => fc.constantFrom('x', 'é', '𝔘').map((c) => c.repeat(c.length === 2 ? Math.ceil(n / 2) : n))),
  // random, so that no store can compress it under an index's entry limit (2,704 bytes in PostgreSQL)
  fc.uint8Array({ minLength: 1400, maxLength: 2100 }).map((b) => Buffer.from(b).toString('hex')),
);
/** dateTimes a calendar does not have, or at its edges. */
const oddDate = fc.constantFrom(
  '2024-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2024-13-01T00:00:00Z',
  '2024-01-01T24:00:00Z',
  'tomorrow',
);

const segment = fc.oneof(
  fc.constantFrom(
    'Users',
    'Groups',
    'Bulk',
    '.search',
    'Me',
    'Schemas',
    'ServiceProviderConfig',
    'ResourceTypes',
    'User',
    'users',
    'x',
    '%',
    '%E0%A4',
    '..',
    '',
  ),
  fc.string({ maxLength: 12 }),
);
const filterText = fc.oneof(
  fc.constantFrom(
    'userName eq "a"',
    'emails[type eq "work"]',
    'active eq true',
    'meta.lastModified gt "2020-01-01T00:00:00Z"',
    'members[value eq "x"]',
    'meta.created gt "2024-02-30T00:00:00Z"',
    'meta.lastModified lt "0000-01-01T00:00:00Z"',
    'not (title pr)',
    '(',
    'userName eq',
    '"',
    'x pr or',
  ),
  fc.string({ maxLength: 40 }),
  oddString.map((v) => `userName eq ${JSON.stringify(v)}`),
  oddDate.map((v) => `meta.lastModified ge ${JSON.stringify(v)}`),
);
const query = fc.dictionary(
  fc.constantFrom('filter', 'count', 'startIndex', 'attributes', 'excludedAttributes', 'sortBy', 'sortOrder', 'cursor', 'zzz'),
  fc.oneof(filterText, fc.integer().map(String), fc.string({ maxLength: 10 }), fc.constantFrom('1e19', '1e21', '9007199254740993', '-0', 'NaN')),
  { maxKeys: 4 },
);
const validish = fc.oneof(
  fc.record(
    {
      schemas: fc.constant([U]),
      userName: oddString,
      displayName: oddString,
      externalId: oddString,
      active: fc.oneof(fc.boolean(), fc.string({ maxLength: 5 })),
      emails: fc.oneof(
        fc.array(fc.record({ value: oddString, primary: fc.boolean() }), { maxLength: 3 }),
        // around maxValuesPerAttribute (1,000)
        fc.constantFrom(999, 1000, 1001).map((n) => Array.from({ length: n }, (_, i) => ({ value: `e${i}@x.io` }))),
      ),
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': fc.record({ employeeNumber: oddString }),
      meta: fc.record({ created: oddDate }),
    },
    { requiredKeys: ['schemas'] },
  ),
  fc.record(
    {
      schemas: fc.constant([G]),
      displayName: oddString,
      members: fc.array(fc.record({ value: oddString }), { maxLength: 3 }),
    },
    { requiredKeys: ['schemas'] },
  ),
  fc.record({
    schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']),
    Operations: fc.array(
      fc.record(
        {
          op: fc.constantFrom('add', 'Replace', 'remove', 'x'),
          path: fc.option(fc.constantFrom('title', 'members', 'emails[type eq "work"].value', 'name.givenName', 'id', '[', 'members[value eq "a"]'), {
            nil: undefined,
          }),
          value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), oddString, fc.array(fc.record({ value: oddString }), { maxLength: 3 })),
        },
        { requiredKeys: ['op'] },
      ),
      { maxLength: 4 },
    ),
  }),
  fc.record({
    schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:BulkRequest']),
    Operations: fc.array(
      fc.record({
        method: fc.constantFrom('POST', 'PATCH', 'DELETE', 'GET'),
        path: fc.constantFrom('/Users', '/Groups', '/Users/bulkId:a', '/Bulk'),
        bulkId: fc.constantFrom('a', 'b'),
        data: fc.jsonValue({ maxDepth: 2 }),
      }),
      { maxLength: 3 },
    ),
  }),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 30 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  validish.map((v) => JSON.stringify(v)),
);
export const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'FOO'),
  segments: fc.array(segment, { maxLength: 3 }),
  query,
  contentType: fc.constantFrom('application/scim+json', 'application/json; charset=utf-8', 'text/plain', undefined),
  token: fc.constantFrom(TOKENS.a, TOKENS.a, TOKENS.a, TOKENS.b, 'nope', undefined),
  ifMatch: fc.option(fc.constantFrom('*', 'W/"1"', 'garbage', `W/"${'9'.repeat(400)}"`, '"\u0000"', ','.repeat(2000)), { nil: undefined }),
  /** Headers a hostile client or a confused proxy sends. */
  extra: fc.option(
    fc.record(
      {
        'x-forwarded-host': fc.constantFrom('evil.example', `a${'/'.repeat(15_000)}`, 'a b', ''),
        'x-forwarded-proto': fc.constantFrom('javascript', 'https', ''),
        'x-request-id': fc.constantFrom('r'.repeat(5000), '\u202e', ''),
        'if-none-match': fc.constantFrom('*', 'W/"1"', ''),
        host: fc.constantFrom('', 'a:b:c', 'x'.repeat(300)),
      },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  ),
  body,
});
/**
 * Requests that reach a store: a valid token and content type, a real endpoint, and a
 * body or filter built from {@link oddString}s (the random requests above rarely line up).
 */
export const storeRequest = fc
  .oneof(
    validish.map((v) => ({ v, kind: 'POST' as const })),
    validish.map((v) => ({ v, kind: 'PUT' as const })),
    validish.map((v) => ({ v, kind: 'PATCH' as const })),
    filterText.map((f) => ({ v: f, kind: 'GET' as const })),
  )
  .map(({ v, kind }) => {
    const isGroup = typeof v === 'object' && Array.isArray(v.schemas) && v.schemas[0] === G;
    const isBulk = typeof v === 'object' && Array.isArray(v.schemas) && String(v.schemas[0]).endsWith('BulkRequest');
    const type = isGroup ? 'Groups' : 'Users';
    const r: Req = {
      method: kind === 'GET' ? 'GET' : isBulk ? 'POST' : kind,
      segments: isBulk ? ['Bulk'] : kind === 'POST' || kind === 'GET' ? [type] : [type, 'seed'],
      query: kind === 'GET' ? { filter: String(v) } : {},
      contentType: 'application/scim+json',
      token: TOKENS.a,
      ifMatch: undefined,
      extra: undefined,
      body: kind === 'GET' ? undefined : JSON.stringify(v),
    };
    return r;
  });

export type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

export const headersOf = (r: Req): Record<string, string> => ({
  ...(r.token ? { authorization: `Bearer ${r.token}` } : {}),
  ...(r.contentType ? { 'content-type': r.contentType } : {}),
  ...(r.ifMatch ? { 'if-match': r.ifMatch } : {}),
  ...(r.extra ?? {}),
});
