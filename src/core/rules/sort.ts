/**
 * How resources sort (RFC 7644 §3.4.2.3): the one definition every store and the engine
 * use. The sort key of a multi-valued attribute is its primary value, else its first;
 * strings compare case-folded where the attribute folds case (core/rules/case-fold.ts), then by
 * code unit; dateTimes as instants; resources without
 * a value sort last ascending and first descending (the whole order reverses); equal keys
 * are ordered by id, so pages are stable.
 * @module
 */
import { excerpt, ScimError } from '../errors.js';
import type { ResolvedAttribute, ResourceType } from '../schema/registry.js';
import { isObject, type ScimResource } from '../schema/resource.js';
import { foldCase, foldsCase } from './case-fold.js';

/** A normalised sort key: undefined when the resource has no value. */
export type SortValue = string | number | undefined;

/**
 * The attribute a `sortBy` names, checked: 400 invalidValue for an unknown attribute or a
 * complex one (sort by one of its sub-attributes); a multi-valued complex attribute without
 * a sub-attribute sorts by its `value`.
 */
export function resolveSortPath(type: ResourceType, sortBy: string): ResolvedAttribute {
  let r = type.resolvePath(sortBy);
  if (!r) throw ScimError.invalidValue(`sortBy: ${excerpt(sortBy)} is not an attribute of ${type.name}`);
  if (!r.sub && r.attribute.type === 'complex') {
    const byValue = r.attribute.multiValued ? type.resolvePath(`${r.path}.value`) : undefined;
    if (!byValue)
      throw ScimError.invalidValue(
        `sortBy: ${r.path} is complex; sort by one of its sub-attributes, e.g. ${r.path}.${r.attribute.subAttributes?.[0]?.name ?? 'value'}`,
      );
    r = byValue;
  }
  return r;
}

/** The element of a multi-valued attribute that sorts it: the primary one, else the first. @internal */
export function sortElement(list: readonly unknown[]): unknown {
  for (const el of list) if (isObject(el) && el.primary === true) return el;
  return list[0];
}

/** The sort key of a resource for a resolved path. */
export function sortValue(r: ResolvedAttribute, resource: ScimResource): SortValue {
  const container = r.extension ? resource[r.schema] : resource;
  if (!isObject(container)) return undefined;
  let v: unknown = container[r.attribute.name];
  if (Array.isArray(v)) v = sortElement(v);
  if (r.sub) v = isObject(v) ? v[r.sub.name] : undefined;
  const def = r.target;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return undefined;
  if (def.type === 'dateTime') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return foldsCase(def) ? foldCase(v) : v;
}

/** Compares two keyed entries in ascending order: missing values last, then ids (code-unit order). */
export function compareSortKeys(a: SortValue, aId: string, b: SortValue, bId: string): number {
  if (a !== b) {
    if (a === undefined) return 1;
    if (b === undefined) return -1;
    if (a < b) return -1;
    if (a > b) return 1;
  }
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

/** One entry of a sort: its key and id, and what it stands for. */
export interface SortEntry<T> {
  /** The sort key. */
  key: SortValue;
  /** The resource id (the tie-break). */
  id: string;
  /** What is sorted. */
  item: T;
}

/** The comparator of an order: ascending, or the whole ascending order reversed. */
export function sortComparator<T>(descending: boolean): (a: SortEntry<T>, b: SortEntry<T>) => number {
  return descending ? (a, b) => compareSortKeys(b.key, b.id, a.key, a.id) : (a, b) => compareSortKeys(a.key, a.id, b.key, b.id);
}

/**
 * The first `k` entries of `entries` in sort order, with a bounded heap: O(n log k) time
 * and O(k) memory instead of sorting everything for one page. When `k` is a large part of
 * `n` a full sort is faster (measured: bench/RESULTS.md, "MemoryStore pages") and is used.
 */
export function topK<T>(entries: SortEntry<T>[], k: number, descending: boolean): SortEntry<T>[] {
  const cmp = sortComparator<T>(descending);
  if (k <= 0) return [];
  if (k * 8 >= entries.length) return entries.sort(cmp).slice(0, k);
  // a max-heap on cmp: the root is the worst of the best k so far
  const heap: SortEntry<T>[] = [];
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (cmp(heap[i]!, heap[p]!) <= 0) return;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && cmp(heap[l]!, heap[m]!) > 0) m = l;
      if (r < heap.length && cmp(heap[r]!, heap[m]!) > 0) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (const e of entries) {
    if (heap.length < k) {
      heap.push(e);
      up(heap.length - 1);
    } else if (cmp(e, heap[0]!) < 0) {
      heap[0] = e;
      down(0);
    }
  }
  return heap.sort(cmp);
}

/** Resources sorted by a path by the sort rule (where a whole list is at hand: the engine's fallback, root searches, a store sorting in memory). */
export function sortResources(type: ResourceType, list: readonly ScimResource[], path: string, descending: boolean): ScimResource[] {
  const r = resolveSortPath(type, path);
  const entries = list.map((item) => ({ key: sortValue(r, item), id: String(item.id ?? ''), item }));
  return entries.sort(sortComparator<ScimResource>(descending)).map((e) => e.item);
}
