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

// Sketches (```ts sketch) leave out the host app's parts; declared here, the rest must type-check
// against scimkit's types, or a reader copying one meets a compile error the docs never showed.
const sketches: { doc: string; shows: string; host: string }[] = [
  {
    doc: 'docs/hooks.md',
    shows: 'findByTokenHash',
    // a database client's "not found" is null
    host: `
      interface Connection { org: string; workspace: string; defaultRole: string; tokenHash: string }
      declare const db: { scimConnections: { upsert(row: Connection): Promise<void>; findByTokenHash(tokenHash: string): Promise<Connection | null> } };
      declare const hooks: import('scimkit').ScimHooks;`,
  },
];

describe('sketches type-check with the host app parts declared', () => {
  it.each(sketches)(
    '$doc: the sketch showing $shows',
    async ({ doc, shows, host }) => {
      const ts = (await import('typescript')).default;
      const code = [...readFileSync(join(root, doc), 'utf8').matchAll(/```ts sketch\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((c) => c.includes(shows));
      expect(code).toHaveLength(1);
      const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
      const file = join(root, 'test/docs/sketch.ts');
      const text = `${code[0]}\n${host}\n`;
      const compilerHost = ts.createCompilerHost(config.options);
      const getSourceFile = compilerHost.getSourceFile.bind(compilerHost);
      compilerHost.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest));
      const fileExists = compilerHost.fileExists.bind(compilerHost);
      compilerHost.fileExists = (name) => name === file || fileExists(name);
      const program = ts.createProgram([file], config.options, compilerHost);
      const errors = ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(errors).toEqual([]);
    },
    60_000,
  );
});
