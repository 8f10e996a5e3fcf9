/**
 * Reads: one resource in one query (with a user's groups), and a page filtered and sorted in
 * SQL (addons/postgres/sql-filter.ts) with its exact total, by keyset after a cursor, else by
 * offset; members and groups are read along as rows of their own.
 * @module
 */
import { type ResourceType, ScimError, type ScimResource } from 'scimkit';
import type { Filter, SearchQuery, SearchResult, StoreContext } from 'scimkit/store-kit';
import { countsSql } from './counts.js';
import { groupsOf, membersOf } from './members.js';
import { groupsOfR, hasGroups, type Row } from './rows.js';
import type { SqlQueryable } from './sql.js';
import { anyOf, filterToSql, keysetBranches, orderBy, Params, type SortKey, sortKey, sortToSql } from './sql-filter.js';
import type { StoreState } from './state.js';

/** The resources of `rows` as SCIM resources: with their members when `withMembers`, and a user's groups. */
export async function materialise(
  s: StoreState,
  q: SqlQueryable,
  ctx: StoreContext,
  type: ResourceType,
  rows: Row[],
  withMembers: boolean,
): Promise<ScimResource[]> {
  const ids = rows.map((r) => r.id);
  const members = withMembers && type.coreAttribute('members') ? await membersOf(s, q, ctx, ids) : undefined;
  // a row read by get() brings its groups along; a page asks for them in one query
  const groups = hasGroups(type) && rows.some((r) => r.groups === undefined) ? await groupsOf(s, q, ctx, ids) : undefined;
  return rows.map((r) => {
    const doc: ScimResource = { ...r.doc };
    const m = members?.get(r.id);
    if (m?.length) doc.members = m;
    const g = r.groups ?? groups?.get(r.id);
    if (g?.length) doc.groups = g.map(([value, display]) => (display === null ? { value, type: 'direct' } : { value, display, type: 'direct' }));
    return doc;
  });
}

/** One resource read on `q` (a write's transaction sees its own changes), locked for the transaction when `lock`. */
export async function readResource(
  s: StoreState,
  q: SqlQueryable,
  ctx: StoreContext,
  type: ResourceType,
  id: string,
  members: boolean,
  lock = false,
): Promise<ScimResource | undefined> {
  const groups = hasGroups(type) ? `, ${groupsOfR(s.t)}` : '';
  const rows = (
    await q.query(
      `SELECT r.id, r.doc, r.version${groups} FROM ${s.t.resources} r WHERE r.tenant = $1 AND r.type = $2 AND r.id = $3${lock ? ' FOR NO KEY UPDATE OF r' : ''}`,
      [ctx.tenant, type.name, id],
    )
  ).rows as Row[];
  if (!rows.length) return undefined;
  return (await materialise(s, q, ctx, type, rows, members))[0];
}

/** The SQL of a search's WHERE clause, its parameters added to `p`. */
export function whereOf(ctx: StoreContext, type: ResourceType, filter: Filter | undefined, p: Params): string {
  const tenant = p.add(ctx.tenant);
  const typeName = p.add(type.name);
  if (!filter) return `r.tenant = ${tenant} AND r.type = ${typeName}`;
  const condition = filterToSql(filter, type, p, tenant);
  // An IdP's look-up (userName eq, an e-mail) with the tenant as a value the planner cannot
  // see, and its type too: seen, a tenant (or type) its statistics do not know yet (a new
  // one, a table never analyzed) looks like one row, every (tenant, type, …) index ties, and
  // the planner took the smallest and read the tenant's rows one by one (39 ms at 10,000
  // users for an e-mail, measured; test/addons/postgres/lookup-plan.test.ts). Unseen, they
  // weigh the average, and the column's own index wins.
  if (p.narrowedByIndex) return `r.tenant = (SELECT ${tenant}::text) AND r.type = (SELECT ${typeName}::text) AND ${condition}`;
  return `r.tenant = ${tenant} AND r.type = ${typeName} AND ${condition}`;
}

