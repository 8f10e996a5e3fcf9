/**
 * Lists and searches (RFC 7644 §3.4.2, §3.4.3): filter, sort, index and cursor pages.
 * @module
 */
import { excerpt, ScimError } from '../core/errors.js';
import type { Filter } from '../core/filter/ast.js';
import { compileFilter } from '../core/filter/compile.js';
import { checkFilterCost, filterCost, filterWorkError } from '../core/filter/cost.js';
import { resolveSortPath, type SortEntry, sortComparator, sortResources, sortValue } from '../core/rules/sort.js';
import { Projection } from '../core/schema/project.js';
import type { ResourceType } from '../core/schema/registry.js';
import type { ScimResource } from '../core/schema/resource.js';
import type { SearchQuery, SearchResult, SortSpec, StoreContext } from '../stores/store.js';
import type { Engine, RequestScope } from './engine.js';
import { present, projectionRequest } from './location.js';

/** The ListResponse message URN. */
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** The SearchRequest message URN. */
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** List parameters, from a query string or a SearchRequest body. */
export interface ListParams {
  filter?: string;
  sortBy?: string;
  sortOrder?: string;
  startIndex?: unknown;
  count?: unknown;
  attributes?: unknown;
  excludedAttributes?: unknown;
  cursor?: string;
}

/** Reads list parameters from a query. */
export function paramsFromQuery(q: URLSearchParams): ListParams {
  const get = (name: string) => {
    for (const [k, v] of q) if (k.toLowerCase() === name.toLowerCase()) return v;
    return undefined;
  };
  const out: ListParams = {};
  const set = (k: keyof ListParams, v: string | undefined) => {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  };
  set('filter', get('filter'));
  set('sortBy', get('sortBy'));
  set('sortOrder', get('sortOrder'));
  set('startIndex', get('startIndex'));
  set('count', get('count'));
  set('attributes', get('attributes'));
  set('excludedAttributes', get('excludedAttributes'));
  set('cursor', get('cursor'));
  return out;
}

/** Reads list parameters from a POST /.search body. */
export function paramsFromBody(body: unknown): ListParams {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ScimError.invalidSyntax('The search request must be a JSON object');
  const b = body as Record<string, unknown>;
  const schemas = b.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase())) {
    throw ScimError.invalidSyntax(`schemas must be ["${SEARCH_REQUEST_SCHEMA}"]`);
  }
  const out: ListParams = {};
  for (const k of ['filter', 'sortBy', 'sortOrder', 'cursor'] as const) {
    const v = b[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw ScimError.invalidValue(`${k} must be a string`);
    out[k] = v;
  }
  for (const k of ['startIndex', 'count', 'attributes', 'excludedAttributes'] as const) if (b[k] !== undefined && b[k] !== null) out[k] = b[k];
  return out;
}

function integer(name: string, v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d{1,15}$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n)) throw ScimError.invalidValue(`${name} must be an integer, not ${excerpt(String(v), 20)}`);
  return n;
}

/** The parsed, checked form of a list request for one resource type. */
interface Plan {
  filter: Filter | undefined;
  sort: SortSpec | undefined;
  startIndex: number;
  count: number;
  cursor: string | undefined;
  projection: Projection;
}

function plan(engine: Engine, type: ResourceType, p: ListParams, root = false): Plan {
  let filter: Filter | undefined;
  if (p.filter !== undefined && p.filter.trim() !== '') {
    filter = engine.filters.parse(p.filter);
    // its cost before any store spends a cycle on it, the same budget on every store; first,
    // as compiling an expensive filter is work too (kept per parsed filter: a repeat is a look-up)
    checkFilterCost(filter, type, engine.limits.maxFilterCost);
    // compile once here so that type and name errors are 400 before any store is asked
    compileFilter(filter, type, { unknownAttributes: root ? 'reject' : engine.unknownFilterAttributes });
  }
  let sort: SortSpec | undefined;
  if (p.sortBy !== undefined && p.sortBy !== '') {
    if (!engine.features.sort) throw ScimError.notImplemented('Sorting is not supported');
    const order = (p.sortOrder ?? 'ascending').toLowerCase();
    if (order !== 'ascending' && order !== 'descending') throw ScimError.invalidValue('sortOrder must be "ascending" or "descending"');
    // across types, a type without the attribute has no value for it (sorted last ascending)
    if (!root || type.resolvePath(p.sortBy)) sort = { path: resolveSortPath(type, p.sortBy).path, order };
  } else if (p.sortOrder !== undefined && !/^(a|de)scending$/i.test(p.sortOrder)) throw ScimError.invalidValue('sortOrder must be "ascending" or "descending"');
  const rawCount = integer('count', p.count);
  // RFC 7644 §3.4.2.4: a negative count is 0; larger than the maximum is the maximum
  const count = Math.min(Math.max(rawCount ?? engine.limits.defaultPageSize, 0), engine.limits.maxResults);
  // RFC 7644 §3.4.2.4 lets a server clamp; past 2^53 a number is no longer exact (and 1e19 overflowed PostgreSQL's OFFSET)
  const startIndex = Math.min(Math.max(integer('startIndex', p.startIndex) ?? 1, 1), Number.MAX_SAFE_INTEGER);
  if (p.cursor !== undefined && !engine.features.cursor) throw ScimError.invalidCursor('Cursor pagination is not supported');
  return { filter, sort, startIndex, count, cursor: p.cursor, projection: new Projection(type, projectionRequest(p.attributes, p.excludedAttributes)) };
}

