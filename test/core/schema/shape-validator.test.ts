// The shape validator against ajv (the executor it replaced) on the JSON Schemas of the
// built-in resource types: the same verdict and the same problems for any data, and no code
// generated from strings.
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCIM_FORMATS, toJsonSchema } from '../../../src/core/schema/json-schema.js';
import { compileShape, type ShapeSchema } from '../../../src/core/schema/shape-validator.js';
import { SchemaRegistry } from '../../../src/index.js';

const registry = new SchemaRegistry();
// every attribute type and shape, with required members at two levels (the built-ins have no integer or dateTime)
const ALL = 'urn:example:params:scim:schemas:AllTypes';
registry.addSchema({
  id: ALL,
  attributes: [
    { name: 'label', type: 'string', required: true },
    { name: 'on', type: 'boolean' },
    { name: 'count', type: 'integer' },
    { name: 'ports', type: 'integer', multiValued: true },
    { name: 'ratio', type: 'decimal' },
    { name: 'at', type: 'dateTime' },
    { name: 'blob', type: 'binary' },
    { name: 'link', type: 'reference', referenceTypes: ['external'] },
    // named like Object.prototype members: own keys only, never inherited ones
    { name: 'constructor', type: 'string' },
    { name: 'valueOf', type: 'integer', required: true },
    {
      name: 'parts',
      type: 'complex',
      multiValued: true,
      subAttributes: [
        { name: 'key', type: 'string', required: true },
        { name: 'since', type: 'dateTime' },
        { name: 'size', type: 'integer' },
      ],
    },
  ],
});
registry.addResourceType({ name: 'AllTypes', endpoint: '/AllTypes', schema: ALL });
const schemas = (['User', 'Group', 'AllTypes'] as const).flatMap((name) =>
  [true, false].map((withRequired) => ({
    label: `${name} ${withRequired ? 'write' : 'read'}`,
    schema: toJsonSchema(registry.resourceType(name)!, withRequired) as ShapeSchema,
  })),
);

/** Data that mostly follows the schema, with wrong types, bad formats and missing members mixed in. */
function near(schema: ShapeSchema, depth = 0): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(null), fc.double(), fc.constant(1.5));
  let right: fc.Arbitrary<unknown>;
  switch (schema.type) {
    case 'string':
      right =
        schema.format === 'scim-datetime'
          ? fc.oneof(
              fc.constantFrom('2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '2024-01-31T25:00:00Z', 'yesterday'),
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            )
          : schema.format === 'scim-binary'
            ? fc.constantFrom('aGVsbG8=', 'not base64!', '')
            : fc.string();
      break;
    case 'boolean':
      right = fc.boolean();
      break;
    case 'integer':
      right = fc.oneof(fc.integer(), fc.constant(2.5));
      break;
    case 'number':
      right = fc.double({ noNaN: true, noDefaultInfinity: true });
      break;
    case 'array':
      right = depth > 3 ? fc.constant([]) : fc.array(near(schema.items!, depth + 1), { maxLength: 3 });
      break;
    default: {
      const keys = Object.entries(schema.properties ?? {});
      right =
        depth > 3
          ? fc.constant({})
          : fc
              .record(Object.fromEntries(keys.map(([k, s]) => [k, near(s, depth + 1)])), { requiredKeys: [] })
              .chain((o) => fc.dictionary(fc.constantFrom('extra', 'id', 'emails'), wrong, { maxKeys: 1 }).map((x) => ({ ...x, ...o })));
    }
  }
  return fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

describe('compileShape', () => {
  describe.each(schemas)('$label', ({ schema }) => {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true, ownProperties: true });
    for (const [name, validate] of Object.entries(SCIM_FORMATS)) ajv.addFormat(name, { type: 'string', validate });
    const reference = ajv.compile(schema);
    const shape = compileShape(schema, SCIM_FORMATS);
    const problems = (errors: readonly { instancePath: string; keyword: string; params: object }[] | null | undefined) =>
      (errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`);

    it('agrees with ajv on the verdict and on every problem (instancePath, keyword, params)', () => {
      fc.assert(
        // as a request carries it: JSON (no Infinity, NaN or undefined, which JSON.parse never makes)
        fc.property(
          near(schema).map((raw) => JSON.parse(JSON.stringify(raw) ?? 'null') as unknown),
          (data) => {
            const ok = reference(data);
            expect(shape(data)).toBe(ok);
            expect(problems(shape.errors)).toEqual(problems(reference.errors));
          },
        ),
        { numRuns: 2000 },
      );
    });
  });

  it('names a path with / or ~ as a JSON pointer (RFC 6901) and rejects an unknown format at compile time', () => {
    const v = compileShape({ type: 'object', properties: { 'a/b~c': { type: 'string' } } }, {});
    expect(v({ 'a/b~c': 1 })).toBe(false);
    expect(v.errors![0]!.instancePath).toBe('/a~1b~0c');
    expect(() => compileShape({ type: 'string', format: 'nope' }, {})).toThrow('unknown format nope');
  });
});

describe('numbers JSON cannot hold', () => {
  it('1e999 (Infinity after JSON.parse) is refused as an integer and as a decimal, unlike ajv: it would be stored as null', () => {
    const v = compileShape({ type: 'object', properties: { n: { type: 'integer' }, d: { type: 'number' } } }, {});
    expect(v(JSON.parse('{"n": 1e999}'))).toBe(false);
    expect(v.errors![0]).toMatchObject({ instancePath: '/n', keyword: 'type' });
    expect(v(JSON.parse('{"d": -1e999}'))).toBe(false);
    expect(v(JSON.parse('{"n": 1e20, "d": 1.5}'))).toBe(true);
  });
});
