/**
 * Index hints for stores: the equality conditions that any match must satisfy,
 * so a store can answer from an index instead of a scan.
 * @module
 */
import { foldsCase } from '../rules/case-fold.js';
import type { ResourceType } from '../schema/registry.js';
import type { Filter } from './ast.js';

/** A necessary condition: the attribute at `path` (canonical, e.g. `userName`, `emails.value`, `members.value`) has one of `values`. */
export interface EqualityKey {
  /** The canonical attribute path; extension attributes as `urn:…:name`. */
  path: string;
  /** The literal values, as written; compare them case-folded (`foldCase`) unless `caseExact`. */
  values: string[];
  /** Whether the attribute compares without folding case: caseExact, or a type that never folds (binary, dateTime; see `foldsCase`). */
  caseExact: boolean;
}

function keysOf(f: Filter, type: ResourceType, prefix: string | undefined): EqualityKey[] {
  switch (f.op) {
    case 'eq': {
      if (typeof f.value !== 'string') return [];
      const r = prefix
        ? type.resolve(undefined, prefix, f.attr.sub === undefined && f.attr.uri === undefined ? f.attr.name : '\0')
        : type.resolve(f.attr.uri, f.attr.name, f.attr.sub);
      if (!r || r.target.type === 'complex') return [];
      return [{ path: r.path, values: [f.value], caseExact: !foldsCase(r.target) }];
    }
    case 'and':
      return f.filters.flatMap((x) => keysOf(x, type, prefix));
    case 'or': {
      const each = f.filters.map((x) => keysOf(x, type, prefix));
      const first = each[0];
      if (!first) return [];
      const out: EqualityKey[] = [];
      for (const k of first) {
        const values = new Set(k.values);
        let all = true;
        for (const other of each.slice(1)) {
          const same = other.find((o) => o.path === k.path);
          if (!same) {
            all = false;
            break;
          }
          for (const v of same.values) values.add(v);
        }
        if (all) out.push({ ...k, values: [...values] });
      }
      return out;
    }
    case 'valuePath':
      return prefix === undefined && f.attr.uri === undefined && f.attr.sub === undefined ? keysOf(f.filter, type, f.attr.name) : [];
    default:
      return [];
  }
}

/**
 * The equality conditions a filter implies: each one holds for every match, so a store
 * may fetch the candidates of any one key from its index and test them with the full
 * filter. `userName eq "a"`, `members[value eq "x"]`, `id eq "a" or id eq "b"` give keys;
 * `not`, `ne` and `pr` never do.
 */
export function equalityKeys(filter: Filter, type: ResourceType): EqualityKey[] {
  return keysOf(filter, type, undefined);
}
