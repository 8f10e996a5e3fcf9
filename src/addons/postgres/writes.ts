/**
 * The writes other than replace (addons/postgres/replace.ts): create in one statement, delete
 * in a transaction, and what every write shares: the row lock with the version check, the
 * choice between a transaction and a plain statement, and the events recorded with the write.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type ResourceType, ScimError, type ScimResource } from 'scimkit';
import {
  type GroupRef,
  isVersion,
  memberIdsOf,
  metaOf,
  refuseLate,
  type StoreContext,
  versionTag,
  type WriteOptions,
  type WriteOutcome,
} from 'scimkit/store-kit';
import { pgError, RETRYABLE_SQLSTATES, scimErrorOf, UNIQUE_VIOLATION } from './errors.js';
import { foldedDocument } from './folded.js';
import { membersChecked, memberType } from './members.js';
import { eventCtes, recordEvents } from './outbox.js';
import { lookupColumns, NEXT_FOLDED_VERSION, nextDoc, type Row, splitResource } from './rows.js';
import type { SqlQueryable } from './sql.js';
import { Params } from './sql-filter.js';
import type { StoreState } from './state.js';
import { inTransaction } from './transactions.js';
import { uniqueKeysOf, uniquenessError } from './unique-keys.js';

/**
 * Runs a write: in a transaction when it records events (they commit with it, or not at
 * all), else on the database directly (one statement, no transaction round trips).
 */
export function writing<T>(s: StoreState, ctx: StoreContext, options: WriteOptions, fn: (q: SqlQueryable) => Promise<T>): Promise<T> {
  refuseLate(ctx);
  return options.events ? inTransaction(s.connections, fn, ctx) : fn(s.connections.db(ctx));
}

/** Records the events of a write's outcome on its transaction `q`: the write's last statement. */
export async function record(s: StoreState, q: SqlQueryable, ctx: StoreContext, options: WriteOptions, outcome: WriteOutcome): Promise<void> {
  if (options.events) await recordEvents(q, ctx, options.events(outcome), options.eventsDelivered ?? false, s.t);
}

/**
 * Locks a row for a write: `FOR NO KEY UPDATE` for an update (it does not conflict with the
 * foreign key checks of member adds naming this row, so groups nested both ways do not
 * deadlock), `FOR UPDATE` for a delete (it does: a member add naming the row waits or fails).
 */
