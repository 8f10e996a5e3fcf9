/**
 * Replace, by the cheapest of three paths that applies: a member delta that leaves the
 * attributes as stored (one statement, its events included: addons/postgres/member-delta.ts), an update at a known version that keeps the unique
 * keys and the members (one statement), else the general replace in a transaction holding the
 * row's lock (members, attributes, keys). A path that does not apply answers undefined and the
 * next one runs; the general one answers 404 and 412.
 * @module
 */
import type { ResourceType, ScimResource } from 'scimkit';
import {
  type AppliedMembers,
  decideWrite,
  type Member,
  memberIdsOf,
  refuseLate,
  type StoreContext,
  sameMemberOrder,
  selfMemberError,
  versionNamed,
  type WriteOptions,
} from 'scimkit/store-kit';
import { foldedDocument } from './folded.js';
import { deltaOnly, deltaWithEvents, mispredicted, predictEvents } from './member-delta.js';
import { applyDelta, insertMembers } from './members.js';
import { materialise, readResource } from './reads.js';
import { groupsOfR, hasGroups, lookupColumns, NEXT_VERSION_TAG, type Row, splitResource } from './rows.js';
import type { SqlQueryable } from './sql.js';
import type { StoreState } from './state.js';
import { inTransaction } from './transactions.js';
import { claimUnique, uniqueKeysOf } from './unique-keys.js';
import { lockRow, record, writing } from './writes.js';

/** How many times a member delta with events is made again from the group as it is, before a transaction runs it. */
const PREDICTIONS = 2;

/** Replaces the attributes (and members, or applies a member delta), compare-and-swap on the version. */
export async function replace(
  s: StoreState,
  ctx: StoreContext,
  type: ResourceType,
  id: string,
  resource: ScimResource,
  options: WriteOptions,
): Promise<ScimResource> {
  const { doc, members } = splitResource(resource);
  // the foreign key would accept it: the rule is checked here, as MemoryStore does
  if (memberIdsOf(options.members ? options.members.added : members).includes(id)) throw selfMemberError(id);
  const delta = Boolean(options.members && !options.members.removeAll && options.ifVersion === undefined && type.coreAttribute('members') && !hasGroups(type));
  // a member delta with its events: one statement, the events made from the group as read
  // (addons/postgres/member-delta.ts); made again from the group as it is when it changed
  // meanwhile (a bounded number of times), and when some ids moved and others did not, the
  // transaction below runs it
  let tryDelta = delta;
  const write = { ctx, type, id, doc: options.keepAttributes ? undefined : doc, delta: options.members! };
  if (delta && options.events) {
    refuseLate(ctx);
    let read = doc;
    for (let attempt = 0; attempt < PREDICTIONS; attempt++) {
      const now = new Date().toISOString();
      const predicted = predictEvents(read, id, options.members!, now, options);
      if (!predicted) break;
      let done: Awaited<ReturnType<typeof deltaWithEvents>>;
      try {
        done = await deltaWithEvents(s, s.connections.db(ctx), { ...write, now }, predicted);
      } catch (e) {
        if (mispredicted(e)) break;
        throw e;
      }
      // the group is missing or its attributes differ: the general replace answers
      if (!done) {
        tryDelta = false;
        break;
      }
      if ('stale' in done) {
        read = done.stale;
        continue;
      }
      options.onMembersApplied?.(done.applied); // committed
      return done.resource;
    }
  }
  let applied: AppliedMembers | undefined;
  const stored = await writing(s, ctx, options, async (q) => {
    if (tryDelta) {
      const done = await deltaOnly(s, q, { ...write, now: new Date().toISOString() });
      if (done) {
        applied = done.applied;
        await record(s, q, ctx, options, { stored: done.resource, applied });
        return done.resource;
      }
    }
    const known = options.ifVersion === undefined ? undefined : versionNamed(options.ifVersion);
    const keepsMembers =
      !type.coreAttribute('members') || (options.members && !options.members.removeAll && !options.members.added.length && !options.members.removed.length);
    if (known !== undefined && keepsMembers) {
      const done = await attributesOnly(s, q, ctx, type, id, doc, known);
      if (done) {
        if (options.members) applied = { added: [], removed: [] };
        await record(s, q, ctx, options, { stored: done, ...(applied ? { applied } : {}) });
        return done;
      }
    }
    const changed = await inTransaction(s.connections, async (tq) => replaceLocked(s, tq, ctx, type, id, doc, members, options), ctx);
    if (changed.applied) applied = changed.applied;
    // read in the write's transaction when it records events: they describe what committed
    const after = (await readResource(s, options.events ? q : s.connections.db(ctx), ctx, type, id, options.members === undefined))!;
    await record(s, q, ctx, options, { stored: after, ...(applied ? { applied } : {}) });
    return after;
  });
  if (applied) options.onMembersApplied?.(applied); // committed
  return stored;
}

/**
 * An update at a known version that keeps the unique keys and the members, in one
 * statement (an IdP's PATCH of a title or of `active`). The version check and the key
 * comparison are in the WHERE clause, so a concurrent writer makes it match nothing; a
 * document equal to the stored one keeps its version (core/rules/version.ts).
 * Undefined when it does not apply: the transaction path then answers (404, 412, new keys).
 */