/** Searches through the store, or (for stores that cannot filter or sort) fetches and filters here, bounded. */
async function storeSearch(engine: Engine, ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
  const caps = engine.store.capabilities;
  const budgeted = q.filter ? { ...q, maxFilterWork: engine.limits.maxFilterWork } : q;
  if ((caps.filter || !q.filter) && (caps.sort || !q.sort)) return engine.store.search(ctx, type, budgeted);
  // Not silent: bounded by maxScan, and an exact total or an error, never a wrong total.
  const maxScan = 10_000;
  const all = await engine.store.search(ctx, type, { startIndex: 1, count: maxScan + 1, members: true });
  if (all.totalResults > maxScan)
    throw ScimError.tooMany(`This server cannot filter or sort more than ${maxScan} ${type.name} resources; list them without filter and sortBy`).withHint(
      `the store cannot filter or sort (capabilities.filter, capabilities.sort): scimkit does it over at most ${maxScan} resources; use a store that can`,
    );
  if (q.filter && all.resources.length * filterCost(q.filter, type) > engine.limits.maxFilterWork)
    throw filterWorkError(filterCost(q.filter, type), all.resources.length, engine.limits.maxFilterWork);
  const test = q.filter ? compileFilter(q.filter, type, { unknownAttributes: q.unknownAttributes ?? 'reject' }) : () => true;
  let matches = all.resources.filter(test);
  if (q.sort) matches = sortResources(type, matches, q.sort.path, q.sort.order === 'descending');
  const start = q.startIndex - 1;
  return { resources: q.count > 0 ? matches.slice(start, start + q.count) : [], totalResults: matches.length };
}

function queryKey(ctx: StoreContext, type: string, p: ListParams): string {
  return JSON.stringify([ctx.tenant, type, p.filter ?? '', p.sortBy ?? '', (p.sortOrder ?? '').toLowerCase()]);
}

/** GET /{type} and POST /{type}/.search: a ListResponse. */
export async function listResources(
  engine: Engine,
  ctx: StoreContext,
  scope: RequestScope,
  type: ResourceType,
  params: ListParams,
): Promise<Record<string, unknown>> {
  const p = plan(engine, type, params);
  const key = queryKey(ctx, type.name, params);
  const position = p.cursor !== undefined && p.cursor !== '' ? engine.cursors.decode(key, p.cursor) : { index: p.startIndex };
  const startIndex = position.index;
  // stores that page by keyset get the position; a first cursor page starts a keyset walk too
  const keyset = p.cursor !== undefined && engine.store.capabilities.keyset === true;
  const result = await storeSearch(engine, ctx, type, {
    ...(p.filter ? { filter: p.filter } : {}),
    ...(p.sort ? { sort: p.sort } : {}),
    startIndex,
    count: p.count,
    members: p.projection.wants('', 'members'),
    ...(p.filter && engine.unknownFilterAttributes === 'noMatch' ? { unknownAttributes: 'noMatch' as const } : {}),
    ...(keyset && position.after !== undefined ? { after: position.after } : {}),
  });
  const body: Record<string, unknown> = { schemas: [LIST_RESPONSE_SCHEMA], totalResults: result.totalResults, itemsPerPage: result.resources.length };
  if (p.cursor !== undefined) {
    const nextIndex = startIndex + result.resources.length;
    if (nextIndex - 1 < result.totalResults && p.count > 0 && result.resources.length > 0)
      body.nextCursor = engine.cursors.encode(key, nextIndex, keyset ? result.next : undefined);
    // going back is by offset: exact for unchanged data
    if (startIndex > 1) body.previousCursor = engine.cursors.encode(key, Math.max(1, startIndex - p.count));
  } else body.startIndex = startIndex;
  body.Resources = result.resources.map((r) => present(scope, type, r, p.projection));
  return body;
}

