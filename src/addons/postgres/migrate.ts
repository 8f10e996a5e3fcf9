/**
 * Applying the shipped migrations (addons/postgres/migrations.ts) at start-up: one instance at a
 * time under an advisory lock, each migration's script whole in a transaction, index builds
 * `CONCURRENTLY` so that instances of the previous version keep serving meanwhile.
 * @module
 */
import type { Connections } from './connections.js';
import { refold } from './folded.js';
import { migrationsIn, stepsOf } from './migrations.js';
import type { SqlQueryable } from './sql.js';
import { quoteIdentifier, type TableNames } from './tables.js';

/** One migration `PostgresStore.migrate()` applied. */
export interface AppliedMigration {
  /** Its id. */
  id: number;
  /** What it does. */
  name: string;
  /** How long it took, in milliseconds. */
  ms: number;
}

/** What `PostgresStore.migrate()` did. */
export interface MigrationReport {
  /** The migrations applied by this call, in order, with how long each took. */
  applied: AppliedMigration[];
  /** The id of the newest migration now applied. */
  current: number;
}

/** The migration that added the folded copies (addons/postgres/folded.ts). */
const FOLDED_SINCE = 7;

/** The key of the advisory lock instances take turns on. */
const MIGRATION_LOCK = 7366229;

/**
 * Builds an index with `CREATE INDEX CONCURRENTLY IF NOT EXISTS name`, outside a transaction;
 * an invalid index of that name among the store's tables `t` (a build that was interrupted)
 * is dropped and built again.
 */
async function buildIndex(q: SqlQueryable, t: TableNames, statement: string): Promise<void> {
  const name = /INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+(\w+)/i.exec(statement)?.[1];
  if (name) {
    // the index of the store's schema (or the search_path's), not one of that name in another schema
    const invalid = await q.query('SELECT 1 FROM pg_index i WHERE i.indexrelid = to_regclass($1) AND NOT i.indisvalid', [t.relation(name)]);
    if (invalid.rows.length) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${t.relation(name)}`);
  }
  await q.query(statement);
}

/** Applies the migrations of the tables `t` that have not run yet on `c`, and says which it applied (see `PostgresStore.migrate()`). */
export function migrate(c: Connections, t: TableNames): Promise<MigrationReport> {
  return c.session(async (q, script) => {
    const report: MigrationReport = { applied: [], current: 0 };
    // waited for by polling, not by pg_advisory_lock: a session blocked in that statement is
    // a transaction that CREATE INDEX CONCURRENTLY of the instance holding the lock waits for
    // (a deadlock between two instances starting at once)
    while (!(await q.query(`SELECT pg_try_advisory_lock(${MIGRATION_LOCK}) AS ok`)).rows[0]?.ok) await new Promise((r) => setTimeout(r, 100));
    try {
      // created only when missing: a role without CREATE on the database can use a schema made for it
      const schema = t.schema;
      if (schema !== undefined && !(await q.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length)
        await q.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
      await q.query(`CREATE TABLE IF NOT EXISTS ${t.migrations} (id integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await q.query(`SELECT id FROM ${t.migrations}`)).rows.map((r) => Number(r.id)));
      for (const m of migrationsIn(t)) {
        if (done.has(m.id)) continue;
        const t0 = Date.now();
        for (const step of stepsOf(m)) {
          if ('concurrently' in step) await buildIndex(q, t, step.concurrently);
          else if ('run' in step) await step.run(q);
          else {
            await q.query('BEGIN');
            try {
              await script(step.sql);
              await q.query('COMMIT');
            } catch (e) {
              await q.query('ROLLBACK').catch(() => undefined);
              throw e;
            }
          }
        }
        await q.query(`INSERT INTO ${t.migrations} (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [m.id, m.name]);
        report.applied.push({ id: m.id, name: m.name, ms: Date.now() - t0 });
      }
      report.current = Math.max(0, ...done, ...report.applied.map((a) => a.id));
      // rows an instance of an earlier version wrote since (a rolling upgrade): folded now
      if (report.current >= FOLDED_SINCE) await refold(q, t);
    } finally {
      await q.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    }
    return report;
  });
}
