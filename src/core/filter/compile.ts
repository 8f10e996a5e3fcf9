/**
 * Filter tree → predicate, with the SCIM semantics of RFC 7644 §3.4.2.2 and RFC 7643 §2: the
 * JavaScript evaluator of a filter checked by the one pass every evaluator takes
 * (rules/checked-filter.ts: attributes resolved, operators and literals checked, case folded
 * by `foldsCase`). Here only what evaluating in JavaScript decides:
 * - `ne` is `not eq`: it matches a resource that lacks the attribute, and on a multi-valued
 *   attribute it matches when no value equals the literal.
 * - `pr` is false for a missing attribute, null, "", [] and {}.
 * - A value of the wrong JSON type never matches (a number compared with a string literal).
 * @module
 */

import { foldCase } from '../rules/case-fold.js';
import { type CheckedAttribute, type CheckedComparison, type CheckedFilter, checkFilter, checkValueFilter } from '../rules/checked-filter.js';
import type { AttributeDefinition } from '../schema/attribute.js';
import type { ResourceType } from '../schema/registry.js';
import { isObject, type ScimResource } from '../schema/resource.js';
import type { Filter } from './ast.js';

/** Options of {@link compileFilter}. */
export interface CompileOptions {
  /**
   * A filter naming an attribute that no schema of the type defines: `reject` (400
   * invalidFilter, the default) or `noMatch` (the comparison is false).
   */
  unknownAttributes?: 'reject' | 'noMatch';
}

/** A compiled filter: true when the resource matches. */
export type Predicate = (resource: ScimResource) => boolean;

type Obj = Record<string, unknown>;
type Test = (v: unknown) => boolean;
/** Calls `test` on each value the path reaches in `obj`; true as soon as one passes. */
type Each = (obj: Obj, test: Test) => boolean;

function anyOf(v: unknown, test: Test): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (test(x)) return true;
    return false;
  }
  return test(v);
}

/** Reaches `get(obj)` and then, when `sub` is given, that sub-attribute of each value. */
function reach(get: (o: Obj) => unknown, sub: string | undefined): Each {
  if (sub === undefined) return (o, test) => anyOf(get(o), test);
  return (o, test) => {
    const v = get(o);
    if (Array.isArray(v)) {
      for (const el of v) if (isObject(el) && anyOf(el[sub], test)) return true;
      return false;
    }
    return isObject(v) && anyOf(v[sub], test);
  };
}

/** The values a checked path reaches: in a resource (under an extension's key where it lives there), or in one value of a complex attribute. */
function each(target: CheckedAttribute): Each {
  const name = target.attribute.name;
  const r = target.resolved;
  const get: (o: Obj) => unknown = r?.extension
    ? (o) => {
        const ext = o[r.schema];
        return isObject(ext) ? ext[name] : undefined;
      }
    : (o) => o[name];
  return reach(get, target.sub?.name);
}

function present(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) {
    for (const k in v) if (present(v[k])) return true;
    return false;
  }
  return true;
}

/** The test of one value against a checked comparison (`ne` is applied by the caller, as `not eq`). */
function compareTest(c: CheckedComparison, fold: Fold): Test {
  switch (c.compare) {
    case 'boolean': {
      const lit = c.value;
      return (v) => v === lit;
    }
    case 'number':
      return numberTest(c.op, c.value);
    case 'instant':
      return dateTest(c.op, c.instant);
    default:
      return stringTest(c.op, c.operand, c.folds ? fold : undefined);
  }
}

/**
 * Compares dateTimes as instants. Values in the fixed UTC shapes that servers write
 * (`YYYY-MM-DDTHH:MM:SSZ`, `YYYY-MM-DDTHH:MM:SS.sssZ`) sort as strings in time order,
 * so those are compared as strings against the literal in the same shape; any other
 * shape (offsets, other fractions) goes through Date.parse.
 */
function dateTest(op: string, t: number): Test {
  const cmp = numberTest(op, 0);
  const iso = new Date(t).toISOString(); // 24 characters for years 0000–9999
  const fast = iso.length === 24;
  const head = iso.slice(0, 19);
  const ms = t - Date.parse(`${head}Z`);
  const sign = (v: string): number => {
    if (fast && v.charCodeAt(v.length - 1) === 90 && v.charCodeAt(10) === 84 && v.charCodeAt(4) === 45) {
      if (v.length === 24 && v.charCodeAt(19) === 46) return v < iso ? -1 : v > iso ? 1 : 0;
      if (v.length === 20) {
        const h = v.slice(0, 19);
        return h < head ? -1 : h > head ? 1 : ms > 0 ? -1 : 0;
      }
    }
    return Date.parse(v) - t;
  };
  return (v) => typeof v === 'string' && cmp(sign(v));
}

