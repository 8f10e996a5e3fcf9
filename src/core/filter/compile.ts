/**
 * Filter tree → predicate, with the SCIM semantics of RFC 7644 §3.4.2.2 and RFC 7643 §2.
 *
 * Decisions where the RFC is open (docs/filters.md):
 * - `ne` is `not eq`: it matches a resource that lacks the attribute, and on a multi-valued
 *   attribute it matches when no value equals the literal.
 * - `eq null` is `not pr`; `ne null` is `pr`; other operators with null are invalid.
 * - A multi-valued complex attribute compared without a sub-attribute compares its `value`
 *   (`emails co "@x"` is `emails.value co "@x"`); a single-valued complex one is invalid.
 * - `pr` is false for a missing attribute, null, "", [] and {}.
 * - Strings of attributes that fold case compare by foldCase (schema/case-fold.ts): the rule
 *   every store follows too; binary values and dateTimes never fold.
 * @module
 */
import { ScimError } from '../errors.js';
import { foldCase, foldsCase } from '../rules/case-fold.js';
import type { AttributeDefinition } from '../schema/attribute.js';
import { isDateTime } from '../schema/json-schema.js';
import { type ResourceType, subAttribute } from '../schema/registry.js';
import { isObject, type ScimResource } from '../schema/resource.js';
import { type AttrPath, type CompareFilter, type Filter, formatAttrPath } from './ast.js';

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

interface Accessor {
  def: AttributeDefinition;
  each: Each;
}

interface Scope {
  /** undefined when the name is unknown. */
  resolve(path: AttrPath, forPresence: boolean): Accessor | undefined;
}

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

function complexTarget(attr: AttributeDefinition, forPresence: boolean, label: string): AttributeDefinition | undefined {
  if (forPresence) return undefined;
  const value = attr.multiValued ? subAttribute(attr, 'value') : undefined;
  if (!value) throw ScimError.invalidFilter(`${label} is complex; compare one of its sub-attributes`);
  return value;
}

function typeScope(type: ResourceType): Scope {
  return {
    resolve(path, forPresence) {
      const r = type.resolve(path.uri, path.name, path.sub);
      if (!r) return undefined;
      const name = r.attribute.name;
      const get: (o: Obj) => unknown = r.extension
        ? (o) => {
            const ext = o[r.schema];
            return isObject(ext) ? ext[name] : undefined;
          }
        : (o) => o[name];
      let sub = r.sub;
      if (!sub && r.attribute.type === 'complex') sub = complexTarget(r.attribute, forPresence, r.path);
      return { def: sub ?? r.attribute, each: reach(get, sub?.name) };
    },
  };
}

