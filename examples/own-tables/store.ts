// OwnTablesStore: scimkit's ProvisioningStore over an app's own tables (examples/own-tables/
// migration.ts): SCIM Users are rows of `users`, Groups are `teams` with their members in
// `team_members`. docs/stores.md, "Serve your own tables", walks through it.
import { randomUUID } from 'node:crypto';
import { GROUP_SCHEMA_ID, type ResourceType, ScimError, type ScimResource, USER_SCHEMA_ID } from 'scimkit';
import {
  type AppliedMembers,
  compileFilter,
  decideWrite,
  deltaChangesMembers,
  filterCost,
  filterWorkError,
  type GetOptions,
  type GroupRef,
  isVersion,
  type Member,
  type MemberDelta,
  memberDiff,
  memberIdsOf,
  metaOf,
  type ProvisioningStore,
  planMemberDelta,
  refuseLate,
  type SearchQuery,
  type SearchResult,
  type StoreCapabilities,
  type StoreContext,
  sameMemberOrder,
  selfMemberError,
  storedMember,
  unknownMembersError,
  versionTag,
  type WriteOptions,
} from 'scimkit/store-kit';
import { type TeamColumns, teamAttributes, teamColumns, type UserColumns, userAttributes, userColumns } from './columns.js';
import { type Database, inTransaction, reader, type Sql } from './database.js';
import { isId, narrowing } from './filter-sql.js';

/** What every row has beside its columns: the store's id, version and times. */
interface Stamps {
  id: string;
  scim_version: number;
  created_at: Date | string;
  updated_at: Date | string;
}
type UserRow = UserColumns & Stamps;
type TeamRow = TeamColumns & Stamps;
type Row = UserRow | TeamRow;
type Table = 'users' | 'teams';

/** The unique attributes each table keeps by a unique index (migration.ts). */
const UNIQUE: Record<Table, readonly string[]> = { users: ['userName', 'externalId'], teams: ['displayName', 'externalId'] };

/** Rows read per batch when SQL alone cannot answer a filter and scimkit's evaluator tests them. */
const BATCH = 500;

const iso = (t: Date | string) => new Date(t).toISOString();

/**
 * A {@link ProvisioningStore} over the app's `users`, `teams` and `team_members` tables, on a
 * pg.Pool or PGlite. It filters itself (`capabilities.filter`): the comparisons it maps to
 * columns are SQL (filter-sql.ts), and whatever SQL cannot answer exactly is decided by
 * scimkit's own evaluator (`compileFilter`, the one the engine uses) over the rows SQL
 * selected, within the engine's work budget. It does not sort (the engine sorts, over at most
 * 10,000 resources) and takes member deltas. No outbox, activity log, transaction() or keyset:
 * the engine's defaults stand in (events and the log in memory).
 */
export class OwnTablesStore implements ProvisioningStore {
  readonly capabilities: StoreCapabilities = { filter: true, sort: false, memberDeltas: true };
  readonly #db: Database;
  /** The same database for reads outside a transaction, its errors made SCIM errors. */
  readonly #read: Sql;
  readonly #checked = new WeakSet<ResourceType>();

  constructor(db: Database) {
    this.#db = db;
    this.#read = reader(db);
  }

