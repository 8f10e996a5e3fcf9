/**
 * How MemoryStore scans: a filter compiled once per parsed filter and type, candidates tested
 * in slices with the time between them given to other requests, and matches tested again when
 * written meanwhile.
 * @module
 */
import { type Filter, walkFilter } from '../../core/filter/ast.js';
import { compileFilter, type Predicate } from '../../core/filter/compile.js';
import type { ResourceType } from '../../core/schema/registry.js';
import type { ScimResource } from '../../core/schema/resource.js';
import type { Entry } from './entries.js';
import { SCAN_SLICE_MS } from './scan-turns.js';

const relations = new WeakMap<Filter, boolean>();
/** Whether a filter names `members` or `groups`, which are not kept in the stored document. */
export function namesRelations(filter: Filter): boolean {
  let v = relations.get(filter);
  if (v === undefined) {
    v = false;
    walkFilter(filter, (n) => {
      if ('attr' in n && /^(members|groups)$/i.test(n.attr.name)) v = true;
    });
    relations.set(filter, v);
  }
  return v;
}

const compiled = new WeakMap<Filter, Map<ResourceType, Predicate>>();
const compiledNoMatch = new WeakMap<Filter, Map<ResourceType, Predicate>>();
/** The filter compiled for a type, once per filter object and type. */
export function predicate(filter: Filter, type: ResourceType, unknownAttributes: 'reject' | 'noMatch'): Predicate {
  const cache = unknownAttributes === 'noMatch' ? compiledNoMatch : compiled;
  let m = cache.get(filter);
  let p = m?.get(type);
  if (!p) {
    p = compileFilter(filter, type, { unknownAttributes });
    if (!m) cache.set(filter, (m = new Map()));
    m.set(type, p);
  }
  return p;
}

/**
 * Tests candidates from `from` for one slice ({@link SCAN_SLICE_MS}), collecting matches and
 * the version each was tested at; returns where it stopped (`candidates.length` when done). A
 * function of its own, not the loop of the async scan: locals of an async function that live
 * across an await are kept on the heap, and that made the loop three times slower.
 */
export function testSlice(
  candidates: readonly (Entry | undefined)[],
  from: number,
  to: number,
  every: number,
  test: Predicate,
  view: (e: Entry) => ScimResource,
  matches: Entry[],
  versions: number[],
): number {
  const end = performance.now() + SCAN_SLICE_MS;
  for (let i = from; i < to; i++) {
    if (i > from && (i - from) % every === 0 && performance.now() >= end) return i;
    // a hole: deleted since (the array is the live one, read again after a turn)
    const e = candidates[i];
    if (e && test(view(e))) {
      matches.push(e);
      versions.push(e.version);
    }
  }
  return to;
}

/** The matches still there, those written since they were tested tested again (after a scan that yielded). */
export function stillMatching(byId: Map<string, Entry>, matches: Entry[], versions: number[], test: Predicate, view: (e: Entry) => ScimResource): Entry[] {
  const current: Entry[] = [];
  for (let k = 0; k < matches.length; k++) {
    const e = matches[k]!;
    if (byId.get(e.data.id as string) !== e) continue;
    if (e.version === versions[k] || test(view(e))) current.push(e);
  }
  return current;
}
