/**
 * `scimkit/postgres`: the production store. Resources are JSONB documents keyed by
 * tenant with indexed columns for the look-ups IdPs make; uniqueness lives in its own
 * table under a primary key (atomic across app instances); group membership is one row
 * per member, indexed both ways.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import {
  type AppliedMembers,
  type Filter,
  type Member,
  type MemberDelta,
  type ProvisioningStore,
  type ResourceType,
  ScimError,
  type ScimResource,
  type SearchQuery,
  type SearchResult,
  type StoreCapabilities,
  type StoreContext,
  versionTag,
  type WriteOptions,
} from 'scimkit';
import { MIGRATIONS } from './migrations.js';
import { filterToSql, keysetToSql, Params, sortKey, sortToSql } from './sql-filter.js';

/** What a query returns. */
export interface SqlResult {
  /** The rows, as objects keyed by column name. */
  rows: Record<string, unknown>[];
}

/** Anything with pg's `query` (a `pg.Pool`, a `pg.Client`, PGlite). */
export interface SqlQueryable {
  /** Runs one statement with parameters. */
  query(text: string, params?: unknown[]): Promise<SqlResult>;
}

/** A client checked out of a pool for one transaction. */
export interface SqlClient extends SqlQueryable {
  /** Returns the client to its pool. */
  release(): void;
}

/** A pool: `connect()` for a dedicated client (pg), or `transaction()` (PGlite). */
export interface SqlPool extends SqlQueryable {
  /** pg.Pool: a client for one transaction. */
  connect?(): Promise<SqlClient>;
  /** PGlite: runs `fn` in a transaction. */
  transaction?<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

/** A user's groups as [group id, displayName] pairs in membership order. */
type GroupPairs = [string, string | null][];
type Row = { id: string; doc: ScimResource; version: string | number; groups?: GroupPairs | null };

/** Aggregates membership rows `m` joined to their groups `g` into {@link GroupPairs}. */
const GROUP_PAIRS = "jsonb_agg(jsonb_build_array(m.group_id, g.doc->>'displayName') ORDER BY m.seq)";
/** The `meta.version` of the row `r` after an update, as jsonb: `versionTag(version + 1)` in SQL. */
const NEXT_VERSION_TAG = `to_jsonb('W/"' || (r.version + 1) || '"')`;
/** A select-list column with the {@link GroupPairs} of the resource `r` (NULL in no group). */
const GROUPS_OF_R = `(SELECT ${GROUP_PAIRS} FROM scim_members m LEFT JOIN scim_resources g ON g.tenant = m.tenant AND g.id = m.group_id WHERE m.tenant = r.tenant AND m.member_id = r.id) AS groups`;

/** Member rows as two parallel arrays for `unnest`: the ids, and each member's other attributes as JSON. */
function memberColumns(members: Iterable<Member>): [string[], string[]] {
  const ids: string[] = [];
  const extras: string[] = [];
  for (const { value, ...rest } of members) {
    ids.push(value);
    extras.push(JSON.stringify(rest));
  }
  return [ids, extras];
}

/** The 409 for a unique attribute whose value another resource holds. */
function takenError(attr: string, doc: ScimResource): ScimError {
  return ScimError.uniqueness(`${attr} ${JSON.stringify(String(doc[attr]).slice(0, 60))} is already taken`);
}

function pgError(e: unknown): { code?: string } {
  return (e ?? {}) as { code?: string };
}

/** The PostgreSQL store. Run `migrate()` once at start-up. */
export class PostgresStore implements ProvisioningStore {
  /** Filters, sorts and takes member deltas in SQL. */
  readonly capabilities: StoreCapabilities = { filter: true, sort: true, memberDeltas: true, keyset: true };
  readonly #db: SqlPool;

  /** A store over a pool (or anything with pg's `query`). */
  constructor(db: SqlPool) {
    this.#db = db;
  }

