/**
 * A filter checked against a resource type (RFC 7644 §3.4.2.2 with RFC 7643 §2): every
 * attribute resolved, every operator and literal checked against the attribute's type, every
 * literal made what values are compared with. The one pass both evaluators take: the
 * JavaScript one (filter/compile.ts) and a store's SQL compiler (the PostgreSQL add-on's
 * sql-filter.ts), so a filter one refuses the other refuses with the same 400, and both
 * compare the same way (case folded by `foldsCase`, dateTimes as instants).
 *
 * Decisions where the RFC is open (docs/filters.md):
 * - An attribute no schema defines: 400 invalidFilter, or (`unknownAttributes: 'noMatch'`) a
 *   comparison that is false (`{ op: 'false' }`).
 * - A multi-valued complex attribute compared without a sub-attribute compares its `value`
 *   (`emails co "@x"` is `emails.value co "@x"`); a single-valued complex one is invalid.
 * - `eq null` is `not pr` and `ne null` is `pr`, of the attribute as a comparison resolves it
 *   (a complex one's `value`); other operators with null are invalid.
 * - Booleans take `eq`/`ne` with true or false; numbers any operator but `co`, `sw`, `ew`;
 *   dateTimes compare as instants (the literal must be an xsd:dateTime), and `co`/`sw`/`ew`
 *   search their text as written; binary values take no ordering and never fold case.
 * @module
 */
import { ScimError } from '../errors.js';
import { type AttrPath, type CompareOp, type Filter, formatAttrPath } from '../filter/ast.js';
import type { AttributeDefinition } from '../schema/attribute.js';
import { isDateTime } from '../schema/json-schema.js';
import { type ResolvedAttribute, type ResourceType, subAttribute } from '../schema/registry.js';
import { foldCase, foldsCase } from './case-fold.js';

/** Options of {@link checkFilter}. */
export interface CheckFilterOptions {
  /**
   * A filter naming an attribute that no schema of the type defines: `reject` (400
   * invalidFilter, the default) or `noMatch` (the comparison is false).
   */
  unknownAttributes?: 'reject' | 'noMatch';
}

/** Where a checked path's values are. */
export interface CheckedAttribute {
  /** The attribute named: of the resource type at the top of a filter, a sub-attribute of the complex attribute inside a value filter. */
  attribute: AttributeDefinition;
  /** The sub-attribute compared: the one the path names, or `value` of a multi-valued complex attribute compared as a whole. */
  sub?: AttributeDefinition;
  /** What values compare by: `sub` when there is one, else `attribute`. */
  def: AttributeDefinition;
  /** At the top of a filter: where the attribute lives (its schema, whether under an extension's key). Undefined inside a value filter. */
  resolved?: ResolvedAttribute;
}

/** A comparison of a boolean attribute: `eq` or `ne` with true or false. */
export interface CheckedBooleanComparison {
  /** How values compare. */
  compare: 'boolean';
  /** The literal. */
  value: boolean;
}

/** A comparison of a number (integer or decimal): any operator but `co`, `sw`, `ew`. */
export interface CheckedNumberComparison {
  /** How values compare. */
  compare: 'number';
  /** The literal. */
  value: number;
}

/** A comparison of a dateTime as an instant: `eq`, `ne`, `gt`, `ge`, `lt`, `le`. */
export interface CheckedInstantComparison {
  /** How values compare. */
  compare: 'instant';
  /** The literal, an xsd:dateTime as written. */
  value: string;
  /** The literal's instant (milliseconds since the epoch). */
  instant: number;
}

/** A comparison of text: strings, references, binary values, and a dateTime's `co`/`sw`/`ew`. */
export interface CheckedTextComparison {
  /** How values compare. */
  compare: 'text';
  /** The literal as written. */
  value: string;
  /** Whether both sides compare case-folded (`foldsCase` of the attribute). */
  folds: boolean;
  /** The literal as values are compared with it: `foldCase(value)` when `folds`, else `value`. */
  operand: string;
}

