// A fresh, empty PGlite database for a test, started from the data directory the global setup
// dumped once per run (test/setup/pglite-snapshot.ts) instead of running initdb again. Outside
// that setup (a single file run by other means) it starts a plain new PGlite.
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';

let snapshot: Blob | undefined;

function snapshotBlob(): Blob | undefined {
  if (snapshot) return snapshot;
  let file = '';
  try {
    file = inject('pgliteSnapshot') ?? '';
  } catch {
    // not inside a vitest worker
  }
  if (!file) return undefined;
  snapshot = new Blob([readFileSync(file)]);
  return snapshot;
}

/** A new in-memory PGlite with an empty database, as `new PGlite()` gives, started faster. */
export function freshPGlite(): PGlite {
  const loadDataDir = snapshotBlob();
  return loadDataDir ? new PGlite({ loadDataDir }) : new PGlite();
}
