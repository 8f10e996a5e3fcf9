// ajv-backed validateResource on a full enterprise User (RFC 7643 §8.3).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaRegistry, validateResource } from 'scimkit';
import { fmt, measure, type Section } from './harness.js';

export async function run(): Promise<Section[]> {
  const user = JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures/rfc7643-8.3-enterprise-user.json'), 'utf8'));
  const type = new SchemaRegistry().resourceType('User')!;
  const bad = { ...user, active: 'yes', emails: [{ value: 1 }] };
  const r = await measure({
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
      title: 'Validation (ajv compiled once per resource type)',
      rows: [...r].map(([name, m]) => ({ case: name, 'ops/s': fmt(m.hz), 'mean µs': fmt(m.meanUs, 1) })),
    },
  ];
}