async function attributesOnly(
  s: StoreState,
  q: SqlQueryable,
  ctx: StoreContext,
  type: ResourceType,
  id: string,
  doc: ScimResource,
  version: number,
): Promise<ScimResource | undefined> {
  const t = s.t;
  const now = new Date().toISOString();
  const keys = uniqueKeysOf(type, doc);
  const groups = hasGroups(type) ? `, ${groupsOfR(t)}` : '';
  const same = `(r.doc - 'meta') = ($4::jsonb - 'meta')`;
  // $8 is text at every use (see nextDoc): typed timestamptz, its ::text would not be xsd:dateTime
  const rows = (
    await q.query(
      `UPDATE ${t.resources} r SET version = CASE WHEN ${same} THEN r.version ELSE r.version + 1 END,
         last_modified = CASE WHEN ${same} THEN r.last_modified ELSE $8::text::timestamptz END, user_name_ci = $5, external_id = $6, display_name_ci = $7,
         doc_ci = $11, folded_version = CASE WHEN ${same} THEN r.version ELSE r.version + 1 END,
         doc = CASE WHEN ${same} THEN r.doc ELSE jsonb_set(jsonb_set($4::jsonb, '{meta,created}', coalesce(r.doc->'meta'->'created', to_jsonb($8::text))), '{meta,version}', ${NEXT_VERSION_TAG}) END
       WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3 AND r.version = $9::bigint
         AND (SELECT coalesce(array_agg(u.attr || ':' || u.value ORDER BY u.attr || ':' || u.value COLLATE "C"), '{}') FROM ${t.unique} u
              WHERE u.tenant = $1 AND u.type = $2 AND u.id = $3)
           = (SELECT coalesce(array_agg(k ORDER BY k COLLATE "C"), '{}') FROM unnest($10::text[]) k)
       RETURNING r.id, r.doc, r.version${groups}`,
      [
        ctx.tenant,
        type.name,
        id,
        JSON.stringify({ ...doc, id, meta: { resourceType: type.name, created: now, lastModified: now, version: '' } }),
        ...lookupColumns(type, doc),
        now,
        version,
        keys.attrs.map((a, i) => `${a}:${keys.values[i]}`),
        JSON.stringify(foldedDocument(doc)),
      ],
    )
  ).rows as Row[];
  if (!rows.length) return undefined;
  return (await materialise(s, q, ctx, type, rows, false))[0];
}

/** The general replace, on a transaction `q` holding the row's lock: members, attributes, keys. */
async function replaceLocked(
  s: StoreState,
  q: SqlQueryable,
  ctx: StoreContext,
  type: ResourceType,
  id: string,
  doc: ScimResource,
  members: Member[] | undefined,
  options: WriteOptions,
): Promise<{ applied?: AppliedMembers }> {
  const t = s.t;
  const row = await lockRow(s, q, ctx, type, id, options.ifVersion);
  let applied: AppliedMembers | undefined;
  // members only: the attributes stored now stand (see WriteOptions.keepAttributes)
  if (options.keepAttributes && options.members) {
    for (const k of Object.keys(doc)) delete doc[k];
    Object.assign(doc, splitResource(row.doc).doc);
  }
  doc.id = id;
  // members first: whether they changed decides, with the attributes, whether the version moves
  let membersChanged = false;
  if (type.coreAttribute('members')) {
    const currentOrder = async () =>
      (await q.query(`SELECT member_id FROM ${t.members} WHERE tenant = $1 AND group_id = $2 ORDER BY seq`, [ctx.tenant, id])).rows.map(
        (r) => r.member_id as string,
      );
    if (options.members) {
      // a replace of all members takes the request's order: the same members in another order is a change
      const before = options.members.removeAll ? await currentOrder() : undefined;
      applied = await applyDelta(s, q, ctx, id, options.members);
      membersChanged =
        applied.added.length > 0 || applied.removed.length > 0 || (before !== undefined && !sameMemberOrder(before, memberIdsOf(options.members.added)));
    } else {
      const next = memberIdsOf(members);
      if (!sameMemberOrder(await currentOrder(), next)) {
        membersChanged = true;
        await q.query(`DELETE FROM ${t.members} WHERE tenant = $1 AND group_id = $2`, [ctx.tenant, id]);
        await insertMembers(s, q, ctx, id, next);
      }
    }
  }
  // the version decision every store makes (core/rules/version.ts); the one-statement paths above say it in SQL
  const decision = decideWrite({ resource: row.doc, version: Number(row.version) }, doc, membersChanged, new Date().toISOString());
  if (!decision.changed) return applied ? { applied } : {};
  const { version } = decision;
  const now = decision.meta.lastModified as string;
  // a row written before meta was kept whole still gets its resourceType
  doc.meta = { ...decision.meta, resourceType: type.name };
  // most updates (a title, active) keep the unique keys: nothing to re-claim
  const [before, after] = [uniqueKeysOf(type, row.doc), uniqueKeysOf(type, doc)];
  if (JSON.stringify(before) !== JSON.stringify(after)) await claimUnique(s, q, ctx, type, id, doc);
  await q.query(
    `UPDATE ${t.resources} SET doc = $4, user_name_ci = $5, external_id = $6, display_name_ci = $7, version = $8, last_modified = $9,
       doc_ci = $10, folded_version = $8
     WHERE tenant = $1 AND type = $2 AND id = $3`,
    [ctx.tenant, type.name, id, JSON.stringify(doc), ...lookupColumns(type, doc), version, now, JSON.stringify(foldedDocument(doc))],
  );
  return applied ? { applied } : {};
}