/** `attr op literal`, checked; `ne` matches exactly what `eq` does not. */
export type CheckedComparison = {
  /** The operator. */
  op: CompareOp;
  /** The path as written. */
  attr: AttrPath;
  /** Where the values compared are. */
  target: CheckedAttribute;
} & (CheckedBooleanComparison | CheckedNumberComparison | CheckedInstantComparison | CheckedTextComparison);

/** `attr pr` (and `ne null`): the attribute has a value that is not null, "", [] or an object of nothing present. */
export interface CheckedPresent {
  /** Always `pr`. */
  op: 'pr';
  /** The path as written. */
  attr: AttrPath;
  /** Where the values tested are. */
  target: CheckedAttribute;
}

/** `attr[filter]`: one value of the complex attribute satisfies `filter`, whose paths name its sub-attributes. */
export interface CheckedValuePath {
  /** Always `valuePath`. */
  op: 'valuePath';
  /** The path as written. */
  attr: AttrPath;
  /** The complex attribute (`def` is it). */
  target: CheckedAttribute;
  /** The inner filter, checked. */
  filter: CheckedFilter;
  /** The inner filter as written (for a store that answers some shapes from an index, e.g. the ids `members[value eq …]` names). */
  written: Filter;
}

/** A filter checked against a resource type: what {@link checkFilter} returns. */
export type CheckedFilter =
  | CheckedComparison
  | CheckedPresent
  | CheckedValuePath
  | {
      /** `and` or `or`. */
      op: 'and' | 'or';
      /** The operands. */
      filters: CheckedFilter[];
    }
  | {
      /** Negation (`not`, and `eq null` as not present). */
      op: 'not';
      /** The negated filter. */
      filter: CheckedFilter;
    }
  | {
      /** Matches nothing: a comparison of an attribute no schema defines, under `unknownAttributes: 'noMatch'`. */
      op: 'false';
    };

/** Resolves a path in a scope; undefined when no schema defines it. */
type Resolve = (path: AttrPath, forPresence: boolean) => CheckedAttribute | undefined;

/** A complex attribute compared as a whole compares its `value` (multi-valued); presence tests it whole. */
function complexTarget(attr: AttributeDefinition, forPresence: boolean, label: string): AttributeDefinition | undefined {
  if (forPresence) return undefined;
  const value = attr.multiValued ? subAttribute(attr, 'value') : undefined;
  if (!value) throw ScimError.invalidFilter(`${label} is complex; compare one of its sub-attributes`);
  return value;
}

function typeScope(type: ResourceType): Resolve {
  return (path, forPresence) => {
    const r = type.resolve(path.uri, path.name, path.sub);
    if (!r) return undefined;
    let sub = r.sub;
    if (!sub && r.attribute.type === 'complex') sub = complexTarget(r.attribute, forPresence, r.path);
    return { attribute: r.attribute, ...(sub ? { sub } : {}), def: sub ?? r.attribute, resolved: r };
  };
}

function elementScope(parent: AttributeDefinition): Resolve {
  return (path, forPresence) => {
    if (path.uri !== undefined) return undefined;
    const attr = subAttribute(parent, path.name);
    if (!attr) return undefined;
    let sub: AttributeDefinition | undefined;
    if (path.sub !== undefined) {
      sub = subAttribute(attr, path.sub);
      if (!sub) return undefined;
    } else if (attr.type === 'complex') sub = complexTarget(attr, forPresence, `${parent.name}.${attr.name}`);
    return { attribute: attr, ...(sub ? { sub } : {}), def: sub ?? attr };
  };
}

function typeError(label: string, def: AttributeDefinition, op: string): ScimError {
  return ScimError.invalidFilter(`${label} is of type ${def.type}; operator ${op} does not apply to it`);
}

