// vitest globalSetup: one freshly initialised PGlite data directory per run, dumped to a file
// that every test file's PGlite starts from (test/pglite.ts). PGlite's initdb is most of its
// start-up: 4–10 s per instance on a busy 2-core machine, against about 1 s to load a dump,
// and the suite starts a few dozen of them. The file lives in a folder of its own per run, so
// concurrent runs never share it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of a PGlite data-directory dump to start test databases from ('' when none). */
    pgliteSnapshot: string;
  }
}

async function dumpFreshDatabase(file: string): Promise<void> {
  // Not closed: PGlite's close() ends Emscripten's runtime, which may exit the process it runs
  // in (here vitest's own); the instance is dropped instead. dumpDataDir() before the database
  // is ready never settled (PGlite 0.5), hence waitReady first.
  const lite = new PGlite();
  await lite.waitReady;
  const dump = await lite.dumpDataDir('none');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'scimkit-pglite-'));
  const file = join(dir, 'fresh.tar');
  let timer: NodeJS.Timeout | undefined;
  // a snapshot is only a speed-up: without one every test database runs initdb itself
  const made = await Promise.race([
    dumpFreshDatabase(file).then(
      () => true,
      () => false,
    ),
    new Promise<false>((r) => {
      timer = setTimeout(() => r(false), 120_000);
    }),
  ]);
  clearTimeout(timer);
  project.provide('pgliteSnapshot', made ? file : '');
  return () => rmSync(dir, { recursive: true, force: true });
}
