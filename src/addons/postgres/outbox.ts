/**
 * PostgresStore's outbox: events in `scim_events`, written by each write's transaction
 * ({@link recordEvents}), claimed with `FOR UPDATE SKIP LOCKED` so that several instances
 * on one database each take different events, leased by a due time so that an instance that
 * dies mid-delivery releases them when the lease ends.
 * @module
 */
import {
  type EventDraft,
  type EventLogQuery,
  type EventOutbox,
  eventContext,
  type HeldEventChange,
  type HeldEvents,
  type OutboxEvent,
  type StoreContext,
} from 'scimkit/store-kit';
import type { SqlQueryable } from './sql.js';
import { Params } from './sql-filter.js';
import { type TableNames, UNQUALIFIED } from './tables.js';

const COLUMNS = 'tenant, seq, id, type, resource_type, resource_id, data, context, time, state, attempts, last_error';

/** An event row as an {@link OutboxEvent}. */
function eventOf(r: Record<string, unknown>): OutboxEvent {
  const e: OutboxEvent = {
    id: String(r.id),
    tenant: r.tenant as string,
    seq: Number(r.seq),
    type: r.type as OutboxEvent['type'],
    resourceType: r.resource_type as string,
    resourceId: r.resource_id as string,
    data: r.data as OutboxEvent['data'],
    context: r.context as OutboxEvent['context'],
    time: r.time instanceof Date ? r.time.toISOString() : new Date(String(r.time)).toISOString(),
    state: r.state as OutboxEvent['state'],
    attempts: Number(r.attempts),
  };
  if (typeof r.last_error === 'string') e.lastError = r.last_error;
  return e;
}

/** Adds a parameter to a statement and answers its placeholder (`$n`). */
export type AddParam = (value: unknown) => string;

/** What {@link eventCtes} records. */
export interface RecordedEvents {
  /** The placeholder of the tenant (text). */
  tenant: string;
  /** The events, in order. */
  drafts: readonly EventDraft[];
  /** The request, whose context each event keeps. */
  ctx: StoreContext;
  /** Recorded as delivered (`WriteOptions.eventsDelivered`): for the change log only. */
  delivered: boolean;
  /** A SQL condition: they are recorded only when it holds (a statement with two outcomes, each with its own events). */
  when?: string;
  /** The SQL of an event's data from its drafted data, a jsonb expression: a statement may fill in what only it knows. */
  data?: (drafted: string) => string;
  /** A suffix of the CTE names, for a second set of events in one statement. */
  suffix?: string;
}

/**
 * The common table expressions that record a write's events in the write's own statement,
 * in the tables `t`, their parameters added by `add` (nothing when there are no drafts): the
 * tenant's counter row moves by the number of events (locked until the commit, so sequence
 * order is commit order), then the rows go in. One event, the usual case, is a row of
 * parameters; several are a JSON array read as a recordset.
 */
export function eventCtes(add: AddParam, t: TableNames, r: RecordedEvents): string {
  const n = r.drafts.length;
  if (!n) return '';
  const data = r.data ?? ((d: string) => d);
  const [seq, recorded] = [`event_seq${r.suffix ?? ''}`, `recorded_events${r.suffix ?? ''}`];
  const context = `${add(JSON.stringify(eventContext(r.ctx)))}::jsonb`;
  const state = add(r.delivered ? 'delivered' : 'pending');
  const counter = `${seq} AS (
       INSERT INTO ${t.eventSeq} AS c (tenant, seq) SELECT ${r.tenant}, ${n}${r.when ? ` WHERE ${r.when}` : ''}
       ON CONFLICT (tenant) DO UPDATE SET seq = c.seq + excluded.seq RETURNING seq
     )`;
  const columns = `${t.events} (tenant, seq, id, type, resource_type, resource_id, data, context, time, state)`;
  if (n === 1) {
    const d = r.drafts[0]!;
    return `${counter}, ${recorded} AS (
       INSERT INTO ${columns}
       SELECT ${r.tenant}, s.seq, ${add(d.id)}::uuid, ${add(d.type)}, ${add(d.resourceType)}, ${add(d.resourceId)}, ${data(`${add(JSON.stringify(d.data))}::jsonb`)}, ${context}, now(), ${state}
       FROM ${seq} s
     )`;
  }
  const rows = r.drafts.map((d, i) => ({ ord: i + 1, id: d.id, type: d.type, resource_type: d.resourceType, resource_id: d.resourceId, data: d.data }));
  return `${counter}, ${recorded} AS (
       INSERT INTO ${columns}
       SELECT ${r.tenant}, s.seq - ${n} + e.ord, e.id::uuid, e.type, e.resource_type, e.resource_id, ${data('e.data')}, ${context}, now(), ${state}
       FROM ${seq} s, jsonb_to_recordset(${add(JSON.stringify(rows))}::jsonb) AS e(ord bigint, id text, type text, resource_type text, resource_id text, data jsonb)
     )`;
}