  /** Applies the shipped migrations that have not run yet (idempotent; safe from several instances). */
  async migrate(): Promise<void> {
    await this.#tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock(7366229)');
      await q.query('CREATE TABLE IF NOT EXISTS scim_migrations (id integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await q.query('SELECT id FROM scim_migrations')).rows.map((r) => Number(r.id)));
      for (const m of MIGRATIONS) {
        if (done.has(m.id)) continue;
        for (const stmt of m.sql
          .split(';')
          .map((s) => s.trim())
          .filter(Boolean))
          await q.query(stmt);
        await q.query('INSERT INTO scim_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      }
    });
  }

  async #tx<T>(fn: (q: SqlQueryable) => Promise<T>): Promise<T> {
    const db = this.#db;
    if (db.connect) {
      const c = await db.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    }
    if (db.transaction) return db.transaction(fn);
    return fn(db);
  }

  /** Runs `fn` so that its store calls commit together (Bulk uses it per operation). */
  async transaction<T>(_ctx: StoreContext, fn: () => Promise<T>): Promise<T> {
    // each write below is already its own transaction; Bulk operations are single writes
    return fn();
  }

  #columns(type: ResourceType, doc: ScimResource): [string | null, string | null, string | null] {
    const s = (v: unknown) => (typeof v === 'string' ? v : null);
    const userName = type.coreAttribute('userName') ? s(doc.userName) : null;
    const displayName = type.coreAttribute('displayName') ? s(doc.displayName) : null;
    return [userName?.toLowerCase() ?? null, s(doc.externalId), displayName?.toLowerCase() ?? null];
  }

