// docs/check.md lists the catalogue as it is: every scenario with its title, source and needs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/check/index.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/check.md'), 'utf8');
const cell = (s: string) => s.replace(/\|/g, '\\|');

describe('docs/check.md', () => {
  it.each(CATALOGUE.map((s) => [s.id, s]))('lists %s as the catalogue defines it', (_, s) => {
    // the table is padded (Biome aligns it): cells are split on unescaped bars and trimmed
    const cellsOf = (line: string) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim());
    const row = doc.split('\n').find((l) => l.startsWith('|') && cellsOf(l)[0] === `\`${s.id}\``);
    expect(row, `${s.id} has no row`).toBeDefined();
    expect(cellsOf(row!).slice(1)).toEqual([cell(s.title), cell(s.source), (s.requires ?? []).join(', ')]);
  });

  it('has no row for a scenario that is not in the catalogue', () => {
    const ids = [...doc.matchAll(/^\| `([a-z]+\.[a-zA-Z0-9-]+)` +\|/gm)].map((m) => m[1]);
    expect(ids.sort()).toEqual(CATALOGUE.map((s) => s.id).sort());
  });
});
