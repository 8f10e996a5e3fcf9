/**
 * What the parts of a PostgresStore share: where its tables are and how it reaches its
 * database. PostgresStore's methods pass it to the functions that do the work.
 * @module
 */
import type { Connections } from './connections.js';
import type { CountsKeeper } from './counts.js';
import type { StatisticsKeeper } from './statistics.js';
import type { TableNames } from './tables.js';

/** One PostgresStore's tables and connections. */
export interface StoreState {
  /** Where the store's tables are (its schema's, or the search_path's). */
  readonly t: TableNames;
  /** How it reaches its database. */
  readonly connections: Connections;
  /** Keeps the planner's statistics of the resource table from missing after a burst of creates. */
  readonly statistics: StatisticsKeeper;
  /** Folds the rows of the resource counts that unfiltered lists sum (migration 12). */
  readonly counts: CountsKeeper;
}
