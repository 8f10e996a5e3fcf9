// Hostile requests with the SCIM error each must get: shared by the hostile-input tests and the
// hardening benchmark (bench/hardening.bench.ts), which times them.
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** [name, method, path, body, expected status, expected scimType]. */
export const hostileBodies: [string, string, string, unknown, number, string?][] = [
  ['truncated JSON', 'POST', '/Users', '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"', 400, 'invalidSyntax'],
  ['100,000-deep arrays', 'POST', '/Users', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 400, 'invalidSyntax'],
  [
    '100,000-deep objects in an attribute',
    'POST',
    '/Users',
    `{"schemas":["${U}"],"userName":"a","name":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
    400,
    'invalidSyntax',
  ],
  [
    'deep nesting inside Bulk data',
    'POST',
    '/Bulk',
    `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"x","data":${'['.repeat(50_000)}${']'.repeat(50_000)}}]}`,
    400,
    'invalidSyntax',
  ],
  [
    'deep nesting inside a PATCH value',
    'PATCH',
    '/Users/x',
    `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"emails","value":${'['.repeat(50_000)}${']'.repeat(50_000)}}]}`,
    400,
    'invalidSyntax',
  ],
  ['a JSON string body', 'POST', '/Users', '"just a string"', 400, 'invalidSyntax'],
  ['null body', 'POST', '/Users', 'null', 400, 'invalidSyntax'],
  ['a number for userName', 'POST', '/Users', JSON.stringify({ schemas: [U], userName: 5 }), 400, 'invalidValue'],
];

/** A 10 MB body: refused with 413 before it is parsed. */
export const tenMegabyteUser = (): string => JSON.stringify({ schemas: [U], userName: 'x', displayName: 'y'.repeat(10 * 1024 * 1024) });

/** Filters built to be slow: an 8,000-character co pattern (answered), 10,000 or terms and 500 parentheses (refused). */
export const slowFilters = {
  longContains: `userName co "${'a'.repeat(8000)}"`,
  tenThousandOrs: Array.from({ length: 10_000 }, (_, i) => `id eq "${i}"`).join(' or '),
  deepParentheses: `${'('.repeat(500)}a pr${')'.repeat(500)}`,
};