/** POST /.search at the root: every resource type, paged as one list. */
export async function searchAll(engine: Engine, ctx: StoreContext, scope: RequestScope, params: ListParams): Promise<Record<string, unknown>> {
  if (params.cursor !== undefined) throw ScimError.invalidCursor('Cursors are not supported for searches across resource types');
  const types = engine.registry.resourceTypes();
  const plans: { type: ResourceType; plan: Plan }[] = [];
  let lastError: unknown;
  for (const type of types) {
    try {
      plans.push({ type, plan: plan(engine, type, params, true) });
    } catch (e) {
      // a filter naming attributes another type lacks matches nothing there
      if (e instanceof ScimError && e.scimType === 'invalidFilter' && /is not an attribute/.test(e.detail)) lastError = e;
      else throw e;
    }
  }
  if (plans.length === 0) throw lastError ?? ScimError.invalidFilter('The filter matches no resource type');
  const first = plans[0]!.plan;
  const sorted = plans.find((x) => x.plan.sort)?.plan.sort;
  if (sorted) return searchAllSorted(engine, ctx, scope, plans, first, sorted);
  let skip = first.startIndex - 1;
  let room = first.count;
  let total = 0;
  const resources: Record<string, unknown>[] = [];
  for (const { type, plan: pl } of plans) {
    const base = { ...(pl.filter ? { filter: pl.filter } : {}), members: pl.projection.wants('', 'members') };
    const counted = await storeSearch(engine, ctx, type, { ...base, startIndex: 1, count: 0 });
    total += counted.totalResults;
    if (room > 0 && skip < counted.totalResults) {
      const page = await storeSearch(engine, ctx, type, { ...base, startIndex: skip + 1, count: room });
      resources.push(...page.resources.map((r) => present(scope, type, r, pl.projection)));
      room -= page.resources.length;
      skip = 0;
    } else skip = Math.max(0, skip - counted.totalResults);
  }
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, itemsPerPage: resources.length, startIndex: first.startIndex, Resources: resources };
}

/** The most resources one type contributes to a sorted search across types (its best `startIndex + count`). */
const MAX_MERGE = 10_000;

/**
 * A sorted search across types: each type's best `startIndex + count` in the store's order,
 * merged by the one sort rule (core/rules/sort.ts); a type without the attribute has no value.
 */
async function searchAllSorted(
  engine: Engine,
  ctx: StoreContext,
  scope: RequestScope,
  plans: { type: ResourceType; plan: Plan }[],
  first: Plan,
  sort: SortSpec,
): Promise<Record<string, unknown>> {
  const want = first.startIndex - 1 + first.count;
  if (want > MAX_MERGE) throw ScimError.tooMany(`A sorted search across resource types pages through the first ${MAX_MERGE} results; narrow the filter`);
  const descending = sort.order === 'descending';
  let total = 0;
  const entries: SortEntry<{ type: ResourceType; plan: Plan; resource: ScimResource }>[] = [];
  for (const { type, plan: pl } of plans) {
    const base = { ...(pl.filter ? { filter: pl.filter } : {}), members: pl.projection.wants('', 'members') };
    // a type without the attribute: every key is missing, so its order is by id alone
    const path = pl.sort ? resolveSortPath(type, pl.sort.path) : undefined;
    const page = await storeSearch(engine, ctx, type, { ...base, sort: pl.sort ?? { path: 'id', order: sort.order }, startIndex: 1, count: want });
    total += page.totalResults;
    for (const resource of page.resources)
      entries.push({ key: path ? sortValue(path, resource) : undefined, id: String(resource.id), item: { type, plan: pl, resource } });
  }
  const page = entries.sort(sortComparator(descending)).slice(first.startIndex - 1, want);
  const resources = page.map(({ item }) => present(scope, item.type, item.resource, item.plan.projection));
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, itemsPerPage: resources.length, startIndex: first.startIndex, Resources: resources };
}
