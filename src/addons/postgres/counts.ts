/**
 * The total of an unfiltered list without counting the tenant's rows: migration 12's triggers
 * write each statement's change of a tenant's resources of a type as a row of
 * `scim_resource_counts` (a create +1, a delete -1, a bulk delete -n), a list sums them, and
 * this keeper folds a key's rows into one after a list saw many of them, and every key's
 * after one write in 4,096 at random (filtered look-ups, an IdP's way, never sum), so a sum
 * reads a few rows, not one per write since the start.
 * @module
 */
import type { SqlQueryable } from './sql.js';
import { dollarQuoted, type TableNames } from './tables.js';

/**
 * The counts of migration 12 in one transaction, safe to run again (it counts afresh): the
 * table of changes; the trigger function (a statement's inserts and deletes counted together; a
 * row moved to another tenant or type, which the store never does, counted apart; a TRUNCATE
 * empties the counts); its triggers, created when missing (a DROP TRIGGER would take a lock
 * that holds reads too); and the counts of the rows there are, under a lock that holds writes
 * from the start, so no row is written between the triggers and the count.
 *
 * The function names the table unqualified, static SQL planned once per session (finding it
 * beside the fired-on table with EXECUTE format(…, TG_TABLE_SCHEMA) cost a create 16–47 µs of
 * database CPU more: docs/design.md, "totals kept as rows of changes"), and its search_path is
 * the schema of the resources: a session with another (pg_dump's restore sets it empty) still
 * finds the table, and an installation moved into a schema sets it anew (docs/stores.md).
 */
export function countsScript(t: TableNames): string {
  const insert = (rows: string, sign: string) =>
    `INSERT INTO scim_resource_counts (tenant, type, n) SELECT tenant, type, ${sign}count(*) FROM ${rows} GROUP BY tenant, type`;
  const trigger = (name: string, when: string) => `
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ${t.literal(t.resources)}::regclass AND tgname = '${name}') THEN
    CREATE TRIGGER ${name} ${when} EXECUTE FUNCTION ${t.countResources}();
  END IF;`;
  const body = `
BEGIN
  IF TG_OP = 'INSERT' THEN
    ${insert('added', '')};
  ELSIF TG_OP = 'DELETE' THEN
    ${insert('removed', '-')};
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO scim_resource_counts (tenant, type, n) VALUES (NEW.tenant, NEW.type, 1), (OLD.tenant, OLD.type, -1);
  ELSE
    DELETE FROM scim_resource_counts;
  END IF;
  RETURN NULL;
END
`;
  const setup = `
DECLARE
  schema text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ${t.literal(t.resources)}::regclass);
BEGIN
  EXECUTE format('ALTER FUNCTION %s() SET search_path = %I', ${t.literal(t.countResources)}, schema);
${trigger('scim_resources_counted_insert', `AFTER INSERT ON ${t.resources} REFERENCING NEW TABLE AS added FOR EACH STATEMENT`)}
${trigger('scim_resources_counted_delete', `AFTER DELETE ON ${t.resources} REFERENCING OLD TABLE AS removed FOR EACH STATEMENT`)}
${trigger('scim_resources_counted_move', `AFTER UPDATE ON ${t.resources} FOR EACH ROW WHEN (OLD.tenant IS DISTINCT FROM NEW.tenant OR OLD.type IS DISTINCT FROM NEW.type)`)}
${trigger('scim_resources_counted_truncate', `AFTER TRUNCATE ON ${t.resources} FOR EACH STATEMENT`)}
END
`;
  return `
LOCK TABLE ${t.resources} IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE IF NOT EXISTS ${t.counts} (
  tenant text NOT NULL,
  type text NOT NULL,
  n bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS scim_resource_counts_tenant_type ON ${t.counts} (tenant, type);
CREATE OR REPLACE FUNCTION ${t.countResources}() RETURNS trigger LANGUAGE plpgsql AS ${dollarQuoted(body)};
DO ${dollarQuoted(setup)};
DELETE FROM ${t.counts};
INSERT INTO ${t.counts} (tenant, type, n) SELECT tenant, type, count(*) FROM ${t.resources} GROUP BY tenant, type;
`;
}

/** Rows of one key a list may sum before the keeper folds them. */
export const FOLD_AFTER_ROWS = 64;

/** Every key with more than one row is folded after one write in this many, at random (a counter would start again at each restart of a short-lived instance). */
export const FOLD_ALL_AFTER_WRITES = 4_096;

/** The SQL of a key's total and of its rows to sum, over the parameters naming the tenant and the type. */
export function countsSql(t: TableNames, tenant: string, type: string): { total: string; rows: string } {
  const from = `FROM ${t.counts} c WHERE c.tenant = ${tenant} AND c.type = ${type}`;
  return { total: `(SELECT coalesce(sum(c.n), 0)::int ${from})`, rows: `(SELECT count(*)::int ${from})` };
}

/**
 * Folds the rows of `scim_resource_counts` in the background, one fold at a time, on a
 * connection of the pool (never a request's transaction). A fold replaces a key's rows by
 * their sum in one statement: a concurrent fold waits on the rows it would delete and skips
 * them once they are gone; writers only insert, so neither waits on the other. A failure is
 * left for the next fold: the total stays exact, only the sum reads more rows.
 */
export class CountsKeeper {
  readonly #t: TableNames;
  readonly #db: () => SqlQueryable;
  readonly #random: () => number;
  #running: Promise<void> | undefined;

  /** A keeper of the counts of the tables `t`, folding on `db()`; `random` draws which write folds every key (tests choose it). */
  constructor(t: TableNames, db: () => SqlQueryable, random: () => number = Math.random) {
    this.#t = t;
    this.#db = db;
    this.#random = random;
  }

  /** A list summed `rows` rows of the key (tenant, type): folded after it when they are many; O(1) on the request path. */
  summed(tenant: string, type: string, rows: number): void {
    if (rows <= FOLD_AFTER_ROWS) return;
    this.#start(
      `WITH gone AS (DELETE FROM ${this.#t.counts} WHERE tenant = $1 AND type = $2 RETURNING n)
      INSERT INTO ${this.#t.counts} (tenant, type, n) SELECT $1, $2, sum(n) FROM gone HAVING count(*) > 0 AND sum(n) <> 0`,
      [tenant, type],
    );
  }

  /** One create or delete of this store: one in {@link FOLD_ALL_AFTER_WRITES}, at random, folds every key. O(1) on the request path. */
  wrote(): void {
    if (this.#random() * FOLD_ALL_AFTER_WRITES >= 1) return;
    const c = this.#t.counts;
    this.#start(
      `WITH many AS (SELECT tenant, type FROM ${c} GROUP BY tenant, type HAVING count(*) > 1),
       gone AS (DELETE FROM ${c} x USING many WHERE x.tenant = many.tenant AND x.type = many.type RETURNING x.tenant, x.type, x.n)
       INSERT INTO ${c} (tenant, type, n) SELECT tenant, type, sum(n) FROM gone GROUP BY tenant, type HAVING sum(n) <> 0`,
      [],
    );
  }

  /** Resolves once no fold is running (tests, shutdown). */
  async settled(): Promise<void> {
    await this.#running;
  }

  #start(sql: string, values: unknown[]): void {
    if (this.#running) return;
    this.#running = this.#db()
      .query(sql, values)
      .then(
        () => undefined,
        // the next list or the next fold tries again; the total is exact meanwhile
        () => undefined,
      )
      .finally(() => {
        this.#running = undefined;
      });
  }
}
