/**
 * `scimkit/postgres`: PostgresStore (needs `pg`, or PGlite).
 * @packageDocumentation
 * @module scimkit/postgres
 */
export { PostgresActivityLog } from './activity.js';
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
export { filterToSql, keysetToSql, Params, type SortKey, sortKey, sortToSql } from './sql-filter.js';
export {
  type AppliedMigration,
  type MigrationReport,
  PostgresStore,
  type PostgresStoreOptions,
  type SqlClient,
  type SqlConnection,
  type SqlDatabase,
  type SqlPool,
  type SqlQueryable,
  type SqlResult,
} from './store.js';
export { type TableNames, tableNames } from './tables.js';
