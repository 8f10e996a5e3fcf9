// The shape validator (closures, no code generation) beside ajv (the validator it replaced,
// generated code) on the same JSON Schema, in one run; then validateResource end to end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { SCIM_FORMATS, toJsonSchema } from '../src/core/schema/json-schema.js';
import { compileShape, type ShapeSchema } from '../src/core/schema/shape-validator.js';
import { validateResource } from '../src/core/schema/validate.js';
// validateResource is not public: measured from the sources, with the sources' registry (one copy of ResourceType)
import { SchemaRegistry } from '../src/index.js';
import { fmt, measure, type Section } from './harness.js';

function ajvCompile(schema: object) {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  for (const [name, validate] of Object.entries(SCIM_FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  return ajv.compile(schema);
}

export async function run(): Promise<Section[]> {
  const user = JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures/rfc7643-8.3-enterprise-user.json'), 'utf8'));
  const type = new SchemaRegistry().resourceType('User')!;
  const bad = { ...user, active: 'yes', emails: [{ value: 1 }] };
  const schema = toJsonSchema(type, true);
  const ajv = ajvCompile(schema);
  const shape = compileShape(schema as ShapeSchema, SCIM_FORMATS);
  const side = await measure({
    'ajv: compile the User schema': () => ajvCompile(schema),
    'shape: compile the User schema': () => compileShape(schema as ShapeSchema, SCIM_FORMATS),
    'ajv: valid full enterprise User': () => ajv(user),
    'shape: valid full enterprise User': () => shape(user),
    'ajv: invalid (2 problems)': () => ajv(bad),
    'shape: invalid (2 problems)': () => shape(bad),
  });
  const whole = await measure({
    'create, valid full enterprise User': () => validateResource(type, user, { context: 'create' }),
    'response, valid full enterprise User': () => validateResource(type, user, { context: 'response' }),
    'create, invalid (2 problems collected)': () => {
      try {
        validateResource(type, bad, { context: 'create' });
      } catch {}
    },
  });
  return [
    {
      title: 'Validation: the shape validator beside ajv (same JSON Schema, one run)',
      notes:
        'ajv generates code with new Function, which edge runtimes forbid; the shape validator compiles the same schema into closures. Compile is per resource type and mode, once per server.',
      rows: [...side].map(([name, m]) => ({ case: name, 'ops/s': fmt(m.hz), 'mean µs': fmt(m.meanUs, 2) })),
    },
    {
      title: 'Validation (validateResource end to end, shape validator)',
      rows: [...whole].map(([name, m]) => ({ case: name, 'ops/s': fmt(m.hz), 'mean µs': fmt(m.meanUs, 1) })),
    },
  ];
}
