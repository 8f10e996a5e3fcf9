/**
 * Validation with the request and response contexts of RFC 7644 §3: names are
 * canonicalised first, then the shape validator checks types and shapes, then code checks what
 * JSON Schema cannot say. Every problem of one request is collected.
 * @module
 */
import { ScimError, type ScimProblem } from '../errors.js';
import { foldCase, foldsCase } from '../rules/case-fold.js';
import type { AttributeDefinition } from './attribute.js';
import { CompiledSchemas, shapeProblems } from './json-schema.js';
import { type ResourceType, subAttribute } from './registry.js';
import { isObject, type ScimResource } from './resource.js';
import { DEFAULT_STRING_LENGTHS, isStorableString, maxLengthOf, type StringLengths } from './storable.js';

/**
 * Where the resource comes from: a client's POST body (`create`), PUT body (`replace`),
 * the outcome of a PATCH (`patch`), or a server response (`response`).
 */
export type ValidationContext = 'create' | 'replace' | 'patch' | 'response';

/** Per-server validation choices; never global. */
export interface ValidationPolicy {
  /** What to do with attributes no schema defines: `reject` (400, the default) or `drop`. */
  unknownAttributes?: 'reject' | 'drop';
  /** Whether `canonicalValues` are `advisory` (the default) or enforced (400 when another value is sent). */
  canonicalValues?: 'advisory' | 'enforce';
  /** Most values of one multi-valued attribute other than `members` (the server's `limits.maxValuesPerAttribute`); unbounded when absent. */
  maxValues?: number;
  /** Longest strings and references, in characters (the server's `limits.maxStringLength`; default 4,096). */
  maxStringLength?: number;
  /** Longest binary values, in characters (the server's `limits.maxBinaryLength`; default 65,536). */
  maxBinaryLength?: number;
  /** Longest value of an attribute stores index (the server's `limits.maxIndexedStringLength`; default 512). */
  maxIndexedStringLength?: number;
}

/** Options of {@link validateResource}. */
export interface ValidateOptions extends ValidationPolicy {
  /** The request or response context. */
  context: ValidationContext;
  /** The stored resource, for replace and patch: immutable attributes are checked against it. */
  existing?: ScimResource;
  /** Compiled validators to reuse; by default a cache kept per resource type object. */
  compiled?: CompiledSchemas;
}

const defaultCompiled = new CompiledSchemas();

interface State {
  problems: ScimProblem[];
  dropReadOnly: boolean;
  unknown: 'reject' | 'drop';
  maxValues: number;
  lengths: StringLengths;
}

function stateOf(policy: ValidationPolicy, dropReadOnly: boolean): State {
  return {
    problems: [],
    dropReadOnly,
    unknown: policy.unknownAttributes ?? 'reject',
    maxValues: policy.maxValues ?? Number.POSITIVE_INFINITY,
    lengths: {
      string: policy.maxStringLength ?? DEFAULT_STRING_LENGTHS.string,
      binary: policy.maxBinaryLength ?? DEFAULT_STRING_LENGTHS.binary,
      indexed: policy.maxIndexedStringLength ?? DEFAULT_STRING_LENGTHS.indexed,
    },
  };
}

/** A problem when a multi-valued attribute (not `members`) holds more values than the limit. @internal */
export function tooManyValues(attr: AttributeDefinition, count: number, path: string, max: number | undefined): ScimProblem | undefined {
  if (max === undefined || attr.name === 'members' || count <= max) return undefined;
  return { path, code: 'tooManyValues', message: `${path} has ${count} values; the limit is ${max}` };
}

function unknownAttribute(st: State, path: string): void {
  if (st.unknown === 'reject') st.problems.push({ path, code: 'unknownAttribute', message: `${path} is not an attribute of this resource type` });
}

/** A problem for a string no store can hold (schema/storable.ts). */
function checkStorable(attr: AttributeDefinition, value: unknown, path: string, st: State): void {
  if (typeof value !== 'string') return;
  if (!isStorableString(value))
    st.problems.push({ path, code: 'invalidString', message: `${path} holds a NUL character or a lone surrogate, which no store can hold` });
  const max = maxLengthOf(attr, path, st.lengths);
  if (value.length > max) st.problems.push({ path, code: 'tooLong', message: `${path} has ${value.length} characters; the limit is ${max}` });
}

function canonValue(attr: AttributeDefinition, value: unknown, path: string, st: State): unknown {
  if (value === null) return undefined;
  if (attr.multiValued && Array.isArray(value)) {
    const over = tooManyValues(attr, value.length, path, st.maxValues);
    if (over) {
      // reported, and not walked: the values past the limit are never looked at
      st.problems.push(over);
      return undefined;
    }
    const out: unknown[] = [];
    value.forEach((el, i) => {
      if (el === null) return;
      checkStorable(attr, el, `${path}[${i}]`, st);
      const v = attr.type === 'complex' && isObject(el) ? canonComplex(attr, el, `${path}[${i}]`, st) : el;
      if (v !== undefined) out.push(v);
    });
    return out.length ? out : undefined;
  }
  if (attr.type === 'complex' && isObject(value)) return canonComplex(attr, value, path, st);
  checkStorable(attr, value, path, st);
  return value;
}

