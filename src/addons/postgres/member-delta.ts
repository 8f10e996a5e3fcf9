/**
 * A member delta that leaves a group's attributes as stored, in one statement: lock the group,
 * remove and add member rows, move the version only when a row really changed. IdPs send these
 * in long runs (Entra ID adds members in batches of a few), and they commute, so there is no
 * version to check.
 *
 * With events, the same statement records them: the drafts are made before it runs, from the
 * group as the caller read it, for the two outcomes it likely has (every id named moves, or none
 * does), and the statement writes those of the outcome it had. A group that changed since it was
 * read is left as it is and returned, for the caller to make the drafts again from it; an outcome
 * that is neither (some ids moved, others not) fails the statement, undoing all of it, and the
 * write runs in a transaction instead (addons/postgres/replace.ts).
 * @module
 */
import type { ResourceType, ScimResource } from 'scimkit';
import {
  type AppliedMembers,
  type EventDraft,
  type MemberDelta,
  memberIdsOf,
  type StoreContext,
  versionNamed,
  versionTag,
  type WriteOptions,
} from 'scimkit/store-kit';
import { pgError } from './errors.js';
import { membersChecked, memberType } from './members.js';
import { eventCtes } from './outbox.js';
import { NEXT_FOLDED_VERSION, nextDoc } from './rows.js';
import type { SqlQueryable } from './sql.js';
import { Params } from './sql-filter.js';
import type { StoreState } from './state.js';
import type { TableNames } from './tables.js';

/** What a member delta did: the group as stored after it, and the members it really moved. */
export interface DeltaDone {
  /** The group's stored document (without members). */
  resource: ScimResource;
  /** The ids that joined and those that left. */
  applied: AppliedMembers;
}

/** A delta's events, made before its statement runs, for the two outcomes it likely has. */
export interface PredictedEvents {
  /** The group as read (its stored document): the statement writes only while it is still so. */
  current: ScimResource;
  /** The group after the delta moved an id (version and lastModified moved). */
  after: ScimResource;
  /** The ids predicted to join: all those added, each once. */
  added: string[];
  /** The ids predicted to leave: all those removed, each once. */
  removed: string[];
  /** The drafts when every id moved. */
  moved: EventDraft[];
  /** The drafts when none did (the ids added were members, those removed were not). */
  unmoved: EventDraft[];
  /** Recorded as delivered (`WriteOptions.eventsDelivered`). */
  delivered: boolean;
}

/**
 * The text a statement fails with when some ids moved and others did not: everything it did is
 * undone, and the write runs again in a transaction, its events made from what it did.
 */
const MISPREDICTED = 'scimkit: the member change was not the one predicted';

/** Whether a statement failed because its member change was not the one predicted (see {@link MISPREDICTED}). */
export function mispredicted(e: unknown): boolean {
  const message = (e as { message?: unknown } | null)?.message;
  return pgError(e).code === '22P02' && typeof message === 'string' && message.includes(MISPREDICTED);
}

/**
 * The events of a member delta for its two likely outcomes, from `current`, the group's stored
 * document as read (as the engine hands it, without members): undefined when they cannot be told
 * (no version in it, another id, an id both added and removed), and the write then records its
 * events in a transaction.
 */
export function predictEvents(current: ScimResource, id: string, delta: MemberDelta, now: string, options: WriteOptions): PredictedEvents | undefined {
  if (!options.events) return undefined;
  const tag = current.meta?.version;
  const version = typeof tag === 'string' ? versionNamed(tag) : undefined;
  if (version === undefined || current.id !== id) return undefined;
  const added = memberIdsOf(delta.added);
  const removed = [...new Set(delta.removed)];
  if (added.some((x) => removed.includes(x))) return undefined;
  const after: ScimResource = { ...current, meta: { ...current.meta, version: versionTag(version + 1), lastModified: now } };
  return {
    current,
    after,
    added,
    removed,
    moved: added.length || removed.length ? options.events({ stored: after, applied: { added, removed } }) : [],
    unmoved: options.events({ stored: current, applied: { added: [], removed: [] } }),
    delivered: options.eventsDelivered ?? false,
  };
}

