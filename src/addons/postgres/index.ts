/**
 * `scimkit/postgres`: PostgresStore (needs `pg`, or PGlite), and processedEvents for a host that
 * applies each lifecycle event once in its own transaction.
 * @packageDocumentation
 * @module scimkit/postgres
 */
export { PostgresActivityLog } from './activity.js';
export type { AppliedMigration, MigrationReport } from './migrate.js';
export {
  type CodeStep,
  type ConcurrentIndexStep,
  MIGRATIONS,
  type Migration,
  type MigrationStep,
  migrationsIn,
  type ScriptStep,
  stepsOf,
} from './migrations.js';
export { PostgresOutbox } from './outbox.js';
export { type IdentifiedEvent, type ProcessedEvents, type ProcessedEventsOptions, processedEvents } from './processed-events.js';
export type { SqlClient, SqlConnection, SqlDatabase, SqlPool, SqlQueryable, SqlResult } from './sql.js';
export { filterToSql, keysetToSql, Params, type SortKey, sortKey, sortToSql } from './sql-filter.js';
export { PostgresStore, type PostgresStoreOptions } from './store.js';
export { type TableNames, tableNames } from './tables.js';
