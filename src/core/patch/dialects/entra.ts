/**
 * What Microsoft Entra ID sends that a strict RFC 7644 engine rejects or misreads.
 * Each quirk is tested with the exact JSON Entra ID sends (test/fixtures/entra/).
 * @module
 */

import type { Filter } from '../../filter/ast.js';
import { parsePath } from '../../path/parse.js';
import type { AttributeDefinition } from '../../schema/attribute.js';
import { ENTERPRISE_USER_SCHEMA_ID } from '../../schema/builtin/enterprise-user.js';
import { subAttribute } from '../../schema/registry.js';
import { isObject, setOwn } from '../../schema/resource.js';
import { mapTargetValues, operation, type ResolvedOperation, targetOf } from '../target.js';
import type { PatchQuirk } from './quirk.js';

/** `"op": "Add"`, `"Replace"`, `"Remove"`: operation names in any case. */
export const opNameCase: PatchQuirk = {
  name: 'opNameCase',
  client: 'Microsoft Entra ID',
  description: 'Accepts "Add", "Replace", "Remove" (any case) as operation names.',
  normalize: (op) => {
    op.op = op.op.toLowerCase();
    return [op];
  },
};

const hasBooleanCache = new WeakMap<object, boolean>();
function hasBoolean(def: AttributeDefinition): boolean {
  let v = hasBooleanCache.get(def);
  if (v === undefined) {
    v = def.type === 'boolean' || (def.subAttributes ?? []).some(hasBoolean);
    hasBooleanCache.set(def, v);
  }
  return v;
}

/** `"True"`/`"False"` (any case) as booleans where `def` (or a sub-attribute of it) is boolean. @internal */
export function booleans(def: AttributeDefinition, value: unknown): unknown {
  if (!hasBoolean(def) || value === null || typeof value === 'boolean') return value;
  if (def.type === 'boolean' && typeof value === 'string') {
    const v = value.toLowerCase();
    return v === 'true' ? true : v === 'false' ? false : value;
  }
  if (Array.isArray(value)) return value.map((v) => booleans(def, v));
  if (def.type === 'complex' && isObject(value) && def.subAttributes) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const sub = subAttribute(def, k);
      setOwn(out, k, sub ? booleans(sub, value[k]) : value[k]);
    }
    return out;
  }
  return value;
}

/** `"active": "False"`: boolean strings for boolean attributes. */
export const booleanStrings: PatchQuirk = {
  name: 'booleanStrings',
  client: 'Microsoft Entra ID, OneLogin',
  description:
    'Turns "True"/"False" (any case) into booleans where the attribute is boolean (in PATCH values, and in POST and PUT bodies: OneLogin templates quote them).',
  normalize: (op, ctx) => {
    op.value = mapTargetValues(ctx.type, op, booleans);
    return [op];
  },
};

/**
 * A path-less add/replace whose keys are paths: `"name.givenName"`,
 * `"emails[type eq \"work\"].value"`, `"urn:…:enterprise:2.0:User:department"`.
 * Each such key becomes an operation of its own with that path.
 */
export const pathKeysInValue: PatchQuirk = {
  name: 'pathKeysInValue',
  client: 'Microsoft Entra ID',
  description: 'Splits path-like keys of a path-less add/replace value into operations with that path.',
  normalize: (op, ctx) => {
    if (op.path || !isObject(op.value)) return [op];
    const rest: Record<string, unknown> = {};
    const split: ResolvedOperation[] = [];
    for (const key of Object.keys(op.value)) {
      const pathLike = key.includes('.') || key.includes('[') || (key.includes(':') && !ctx.type.extension(key));
      if (!pathLike) {
        setOwn(rest, key, op.value[key]);
        continue;
      }
      split.push(operation(op.op, parsePath(key), key, op.value[key]));
    }
    if (!Object.keys(rest).length) return split;
    op.value = rest;
    return [op, ...split];
  },
};

function isEmptyManager(v: unknown): boolean {
  const blank = (x: unknown) => x === null || x === undefined || (typeof x === 'string' && x.trim() === '');
  if (blank(v)) return true;
  if (isObject(v)) {
    const keys = Object.keys(v);
    // the manager is its id ("value", or "$ref"): without one (an unmapped template macro,
    // "value": ""), there is none, whatever display name it has
    const ids = keys.filter((k) => k.toLowerCase() === 'value' || k.toLowerCase() === '$ref');
    return keys.length === 0 || (ids.length > 0 ? ids.every((k) => blank(v[k])) : keys.every((k) => blank(v[k])));
  }
  return false;
}