  /** The table of a resource type: users for the core User schema, teams for Group; no other type has one. */
  #table(type: ResourceType): Table {
    const table = type.schema.id === USER_SCHEMA_ID ? 'users' : type.schema.id === GROUP_SCHEMA_ID ? 'teams' : undefined;
    if (!table) throw ScimError.notImplemented(`${type.name} resources have no table in this app`);
    if (!this.#checked.has(type)) {
      // a store keeps unique what the schema says is unique, or says at once that it cannot
      const unkept = type.uniqueAttributes.filter((a) => !UNIQUE[table].includes(a));
      if (unkept.length > 0) throw new Error(`OwnTablesStore: ${type.name} ${unkept.join(', ')} must be unique, and no unique index of ${table} keeps it so`);
      this.#checked.add(type);
    }
    return table;
  }

  /** The SCIM resources of rows: a user's groups and (with `members`) a team's members, one query each for all rows. */
  async #resources(q: Sql, type: ResourceType, table: Table, rows: Row[], members: boolean): Promise<ScimResource[]> {
    const out = rows.map((row) => ({
      id: row.id,
      ...(table === 'users' ? userAttributes(row as UserRow) : teamAttributes(row as TeamRow)),
      meta: metaOf(type, iso(row.created_at), iso(row.updated_at), row.scim_version),
    }));
    if (out.length === 0) return out;
    const byId = new Map(out.map((r) => [r.id, r as ScimResource]));
    const ids = [...byId.keys()];
    if (table === 'users') {
      const groups = await q.query<{ user_id: string; id: string; name: string }>(
        'SELECT m.user_id, t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ANY($1::uuid[]) ORDER BY t.id',
        [ids],
      );
      for (const g of groups.rows) ((byId.get(g.user_id)!.groups ??= []) as unknown[]).push({ value: g.id, display: g.name, type: 'direct' });
    } else if (members) {
      const list = await q.query<{ team_id: string; user_id: string | null; member_team_id: string | null }>(
        'SELECT team_id, user_id, member_team_id FROM team_members WHERE team_id = ANY($1::uuid[]) ORDER BY team_id, position',
        [ids],
      );
      for (const m of list.rows)
        ((byId.get(m.team_id)!.members ??= []) as Member[]).push(m.user_id ? storedMember(m.user_id, 'User') : storedMember(m.member_team_id!, 'Group'));
    }
    return out;
  }

  /** One resource, or undefined. */
  async get(ctx: StoreContext, type: ResourceType, id: string, options: GetOptions = {}): Promise<ScimResource | undefined> {
    const table = this.#table(type);
    if (!isId(id)) return undefined;
    const { rows } = await this.#read.query<Row>(`SELECT * FROM ${table} WHERE org_id = $1 AND id = $2`, [ctx.tenant, id]);
    return (await this.#resources(this.#read, type, table, rows, options.members ?? true))[0];
  }

  /**
   * A page of matches and their exact count. SQL alone when the filter is all mapped columns
   * (or absent); otherwise the rows SQL narrows to are tested by `compileFilter`, in batches.
   * Unsorted (the engine sorts): in id order, stable between calls.
   */
  async search(ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
    const table = this.#table(type);
    const params: unknown[] = [ctx.tenant];
    const narrowed = q.filter ? narrowing(q.filter, type, table, params) : { sql: 'TRUE', exact: true };
    const where = `t.org_id = $1 AND (${narrowed?.sql ?? 'TRUE'})`;
    const counted = await this.#read.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} t WHERE ${where}`, params);
    const n = counted.rows[0]!.n;
    if (q.filter && !narrowed?.exact) return this.#scan(ctx, type, table, where, params, n, q);
    const page = `LIMIT $${params.length + 1} OFFSET $${params.length + 2}`;
    const rows =
      q.count > 0
        ? (await this.#read.query<Row>(`SELECT t.* FROM ${table} t WHERE ${where} ORDER BY t.id ${page}`, [...params, q.count, q.startIndex - 1])).rows
        : [];
    return { resources: await this.#resources(this.#read, type, table, rows, q.members), totalResults: n };
  }

  /** Tests `candidates` rows with scimkit's evaluator: refused before it starts when the work would pass the budget. */
  async #scan(
    ctx: StoreContext,
    type: ResourceType,
    table: Table,
    where: string,
    params: unknown[],
    candidates: number,
    q: SearchQuery,
  ): Promise<SearchResult> {
    const filter = q.filter!;
    const cost = filterCost(filter, type);
    if (q.maxFilterWork !== undefined && candidates * cost > q.maxFilterWork) throw filterWorkError(cost, candidates, q.maxFilterWork);
    const test = compileFilter(filter, type, { unknownAttributes: q.unknownAttributes ?? 'reject' });
    const resources: ScimResource[] = [];
    let total = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      refuseLate(ctx);
      const next = `SELECT t.* FROM ${table} t WHERE ${where} AND t.id > $${params.length + 1}::uuid ORDER BY t.id LIMIT ${BATCH}`;
      const { rows } = await this.#read.query<Row>(next, [...params, after]);
      // with groups and members: the filter may name them
      for (const r of await this.#resources(this.#read, type, table, rows, true)) {
        if (!test(r)) continue;
        if (total++ < q.startIndex - 1 || resources.length >= q.count) continue;
        if (!q.members) delete r.members;
        resources.push(r);
      }
      if (rows.length < BATCH) return { resources, totalResults: total };
      after = rows[rows.length - 1]!.id;
    }
  }

  /** A new row (and a team's members) with a fresh id, version 1. */
  async create(ctx: StoreContext, type: ResourceType, resource: ScimResource, _options: WriteOptions = {}): Promise<ScimResource> {
    const table = this.#table(type);
    refuseLate(ctx);
    const columns = table === 'users' ? userColumns(resource) : teamColumns(type, resource);
    const id = randomUUID();
    return inTransaction(this.#db, ctx, async (tx) => {
      // members first: each must name a user or team of this org (and stays until this commits)
      const members = table === 'teams' ? await this.#resolve(tx, ctx, memberIdsOf(resource.members as Member[] | undefined), id) : [];
      const [names, values] = assignments(columns);
      const now = new Date().toISOString();
      const rows = await tx.query<Row>(
        `INSERT INTO ${table} (id, org_id, ${names.join(', ')}, scim_version, created_at, updated_at) VALUES ($1, $2, ${values.map((_, i) => `$${i + 3}`).join(', ')}, 1, $${values.length + 3}, $${values.length + 3}) RETURNING *`,
        [id, ctx.tenant, ...values, now],
      );
      await insertMembers(tx, id, members, 0);
      return (await this.#resources(tx, type, table, rows.rows, true))[0]!;
    });
  }

  /**
   * Replaces the attributes (and a team's members: the whole list, or `options.members` as a
   * delta). Under the row's lock: `ifVersion` checked (412), then scimkit's `decideWrite` says
   * whether what a GET returns changes; a write that changes nothing keeps the version and
   * writes nothing, any other moves `scim_version` by one.
   */
  async replace(ctx: StoreContext, type: ResourceType, id: string, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    const table = this.#table(type);
    refuseLate(ctx);
    const delta = table === 'teams' ? options.members : undefined;
    // a members-only write keeps the attributes stored when it runs (member deltas commute)
    const keep = delta !== undefined && options.keepAttributes === true;
    const next = keep ? undefined : table === 'users' ? userColumns(resource) : teamColumns(type, resource);
    const { out, applied } = await inTransaction(this.#db, ctx, async (tx) => {
      // the members a write names are locked before the team, as a delete of one locks it before its teams
      const named = table === 'teams' ? memberIdsOf((delta ? delta.added : resource.members) as Member[] | undefined) : [];
      const resolved = new Map((await this.#resolve(tx, ctx, named, id)).map((m) => [m.value, m]));
      const row = await this.#lock(tx, ctx, type, table, id, options.ifVersion, 'FOR NO KEY UPDATE');
      // what a GET returns, of the row and of the write, compared as scimkit's version rule says
      const attributes = (r: Row | UserColumns | TeamColumns) => (table === 'users' ? userAttributes(r as UserColumns) : teamAttributes(r as TeamColumns));
      const members = table === 'teams' ? await planMembers(tx, id, resolved, delta, resource.members) : undefined;
      const now = new Date().toISOString();
      const decision = decideWrite({ resource: attributes(row), version: row.scim_version }, next && attributes(next), members?.changed ?? false, now);
      let current = row;
      if (decision.changed) {
        const [names, values] = assignments(next ?? {});
        const sets = names.map((c, i) => `${c} = $${i + 3}`).concat(`scim_version = $${values.length + 3}`, `updated_at = $${values.length + 4}`);
        const rows = await tx.query<Row>(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1 AND org_id = $2 RETURNING *`, [
          id,
          ctx.tenant,
          ...values,
          decision.version,
          now,
        ]);
        current = rows.rows[0]!;
        if (members?.changed) await members.apply();
      }
      const [out] = await this.#resources(tx, type, table, [current], delta === undefined);
      return { out: out!, applied: members?.applied };
    });
    if (delta && applied) options.onMembersApplied?.(applied);
    return out;
  }

  /** Deletes the row; the teams it was a member of lose it, each with a new version. */
  async delete(ctx: StoreContext, type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    const table = this.#table(type);
    refuseLate(ctx);
    const left = await inTransaction(this.#db, ctx, async (tx) => {
      // FOR UPDATE: a concurrent write adding it as a member (FOR KEY SHARE) is waited for, and then seen
      await this.#lock(tx, ctx, type, table, id, options.ifVersion, 'FOR UPDATE');
      const member = table === 'users' ? 'user_id' : 'member_team_id';
      const teams = await tx.query<{ id: string }>(
        `UPDATE teams SET scim_version = scim_version + 1, updated_at = $2 WHERE id IN (SELECT team_id FROM team_members WHERE ${member} = $1) RETURNING id`,
        [id, new Date().toISOString()],
      );
      // its memberships go with it (ON DELETE CASCADE), and a team's own member rows too
      await tx.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
      return teams.rows.map((t): GroupRef => ({ type: 'Group', id: t.id }));
    });
    options.onMembershipsRemoved?.(left);
  }

  /** The row, locked for this write: 404 when the org has no such resource, 412 when `ifVersion` does not name its version. */
  async #lock(tx: Sql, ctx: StoreContext, type: ResourceType, table: Table, id: string, ifVersion: string | undefined, lock: string): Promise<Row> {
    const [row] = isId(id) ? (await tx.query<Row>(`SELECT * FROM ${table} WHERE org_id = $1 AND id = $2 ${lock}`, [ctx.tenant, id])).rows : [];
    if (!row) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 60))} not found`);
    if (ifVersion !== undefined && !isVersion(ifVersion, row.scim_version))
      throw ScimError.preconditionFailed(`${type.name} ${id} is at version ${versionTag(row.scim_version)}, not ${ifVersion.slice(0, 40)}`);
    return row;
  }

  /**
   * The stored members for ids: each must name a user or team of the org (400 naming those that
   * do not), and a team not itself. FOR KEY SHARE holds them until the write commits: a delete
   * of one waits, then sees the membership and takes it away with it.
   */
  async #resolve(tx: Sql, ctx: StoreContext, ids: string[], self: string): Promise<Member[]> {
    if (ids.includes(self)) throw selfMemberError(self);
    const valid = ids.filter(isId);
    const kinds = new Map<string, string>();
    if (valid.length > 0) {
      for (const [table, kind] of [
        ['users', 'User'],
        ['teams', 'Group'],
      ] as const) {
        const found = await tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE org_id = $1 AND id = ANY($2::uuid[]) FOR KEY SHARE`, [ctx.tenant, valid]);
        for (const r of found.rows) kinds.set(r.id, kind);
      }
    }
    const unknown = ids.filter((i) => !kinds.has(i));
    if (unknown.length > 0) throw unknownMembersError(unknown);
    return ids.map((i) => storedMember(i, kinds.get(i)!));
  }
}

/** The column names and values of a write (`scim_extra` as JSON text, which PostgreSQL reads as jsonb). */
function assignments(columns: Partial<UserColumns> | Partial<TeamColumns>): [string[], unknown[]] {
  const names = Object.keys(columns);
  const values = names.map((k) => (k === 'scim_extra' ? JSON.stringify(columns[k as keyof typeof columns]) : columns[k as keyof typeof columns]));
  return [names, values];
}

/** What a write does to a team's members: what it adds and removes, whether a GET sees a change, and how to apply it. */
interface MemberPlan {
  applied: AppliedMembers;
  changed: boolean;
  apply(): Promise<void>;
}

/**
 * Plans a team's members after a write: a delta against the current rows (scimkit's
 * `planMemberDelta`) or a whole list (`memberDiff`), the order a client gave included.
 */
async function planMembers(tx: Sql, teamId: string, resolved: Map<string, Member>, delta: MemberDelta | undefined, list: unknown): Promise<MemberPlan> {
  const rows = await tx.query<{ user_id: string | null; member_team_id: string | null }>(
    'SELECT user_id, member_team_id FROM team_members WHERE team_id = $1 ORDER BY position',
    [teamId],
  );
  const current = rows.rows.map((r) => (r.user_id ? storedMember(r.user_id, 'User') : storedMember(r.member_team_id!, 'Group')));
  const currentIds = current.map((m) => m.value);
  const byId = new Map([...current.map((m): [string, Member] => [m.value, m]), ...resolved]);
  const rewrite = (ids: string[]) => async () => {
    await tx.query('DELETE FROM team_members WHERE team_id = $1', [teamId]);
    await insertMembers(
      tx,
      teamId,
      ids.map((i) => byId.get(i)!),
      0,
    );
  };
  if (!delta) {
    const ids = memberIdsOf(list as Member[] | undefined);
    const applied = memberDiff(current, list);
    return { applied, changed: !sameMemberOrder(currentIds, ids), apply: rewrite(ids) };
  }
  const applied = planMemberDelta(new Set(currentIds), delta);
  const changed = deltaChangesMembers(applied, delta, currentIds);
  if (delta.removeAll) return { applied, changed, apply: rewrite(memberIdsOf(delta.added)) };
  return {
    applied,
    changed,
    apply: async () => {
      if (applied.removed.length > 0)
        await tx.query('DELETE FROM team_members WHERE team_id = $1 AND (user_id = ANY($2::uuid[]) OR member_team_id = ANY($2::uuid[]))', [
          teamId,
          applied.removed,
        ]);
      const end = await tx.query<{ n: number }>('SELECT coalesce(max(position) + 1, 0)::int AS n FROM team_members WHERE team_id = $1', [teamId]);
      await insertMembers(
        tx,
        teamId,
        applied.added.map((i) => byId.get(i)!),
        end.rows[0]!.n,
      );
    },
  };
}

/** Inserts members of a team from position `from` on, in their order. */
async function insertMembers(tx: Sql, teamId: string, members: Member[], from: number): Promise<void> {
  if (members.length === 0) return;
  await tx.query(
    `INSERT INTO team_members (team_id, user_id, member_team_id, position)
     SELECT $1, CASE WHEN x.kind = 'User' THEN x.id END, CASE WHEN x.kind = 'Group' THEN x.id END, $4 + x.n - 1
     FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS x(id, kind, n)`,
    [teamId, members.map((m) => m.value), members.map((m) => m.type), from],
  );
}
