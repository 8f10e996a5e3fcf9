// Random SCIM requests for fast-check: shared by the fuzz tests and the hardening benchmark
// (bench/hardening.bench.ts), which times the same requests one by one.
import fc from 'fast-check';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export const TOKENS = { a: 'token-tenant-a', b: 'token-tenant-b' };

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
    'not (title pr)',
    '(',
    'userName eq',
    '"',
    'x pr or',
  ),
  fc.string({ maxLength: 40 }),
);
const query = fc.dictionary(
  fc.constantFrom('filter', 'count', 'startIndex', 'attributes', 'excludedAttributes', 'sortBy', 'sortOrder', 'cursor', 'zzz'),
  fc.oneof(filterText, fc.integer().map(String), fc.string({ maxLength: 10 })),
  { maxKeys: 4 },
);
const validish = fc.oneof(
  fc.record(
    {
      schemas: fc.constant([U]),
      userName: fc.string({ maxLength: 8 }),
      active: fc.oneof(fc.boolean(), fc.string({ maxLength: 5 })),
      emails: fc.array(fc.record({ value: fc.string({ maxLength: 6 }), primary: fc.boolean() }), { maxLength: 3 }),
    },
    { requiredKeys: ['schemas'] },
  ),
  fc.record(
    {
      schemas: fc.constant([G]),
      displayName: fc.string({ maxLength: 8 }),
      members: fc.array(fc.record({ value: fc.string({ maxLength: 6 }) }), { maxLength: 3 }),
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
          value: fc.jsonValue({ maxDepth: 2 }),
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
  ifMatch: fc.option(fc.constantFrom('*', 'W/"1"', 'garbage'), { nil: undefined }),
  body,
});
export type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

export const headersOf = (r: Req): Record<string, string> => ({
  ...(r.token ? { authorization: `Bearer ${r.token}` } : {}),
  ...(r.contentType ? { 'content-type': r.contentType } : {}),
  ...(r.ifMatch ? { 'if-match': r.ifMatch } : {}),
});
