// The README promises that `npm test` passes on a fresh machine with no database server and no
// environment variables. CI runs with DATABASE_URL set, so nothing else would notice a test
// file that touches the server while it is being collected (a skipped describe still runs its
// body): this collects every file that reads DATABASE_URL in a child vitest without it.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

/** Test files under test/ whose text names DATABASE_URL. */
function filesNamingTheServer(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => readFileSync(f, 'utf8').includes('DATABASE_URL'))
    .map((f) => relative(root, f));
}

/** The environment of a machine with no PostgreSQL settings: no DATABASE_URL, no libpq defaults, no user name. */
function withoutDatabase(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'DATABASE_URL' || k.startsWith('PG') || k === 'USER' || k === 'LOGNAME') delete env[k];
  return env;
}

describe('a fresh machine', () => {
  it('every test file that needs a PostgreSQL server is collected without one, touching no server', async () => {
    const files = filesNamingTheServer(join(root, 'test')).filter((f) => !f.startsWith('test/suite/'));
    expect(files.length).toBeGreaterThan(3);
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(root, 'node_modules/vitest/vitest.mjs'), 'list', ...files],
        { cwd: root, env: withoutDatabase(), timeout: 120_000, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, text: `${stdout}\n${stderr}` }),
      );
    });
    expect(out.text).not.toMatch(/ECONNREFUSED|startup packet|password authentication|role .* does not exist/);
    expect(out.code, out.text.slice(-2000)).toBe(0);
  }, 150_000);
});