/** A member delta to write: on the group `id` of `ctx`'s tenant, only while its attributes are `doc` (when given), stamped `now`. */
export interface DeltaWrite {
  /** The request's context (its tenant). */
  ctx: StoreContext;
  /** The group's type. */
  type: ResourceType;
  /** The group's id. */
  id: string;
  /** The attributes the group must still have, or undefined to keep whatever it has. */
  doc: ScimResource | undefined;
  /** The members added and removed. */
  delta: MemberDelta;
  /** The write's time (ISO 8601). */
  now: string;
}

/** Where a delta's statement starts: the group (`g`, locked), and the CTE whose row the writes need (`anchor`, after `extra`). */
interface DeltaAnchor {
  /** The CTE the writes need a row of: `g`, or one over it. */
  anchor: string;
  /** CTEs after `g` (the anchor's). */
  extra?: string;
}

/**
 * The common table expressions of a delta on the group `id` (locked as `g`), stamped `now`,
 * their parameters added to `p`: member rows removed (`gone`) and added (`joined`), the version
 * moved when a row did (`bumped`), each only while the anchor has the group's row.
 */
function deltaCtes(p: Params, t: TableNames, { ctx, type, id, doc, delta, now }: DeltaWrite, { anchor, extra = '' }: DeltaAnchor) {
  const [tenant, group] = [p.add(ctx.tenant), p.add(id)];
  const stamp = `${p.add(now)}::text`;
  // only the parts the delta needs: with stale statistics (right after a large group was
  // loaded) PostgreSQL planned even an empty removal as a scan of the group's member rows
  const gone = delta.removed.length
    ? `, gone AS (DELETE FROM ${t.members} m WHERE m.tenant = ${tenant} AND m.group_id = ${group} AND m.member_id = ANY(${p.add(delta.removed)}::text[])
       AND EXISTS (SELECT 1 FROM ${anchor}) RETURNING m.member_id)`
    : '';
  const added = memberIdsOf(delta.added);
  const joined = added.length
    ? `, joined AS (INSERT INTO ${t.members} (tenant, group_id, member_id, member)
       SELECT ${tenant}, ${group}, t.id, ${memberType(t.resources, tenant)} FROM unnest(${p.add(added)}::text[]) WITH ORDINALITY AS t(id, ord)
       WHERE EXISTS (SELECT 1 FROM ${anchor}) ORDER BY t.ord ON CONFLICT DO NOTHING RETURNING member_id)`
    : '';
  const changed = [gone && 'EXISTS (SELECT 1 FROM gone)', joined && 'EXISTS (SELECT 1 FROM joined)'].filter(Boolean).join(' OR ') || 'false';
  const sql = `WITH g AS (
         SELECT r.tenant, r.type, r.id, r.doc FROM ${t.resources} r
         WHERE r.tenant = ${tenant} AND r.type = ${p.add(type.name)} AND r.id = ${group}${doc ? ` AND (r.doc - 'meta') = (${p.add(JSON.stringify(doc))}::jsonb - 'meta')` : ''}
         FOR NO KEY UPDATE
       )${extra}${gone}${joined}, bumped AS (
         UPDATE ${t.resources} r SET version = r.version + 1, last_modified = ${stamp}::timestamptz,
           doc = ${nextDoc(stamp)}, folded_version = ${NEXT_FOLDED_VERSION}
         FROM ${anchor} a WHERE r.tenant = a.tenant AND r.type = a.type AND r.id = a.id AND (${changed})
         RETURNING r.doc
       )`;
  return { sql, added, gone: Boolean(gone), joined: Boolean(joined), tenant };
}

/**
 * The delta `write`, in one statement on `q`. Undefined when it does not apply (the group is
 * missing, or its attributes differ from `write.doc`).
 */