/**
 * The one reading of Entra ID's `manager` (POST, PUT and every PATCH form use it): a bare id
 * is `{ "value": id }`; an empty value (`""`, `null`, `{"value": ""}`) is no manager (null).
 */
export function managerFromBareId(v: unknown): unknown {
  const one = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (isEmptyManager(one)) return null;
  if (typeof one === 'string') return { value: one };
  return v;
}

/** An enterprise-extension object with its `manager` key (any case) read by {@link managerFromBareId}. */
export function withManagerRead(ext: Record<string, unknown>): Record<string, unknown> {
  const key = Object.keys(ext).find((k) => k.toLowerCase() === 'manager');
  if (key === undefined) return ext;
  return { ...ext, [key]: managerFromBareId(ext[key]) };
}

/**
 * The enterprise `manager` as a bare id (`"value": "26118915-…"`), or cleared with an
 * empty value: stored as `{ "value": id }`, or removed. Every PATCH form: a path of
 * `…:manager`, a path of the extension, and a path-less value that holds the extension.
 */
export const managerAsString: PatchQuirk = {
  name: 'managerAsString',
  client: 'Microsoft Entra ID, OneLogin',
  description: 'Takes manager as a bare id string (POST, PUT and every PATCH form); an empty manager value removes the manager.',
  normalize: (op, ctx) => {
    if (op.op === 'remove') return [op];
    if (!op.path) {
      if (!isObject(op.value)) return [op];
      const value: Record<string, unknown> = { ...op.value };
      for (const k of Object.keys(value)) {
        const inner = value[k];
        if (ctx.type.extension(k)?.id === ENTERPRISE_USER_SCHEMA_ID && isObject(inner)) value[k] = withManagerRead(inner);
      }
      op.value = value;
      return [op];
    }
    const target = targetOf(ctx.type, op);
    if (target?.kind === 'extension') {
      if (target.schema.id === ENTERPRISE_USER_SCHEMA_ID && isObject(op.value)) op.value = withManagerRead(op.value);
      return [op];
    }
    if (target?.kind !== 'attribute' || target.attr.schema !== ENTERPRISE_USER_SCHEMA_ID || target.attr.attribute.name !== 'manager' || target.attr.sub)
      return [op];
    const v = managerFromBareId(op.value);
    if (v === null) return [operation('remove', op.path, op.pathText, undefined, target)];
    op.value = v;
    return [op];
  },
};

function valueEq(id: string): Filter {
  return { op: 'eq', attr: { name: 'value' }, value: id };
}

/**
 * `{"op":"Remove","path":"members","value":[{"value":"id"}]}` removes only those members.
 * RFC 7644 gives remove no value, so a strict reading removes every member.
 */
export const removeMembersByValue: PatchQuirk = {
  name: 'removeMembersByValue',
  client: 'Microsoft Entra ID, JumpCloud',
  description: 'A remove of "members" with a value list removes only the members listed, never all.',
  normalize: (op, ctx) => {
    if (op.op !== 'remove' || !op.path || op.path.filter || op.path.attr.sub !== undefined || op.value === undefined) return [op];
    const r = ctx.type.resolve(op.path.attr.uri, op.path.attr.name);
    if (r?.attribute.name !== 'members' || r.extension) return [op];
    const list = Array.isArray(op.value) ? op.value : [op.value];
    const ids = list
      .map((m) => (isObject(m) ? Object.entries(m).find(([k]) => k.toLowerCase() === 'value')?.[1] : m))
      .filter((v): v is string => typeof v === 'string');
    // nothing it can name (no value ids): left as sent, so the engine refuses it rather than a silent 200
    if (ids.length === 0) return [op];
    const filter: Filter = ids.length === 1 ? valueEq(ids[0]!) : { op: 'or', filters: ids.map(valueEq) };
    return [operation('remove', { attr: op.path.attr, filter }, op.pathText ?? 'members', undefined)];
  },
};

/**
 * add/replace on `emails[type eq "work"].value` when no work email exists creates
 * `{ "type": "work", "value": … }` (RFC 7644 alone answers 400 noTarget). Applied by
 * the engine, which knows whether anything matched.
 */
export const createMissingTypedElement: PatchQuirk = {
  name: 'createMissingTypedElement',
  client: 'Microsoft Entra ID',
  description: 'add/replace on attr[type eq "x"].sub with no match creates the element instead of 400 noTarget.',
};