function numberTest(op: string, n: number): Test {
  switch (op) {
    case 'gt':
      return (v) => typeof v === 'number' && v > n;
    case 'ge':
      return (v) => typeof v === 'number' && v >= n;
    case 'lt':
      return (v) => typeof v === 'number' && v < n;
    case 'le':
      return (v) => typeof v === 'number' && v <= n;
    default:
      return (v) => v === n;
  }
}

/** `foldCase` remembering its last answer: the terms of one filter fold the same value one after another. */
type Fold = (s: string) => string;

/**
 * A {@link Fold} for one compiled filter: an `or` of 290 `emails[value co …]` terms folds each
 * e-mail once, not 290 times (a scan's time and garbage). A pure function's memo, so scans of
 * the filter that interleave (MemoryStore yields between slices) share it safely.
 */
function lastFold(): Fold {
  let input: string | undefined;
  let output = '';
  return (s) => {
    if (s !== input) {
      output = foldCase(s);
      input = s;
    }
    return output;
  };
}

/** A string comparison with `want` (folded already where the attribute folds); `fold`: values case-folded, else compared as they are. */
function stringTest(op: string, want: string, fold: Fold | undefined): Test {
  const norm = fold ?? ((s: string) => s);
  switch (op) {
    case 'co':
      return (v) => typeof v === 'string' && norm(v).includes(want);
    case 'sw':
      return (v) => typeof v === 'string' && norm(v).startsWith(want);
    case 'ew':
      return (v) => typeof v === 'string' && norm(v).endsWith(want);
    case 'gt':
      return (v) => typeof v === 'string' && norm(v) > want;
    case 'ge':
      return (v) => typeof v === 'string' && norm(v) >= want;
    case 'lt':
      return (v) => typeof v === 'string' && norm(v) < want;
    case 'le':
      return (v) => typeof v === 'string' && norm(v) <= want;
    default:
      return fold ? (v) => typeof v === 'string' && fold(v) === want : (v) => v === want;
  }
}

type Pred = (o: Obj) => boolean;

function compileNode(c: CheckedFilter, fold: Fold): Pred {
  switch (c.op) {
    case 'and': {
      const ps = c.filters.map((x) => compileNode(x, fold));
      if (ps.length === 2) {
        const [a, b] = ps as [Pred, Pred];
        return (o) => a(o) && b(o);
      }
      return (o) => {
        for (const p of ps) if (!p(o)) return false;
        return true;
      };
    }
    case 'or': {
      const ps = c.filters.map((x) => compileNode(x, fold));
      return (o) => {
        for (const p of ps) if (p(o)) return true;
        return false;
      };
    }
    case 'not': {
      const p = compileNode(c.filter, fold);
      return (o) => !p(o);
    }
    case 'false':
      return () => false;
    case 'valuePath': {
      const reached = each(c.target);
      const inner = compileNode(c.filter, fold);
      return (o) => reached(o, (el) => isObject(el) && inner(el));
    }
    case 'pr': {
      const reached = each(c.target);
      return (o) => reached(o, present);
    }
    default: {
      const reached = each(c.target);
      const test = compareTest(c, fold);
      if (c.op === 'ne') return (o) => !reached(o, test);
      return (o) => reached(o, test);
    }
  }
}

/**
 * Compiles a filter for a resource type into a predicate over canonical resources
 * (as `validateResource` returns them). The filter is checked first (rules/checked-filter.ts):
 * type errors (e.g. `active gt true`) and unknown attributes throw 400 invalidFilter.
 */
export function compileFilter(filter: Filter, type: ResourceType, options: CompileOptions = {}): Predicate {
  return compileNode(checkFilter(filter, type, options), lastFold()) as Predicate;
}

/**
 * Compiles the filter of a value path (`emails[type eq "work"]`) into a predicate over
 * one value of the complex attribute `attribute`; its paths name sub-attributes.
 * @internal
 */
export function compileValueFilter(filter: Filter, attribute: AttributeDefinition, options: CompileOptions = {}): (value: Record<string, unknown>) => boolean {
  return compileNode(checkValueFilter(filter, attribute, options), lastFold());
}
