/**
 * PostgresStore's activity log: one row per SCIM request in `scim_activity`, appended a batch
 * at a time in one statement, read per tenant by time, pruned by age and count per tenant.
 * @module
 */
import {
  type ActivityLog,
  type ActivityQuery,
  type ActivityRecord,
  type ActivityRetention,
  type ActivitySummary,
  checkQuery,
  pageSize,
  queryKey,
  REFUSED_KEY_PREFIX,
  type StatusFilter,
  storageKey,
} from 'scimkit/store-kit';
import type { SqlQueryable } from './sql.js';
import { type TableNames, UNQUALIFIED } from './tables.js';

/** A SCIM request's record, not an admin's lifecycle change (operation `connection`, status 200: the audit trail, no request). */
const REQUEST = `(record->>'operation') IS DISTINCT FROM 'connection'`;

/**
 * A JSON value PostgreSQL's jsonb takes: it refuses U+0000 and lone surrogates, which client
 * input (a path, a filter, a kept body) may hold; they become U+FFFD, in keys too.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what jsonb refuses
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storable(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(UNSTORABLE, '\uFFFD');
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(storable);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[storable(k) as string] = storable(x);
  return out;
}

/** A status filter as SQL over `status`, its parameters appended to `params`. */
function statusSql(filter: ActivityQuery['status'], params: unknown[]): string | undefined {
  if (filter === undefined) return undefined;
  const list: readonly StatusFilter[] = Array.isArray(filter) ? filter : [filter as StatusFilter];
  const parts = list.map((f) => {
    if (typeof f === 'number') {
      params.push(f);
      return `status = $${params.length}`;
    }
    if (f === 'error') return 'status >= 400';
    const low = Number(f[0]) * 100;
    return `(status >= ${low} AND status < ${low + 100})`;
  });
  return parts.length ? `(${parts.join(' OR ')})` : 'false';
}

/** An {@link ActivityLog} in PostgreSQL (migration 6: `scim_activity`). */
export class PostgresActivityLog implements ActivityLog {
  readonly #db: () => SqlQueryable;
  readonly #t: TableNames;
  /**
   * Appends at most every 100 ms under load: each is a statement and a commit, and appended
   * as they came (a few records each) they were 12% of an initial sync's requests/s
   * (bench/RESULTS.md, "initial sync"); a record is in the log 100 ms later at most.
   */
  readonly appendEveryMs = 100;

  /** A log on the database `db()` names (never a request's transaction), in the store's tables `t` (its schema's; by default the search_path's). */
  constructor(db: () => SqlQueryable, t: TableNames = UNQUALIFIED) {
    this.#db = db;
    this.#t = t;
  }

