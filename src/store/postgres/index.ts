/**
 * `scimkit/postgres`: PostgresStore (needs `pg`, or PGlite).
 * @packageDocumentation
 */
export { MIGRATIONS, type Migration, type MigrationStep, stepsOf } from './migrations.js';
export { PostgresOutbox } from './outbox.js';
export { filterToSql, keysetToSql, Params, type SortKey, sortKey, sortToSql } from './sql-filter.js';
export {
  type MigrationReport,
  PostgresStore,
  type SqlClient,
  type SqlConnection,
  type SqlDatabase,
  type SqlPool,
  type SqlQueryable,
  type SqlResult,
} from './store.js';