function elementScope(parent: AttributeDefinition): Scope {
  return {
    resolve(path, forPresence) {
      if (path.uri !== undefined) return undefined;
      const attr = subAttribute(parent, path.name);
      if (!attr) return undefined;
      const name = attr.name;
      let sub: AttributeDefinition | undefined;
      if (path.sub !== undefined) {
        sub = subAttribute(attr, path.sub);
        if (!sub) return undefined;
      } else if (attr.type === 'complex') sub = complexTarget(attr, forPresence, `${parent.name}.${name}`);
      return { def: sub ?? attr, each: reach((o) => o[name], sub?.name) };
    },
  };
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

function typeError(label: string, def: AttributeDefinition, op: string): ScimError {
  return ScimError.invalidFilter(`${label} is of type ${def.type}; operator ${op} does not apply to it`);
}

function compareTest(f: CompareFilter, def: AttributeDefinition, label: string, fold: Fold): Test {
  const { op, value } = f;
  const lit = value;
  const ordering = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  const substring = op === 'co' || op === 'sw' || op === 'ew';
  switch (def.type) {
    case 'boolean':
      if (typeof lit !== 'boolean') throw ScimError.invalidFilter(`${label} is a boolean; compare it with true or false`);
      if (op !== 'eq' && op !== 'ne') throw typeError(label, def, op);
      return (v) => v === lit;
    case 'integer':
    case 'decimal': {
      if (typeof lit !== 'number') throw ScimError.invalidFilter(`${label} is a number; compare it with a number`);
      if (substring) throw typeError(label, def, op);
      return numberTest(op, lit);
    }
    case 'dateTime':
      if (typeof lit !== 'string') throw ScimError.invalidFilter(`${label} is a dateTime; compare it with a "string"`);
      if (op === 'eq' || op === 'ne' || ordering) {
        if (!isDateTime(lit)) throw ScimError.invalidFilter(`${label} is a dateTime; ${JSON.stringify(lit.slice(0, 40))} is not an xsd:dateTime`);
        return dateTest(op, Date.parse(lit));
      }
      // co, sw, ew on the text as written: a dateTime does not fold case (schema/case-fold.ts)
      return stringTest(op, lit, undefined);
    default: {
      if (typeof lit !== 'string') throw ScimError.invalidFilter(`${label} is a string; compare it with a "string"`);
      if (ordering && def.type === 'binary') throw typeError(label, def, op);
      return stringTest(op, lit, foldsCase(def) ? fold : undefined);
    }
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

/** A string comparison; `fold`: both sides case-folded (schema/case-fold.ts), else compared as they are. */
function stringTest(op: string, lit: string, fold: Fold | undefined): Test {
  const want = fold ? foldCase(lit) : lit;
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

function compileNode(f: Filter, scope: Scope, opts: CompileOptions, fold: Fold): Pred {
  switch (f.op) {
    case 'and': {
      const ps = f.filters.map((x) => compileNode(x, scope, opts, fold));
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
      const ps = f.filters.map((x) => compileNode(x, scope, opts, fold));
      return (o) => {
        for (const p of ps) if (p(o)) return true;
        return false;
      };
    }
    case 'not': {
      const p = compileNode(f.filter, scope, opts, fold);
      return (o) => !p(o);
    }
    case 'valuePath': {
      const label = formatAttrPath(f.attr);
      if (f.attr.sub !== undefined) throw ScimError.invalidFilter(`${label}[…]: a value filter applies to a complex attribute, not a sub-attribute`);
      const acc = scope.resolve(f.attr, true);
      if (!acc) return unknown(label, opts);
      if (acc.def.type !== 'complex') throw ScimError.invalidFilter(`${label} is not complex; it cannot take a value filter`);
      const inner = compileNode(f.filter, elementScope(acc.def), opts, fold);
      return (o) => acc.each(o, (el) => isObject(el) && inner(el));
    }
    case 'pr': {
      const acc = scope.resolve(f.attr, true);
      if (!acc) return unknown(formatAttrPath(f.attr), opts);
      return (o) => acc.each(o, present);
    }
    default: {
      const label = formatAttrPath(f.attr);
      const acc = scope.resolve(f.attr, false);
      if (!acc) return unknown(label, opts);
      if (f.value === null) {
        if (f.op !== 'eq' && f.op !== 'ne') throw ScimError.invalidFilter(`${label}: null can only be compared with eq or ne`);
        const has = (o: Obj) => acc.each(o, present);
        return f.op === 'eq' ? (o) => !has(o) : has;
      }
      const test = compareTest(f, acc.def, label, fold);
      if (f.op === 'ne') return (o) => !acc.each(o, test);
      return (o) => acc.each(o, test);
    }
  }
}

function unknown(label: string, opts: CompileOptions): Pred {
  if (opts.unknownAttributes === 'noMatch') return () => false;
  throw ScimError.invalidFilter(`${label} is not an attribute of this resource type`);
}

/**
 * Compiles a filter for a resource type into a predicate over canonical resources
 * (as `validateResource` returns them). Attribute names are resolved once, here.
 * Type errors (e.g. `active gt true`) throw 400 invalidFilter.
 */
export function compileFilter(filter: Filter, type: ResourceType, options: CompileOptions = {}): Predicate {
  return compileNode(filter, typeScope(type), options, lastFold()) as Predicate;
}

/**
 * Compiles the filter of a value path (`emails[type eq "work"]`) into a predicate over
 * one value of the complex attribute `attribute`; its paths name sub-attributes.
 * @internal
 */
export function compileValueFilter(filter: Filter, attribute: AttributeDefinition, options: CompileOptions = {}): (value: Record<string, unknown>) => boolean {
  return compileNode(filter, elementScope(attribute), options, lastFold());
}