function canonComplex(attr: AttributeDefinition, obj: Record<string, unknown>, path: string, st: State): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(obj)) {
    const sub = subAttribute(attr, key);
    if (!sub) {
      unknownAttribute(st, `${path}.${key}`);
      continue;
    }
    if (st.dropReadOnly && sub.mutability === 'readOnly') continue;
    const v = canonValue(sub, obj[key], `${path}.${sub.name}`, st);
    if (v !== undefined) {
      out[sub.name] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

/**
 * Rewrites attribute names to the schema's spelling (`USERNAME` → `userName`), drops
 * `null` (unassigned, RFC 7643 §2.5) and, in request contexts, readOnly values.
 * Unknown names become problems or are dropped, as the policy says.
 */
function canonicalise(type: ResourceType, input: Record<string, unknown>, st: State): ScimResource {
  const out: ScimResource = {};
  for (const key of Object.keys(input)) {
    const value = input[key];
    const lower = key.toLowerCase();
    if (lower === 'schemas') {
      out.schemas = value as string[];
      continue;
    }
    const ext = type.extension(key);
    if (ext) {
      if (value === null) continue;
      if (!isObject(value)) {
        st.problems.push({ path: ext.id, code: 'invalidType', message: `${ext.id} must be a complex object` });
        continue;
      }
      const extOut: Record<string, unknown> = {};
      for (const k of Object.keys(value)) {
        const def = type.extensionAttribute(ext.id, k);
        if (!def) {
          unknownAttribute(st, `${ext.id}:${k}`);
          continue;
        }
        if (st.dropReadOnly && def.mutability === 'readOnly') continue;
        const v = canonValue(def, value[k], `${ext.id}:${def.name}`, st);
        if (v !== undefined) extOut[def.name] = v;
      }
      if (Object.keys(extOut).length) out[ext.id] = extOut;
      continue;
    }
    // A URN-qualified top-level name, e.g. "urn:ietf:params:scim:schemas:core:2.0:User:userName".
    const resolved = key.includes(':') ? type.resolvePath(key) : undefined;
    const def = resolved && !resolved.sub ? resolved.attribute : type.coreAttribute(key);
    if (!def) {
      unknownAttribute(st, key);
      continue;
    }
    if (st.dropReadOnly && def.mutability === 'readOnly') continue;
    const v = canonValue(def, value, resolved?.path ?? def.name, st);
    if (v === undefined) continue;
    if (resolved?.extension) {
      const bag = (out[resolved.schema] as Record<string, unknown> | undefined) ?? {};
      bag[def.name] = v;
      out[resolved.schema] = bag;
    } else out[def.name] = v;
  }
  return out;
}

/**
 * Canonicalises one attribute's value as validation would (names, nulls, readOnly
 * sub-attributes dropped); unknown sub-attributes are problems or dropped per policy.
 * Throws one ScimError listing the problems.
 * @internal
 */
export function canonicaliseValue(attr: AttributeDefinition, value: unknown, path: string, policy: ValidationPolicy = {}): unknown {
  const st = stateOf(policy, true);
  const out = canonValue(attr, value, path, st);
  if (st.problems.length) throw problemsError(st.problems);
  return out;
}

/** Deep equality of two JSON values (key order ignored). @internal */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function checkAttributes(
  attrs: readonly AttributeDefinition[],
  obj: Record<string, unknown>,
  existing: Record<string, unknown> | undefined,
  prefix: string,
  opts: ValidateOptions,
  problems: ScimProblem[],
): void {
  for (const attr of attrs) {
    const value = obj[attr.name];
    const path = `${prefix}${attr.name}`;
    if (existing && attr.mutability === 'immutable') {
      const before = existing[attr.name];
      if (before !== undefined && value === undefined && opts.context === 'replace') obj[attr.name] = before;
      else if (before !== undefined && !sameJson(before, value)) problems.push({ path, code: 'mutability', message: `${path} is immutable and already set` });
    }
    if (value === undefined) continue;
    if (attr.type === 'complex' && attr.subAttributes) {
      const elements = attr.multiValued ? (Array.isArray(value) ? value : []) : [value];
      let primaries = 0;
      for (const el of elements) {
        if (!isObject(el)) continue;
        if (el.primary === true) primaries++;
        if (!attr.multiValued) {
          const before = existing?.[attr.name];
          checkAttributes(attr.subAttributes, el, isObject(before) ? before : undefined, `${path}.`, opts, problems);
        } else if (opts.canonicalValues === 'enforce') checkAttributes(attr.subAttributes, el, undefined, `${path}.`, opts, problems);
      }
      if (primaries > 1) problems.push({ path, code: 'multiplePrimary', message: `${path} has ${primaries} values with primary true; at most one is allowed` });
    } else if (opts.canonicalValues === 'enforce' && attr.canonicalValues?.length) {
      const fold = foldsCase(attr);
      const allowed = fold ? attr.canonicalValues.map(foldCase) : attr.canonicalValues;
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v !== 'string') continue;
        if (!allowed.includes(fold ? foldCase(v) : v)) {
          problems.push({ path, code: 'canonicalValue', message: `${path} must be one of ${attr.canonicalValues.join(', ')}` });
        }
      }
    }
  }
}