/** The comparison of a literal (not null) with an attribute of `def`'s type, or the 400 saying why it cannot be made. */
function comparison(
  op: CompareOp,
  lit: string | number | boolean,
  def: AttributeDefinition,
  label: string,
): CheckedBooleanComparison | CheckedNumberComparison | CheckedInstantComparison | CheckedTextComparison {
  const ordering = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  const substring = op === 'co' || op === 'sw' || op === 'ew';
  switch (def.type) {
    case 'boolean':
      if (typeof lit !== 'boolean') throw ScimError.invalidFilter(`${label} is a boolean; compare it with true or false`);
      if (op !== 'eq' && op !== 'ne') throw typeError(label, def, op);
      return { compare: 'boolean', value: lit };
    case 'integer':
    case 'decimal':
      if (typeof lit !== 'number') throw ScimError.invalidFilter(`${label} is a number; compare it with a number`);
      if (substring) throw typeError(label, def, op);
      return { compare: 'number', value: lit };
    case 'dateTime':
      if (typeof lit !== 'string') throw ScimError.invalidFilter(`${label} is a dateTime; compare it with a "string"`);
      if (!substring) {
        if (!isDateTime(lit)) throw ScimError.invalidFilter(`${label} is a dateTime; ${JSON.stringify(lit.slice(0, 40))} is not an xsd:dateTime`);
        return { compare: 'instant', value: lit, instant: Date.parse(lit) };
      }
      // co, sw, ew on the text as written: a dateTime does not fold case
      return { compare: 'text', value: lit, folds: false, operand: lit };
    default: {
      if (typeof lit !== 'string') throw ScimError.invalidFilter(`${label} is a string; compare it with a "string"`);
      if (ordering && def.type === 'binary') throw typeError(label, def, op);
      const folds = foldsCase(def);
      return { compare: 'text', value: lit, folds, operand: folds ? foldCase(lit) : lit };
    }
  }
}

function unknown(label: string, opts: CheckFilterOptions): CheckedFilter {
  if (opts.unknownAttributes === 'noMatch') return { op: 'false' };
  throw ScimError.invalidFilter(`${label} is not an attribute of this resource type`);
}

function check(f: Filter, resolve: Resolve, opts: CheckFilterOptions): CheckedFilter {
  switch (f.op) {
    case 'and':
    case 'or':
      return { op: f.op, filters: f.filters.map((x) => check(x, resolve, opts)) };
    case 'not':
      return { op: 'not', filter: check(f.filter, resolve, opts) };
    case 'valuePath': {
      const label = formatAttrPath(f.attr);
      if (f.attr.sub !== undefined) throw ScimError.invalidFilter(`${label}[…]: a value filter applies to a complex attribute, not a sub-attribute`);
      const target = resolve(f.attr, true);
      if (!target) return unknown(label, opts);
      if (target.def.type !== 'complex') throw ScimError.invalidFilter(`${label} is not complex; it cannot take a value filter`);
      return { op: 'valuePath', attr: f.attr, target, filter: check(f.filter, elementScope(target.def), opts), written: f.filter };
    }
    case 'pr': {
      const target = resolve(f.attr, true);
      return target ? { op: 'pr', attr: f.attr, target } : unknown(formatAttrPath(f.attr), opts);
    }
    default: {
      const label = formatAttrPath(f.attr);
      const target = resolve(f.attr, false);
      if (!target) return unknown(label, opts);
      if (f.value === null) {
        if (f.op !== 'eq' && f.op !== 'ne') throw ScimError.invalidFilter(`${label}: null can only be compared with eq or ne`);
        const present: CheckedPresent = { op: 'pr', attr: f.attr, target };
        return f.op === 'eq' ? { op: 'not', filter: present } : present;
      }
      return { op: f.op, attr: f.attr, target, ...comparison(f.op, f.value, target.def, label) };
    }
  }
}

/**
 * Checks a filter against a resource type: 400 invalidFilter for an attribute no schema
 * defines (unless `unknownAttributes: 'noMatch'`), an operator the attribute's type does not
 * take, or a literal of another type. What it returns is what evaluators compile: paths
 * resolved, literals ready to compare.
 */
export function checkFilter(filter: Filter, type: ResourceType, options: CheckFilterOptions = {}): CheckedFilter {
  return check(filter, typeScope(type), options);
}

/**
 * Checks the filter of a value path (`emails[type eq "work"]`) against the complex attribute
 * `attribute`, whose sub-attributes its paths name, as {@link checkFilter} checks a filter.
 */
export function checkValueFilter(filter: Filter, attribute: AttributeDefinition, options: CheckFilterOptions = {}): CheckedFilter {
  return check(filter, elementScope(attribute), options);
}