/**
 * Records the events of one write on `q`, the write's transaction, in the tables `t`: one
 * statement, meant to be its last (the tenant's counter row stays locked only until the commit
 * that follows).
 */
export async function recordEvents(q: SqlQueryable, ctx: StoreContext, drafts: readonly EventDraft[], delivered: boolean, t: TableNames): Promise<void> {
  if (!drafts.length) return;
  const p = new Params(t);
  const ctes = eventCtes((v) => p.add(v), t, { tenant: p.add(ctx.tenant), drafts, ctx, delivered });
  await q.query(`WITH ${ctes} SELECT 1`, p.values);
}

/**
 * How long a held event (its tenant's connection in preview) is set aside when a claim meets it,
 * in seconds: claims do not walk a preview's thousands of events at every poll, and approval
 * makes them due at once (`held.release`); after a crash between the two, they wait this long.
 */
const PARK_SECONDS = 60;

/** The held events of a PostgresStore's outbox: tenants whose row in the store's connections is in `preview`. */
class PostgresHeldEvents implements HeldEvents {
  readonly #db: () => SqlQueryable;
  readonly #t: TableNames;

  constructor(db: () => SqlQueryable, t: TableNames) {
    this.#db = db;
    this.#t = t;
  }

  /** One statement for the whole batch: deletions and new data of the tenant's pending events. */
  async revise(tenant: string, changes: readonly HeldEventChange[]): Promise<number> {
    if (!changes.length) return 0;
    const rows = changes.map((c) => ({ id: c.id, drop: c.data === null, data: c.data }));
    const result = await this.#db().query(
      `WITH changes AS (SELECT c.id::uuid AS id, c.drop, c.data FROM jsonb_to_recordset($2::jsonb) AS c(id text, drop boolean, data jsonb)),
         dropped AS (DELETE FROM ${this.#t.events} e USING changes c WHERE e.tenant = $1 AND e.id = c.id AND e.state = 'pending' AND c.drop RETURNING 1),
         revised AS (UPDATE ${this.#t.events} e SET data = c.data FROM changes c WHERE e.tenant = $1 AND e.id = c.id AND e.state = 'pending' AND NOT c.drop RETURNING 1)
       SELECT (SELECT count(*) FROM dropped)::int + (SELECT count(*) FROM revised)::int AS n`,
      [tenant, JSON.stringify(rows)],
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Held events never tried (set aside by a claim) become due now. */
  async release(tenant: string): Promise<void> {
    await this.#db().query(`UPDATE ${this.#t.events} SET due_at = now() WHERE tenant = $1 AND state = 'pending' AND attempts = 0 AND due_at > now()`, [tenant]);
  }
}

/** The outbox of a PostgresStore; `db` runs each statement on its own (outside any write). */
export class PostgresOutbox implements EventOutbox {
  readonly #db: () => SqlQueryable;
  readonly #t: TableNames;
  /** Events of tenants in preview are held: claims read the store's connections (migration 10's `mode`). */
  readonly held: HeldEvents;

  /** An outbox over the store's connection, in the store's tables `t` (its schema's; by default the search_path's). */
  constructor(db: () => SqlQueryable, t: TableNames = UNQUALIFIED) {
    this.#db = db;
    this.#t = t;
    this.held = new PostgresHeldEvents(db, t);
  }

  async list(query: EventLogQuery): Promise<OutboxEvent[]> {
    const limit = Math.min(Math.max(query.limit ?? 100, 0), 1000);
    const rows =
      // undelivered: the pending and dead events, each kind found by its own partial index
      (
        await this.#db().query(
          `SELECT ${COLUMNS} FROM ${this.#t.events} WHERE tenant = $1 AND seq > $2${query.undelivered ? " AND state IN ('pending', 'dead')" : ''} ORDER BY seq LIMIT $3`,
          [query.tenant, query.after ?? 0, limit],
        )
      ).rows;
    return rows.map(eventOf);
  }

