/**
 * When two attribute values are the same value (RFC 7643 §2.3, RFC 7644 §3.5.2): the one rule
 * multi-valued de-duplication (a PATCH `add` of a value already there adds nothing), the
 * stores' indexes and uniqueness (identity.ts builds on it) use. Strings compare case-folded
 * where the attribute folds case (case-fold.ts `foldsCase`: never binary, never caseExact);
 * dateTimes compare as instants; complex values compare sub-attribute by sub-attribute with
 * each one's own rules; a group's members are the same when they name the same id (members.ts).
 *
 * Not whether a write changed a resource: a value is stored as written, so `Ops` over `ops` is
 * the same value here and yet a change of what a GET returns (version.ts says why and decides).
 * @module
 */
import type { AttributeDefinition } from '../schema/attribute.js';
import { subAttribute } from '../schema/registry.js';
import { isObject } from '../schema/resource.js';
import { foldCase, foldsCase } from './case-fold.js';

function scalarKey(def: AttributeDefinition | undefined, v: unknown): string {
  if (typeof v === 'string') {
    if (def?.type === 'dateTime') {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) return `t${t}`;
    }
    // JSON-quoted: a key is never ambiguous, whatever the value holds (`,` `"` `:`)
    return `s${JSON.stringify(def && foldsCase(def) ? foldCase(v) : v)}`;
  }
  if (typeof v === 'number') return `n${v}`;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  return `j${JSON.stringify(v)}`;
}

/**
 * A canonical key of one value of `attr` (one element, for a multi-valued attribute): two
 * values are the same exactly when their keys are equal, so a Set of keys de-duplicates
 * a list in O(n).
 */
export function valueKey(attr: AttributeDefinition, value: unknown): string {
  if (attr.type !== 'complex' || !isObject(value)) return scalarKey(attr, value);
  if (attr.name === 'members' && typeof value.value === 'string') return `m${value.value}`;
  const parts: string[] = [];
  for (const k of Object.keys(value).sort()) {
    const v = value[k];
    if (v === undefined || v === null) continue;
    const sub = subAttribute(attr, k);
    parts.push(`${JSON.stringify(sub?.name ?? k)}:${Array.isArray(v) ? `[${v.map((x) => scalarKey(sub, x)).join(',')}]` : scalarKey(sub, v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Whether two values of `attr` are the same value. */
export function sameValue(attr: AttributeDefinition, a: unknown, b: unknown): boolean {
  return a === b || valueKey(attr, a) === valueKey(attr, b);
}

/**
 * The values of a multi-valued attribute with later duplicates of earlier ones left out,
 * in order (O(n)). `existing` values are kept as they are; of `incoming`, only values not
 * already present are appended.
 */
export function appendDistinct(attr: AttributeDefinition, existing: readonly unknown[], incoming: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const v of [...existing, ...incoming]) {
    const k = valueKey(attr, v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}
