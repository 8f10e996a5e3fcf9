/**
 * Quirks several clients share.
 * @module
 */
import { isObject } from '../../schema/resource.js';
import { mapTargetValues } from '../target.js';
import type { PatchQuirk } from './quirk.js';

/** `"value": ["Sales"]` for a single-valued attribute: the one element is the value. */
export const singleValueArray: PatchQuirk = {
  name: 'singleValueArray',
  client: 'Microsoft Entra ID, OneLogin',
  description: 'A one-element array given for a single-valued attribute is taken as that element.',
  normalize: (op, ctx) => {
    op.value = mapTargetValues(ctx.type, op, (def, v) => (!def.multiValued && Array.isArray(v) && v.length === 1 ? v[0] : v));
    return [op];
  },
};

const MEMBER_KEYS = new Set(['value', '$ref', 'type', 'display']);

/** Members sent with extra keys (`"displayName"`, `"name"`) beside value, $ref, type and display: the extras are dropped. */
export const memberExtras: PatchQuirk = {
  name: 'memberExtras',
  client: 'Microsoft Entra ID',
  description: 'Drops keys other than value, $ref, type and display from member values.',
  normalize: (op, ctx) => {
    op.value = mapTargetValues(ctx.type, op, (def, v) => {
      if (def.name !== 'members' || ctx.type.coreAttribute('members') !== def) return v;
      const strip = (m: unknown) => {
        if (!isObject(m)) return m;
        for (const k in m)
          if (!MEMBER_KEYS.has(k.toLowerCase())) return Object.fromEntries(Object.entries(m).filter(([key]) => MEMBER_KEYS.has(key.toLowerCase())));
        return m;
      };
      return Array.isArray(v) ? v.map(strip) : strip(v);
    });
    return [op];
  },
};

/**
 * OneLogin's templates name the schemas `urn:scim:schemas:core:2.0` and
 * `urn:scim:schemas:extension:enterprise:2.0` (SCIM 1.1's `…:1.0` spelling too): in a POST
 * or PUT body those are read as RFC 7643's URNs. Applied to resource bodies (server/normalize.ts).
 */
export const schemaUrnAliases: PatchQuirk = {
  name: 'schemaUrnAliases',
  client: 'OneLogin',
  description: 'Reads urn:scim:schemas:core:2.0 / :1.0 as the core schema and urn:scim:schemas:extension:enterprise:2.0 / :1.0 as the enterprise extension.',
};

/** One object where a multi-valued attribute takes an array: a one-element array. @internal */
export function arrayOfOne(def: { multiValued: boolean }, value: unknown): unknown {
  return def.multiValued && isObject(value) ? [value] : value;
}

/**
 * `"emails": {"value": …}` for a multi-valued attribute in a POST or PUT body (OneLogin, per
 * django-scim2's parser): the one object is a one-element array. A PATCH value of one object
 * is read so by the engine in every mode (an element to add or to replace with).
 */
export const objectForMultiValued: PatchQuirk = {
  name: 'objectForMultiValued',
  client: 'OneLogin',
  description: 'A single object given for a multi-valued attribute in a POST or PUT body is taken as a one-element array.',
};