export async function lockRow(
  s: StoreState,
  q: SqlQueryable,
  ctx: StoreContext,
  type: ResourceType,
  id: string,
  ifVersion: string | undefined,
  forDelete = false,
): Promise<Row> {
  const mode = forDelete ? 'FOR UPDATE' : 'FOR NO KEY UPDATE';
  const rows = (await q.query(`SELECT id, doc, version FROM ${s.t.resources} WHERE tenant = $1 AND type = $2 AND id = $3 ${mode}`, [ctx.tenant, type.name, id]))
    .rows as Row[];
  const row = rows[0];
  if (!row) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 60))} not found`);
  const current = Number(row.version);
  if (ifVersion !== undefined && !isVersion(ifVersion, current))
    throw ScimError.preconditionFailed(`${type.name} ${id} is at version ${versionTag(current)}, not ${ifVersion.slice(0, 40)}`);
  return row;
}

/**
 * Stores a new resource in one statement: its unique keys, its row and its member rows
 * commit together without a transaction round trip (the initial sync of a large tenant is
 * thousands of these in a row).
 */
export async function create(s: StoreState, ctx: StoreContext, type: ResourceType, resource: ScimResource, options: WriteOptions): Promise<ScimResource> {
  const t = s.t;
  const { doc, members } = splitResource(resource);
  const now = new Date().toISOString();
  doc.meta = metaOf(type, now, now, 1);
  const keys = uniqueKeysOf(type, doc);
  // the member rows as stored: first occurrence of each id wins, as ON CONFLICT DO NOTHING keeps it
  const ids = type.coreAttribute('members') ? memberIdsOf(members) : [];
  refuseLate(ctx);
  for (let attempt = 0; ; attempt++) {
    const id = randomUUID();
    doc.id = id;
    // the events go into the same statement: the outcome of a create is known before it
    // runs (its id, meta and member ids), and a refused create takes them down with it;
    // only the member types are the database's, filled into the events' copy by the statement
    const drafts = options.events?.({ stored: ids.length ? { ...doc, members: ids.map((value) => ({ value })) } : doc }) ?? [];
    const typedMembers = `(SELECT coalesce(jsonb_agg(CASE WHEN m.member ? 'type' THEN jsonb_build_object('value', t.id, 'type', m.member->>'type') ELSE jsonb_build_object('value', t.id) END ORDER BY t.ord), '[]'::jsonb)
         FROM unnest($11::text[]) WITH ORDINALITY AS t(id, ord) LEFT JOIN member_rows m ON m.member_id = t.id)`;
    const p = new Params(t);
    p.values.push(ctx.tenant, type.name, id, JSON.stringify(doc), ...lookupColumns(type, doc), now, keys.attrs, keys.values, ids);
    // a type without members (a user) has no member types to fill in: its events' data as drafted
    const events = eventCtes((v) => p.add(v), t, {
      tenant: '$1',
      drafts,
      ctx,
      delivered: options.eventsDelivered ?? false,
      ...(ids.length
        ? {
            data: (d: string) =>
              `CASE WHEN jsonb_typeof(${d}->'resource'->'members') = 'array' THEN jsonb_set(${d}, '{resource,members}', ${typedMembers}) ELSE ${d} END`,
          }
        : {}),
    });
    const folded = p.add(JSON.stringify(foldedDocument(doc)));
    try {
      const r = await membersChecked(ids, () =>
        s.connections.db(ctx).query(
          `WITH unique_keys AS (
             INSERT INTO ${t.unique} (tenant, type, attr, value, id) SELECT $1, $2, k.attr, k.value, $3 FROM unnest($9::text[], $10::text[]) AS k(attr, value)
           ), member_rows AS (
             INSERT INTO ${t.members} (tenant, group_id, member_id, member)
             SELECT $1, $3, t.id, ${memberType(t.resources, '$1')} FROM unnest($11::text[]) WITH ORDINALITY AS t(id, ord) ORDER BY t.ord
             ON CONFLICT DO NOTHING RETURNING member_id, member
           )${events && `, ${events}`}
           INSERT INTO ${t.resources} (tenant, type, id, doc, user_name_ci, external_id, display_name_ci, version, created, last_modified, doc_ci, folded_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, ${folded}, 1)
           RETURNING (SELECT jsonb_object_agg(member_id, member->>'type') FROM member_rows) AS types`,
          p.values,
        ),
      );
      const types = (r.rows[0]?.types ?? null) as Record<string, string> | null;
      // a new id has no memberships yet, so the stored resource is what was written
      if (ids.length) doc.members = ids.map((value) => (types?.[value] ? { value, type: types[value] } : { value }));
      s.statistics.created();
      s.counts.wrote();
      return doc;
    } catch (e) {
      // a deadlock with a concurrent writer of the same keys or counter row: run it again
      if (RETRYABLE_SQLSTATES.has(pgError(e).code ?? '') && attempt < 2) continue;
      if (pgError(e).code !== UNIQUE_VIOLATION) throw scimErrorOf(e) ?? e;
      const taken = await uniquenessError(s, ctx, type, doc, keys);
      if (taken) throw taken;
      if (attempt >= 2) throw e;
      delete doc.members;
    }
  }
}

/**
 * Deletes a resource, its unique keys and every membership it takes part in; each group it
 * leaves gets a new version. Lock order: the groups it is in, then the resource (a member
 * add locks its group, then the member through the foreign key), so the two never deadlock
 * and an add racing the delete either lands before it (and is removed) or fails. Resolves to
 * the groups it left.
 */
export async function deleteResource(s: StoreState, ctx: StoreContext, type: ResourceType, id: string, options: WriteOptions): Promise<GroupRef[]> {
  const t = s.t;
  const left: GroupRef[] = [];
  await inTransaction(
    s.connections,
    async (q) => {
      // a transaction that runs again starts from nothing
      left.length = 0;
      await q.query(
        `SELECT 1 FROM ${t.resources} g WHERE g.tenant = $1 AND g.id IN (SELECT group_id FROM ${t.members} WHERE tenant = $1 AND member_id = $2)
         ORDER BY g.id FOR NO KEY UPDATE OF g`,
        [ctx.tenant, id],
      );
      await lockRow(s, q, ctx, type, id, options.ifVersion, true);
      const now = new Date().toISOString();
      const groups = (
        await q.query(
          `WITH gone AS (DELETE FROM ${t.members} WHERE tenant = $1 AND member_id = $2 RETURNING group_id)
           UPDATE ${t.resources} r SET version = r.version + 1, last_modified = $3::text::timestamptz,
             doc = ${nextDoc('$3::text')}, folded_version = ${NEXT_FOLDED_VERSION}
           WHERE r.tenant = $1 AND r.id IN (SELECT group_id FROM gone) RETURNING r.type, r.id`,
          [ctx.tenant, id, now],
        )
      ).rows;
      for (const g of groups) left.push({ type: g.type as string, id: g.id as string });
      await q.query(`DELETE FROM ${t.members} WHERE tenant = $1 AND group_id = $2`, [ctx.tenant, id]);
      await q.query(`DELETE FROM ${t.unique} WHERE tenant = $1 AND type = $2 AND id = $3`, [ctx.tenant, type.name, id]);
      await q.query(`DELETE FROM ${t.resources} WHERE tenant = $1 AND type = $2 AND id = $3`, [ctx.tenant, type.name, id]);
      await record(s, q, ctx, options, { groups: left });
    },
    ctx,
  );
  s.counts.wrote();
  return left;
}
