/**
 * `scimkit/postgres`: the production store. Resources are JSONB documents keyed by
 * tenant with indexed columns for the look-ups IdPs make; uniqueness lives in its own
 * table under a primary key (atomic across app instances); group membership is one row
 * per member, indexed both ways. The class holds the store's state and delegates: its
 * connections (connections.ts, transactions.ts), migrations (migrate.ts), reads (reads.ts),
 * writes (writes.ts, replace.ts) over unique keys (unique-keys.ts) and members (members.ts).
 * @packageDocumentation
 */
import type { ResourceType, ScimResource } from 'scimkit';
import type {
  ConnectionStore,
  Filter,
  GetOptions,
  ProvisioningStore,
  SearchQuery,
  SearchResult,
  StoreCapabilities,
  StoreContext,
  WriteOptions,
} from 'scimkit/store-kit';
import { PostgresActivityLog } from './activity.js';
import { PostgresConnectionRecords } from './connection-records.js';
import { Connections } from './connections.js';
import { CountsKeeper } from './counts.js';
import { translatingErrors } from './errors.js';
import { type MigrationReport, migrate } from './migrate.js';
import { PostgresOutbox } from './outbox.js';
import { readResource, search, whereOf } from './reads.js';
import { replace } from './replace.js';
import type { SqlDatabase } from './sql.js';
import type { Params } from './sql-filter.js';
import type { StoreState } from './state.js';
import { StatisticsKeeper } from './statistics.js';
import { tableNames } from './tables.js';
import { inTransaction } from './transactions.js';
import { create, deleteResource } from './writes.js';

/** How a {@link PostgresStore} is set up, beyond its database. */
export interface PostgresStoreOptions {
  /**
   * The PostgreSQL schema of the store's tables, indexes and function, apart from the app's
   * own: `migrate()` creates it when missing and every statement names it (quoted: any name
   * PostgreSQL takes, as it is). Without it the tables are wherever the connection's
   * `search_path` finds them (`public` by default), as before this option. A name PostgreSQL
   * would refuse or truncate (empty, a NUL, over 63 bytes, starting with `pg_`) is a
   * TypeError here. Two stores in two schemas of one database share nothing.
   */
  schema?: string;
}

/**
 * The PostgreSQL store (also on PGlite). Run `migrate()` at every start-up: instances take
 * turns, and what is applied already is skipped.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { PostgresStore } from 'scimkit/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const store = new PostgresStore(pool);
 * await store.migrate();
 * const scim = createScimServer({ authenticate, store });
 * // or, its tables apart from the app's: new PostgresStore(pool, { schema: 'scim' })
 * ```
 */
export class PostgresStore implements ProvisioningStore {
  /** Filters, sorts and takes member deltas in SQL. */
  readonly capabilities: StoreCapabilities = { filter: true, sort: true, memberDeltas: true, keyset: true };
  /** Its tables and connections, which the functions doing the work are given. */
  readonly #s: StoreState;
  /** The events of every write, recorded in the write's transaction (addons/postgres/outbox.ts). */
  readonly outbox: PostgresOutbox;
  /** The activity log of SCIM requests (`scim_activity`), written outside any request's transaction. */
  readonly activity: PostgresActivityLog;
  /** The connection records (`scim_connections`, `scim_credentials`: addons/postgres/connection-records.ts), written outside any request's transaction. */
  readonly connections: ConnectionStore;

  /**
   * A store over a `pg.Pool`, a connected `pg.Client`, PGlite, or anything with pg's `query`
   * (see {@link SqlDatabase}), in `options.schema` when given ({@link PostgresStoreOptions}).
   */
  constructor(db: SqlDatabase, options: PostgresStoreOptions = {}) {
    const t = tableNames(options.schema);
    const connections = new Connections(db);
    const statistics = new StatisticsKeeper({
      estimatedRows: async () => {
        const { rows } = await connections.base.query(
          `SELECT CASE WHEN coalesce(s.last_analyze, s.last_autoanalyze) IS NULL THEN -1 ELSE c.reltuples END AS n
           FROM pg_class c LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid WHERE c.oid = to_regclass($1)`,
          [t.resources],
        );
        return Number(rows[0]?.n ?? 0);
      },
      analyze: async () => void (await connections.base.query(`ANALYZE ${t.resources}`)),
    });
    const s: StoreState = { t, connections, statistics, counts: new CountsKeeper(t, () => connections.base) };
    this.#s = s;
    // on the database itself, never the transaction of the request whose write woke delivery
    this.outbox = new PostgresOutbox(() => translatingErrors(s.connections.base), s.t);
    this.activity = new PostgresActivityLog(() => translatingErrors(s.connections.base), s.t);
    this.connections = new PostgresConnectionRecords(() => translatingErrors(s.connections.base), s.t);
  }

  /** How many idle-connection errors the database reported (the pool replaced those connections). */
  get connectionErrors(): number {
    return this.#s.connections.errors;
  }

  /**
   * Applies the shipped migrations that have not run yet, and says which it applied.
   * Idempotent and safe from several instances at once (an advisory lock serialises them);
   * each migration's script runs whole in a transaction, and index builds on tables that may
   * be large run `CONCURRENTLY`, so instances of the previous version keep serving meanwhile.
   */
  migrate(): Promise<MigrationReport> {
    return migrate(this.#s.connections, this.#s.t);
  }

  /**
   * Runs `fn` in one database transaction: every store call it makes (in its async
   * context) uses that transaction, so its writes commit together or not at all. Bulk
   * runs each operation in one.
   */
  async transaction<T>(ctx: StoreContext, fn: () => Promise<T>): Promise<T> {
    return inTransaction(this.#s.connections, () => fn(), ctx);
  }

  /** One resource, in one query (with a user's groups). */
  async get(ctx: StoreContext, type: ResourceType, id: string, options: GetOptions = {}): Promise<ScimResource | undefined> {
    const c = this.#s.connections;
    // locked for the caller's transaction: FOR NO KEY UPDATE, as an update locks it
    return readResource(this.#s, c.db(ctx), ctx, type, id, options.members ?? true, options.forUpdate === true && c.inTransaction);
  }

  /** The SQL of a search's WHERE clause and parameters. */
  where(ctx: StoreContext, type: ResourceType, filter: Filter | undefined, p: Params): string {
    return whereOf(ctx, type, filter, p);
  }

  /** A page, filtered and sorted in SQL, with the exact total; by keyset after `q.after`, else by offset. */
  async search(ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
    return search(this.#s, ctx, type, q);
  }

  /**
   * Stores a new resource in one statement: its unique keys, its row and its member rows
   * commit together without a transaction round trip (the initial sync of a large tenant is
   * thousands of these in a row).
   */
  async create(ctx: StoreContext, type: ResourceType, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    return create(this.#s, ctx, type, resource, options);
  }

  /** Replaces the attributes (and members, or applies a member delta), compare-and-swap on the version. */
  async replace(ctx: StoreContext, type: ResourceType, id: string, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    return replace(this.#s, ctx, type, id, resource, options);
  }

  /**
   * Deletes a resource, its unique keys and every membership it takes part in; each group it
   * leaves gets a new version. Lock order: the groups it is in, then the resource (a member
   * add locks its group, then the member through the foreign key), so the two never deadlock
   * and an add racing the delete either lands before it (and is removed) or fails.
   */
  async delete(ctx: StoreContext, type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    const left = await deleteResource(this.#s, ctx, type, id, options);
    options.onMembershipsRemoved?.(left);
  }
}
