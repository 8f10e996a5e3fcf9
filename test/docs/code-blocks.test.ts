// Code blocks in README.md and docs/ that name a file on their first line are that file, verbatim;
// the files themselves are type-checked and run (test/examples/smoke.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = docs.flatMap((doc) =>
  [...readFileSync(join(root, doc), 'utf8').matchAll(/```ts\n\/\/ (examples\/\S+\.ts)\n([\s\S]*?)```/g)].map((m) => [doc, m[1]!, m[2]!] as const),
);

describe('documented code is the code that runs', () => {
  it('has blocks to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });
  it.each(blocks)('%s shows %s verbatim', (_doc, file, code) => {
    expect(code.trimEnd()).toBe(readFileSync(join(root, file), 'utf8').trimEnd());
  });
});

describe('the filter snippet of docs/filters.md', () => {
  it('prints what its comment says', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/snippets-filter.ts'], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('true');
  });
});