/** The attributes a PATCH touched: per schema URN, the top-level attribute names. */
export type Touched = Map<string, Set<string>>;

/**
 * Validates a resource that a PATCH changed in place of a valid stored one. Only the
 * attributes named in `touched` are checked by code; the shape validator checks
 * the whole document (types, required). The resource is returned as given, with `schemas`
 * derived: unchanged values stay shared with `existing`, so treat both as immutable.
 * @internal
 */
export function validatePatched(
  type: ResourceType,
  resource: ScimResource,
  existing: ScimResource,
  touched: ReadonlyMap<string, ReadonlySet<string>>,
  options: ValidationPolicy & { compiled?: CompiledSchemas } = {},
): ScimResource {
  const problems: ScimProblem[] = [];
  for (const ext of type.extensions) {
    const v = resource[ext.schema.id];
    if (isObject(v) && Object.keys(v).length === 0) delete resource[ext.schema.id];
  }
  resource.schemas = type.schemaIds.filter((id, i) => i === 0 || resource[id] !== undefined);
  const validate = (options.compiled ?? defaultCompiled).get(type, 'write');
  if (!validate(resource) && validate.errors) problems.push(...shapeProblems(validate.errors));
  const opts: ValidateOptions = { context: 'patch', ...options };
  const pick = (schema: string, attrs: readonly AttributeDefinition[]) => {
    const names = touched.get(schema);
    return names ? attrs.filter((a) => names.has(a.name)) : [];
  };
  checkAttributes(pick(type.schema.id, [...type.schema.attributes]), resource, existing, '', opts, problems);
  for (const ext of type.extensions) {
    const value = resource[ext.schema.id];
    const before = existing[ext.schema.id];
    if (isObject(value))
      checkAttributes(pick(ext.schema.id, ext.schema.attributes), value, isObject(before) ? before : undefined, `${ext.schema.id}:`, opts, problems);
  }
  if (problems.length) throw problemsError(problems);
  return resource;
}

/** The error for a list of problems: one SCIM error whose detail lists them all (the first 20). @internal */
export function problemsError(problems: readonly ScimProblem[]): ScimError {
  const shown = problems.slice(0, 20).map((p) => p.message);
  if (problems.length > 20) shown.push(`and ${problems.length - 20} more`);
  const detail = shown.join('; ');
  return problems.some((p) => p.code === 'mutability') ? new ScimError(400, detail, 'mutability', problems) : ScimError.invalidValue(detail, problems);
}

/**
 * Validates a resource for a context and returns it in canonical form:
 * canonical attribute names, no nulls, readOnly input dropped, `schemas` listing
 * the core schema and exactly the extensions present. Throws one {@link ScimError}
 * listing every problem.
 */
export function validateResource(type: ResourceType, input: unknown, options: ValidateOptions): ScimResource {
  if (!isObject(input)) throw ScimError.invalidSyntax('The request body must be a JSON object');
  const request = options.context === 'create' || options.context === 'replace';
  const st = stateOf(options, request);
  const out = canonicalise(type, input, st);
  const problems = st.problems;

  if (request) {
    const listed = Array.isArray(out.schemas) ? out.schemas.filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase()) : undefined;
    if (!listed) problems.push({ path: 'schemas', code: 'required', message: `schemas is required and must list ${type.schema.id}` });
    else {
      if (!listed.includes(type.schema.id.toLowerCase()))
        problems.push({ path: 'schemas', code: 'missingSchema', message: `schemas must include ${type.schema.id}` });
      for (const ext of type.extensions) {
        if (out[ext.schema.id] !== undefined && !listed.includes(ext.schema.id.toLowerCase())) {
          problems.push({ path: 'schemas', code: 'missingSchema', message: `schemas must include ${ext.schema.id}, whose attributes are present` });
        }
      }
    }
  }
  // schemas is derived, never trusted: the core schema and the extensions that carry data.
  out.schemas = type.schemaIds.filter((id, i) => i === 0 || out[id] !== undefined);

  const validate = (options.compiled ?? defaultCompiled).get(type, options.context === 'response' ? 'read' : 'write');
  if (!validate(out) && validate.errors) problems.push(...shapeProblems(validate.errors));

  if (options.context !== 'response') {
    checkAttributes(type.schema.attributes, out, options.existing, '', options, problems);
    for (const ext of type.extensions) {
      const value = out[ext.schema.id];
      const before = options.existing?.[ext.schema.id];
      if (isObject(value)) checkAttributes(ext.schema.attributes, value, isObject(before) ? before : undefined, `${ext.schema.id}:`, options, problems);
    }
  }
  if (problems.length) throw problemsError(problems);
  return out;
}
