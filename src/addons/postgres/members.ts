/**
 * Group membership: one row per member (tenant, group, member), indexed both ways, each
 * stored with the type of what it names; a foreign key refuses a member that names nothing
 * (the 400 naming it). A group's members are read in the order they joined; a user's groups
 * with the group's displayName.
 * @module
 */
import { type AppliedMembers, type Member, type MemberDelta, memberIdsOf, type StoreContext, unknownMembersError } from 'scimkit/store-kit';
import { FOREIGN_KEY_VIOLATION, pgError } from './errors.js';
import { GROUP_PAIRS, type GroupPairs } from './rows.js';
import type { SqlQueryable } from './sql.js';
import type { StoreState } from './state.js';

/**
 * The stored form of a member row for the id `t.id` in the tenant `tenant` (a placeholder):
 * the type of what it names (docs/stores.md), in the resources table `resources`. A correlated
 * look-up by the (tenant, id) key, not a join: the planner, guessing 10 rows for an unnest,
 * joined 100,000 member ids to a whole tenant's rows (minutes for one group create in the benchmark).
 */
export const memberType = (resources: string, tenant: string) =>
  `COALESCE((SELECT jsonb_build_object('type', u.type) FROM ${resources} u WHERE u.tenant = ${tenant} AND u.id = t.id), '{}'::jsonb)`;

/**
 * Runs a statement that writes member rows; a foreign key violation becomes the 400 naming
 * the unknown id PostgreSQL reports (read from the error: the transaction may be aborted).
 */
export async function membersChecked<T>(ids: readonly string[], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (pgError(e).code !== FOREIGN_KEY_VIOLATION) throw e;
    const named = /=\([^,]*, (.*)\) is not present/.exec(pgError(e).detail ?? '')?.[1];
    throw unknownMembersError(named !== undefined && ids.includes(named) ? [named] : [...ids]);
  }
}

/**
 * Inserts member rows for ids (each stored as the type of what it names); returns the ids
 * that joined. The foreign key on (tenant, member_id) refuses ids that name nothing, and
 * its check locks each named row, so a concurrent delete of it waits or makes this fail.
 */
export async function insertMembers(s: StoreState, q: SqlQueryable, ctx: StoreContext, groupId: string, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const r = await membersChecked(ids, () =>
    q.query(
      `INSERT INTO ${s.t.members} (tenant, group_id, member_id, member)
       SELECT $1, $2, t.id, ${memberType(s.t.resources, '$1')} FROM unnest($3::text[]) WITH ORDINALITY AS t(id, ord) ORDER BY t.ord
       ON CONFLICT DO NOTHING RETURNING member_id`,
      [ctx.tenant, groupId, ids],
    ),
  );
  return r.rows.map((row) => row.member_id as string);
}

/** Applies a member delta to the group `groupId` on `q`: the ids that joined and those that left. */
export async function applyDelta(s: StoreState, q: SqlQueryable, ctx: StoreContext, groupId: string, delta: MemberDelta): Promise<AppliedMembers> {
  const ids = (rows: Record<string, unknown>[]) => rows.map((r) => r.member_id as string);
  const before = delta.removeAll
    ? new Set(ids((await q.query(`DELETE FROM ${s.t.members} WHERE tenant = $1 AND group_id = $2 RETURNING member_id`, [ctx.tenant, groupId])).rows))
    : undefined;
  const removed = delta.removed.length
    ? ids(
        (
          await q.query(`DELETE FROM ${s.t.members} WHERE tenant = $1 AND group_id = $2 AND member_id = ANY($3) RETURNING member_id`, [
            ctx.tenant,
            groupId,
            delta.removed,
          ])
        ).rows,
      )
    : [];
  const inserted = await insertMembers(s, q, ctx, groupId, memberIdsOf(delta.added));
  if (!before) return { added: inserted, removed };
  // after a removeAll, the members that were not added back are the ones that left
  const now = new Set(inserted);
  const kept = new Set(memberIdsOf(delta.added));
  return { added: inserted.filter((id) => !before.has(id)), removed: [...removed, ...[...before].filter((id) => !now.has(id) && !kept.has(id))] };
}

/** The members of each of the groups `groupIds`, in the order they joined. */
export async function membersOf(s: StoreState, q: SqlQueryable, ctx: StoreContext, groupIds: string[]): Promise<Map<string, Member[]>> {
  const out = new Map<string, Member[]>();
  if (!groupIds.length) return out;
  const rows = (
    await q.query(`SELECT group_id, member_id, member FROM ${s.t.members} WHERE tenant = $1 AND group_id = ANY($2) ORDER BY seq`, [ctx.tenant, groupIds])
  ).rows;
  for (const r of rows) {
    const list = out.get(r.group_id as string) ?? [];
    list.push({ ...(r.member as object), value: r.member_id as string } as Member);
    out.set(r.group_id as string, list);
  }
  return out;
}

/** The groups of each of the resources `memberIds`, as {@link GroupPairs}. */
export async function groupsOf(s: StoreState, q: SqlQueryable, ctx: StoreContext, memberIds: string[]): Promise<Map<string, GroupPairs>> {
  const out = new Map<string, GroupPairs>();
  if (!memberIds.length) return out;
  const rows = (
    await q.query(
      `SELECT m.member_id, ${GROUP_PAIRS} AS groups FROM ${s.t.members} m LEFT JOIN ${s.t.resources} g ON g.tenant = m.tenant AND g.id = m.group_id
       WHERE m.tenant = $1 AND m.member_id = ANY($2) GROUP BY m.member_id`,
      [ctx.tenant, memberIds],
    )
  ).rows;
  for (const r of rows) out.set(r.member_id as string, r.groups as GroupPairs);
  return out;
}
