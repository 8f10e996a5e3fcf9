/**
 * The planner's statistics of the resource table after a burst of creates into a table that
 * has none: a new database's first initial sync runs before autovacuum's first ANALYZE (up to
 * a minute away), and without statistics the planner answered each IdP look-up by walking the
 * tenant's rows (3 ms at 10,000 users, growing with each create; test/addons/postgres/lookup-plan.test.ts).
 * @module
 */

/** Creates by this store after which the table's statistics are checked: four times apart, then autovacuum's job alone. */
const CHECK_AT = [250, 1_000, 4_000, 16_000];

/** What the keeper runs on the database. */
export interface StatisticsDatabase {
  /**
   * The planner's row estimate of the table (`pg_class.reltuples`), or -1 when the table was
   * never analyzed (a VACUUM or an index build sets an estimate but no column statistics).
   */
  estimatedRows(): Promise<number>;
  /** ANALYZEs the table. */
  analyze(): Promise<void>;
}

/**
 * Counts a store's creates and, at a few counts, checks in the background that the planner
 * knows about at least a quarter of them: if not, it ANALYZEs the table (a sample of at most
 * 30,000 rows; it blocks no reads or writes, but waits behind a concurrent index build, such
 * as another instance's migration, on a connection of the pool). A failure (a role that does
 * not own the table, a database going away) is ignored: autovacuum does the same a little later.
 */
export class StatisticsKeeper {
  readonly #db: StatisticsDatabase;
  #created = 0;
  #next = 0;
  #running: Promise<void> | undefined;

  /** A keeper of the table `db` reaches. */
  constructor(db: StatisticsDatabase) {
    this.#db = db;
  }

  /** Counts one create; O(1) on the request path, the check runs after it. */
  created(): void {
    this.#created++;
    const at = CHECK_AT[this.#next];
    if (at === undefined || this.#created < at || this.#running) return;
    this.#next++;
    this.#running = this.#check(this.#created).finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves once no check is running (tests, shutdown). */
  async settled(): Promise<void> {
    await this.#running;
  }

  async #check(created: number): Promise<void> {
    try {
      if ((await this.#db.estimatedRows()) < created / 4) await this.#db.analyze();
    } catch {
      // autovacuum's ANALYZE comes anyway; a look-up is only slower until then
    }
  }
}
