// The API reference's landing page (docs/reference.md) names only what its modules export.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(join(import.meta.dirname, '../../docs/reference.md'), 'utf8');
const rows = doc
  .split('\n')
  .filter((l) => l.startsWith('|') && l.includes('`scimkit'))
  .map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  )
  .map(([, names, from]) => ({ names: [...names!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), from: from!.replace(/`/g, '') }));

const src = join(import.meta.dirname, '../../src');
const typeSources = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join(src, f), 'utf8'))
  .join('\n');

describe('docs/reference.md', () => {
  it('has a row per subpath export of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const subpaths = Object.keys(pkg.exports)
      .filter((k) => k !== './package.json')
      .map((k) => (k === '.' ? 'scimkit' : `scimkit/${k.slice(2)}`));
    expect([...new Set(rows.map((r) => r.from))].sort()).toEqual(subpaths.sort());
  });

  it.each(rows.map((r) => [r.from, r.names.join(', '), r]))('%s exports %s', async (_from, _names, row) => {
    const mod = (await import(row.from)) as Record<string, unknown>;
    // a type has no runtime value: it must be an exported interface or type of the sources
    // (tsc checks that the entry re-exports it: the examples and type tests import it from there)
    for (const name of row.names) {
      if (/^[A-Z]/.test(name) && !(name in mod)) expect(typeSources, `${name} is no exported type`).toMatch(new RegExp(`export (interface|type) ${name}\\b`));
      else expect(mod, `${name} is not exported by ${row.from}`).toHaveProperty(name);
    }
  });
});