  async claim(options: { limit: number; leaseMs: number }): Promise<OutboxEvent[]> {
    // due, and first of its resource among pending events (an earlier one leased or waiting
    // for a retry holds back the later ones), its tenant's connection not in preview; locked
    // rows are another instance's claim. Held events met are set aside for PARK_SECONDS (the
    // same statement: no row of theirs is in `due`).
    const rows = (
      await this.#db().query(
        `WITH held AS (
           SELECT h.tenant, h.seq FROM ${this.#t.events} h
           WHERE h.state = 'pending' AND h.due_at <= now()
             AND EXISTS (SELECT 1 FROM ${this.#t.connections} c WHERE c.tenant = h.tenant AND c.mode <> 'live')
           LIMIT 1000
           FOR UPDATE OF h SKIP LOCKED
         ), parked AS (
           UPDATE ${this.#t.events} e SET due_at = now() + ${PARK_SECONDS} * interval '1 second'
           FROM held WHERE e.tenant = held.tenant AND e.seq = held.seq
         ), due AS (
           SELECT e.tenant, e.seq FROM ${this.#t.events} e
           WHERE e.state = 'pending' AND e.due_at <= now()
             AND NOT EXISTS (SELECT 1 FROM ${this.#t.connections} c WHERE c.tenant = e.tenant AND c.mode <> 'live')
             AND NOT EXISTS (SELECT 1 FROM ${this.#t.events} p WHERE p.state = 'pending' AND p.tenant = e.tenant AND p.resource_id = e.resource_id AND p.seq < e.seq)
           ORDER BY e.due_at, e.tenant, e.seq
           LIMIT $1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE ${this.#t.events} e SET due_at = now() + $2 * interval '1 millisecond', attempts = e.attempts + 1
         FROM due WHERE e.tenant = due.tenant AND e.seq = due.seq
         RETURNING ${COLUMNS.split(', ')
           .map((c) => `e.${c}`)
           .join(', ')}`,
        [options.limit, options.leaseMs],
      )
    ).rows;
    return rows.map(eventOf).sort((a, b) => (a.tenant === b.tenant ? a.seq - b.seq : a.tenant < b.tenant ? -1 : 1));
  }

  async release(ids: readonly string[], until?: Date): Promise<void> {
    if (!ids.length) return;
    // the delay on the database's clock, which leases use too
    const ms = until === undefined ? 0 : Math.max(0, until.getTime() - Date.now());
    await this.#db().query(
      `UPDATE ${this.#t.events} SET due_at = now() + $2 * interval '1 millisecond', attempts = greatest(attempts - 1, 0) WHERE id = ANY($1::uuid[]) AND state = 'pending'`,
      [ids, ms],
    );
  }

  async acknowledge(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.#db().query(`UPDATE ${this.#t.events} SET state = 'delivered', last_error = NULL WHERE id = ANY($1::uuid[]) AND state = 'pending'`, [ids]);
  }

  async fail(id: string, failure: { error: string; retryAt: Date } | { error: string; dead: true }): Promise<void> {
    if ('dead' in failure) {
      await this.#db().query(`UPDATE ${this.#t.events} SET state = 'dead', last_error = $2 WHERE id = $1::uuid AND state = 'pending'`, [id, failure.error]);
      return;
    }
    // the delay on the database's clock, which leases use too
    const ms = Math.max(0, failure.retryAt.getTime() - Date.now());
    await this.#db().query(
      `UPDATE ${this.#t.events} SET due_at = now() + $3 * interval '1 millisecond', last_error = $2 WHERE id = $1::uuid AND state = 'pending'`,
      [id, failure.error, ms],
    );
  }

  async deadLetters(query: { tenant?: string; limit?: number }): Promise<OutboxEvent[]> {
    const limit = Math.min(Math.max(query.limit ?? 100, 0), 1000);
    const rows =
      query.tenant === undefined
        ? (await this.#db().query(`SELECT ${COLUMNS} FROM ${this.#t.events} WHERE state = 'dead' ORDER BY tenant, seq LIMIT $1`, [limit])).rows
        : (await this.#db().query(`SELECT ${COLUMNS} FROM ${this.#t.events} WHERE state = 'dead' AND tenant = $1 ORDER BY seq LIMIT $2`, [query.tenant, limit]))
            .rows;
    return rows.map(eventOf);
  }

  async replay(ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    const rows = (
      await this.#db().query(
        `UPDATE ${this.#t.events} SET state = 'pending', attempts = 0, due_at = '-infinity' WHERE id = ANY($1::uuid[]) AND state = 'dead' RETURNING id`,
        [ids],
      )
    ).rows;
    return rows.length;
  }

  async prune(options: { before: Date; keepPerTenant: number }): Promise<number> {
    const rows = (
      await this.#db().query(
        `DELETE FROM ${this.#t.events} e WHERE e.state <> 'pending'
           AND (e.time < $1 OR e.seq <= (SELECT c.seq - $2 FROM ${this.#t.eventSeq} c WHERE c.tenant = e.tenant))
         RETURNING 1`,
        [options.before.toISOString(), options.keepPerTenant],
      )
    ).rows;
    return rows.length;
  }
}
