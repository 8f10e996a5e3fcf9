/**
 * The IdP quirks of resource bodies (POST and PUT): Entra ID's bare manager id, OneLogin's
 * schema URNs, quoted booleans and single objects for arrays (read by the functions the PATCH
 * dialects use), each only when the server's compatibility profile enables it.
 * @module
 */
import { arrayOfOne } from '../core/patch/dialects/common.js';
import { booleans, managerFromBareId, withManagerRead } from '../core/patch/dialects/entra.js';
import { quirksOf } from '../core/patch/dialects/index.js';
import { mapTargetValues, operation } from '../core/patch/target.js';
import { ENTERPRISE_USER_SCHEMA_ID } from '../core/schema/builtin/enterprise-user.js';
import type { ResourceType } from '../core/schema/registry.js';
import { isObject, setOwn } from '../core/schema/resource.js';
import type { Engine } from './engine.js';

/** OneLogin's and SCIM 1.1's spellings of the schema URNs (lower case), and what each means. */
const URN_ALIASES: Readonly<Record<string, 'core' | 'enterprise'>> = {
  'urn:scim:schemas:core:2.0': 'core',
  'urn:scim:schemas:core:1.0': 'core',
  'urn:scim:schemas:extension:enterprise:2.0': 'enterprise',
  'urn:scim:schemas:extension:enterprise:1.0': 'enterprise',
};

/** `schemas` and extension keys spelled the RFC 7643 way (the schemaUrnAliases quirk). */
function withRfcUrns(type: ResourceType, body: Record<string, unknown>): Record<string, unknown> {
  const enterprise = type.extensions.some((e) => e.schema.id === ENTERPRISE_USER_SCHEMA_ID);
  const urnOf = (alias: 'core' | 'enterprise' | undefined) =>
    alias === 'core' ? type.schema.id : alias === 'enterprise' && enterprise ? ENTERPRISE_USER_SCHEMA_ID : undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const urn = urnOf(URN_ALIASES[k.toLowerCase()]);
    const key = urn ?? k;
    // the alias and the RFC key both present: their attributes merged, the RFC key's first
    const merged =
      urn && isObject(v) && isObject(out[key])
        ? { ...v, ...(out[key] as Record<string, unknown>) }
        : !urn && isObject(v) && isObject(out[key])
          ? { ...(out[key] as Record<string, unknown>), ...v }
          : v;
    // own keys only: a "__proto__" key of the JSON stays a key (and is refused as one)
    setOwn(out, key, merged);
  }
  const schemasKey = Object.keys(out).find((k) => k.toLowerCase() === 'schemas');
  const list = schemasKey === undefined ? undefined : out[schemasKey];
  if (schemasKey !== undefined && Array.isArray(list)) {
    const schemas = list.map((s) => (typeof s === 'string' ? (urnOf(URN_ALIASES[s.toLowerCase()]) ?? s) : s));
    out[schemasKey] = [...new Set(schemas)];
  }
  return out;
}

/** Core attributes named with the core schema's URN (`urn:…:core:2.0:User:active`) under their bare names, as validation reads them. */
function withCoreNamesBare(type: ResourceType, body: Record<string, unknown>): Record<string, unknown> {
  const prefix = `${type.schema.id.toLowerCase()}:`;
  if (!Object.keys(body).some((k) => k.toLowerCase().startsWith(prefix))) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const bare = k.toLowerCase().startsWith(prefix) ? k.slice(prefix.length) : undefined;
    setOwn(out, bare !== undefined && type.coreAttribute(bare) && !(bare in body) ? bare : k, v);
  }
  return out;
}

/** A POST or PUT body with the enabled quirks read (a shallow copy; the input is not changed). */
export function normalizeResourceBody(engine: Engine, type: ResourceType, body: unknown): unknown {
  if (!isObject(body)) return body;
  const quirks = quirksOf(engine.compatibility);
  if (quirks.has('schemaUrnAliases')) body = withRfcUrns(type, body);
  // a body is read as a path-less value: each attribute (and extension attribute) visited by its
  // definition; a core attribute named with its schema's URN (`urn:…:User:active`) is one too
  if (quirks.has('booleanStrings') || quirks.has('objectForMultiValued')) body = withCoreNamesBare(type, body as Record<string, unknown>);
  // one walk for both: an object made an array first, then its booleans read
  const wrap = quirks.has('objectForMultiValued');
  const bools = quirks.has('booleanStrings');
  if (wrap || bools) {
    body = mapTargetValues(type, operation('replace', undefined, undefined, body), (def, v) => {
      const one = wrap ? arrayOfOne(def, v) : v;
      return bools ? booleans(def, one) : one;
    });
  }
  if (!isObject(body) || !quirks.has('managerAsString') || !type.extensions.some((e) => e.schema.id === ENTERPRISE_USER_SCHEMA_ID)) return body;
  const out: Record<string, unknown> = { ...body };
  for (const k of Object.keys(out)) {
    const v = out[k];
    if (type.extension(k)?.id === ENTERPRISE_USER_SCHEMA_ID && isObject(v)) out[k] = withManagerRead(v);
    else if (k.toLowerCase() === `${ENTERPRISE_USER_SCHEMA_ID}:manager`.toLowerCase()) out[k] = managerFromBareId(v);
  }
  return out;
}