  /** Appends a batch in one statement. */
  async append(records: readonly ActivityRecord[]): Promise<void> {
    if (!records.length) return;
    await this.#db().query(
      `INSERT INTO ${this.#t.activity} (tenant, time, status, rejected_token, record)
       SELECT x.e->>'k', (x.e->'r'->>'startedAt')::timestamptz, (x.e->'r'->>'status')::int, coalesce((x.e->'r'->>'rejectedToken')::boolean, false), x.e->'r'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY x.n`,
      [JSON.stringify(storable(records.map((r) => ({ k: storageKey(r), r }))))],
    );
  }

  /** A tenant's records, newest first. */
  async list(query: ActivityQuery): Promise<ActivityRecord[]> {
    checkQuery(query);
    const params: unknown[] = [storable(queryKey(query))];
    const where = ['tenant = $1'];
    if (query.since !== undefined) {
      params.push(new Date(query.since).toISOString());
      where.push(`time >= $${params.length}`);
    }
    if (query.before !== undefined) {
      params.push(new Date(query.before).toISOString());
      where.push(`time < $${params.length}`);
    }
    if (query.rejectedTokens) where.push('rejected_token');
    const status = statusSql(query.status, params);
    if (status) where.push(status);
    params.push(pageSize(query.limit));
    const rows = (
      await this.#db().query(`SELECT record FROM ${this.#t.activity} WHERE ${where.join(' AND ')} ORDER BY time DESC, seq DESC LIMIT $${params.length}`, params)
    ).rows;
    return rows.map((r) => r.record as ActivityRecord);
  }

  /** A tenant's status panel since `since` (default: the last 24 hours), in one statement. */
  async summary(tenant: string, since = new Date(Date.now() - 24 * 3600_000)): Promise<ActivitySummary> {
    const own = storable(tenant);
    const refused = storable(queryKey({ tenant, refused: true }));
    const rows = (
      await this.#db().query(
        `SELECT 'count' AS kind, status, count(*)::int AS n, count(*) FILTER (WHERE rejected_token)::int AS rejected, NULL::jsonb AS record
           FROM ${this.#t.activity} WHERE tenant = $1 AND time >= $2 AND ${REQUEST} GROUP BY status
         UNION ALL SELECT 'refused', NULL, count(*)::int, NULL, NULL FROM ${this.#t.activity} WHERE tenant = $3 AND time >= $2
         UNION ALL (SELECT 'last', NULL, NULL, NULL, record FROM ${this.#t.activity} WHERE tenant = $1 AND ${REQUEST} ORDER BY time DESC, seq DESC LIMIT 1)
         UNION ALL (SELECT 'success', NULL, NULL, NULL, record FROM ${this.#t.activity} WHERE tenant = $1 AND status < 400 AND ${REQUEST} ORDER BY time DESC, seq DESC LIMIT 1)
         UNION ALL (SELECT 'failure', NULL, NULL, NULL, record FROM ${this.#t.activity} WHERE tenant = $1 AND status >= 400 ORDER BY time DESC, seq DESC LIMIT 1)
         UNION ALL (SELECT 'rejected', NULL, NULL, NULL, record FROM ${this.#t.activity} WHERE tenant = $3 ORDER BY time DESC, seq DESC LIMIT 1)`,
        [own, since.toISOString(), refused],
      )
    ).rows;
    const out: ActivitySummary = { byStatus: {}, total: 0, errors: 0, rejectedTokens: 0, since: since.toISOString() };
    for (const r of rows) {
      if (r.kind === 'count') {
        const status = Number(r.status);
        const n = Number(r.n);
        out.byStatus[status] = n;
        out.total += n;
        if (status >= 400) out.errors += n;
        out.rejectedTokens += Number(r.rejected);
      } else if (r.kind === 'refused') out.rejectedTokens += Number(r.n);
      else if (r.kind === 'last') out.lastRequest = r.record as ActivityRecord;
      else if (r.kind === 'success') out.lastSuccess = r.record as ActivityRecord;
      else if (r.kind === 'failure') out.lastFailure = r.record as ActivityRecord;
      else out.lastRejected = r.record as ActivityRecord;
    }
    return out;
  }

  /**
   * Deletes records past the age, each tenant's beyond the newest `maxPerTenant` (refused ones
   * beyond `maxRefusedPerTenant` per tenant named), and refused ones naming tenants without
   * records of their own beyond the newest `maxRefused`.
   */
  async prune(retention: ActivityRetention): Promise<number> {
    let n = 0;
    const count = async (sql: string, params: unknown[]) =>
      Number((await this.#db().query(`WITH d AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM d`, params)).rows[0]?.n ?? 0);
    if (retention.maxAgeMs !== undefined)
      n += await count(`DELETE FROM ${this.#t.activity} WHERE time < $1`, [new Date(Date.now() - retention.maxAgeMs).toISOString()]);
    const perTenant = retention.maxPerTenant ?? Number.MAX_SAFE_INTEGER;
    const perRefused = retention.maxRefusedPerTenant ?? perTenant;
    n += await count(
      `DELETE FROM ${this.#t.activity} a USING (
         SELECT seq FROM (SELECT seq, tenant, row_number() OVER (PARTITION BY tenant ORDER BY time DESC, seq DESC) AS rn FROM ${this.#t.activity}) x
         WHERE rn > CASE WHEN left(tenant, length($3::text)) = $3::text THEN $2::bigint ELSE $1::bigint END
       ) old WHERE a.seq = old.seq`,
      [perTenant, perRefused, REFUSED_KEY_PREFIX],
    );
    // refused requests can name any number of tenants: a bound on all of them together, but
    // only on those naming a tenant with no records of its own; a tenant's are its quota
    // (maxRefusedPerTenant), which refused requests naming others never evict
    if (retention.maxRefused !== undefined)
      n += await count(
        `DELETE FROM ${this.#t.activity} a USING (
           SELECT r.seq FROM ${this.#t.activity} r
           WHERE left(r.tenant, length($2::text)) = $2::text
             AND NOT EXISTS (SELECT 1 FROM ${this.#t.activity} o WHERE o.tenant = substr(r.tenant, length($2::text) + 1))
           ORDER BY r.time DESC, r.seq DESC OFFSET $1::bigint
         ) old WHERE a.seq = old.seq`,
        [retention.maxRefused, REFUSED_KEY_PREFIX],
      );
    return n;
  }
}