  /** The unique keys a document claims: attribute names and their stored values. */
  #uniqueKeys(type: ResourceType, doc: ScimResource): { attrs: string[]; values: string[] } {
    const attrs: string[] = [];
    const values: string[] = [];
    for (const attr of type.uniqueAttributes) {
      const v = doc[attr];
      if (typeof v !== 'string') continue;
      attrs.push(attr);
      values.push((type.coreAttribute(attr)?.caseExact ?? false) ? v : v.toLowerCase());
    }
    return { attrs, values };
  }

  /** After a unique violation: which of the document's keys is taken, as the SCIM error to answer with. */
  async #uniquenessError(
    ctx: StoreContext,
    type: ResourceType,
    doc: ScimResource,
    keys: { attrs: string[]; values: string[] },
  ): Promise<ScimError | undefined> {
    const taken = new Set(
      (
        await this.#db.query(
          'SELECT attr FROM scim_unique WHERE tenant = $1 AND type = $2 AND (attr, value) IN (SELECT * FROM unnest($3::text[], $4::text[]))',
          [ctx.tenant, type.name, keys.attrs, keys.values],
        )
      ).rows.map((r) => r.attr as string),
    );
    const attr = keys.attrs.find((a) => taken.has(a));
    return attr === undefined ? undefined : takenError(attr, doc);
  }

  async #claimUnique(q: SqlQueryable, ctx: StoreContext, type: ResourceType, id: string, doc: ScimResource): Promise<void> {
    await q.query('DELETE FROM scim_unique WHERE tenant = $1 AND type = $2 AND id = $3', [ctx.tenant, type.name, id]);
    const { attrs, values } = this.#uniqueKeys(type, doc);
    for (let i = 0; i < attrs.length; i++) {
      try {
        await q.query('INSERT INTO scim_unique (tenant, type, attr, value, id) VALUES ($1, $2, $3, $4, $5)', [ctx.tenant, type.name, attrs[i], values[i], id]);
      } catch (e) {
        if (pgError(e).code === '23505') throw takenError(attrs[i]!, doc);
        throw e;
      }
    }
  }

  async #membersOf(q: SqlQueryable, ctx: StoreContext, groupIds: string[]): Promise<Map<string, Member[]>> {
    const out = new Map<string, Member[]>();
    if (!groupIds.length) return out;
    const rows = (
      await q.query('SELECT group_id, member_id, member FROM scim_members WHERE tenant = $1 AND group_id = ANY($2) ORDER BY seq', [ctx.tenant, groupIds])
    ).rows;
    for (const r of rows) {
      const list = out.get(r.group_id as string) ?? [];
      list.push({ ...(r.member as object), value: r.member_id as string } as Member);
      out.set(r.group_id as string, list);
    }
    return out;
  }

  /** A derived `groups` attribute is asked for by type: users have one, groups do not. */
  #hasGroups(type: ResourceType): boolean {
    return type.coreAttribute('groups')?.mutability === 'readOnly';
  }

  async #groupsOf(q: SqlQueryable, ctx: StoreContext, memberIds: string[]): Promise<Map<string, GroupPairs>> {
    const out = new Map<string, GroupPairs>();
    if (!memberIds.length) return out;
    const rows = (
      await q.query(
        `SELECT m.member_id, ${GROUP_PAIRS} AS groups FROM scim_members m LEFT JOIN scim_resources g ON g.tenant = m.tenant AND g.id = m.group_id
         WHERE m.tenant = $1 AND m.member_id = ANY($2) GROUP BY m.member_id`,
        [ctx.tenant, memberIds],
      )
    ).rows;
    for (const r of rows) out.set(r.member_id as string, r.groups as GroupPairs);
    return out;
  }

  async #materialise(q: SqlQueryable, ctx: StoreContext, type: ResourceType, rows: Row[], withMembers: boolean): Promise<ScimResource[]> {
    const ids = rows.map((r) => r.id);
    const members = withMembers && type.coreAttribute('members') ? await this.#membersOf(q, ctx, ids) : undefined;
    // a row read by get() brings its groups along; a page asks for them in one query
    const groups = this.#hasGroups(type) && rows.some((r) => r.groups === undefined) ? await this.#groupsOf(q, ctx, ids) : undefined;
    return rows.map((r) => {
      const doc: ScimResource = { ...r.doc };
      const m = members?.get(r.id);
      if (m?.length) doc.members = m;
      const g = r.groups ?? groups?.get(r.id);
      if (g?.length) doc.groups = g.map(([value, display]) => (display === null ? { value, type: 'direct' } : { value, display, type: 'direct' }));
      return doc;
    });
  }

  /** One resource, in one query (with a user's groups). */
  async get(ctx: StoreContext, type: ResourceType, id: string, options: { members?: boolean } = {}): Promise<ScimResource | undefined> {
    const groups = this.#hasGroups(type) ? `, ${GROUPS_OF_R}` : '';
    const rows = (
      await this.#db.query(`SELECT r.id, r.doc, r.version${groups} FROM scim_resources r WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3`, [
        ctx.tenant,
        type.name,
        id,
      ])
    ).rows as Row[];
    if (!rows.length) return undefined;
    return (await this.#materialise(this.#db, ctx, type, rows, options.members ?? true))[0];
  }

  /** The SQL of a search's WHERE clause and parameters. */
  where(ctx: StoreContext, type: ResourceType, filter: Filter | undefined, p: Params): string {
    const tenant = p.add(ctx.tenant);
    const base = `r.tenant = ${tenant} AND r.type = ${p.add(type.name)}`;
    return filter ? `${base} AND ${filterToSql(filter, type, p, tenant)}` : base;
  }

  /** A page, filtered and sorted in SQL, with the exact total; by keyset after `q.after`, else by offset. */
  async search(ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
    const p = new Params();
    const where = this.where(ctx, type, q.filter, p);
    const count = async () =>
      Number((await this.#db.query(`SELECT count(*)::int AS n FROM scim_resources r WHERE ${where}`, p.values.slice(0, whereParams))).rows[0]?.n ?? 0);
    const whereParams = p.values.length;
    if (q.count <= 0) return { resources: [], totalResults: await count() };
    const desc = q.sort?.order === 'descending';
    const key = q.sort ? sortKey(q.sort.path, type) : undefined;
    const order = q.sort ? sortToSql(q.sort.path, type, desc) : 'r.seq';
    let keyset = '';
    if (q.after !== undefined) {
      let pos: unknown;
      try {
        pos = JSON.parse(q.after);
      } catch {
        pos = undefined;
      }
      if (!Array.isArray(pos) || (key ? pos.length !== 2 || typeof pos[1] !== 'string' : typeof pos[0] !== 'string'))
        throw ScimError.invalidCursor('The cursor is not valid');
      keyset = key ? ` AND ${keysetToSql(key, desc, pos as [unknown, string], p)}` : ` AND r.seq > ${p.add(pos[0])}::bigint`;
    }
    const limit = p.add(q.count);
    const offset = q.after === undefined ? ` OFFSET ${p.add(Math.max(q.startIndex, 1) - 1)}` : '';
    const rows = (
      await this.#db.query(
        `SELECT r.id, r.doc, r.version, r.seq::text AS seq, ${key ? `${key.expr} AS sort_key, ` : ''}count(*) OVER ()::int AS total
         FROM scim_resources r WHERE ${where}${keyset} ORDER BY ${order} LIMIT ${limit}${offset}`,
        p.values,
      )
    ).rows as (Row & { total: number; seq: string; sort_key?: unknown })[];
    // with a keyset the window count covers only the rows after it, and an empty page past the
    // end has no row to carry it: those totals are counted apart. An empty first page is a total
    // of 0 without asking again (the miss of an IdP's look-up before a create).
    const firstPage = q.after === undefined && q.startIndex <= 1;
    const total = q.after === undefined && rows[0] ? Number(rows[0].total) : firstPage ? 0 : await count();
    const last = rows[rows.length - 1];
    const result: SearchResult = { resources: await this.#materialise(this.#db, ctx, type, rows, q.members), totalResults: total };
    if (last) result.next = JSON.stringify(key ? [last.sort_key instanceof Date ? last.sort_key.toISOString() : (last.sort_key ?? null), last.id] : [last.seq]);
    return result;
  }

  #split(resource: ScimResource): { doc: ScimResource; members: Member[] | undefined } {
    const doc: ScimResource = { ...resource };
    const members = doc.members as Member[] | undefined;
    delete doc.members;
    delete doc.groups;
    delete doc.password;
    return { doc, members };
  }

  async #insertMembers(q: SqlQueryable, ctx: StoreContext, groupId: string, members: readonly Member[]): Promise<string[]> {
    if (!members.length) return [];
    const [ids, extras] = memberColumns(members);
    const r = await q.query(
      `INSERT INTO scim_members (tenant, group_id, member_id, member)
       SELECT $1, $2, t.id, t.m::jsonb FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(id, m, ord) ORDER BY t.ord
       ON CONFLICT DO NOTHING RETURNING member_id`,
      [ctx.tenant, groupId, ids, extras],
    );
    return r.rows.map((row) => row.member_id as string);
  }

  /**
   * Stores a new resource in one statement: its unique keys, its row and its member rows
   * commit together without a transaction round trip (the initial sync of a large tenant is
   * thousands of these in a row).
   */
  async create(ctx: StoreContext, type: ResourceType, resource: ScimResource): Promise<ScimResource> {
    const { doc, members } = this.#split(resource);
    const now = new Date().toISOString();
    doc.meta = { resourceType: type.name, created: now, lastModified: now, version: versionTag(1) };
    const keys = this.#uniqueKeys(type, doc);
    // the member rows as stored: first occurrence of each id wins, as ON CONFLICT DO NOTHING keeps it
    const stored = new Map<string, Member>();
    if (type.coreAttribute('members')) for (const m of members ?? []) if (!stored.has(m.value)) stored.set(m.value, m);
    for (let attempt = 0; ; attempt++) {
      const id = randomUUID();
      doc.id = id;
      try {
        await this.#db.query(
          `WITH unique_keys AS (
             INSERT INTO scim_unique (tenant, type, attr, value, id) SELECT $1, $2, k.attr, k.value, $3 FROM unnest($9::text[], $10::text[]) AS k(attr, value)
           ), member_rows AS (
             INSERT INTO scim_members (tenant, group_id, member_id, member)
             SELECT $1, $3, t.id, t.m::jsonb FROM unnest($11::text[], $12::text[]) WITH ORDINALITY AS t(id, m, ord) ORDER BY t.ord
             ON CONFLICT DO NOTHING
           )
           INSERT INTO scim_resources (tenant, type, id, doc, user_name_ci, external_id, display_name_ci, version, created, last_modified)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)`,
          [ctx.tenant, type.name, id, JSON.stringify(doc), ...this.#columns(type, doc), now, keys.attrs, keys.values, ...memberColumns(stored.values())],
        );
      } catch (e) {
        if (pgError(e).code !== '23505') throw e;
        const taken = await this.#uniquenessError(ctx, type, doc, keys);
        if (taken) throw taken;
        if (attempt >= 2) throw e;
        continue; // the key that collided was released meanwhile: try again
      }
      // a new id has no memberships yet, so the stored resource is what was written
      if (stored.size) doc.members = [...stored.values()].map((m) => ({ ...m }));
      return doc;
    }
  }

  async #lock(q: SqlQueryable, ctx: StoreContext, type: ResourceType, id: string, ifVersion: string | undefined): Promise<Row> {
    const rows = (
      await q.query('SELECT id, doc, version FROM scim_resources WHERE tenant = $1 AND type = $2 AND id = $3 FOR UPDATE', [ctx.tenant, type.name, id])
    ).rows as Row[];
    const row = rows[0];
    if (!row) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 60))} not found`);
    const current = versionTag(Number(row.version));
    if (ifVersion !== undefined && ifVersion !== '*' && ifVersion !== current)
      throw ScimError.preconditionFailed(`${type.name} ${id} is at version ${current}, not ${ifVersion}`);
    return row;
  }

  async #applyDelta(q: SqlQueryable, ctx: StoreContext, groupId: string, delta: MemberDelta): Promise<AppliedMembers> {
    const ids = (rows: Record<string, unknown>[]) => rows.map((r) => r.member_id as string);
    const before = delta.removeAll
      ? new Set(ids((await q.query('DELETE FROM scim_members WHERE tenant = $1 AND group_id = $2 RETURNING member_id', [ctx.tenant, groupId])).rows))
      : undefined;
    const removed = delta.removed.length
      ? ids(
          (
            await q.query('DELETE FROM scim_members WHERE tenant = $1 AND group_id = $2 AND member_id = ANY($3) RETURNING member_id', [
              ctx.tenant,
              groupId,
              delta.removed,
            ])
          ).rows,
        )
      : [];
    const inserted = await this.#insertMembers(q, ctx, groupId, delta.added);
    if (!before) return { added: inserted, removed };
    // after a removeAll, the members that were not added back are the ones that left
    const now = new Set(inserted);
    return { added: inserted.filter((id) => !before.has(id)), removed: [...removed, ...[...before].filter((id) => !now.has(id))] };
  }

  /**
   * A member delta that leaves the group's attributes as stored, in one statement: bump the
   * version, remove and add member rows. IdPs send these in long runs (Entra ID adds members
   * in batches of a few), and they commute, so there is no version to check. Undefined when
   * it does not apply (the group is missing, or its attributes differ from `doc`).
   */
  async #deltaOnly(
    ctx: StoreContext,
    type: ResourceType,
    id: string,
    doc: ScimResource,
    delta: MemberDelta,
  ): Promise<{ resource: ScimResource; applied: AppliedMembers } | undefined> {
    const now = new Date().toISOString();
    const p = new Params();
    const [tenant, group] = [p.add(ctx.tenant), p.add(id)];
    const stamp = `${p.add(now)}::text`;
    // only the parts the delta needs: with stale statistics (right after a large group was
    // loaded) PostgreSQL planned even an empty removal as a scan of the group's member rows
    const gone = delta.removed.length
      ? `, gone AS (DELETE FROM scim_members m WHERE m.tenant = ${tenant} AND m.group_id = ${group} AND m.member_id = ANY(${p.add(delta.removed)}::text[])
           AND EXISTS (SELECT 1 FROM g) RETURNING m.member_id)`
      : '';
    const [ids, extras] = memberColumns(delta.added);
    const joined = ids.length
      ? `, joined AS (INSERT INTO scim_members (tenant, group_id, member_id, member)
           SELECT ${tenant}, ${group}, t.id, t.m::jsonb FROM unnest(${p.add(ids)}::text[], ${p.add(extras)}::text[]) WITH ORDINALITY AS t(id, m, ord)
           WHERE EXISTS (SELECT 1 FROM g) ORDER BY t.ord ON CONFLICT DO NOTHING RETURNING member_id)`
      : '';
    const rows = (
      await this.#db.query(
        `WITH g AS (
           UPDATE scim_resources r SET version = r.version + 1, last_modified = ${stamp}::timestamptz,
             doc = jsonb_set(jsonb_set(r.doc, '{meta,version}', ${NEXT_VERSION_TAG}), '{meta,lastModified}', to_jsonb(${stamp}))
           WHERE r.tenant = ${tenant} AND r.type = ${p.add(type.name)} AND r.id = ${group} AND (r.doc - 'meta') = (${p.add(JSON.stringify(doc))}::jsonb - 'meta')
           RETURNING r.doc
         )${gone}${joined}
         SELECT g.doc, ${gone ? 'ARRAY(SELECT member_id FROM gone)' : "'{}'::text[]"} AS removed, ${joined ? 'ARRAY(SELECT member_id FROM joined)' : "'{}'::text[]"} AS added FROM g`,
        p.values,
      )
    ).rows;
    const row = rows[0];
    if (!row) return undefined;
    return { resource: row.doc as ScimResource, applied: { added: row.added as string[], removed: row.removed as string[] } };
  }

  /**
   * An update at a known version that keeps the unique keys and the members, in one
   * statement (an IdP's PATCH of a title or of `active`). The version check and the key
   * comparison are in the WHERE clause, so a concurrent writer makes it match nothing.
   * Undefined when it does not apply: the transaction path then answers (404, 412, new keys).
   */
  async #attributesOnly(ctx: StoreContext, type: ResourceType, id: string, doc: ScimResource, version: number): Promise<ScimResource | undefined> {
    const now = new Date().toISOString();
    const keys = this.#uniqueKeys(type, doc);
    const groups = this.#hasGroups(type) ? `, ${GROUPS_OF_R}` : '';
    const rows = (
      await this.#db.query(
        `UPDATE scim_resources r SET version = r.version + 1, last_modified = $8::timestamptz, user_name_ci = $5, external_id = $6, display_name_ci = $7,
           doc = jsonb_set(jsonb_set($4::jsonb, '{meta,created}', coalesce(r.doc->'meta'->'created', to_jsonb($8::text))), '{meta,version}', ${NEXT_VERSION_TAG})
         WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3 AND r.version = $9::bigint
           AND (SELECT coalesce(array_agg(u.attr || ':' || u.value ORDER BY u.attr || ':' || u.value COLLATE "C"), '{}') FROM scim_unique u
                WHERE u.tenant = $1 AND u.type = $2 AND u.id = $3)
             = (SELECT coalesce(array_agg(k ORDER BY k COLLATE "C"), '{}') FROM unnest($10::text[]) k)
         RETURNING r.id, r.doc, r.version${groups}`,
        [
          ctx.tenant,
          type.name,
          id,
          JSON.stringify({ ...doc, id, meta: { resourceType: type.name, created: now, lastModified: now, version: '' } }),
          ...this.#columns(type, doc),
          now,
          version,
          keys.attrs.map((a, i) => `${a}:${keys.values[i]}`),
        ],
      )
    ).rows as Row[];
    if (!rows.length) return undefined;
    return (await this.#materialise(this.#db, ctx, type, rows, false))[0];
  }

  /** Replaces the attributes (and members, or applies a member delta), compare-and-swap on the version. */
  async replace(ctx: StoreContext, type: ResourceType, id: string, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    const { doc, members } = this.#split(resource);
    if (options.members && !options.members.removeAll && options.ifVersion === undefined && type.coreAttribute('members') && !this.#hasGroups(type)) {
      const done = await this.#deltaOnly(ctx, type, id, doc, options.members);
      if (done) {
        options.onMembersApplied?.(done.applied);
        return done.resource;
      }
    }
    const known = /^W\/"(\d+)"$/.exec(options.ifVersion ?? '');
    const keepsMembers =
      !type.coreAttribute('members') || (options.members && !options.members.removeAll && !options.members.added.length && !options.members.removed.length);
    if (known && keepsMembers) {
      const done = await this.#attributesOnly(ctx, type, id, doc, Number(known[1]));
      if (done) {
        if (options.members) options.onMembersApplied?.({ added: [], removed: [] });
        return done;
      }
    }
    let applied: AppliedMembers | undefined;
    await this.#tx(async (q) => {
      const row = await this.#lock(q, ctx, type, id, options.ifVersion);
      const version = Number(row.version) + 1;
      const now = new Date().toISOString();
      doc.id = id;
      doc.meta = { resourceType: type.name, created: row.doc.meta?.created ?? now, lastModified: now, version: versionTag(version) };
      // most updates (a title, active) keep the unique keys: nothing to re-claim
      const [before, after] = [this.#uniqueKeys(type, row.doc), this.#uniqueKeys(type, doc)];
      if (JSON.stringify(before) !== JSON.stringify(after)) await this.#claimUnique(q, ctx, type, id, doc);
      await q.query(
        `UPDATE scim_resources SET doc = $4, user_name_ci = $5, external_id = $6, display_name_ci = $7, version = $8, last_modified = $9
         WHERE tenant = $1 AND type = $2 AND id = $3`,
        [ctx.tenant, type.name, id, JSON.stringify(doc), ...this.#columns(type, doc), version, now],
      );
      if (type.coreAttribute('members')) {
        if (options.members) applied = await this.#applyDelta(q, ctx, id, options.members);
        else {
          await q.query('DELETE FROM scim_members WHERE tenant = $1 AND group_id = $2', [ctx.tenant, id]);
          await this.#insertMembers(q, ctx, id, members ?? []);
        }
      }
    });
    if (applied) options.onMembersApplied?.(applied); // committed
    return (await this.get(ctx, type, id, { members: options.members === undefined }))!;
  }

  /** Deletes a resource, its unique keys and every membership it takes part in. */
  async delete(ctx: StoreContext, type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    await this.#tx(async (q) => {
      await this.#lock(q, ctx, type, id, options.ifVersion);
      await q.query('DELETE FROM scim_resources WHERE tenant = $1 AND type = $2 AND id = $3', [ctx.tenant, type.name, id]);
      await q.query('DELETE FROM scim_unique WHERE tenant = $1 AND type = $2 AND id = $3', [ctx.tenant, type.name, id]);
      await q.query('DELETE FROM scim_members WHERE tenant = $1 AND (group_id = $2 OR member_id = $2)', [ctx.tenant, id]);
    });
  }
}