export async function deltaOnly(s: StoreState, q: SqlQueryable, write: DeltaWrite): Promise<DeltaDone | undefined> {
  const p = new Params(s.t);
  const w = deltaCtes(p, s.t, write, { anchor: 'g' });
  const text = `${w.sql}
         SELECT coalesce((SELECT doc FROM bumped), g.doc) AS doc, ${w.gone ? 'ARRAY(SELECT member_id FROM gone)' : "'{}'::text[]"} AS removed,
           ${w.joined ? 'ARRAY(SELECT member_id FROM joined)' : "'{}'::text[]"} AS added FROM g`;
  const row = (await membersChecked(w.added, () => q.query(text, p.values))).rows[0];
  if (!row) return undefined;
  return { resource: row.doc as ScimResource, applied: { added: row.added as string[], removed: row.removed as string[] } };
}

/**
 * The delta with its events, in one statement on `q`: done; or `stale`, the group as stored now
 * when it is no longer `events.current` (nothing written: the caller makes the drafts again from
 * it); or undefined when the delta does not apply (as {@link deltaOnly}). Throws what
 * {@link mispredicted} names when some ids moved and others did not.
 */
export async function deltaWithEvents(
  s: StoreState,
  q: SqlQueryable,
  write: DeltaWrite,
  events: PredictedEvents,
): Promise<DeltaDone | { stale: ScimResource } | undefined> {
  const t = s.t;
  const p = new Params(t);
  const { ctx } = write;
  // `read`: the group locked, still as read (a lock waited for gives the row as now committed)
  const w = deltaCtes(p, t, write, {
    anchor: 'read',
    extra: `, read AS (SELECT g.* FROM g WHERE g.doc = ${p.add(JSON.stringify(events.current))}::jsonb)`,
  });
  // the drafts of the outcome it has: every id moved (the version moved), or none did
  const add = (v: unknown) => p.add(v);
  const common = { tenant: w.tenant, ctx, delivered: events.delivered };
  const recorded = [
    eventCtes(add, t, { ...common, drafts: events.moved, when: 'EXISTS (SELECT 1 FROM bumped)' }),
    eventCtes(add, t, { ...common, drafts: events.unmoved, when: 'EXISTS (SELECT 1 FROM read) AND NOT EXISTS (SELECT 1 FROM bumped)', suffix: '_unmoved' }),
  ].filter(Boolean);
  // the moved outcome as predicted: the version the events carry and every id named moved (those
  // that moved are among them, so their count says it; a bump means one did). Any other fails
  // the statement (a cast of its text), undoing all of it.
  const counted = (cte: string, moved: boolean, predicted: number) =>
    moved && (predicted > 1 || (w.joined && w.gone)) ? ` AND (SELECT count(*) FROM ${cte}) = ${predicted}` : '';
  const asPredicted = `b.doc IS NULL OR (b.doc = ${p.add(JSON.stringify(events.after))}::jsonb${counted('joined', w.joined, events.added.length)}${counted('gone', w.gone, events.removed.length)})`;
  const text = `${w.sql}${recorded.map((e) => `, ${e}`).join('')}
         SELECT coalesce(b.doc, g.doc) AS doc, r.id IS NOT NULL AS as_read, b.doc IS NOT NULL AS moved,
           CASE WHEN ${asPredicted} THEN true ELSE ((b.doc IS NULL)::text || ' ${MISPREDICTED}')::boolean END AS as_predicted
         FROM g LEFT JOIN read r ON true LEFT JOIN bumped b ON true`;
  const row = (await membersChecked(w.added, () => q.query(text, p.values))).rows[0];
  if (!row) return undefined;
  if (!row.as_read) return { stale: row.doc as ScimResource };
  // as predicted: the ids in the request's order, as the events name them
  const applied = row.moved ? { added: events.added, removed: events.removed } : { added: [], removed: [] };
  return { resource: row.doc as ScimResource, applied };
}