/** A page, filtered and sorted in SQL, with the exact total; by keyset after `q.after`, else by offset. */
export async function search(s: StoreState, ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
  const db = () => s.connections.db(ctx);
  const p = new Params(s.t);
  if (q.unknownAttributes) p.unknownAttributes = q.unknownAttributes;
  const where = whereOf(ctx, type, q.filter, p);
  const whereParams = p.values.length;
  // An unfiltered list's total is the tenant's resources of the type: the counts of migration
  // 12 (addons/postgres/counts.ts) sum a few rows where counting read them all (148 ms at
  // 1,000,000 users). A filtered one is counted, as only its matches can say.
  const counts = q.filter ? undefined : countsSql(s.t, p.add(ctx.tenant), p.add(type.name));
  const summed = (rows: number) => s.counts.summed(ctx.tenant, type.name, rows);
  const count = async () => {
    if (!counts)
      return Number((await db().query(`SELECT count(*)::int AS n FROM ${s.t.resources} r WHERE ${where}`, p.values.slice(0, whereParams))).rows[0]?.n ?? 0);
    const alone = countsSql(s.t, '$1', '$2');
    const row = (await db().query(`SELECT ${alone.total} AS n, ${alone.rows} AS rows`, [ctx.tenant, type.name])).rows[0];
    summed(Number(row?.rows ?? 0));
    return Number(row?.n ?? 0);
  };
  if (q.count <= 0) return { resources: [], totalResults: await count() };
  const desc = q.sort?.order === 'descending';
  const key = q.sort ? sortKey(q.sort.path, type) : undefined;
  const order = q.sort ? sortToSql(q.sort.path, type, desc) : 'r.seq';
  const branches = q.after === undefined ? [] : cursorBranches(q.after, key, desc, p);
  const keyset = branches.length ? ` AND ${anyOf(branches)}` : '';
  const limit = p.add(q.count);
  const offset = q.after === undefined ? ` OFFSET ${p.add(Math.max(q.startIndex, 1) - 1)}` : '';
  const sortKeyColumn = key ? `${key.expr} AS sort_key, ` : '';
  // A look-up an index narrows reads its few rows whole. Any other page sorts its matches as
  // narrow rows and reads the documents of the page alone: carried whole through the count's
  // window, 14,285 matches of a co filter over 100,000 users spilled ~20 MB to a temporary file
  // (74 ms; bench/RESULTS.md, "substring"). The narrow rows hold only what an index holds, so
  // an unfiltered page (no window count) is an index-only walk that stops at the page: sorted
  // by userName, the index of migration 12 (tenant, type, key, id); unsorted, (tenant, type,
  // seq), its rows found again by seq (carrying the id read each row skipped: 688 → 131 ms for
  // startIndex 900,001 of 1,000,000 users, the unsorted way Okta's import pages).
  const narrow = ['r.tenant', 'r.type', ...(key ? ['r.id', `${key.expr} AS sort_key`] : ['r.seq']), ...(counts ? [] : ['count(*) OVER ()::int AS total'])].join(
    ', ',
  );
  const narrowRows = (branch: string) =>
    `SELECT ${narrow} FROM ${s.t.resources} r WHERE ${where}${branch ? ` AND ${branch}` : ''} ORDER BY ${order} LIMIT ${limit}${offset}`;
  const pageRows =
    branches.length > 1
      ? `SELECT * FROM (${branches.map((b) => `(${narrowRows(b)})`).join(' UNION ALL ')}) u ORDER BY ${orderBy('u.sort_key', 'u.id', desc)} LIMIT ${limit}`
      : narrowRows(branches[0] ?? '');
  const text = p.narrowedByIndex
    ? `SELECT r.id, r.doc, r.version, r.seq::text AS seq, ${sortKeyColumn}count(*) OVER ()::int AS total
       FROM ${s.t.resources} r WHERE ${where}${keyset} ORDER BY ${order} LIMIT ${limit}${offset}`
    : `SELECT r.id, r.doc, r.version, r.seq::text AS seq, ${key ? 'm.sort_key, ' : ''}${counts ? `${counts.total} AS total, ${counts.rows} AS count_rows` : 'm.total'}
       FROM (${pageRows}) m
       JOIN ${s.t.resources} r ON r.tenant = m.tenant AND r.type = m.type AND ${key ? 'r.id = m.id' : 'r.seq = m.seq'}
       ORDER BY ${key ? orderBy('m.sort_key', 'm.id', desc) : 'm.seq'}`;
  const rows = (await db().query(text, p.values)).rows as (Row & { total: number; seq: string; sort_key?: unknown; count_rows?: number })[];
  // with a keyset the window count covers only the rows after it, and an empty page past the
  // end has no row to carry it: those totals are counted apart. An empty first page is a total
  // of 0 without asking again (the miss of an IdP's look-up before a create).
  const firstPage = q.after === undefined && q.startIndex <= 1;
  const carried = rows[0] && (counts || q.after === undefined) ? Number(rows[0].total) : undefined;
  if (counts && rows[0]) summed(Number(rows[0].count_rows));
  const total = carried ?? (firstPage ? 0 : await count());
  const last = rows[rows.length - 1];
  const result: SearchResult = { resources: await materialise(s, db(), ctx, type, rows, q.members), totalResults: total };
  if (last) result.next = JSON.stringify(key ? [last.sort_key instanceof Date ? last.sort_key.toISOString() : (last.sort_key ?? null), last.id] : [last.seq]);
  return result;
}

/** The keyset after a page's cursor (`q.after`), as disjoint conditions, each one walk of an index ({@link keysetBranches}); a cursor this store did not make is a 400. */
function cursorBranches(after: string, key: SortKey | undefined, desc: boolean, p: Params): string[] {
  let pos: unknown;
  try {
    pos = JSON.parse(after);
  } catch {
    pos = undefined;
  }
  if (!Array.isArray(pos) || (key ? pos.length !== 2 || typeof pos[1] !== 'string' : typeof pos[0] !== 'string'))
    throw ScimError.invalidCursor('The cursor is not valid');
  return key ? keysetBranches(key, desc, pos as [unknown, string], p) : [`r.seq > ${p.add(pos[0])}::bigint`];
}
