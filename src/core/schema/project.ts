/**
 * Response shaping (RFC 7643 §7 `returned`, RFC 7644 §3.4.2.5 `attributes` and
 * `excludedAttributes`). A projection is built once per request and applied to each resource.
 * @module
 */
import type { AttributeDefinition } from './attribute.js';
import type { ResourceType } from './registry.js';
import { cloneJson, isObject, type ScimResource } from './resource.js';

/** The `attributes` / `excludedAttributes` of a request, as lists of attribute paths. */
export interface ProjectionRequest {
  /** Only these (plus those returned always) are returned. */
  attributes?: readonly string[];
  /** These are left out (unless returned always). */
  excludedAttributes?: readonly string[];
}

/** Selected names per schema key ('' = core/common): a top-level name maps to true (whole) or its set of sub-attributes. */
type Selection = Map<string, Map<string, true | Set<string>>>;

function select(type: ResourceType, paths: readonly string[] | undefined): Selection | undefined {
  if (!paths?.length) return undefined;
  const sel: Selection = new Map();
  const put = (schemaKey: string, name: string, sub: string | undefined) => {
    let m = sel.get(schemaKey);
    if (!m) sel.set(schemaKey, (m = new Map()));
    const cur = m.get(name);
    if (sub === undefined) m.set(name, true);
    else if (cur !== true) m.set(name, (cur ?? new Set<string>()).add(sub));
  };
  for (const raw of paths) {
    const text = raw.trim();
    if (!text) continue;
    const ext = type.extension(text);
    if (ext) {
      put(ext.id, '*', undefined);
      continue;
    }
    const r = type.resolvePath(text);
    if (!r) continue; // unknown names are ignored, as most servers do
    put(r.extension ? r.schema : '', r.attribute.name, r.sub?.name);
  }
  return sel;
}

/** A precomputed projection for one resource type and one request. @internal */
export class Projection {
  readonly #type: ResourceType;
  readonly #include: Selection | undefined;
  readonly #exclude: Selection | undefined;

  /** Builds the projection; unknown attribute names in the lists are ignored. */
  constructor(type: ResourceType, request: ProjectionRequest = {}) {
    this.#type = type;
    this.#include = select(type, request.attributes);
    this.#exclude = this.#include ? undefined : select(type, request.excludedAttributes);
  }

  /** Whether a top-level attribute (core when `schemaKey` is '') may appear at all; stores use it to skip loading, e.g. `members`. */
  wants(schemaKey: string, attribute: string): boolean {
    const def = schemaKey ? this.#type.extensionAttribute(schemaKey, attribute) : this.#type.coreAttribute(attribute);
    if (!def) return false;
    return this.#decide(schemaKey, def) !== false;
  }

  #decide(schemaKey: string, def: AttributeDefinition): boolean | Set<string> {
    if (def.returned === 'never') return false;
    if (def.returned === 'always') return true;
    if (this.#include) {
      const m = this.#include.get(schemaKey);
      const hit = m?.get(def.name) ?? (m?.has('*') ? true : undefined);
      return hit ?? false;
    }
    if (def.returned === 'request') return false;
    const ex = this.#exclude?.get(schemaKey);
    const hit = ex?.get(def.name) ?? (ex?.has('*') ? true : undefined);
    if (hit === true) return false;
    if (hit instanceof Set) return invert(def, hit);
    return true;
  }

  #object(
    attrs: (name: string) => AttributeDefinition | undefined,
    schemaKey: string,
    src: Record<string, unknown>,
    copy: boolean,
    out: Record<string, unknown> = {},
  ): Record<string, unknown> {
    for (const key of Object.keys(src)) {
      const def = attrs(key);
      if (!def) continue;
      const d = this.#decide(schemaKey, def);
      if (d === false) continue;
      const v = d === true ? stripNever(def, src[key]) : pick(def, src[key], d);
      out[key] = copy ? cloneJson(v) : v;
    }
    return out;
  }

  /**
   * The resource as returned: `schemas` and `id` always; `password` and other `returned: never`
   * values never. The values it keeps are the resource's own unless `copy`: then each is
   * copied, and the result shares nothing with `resource` (a store's own data, read uncopied).
   */
  apply(resource: ScimResource, copy = false): ScimResource {
    const type = this.#type;
    // `schemas` first, filled in as extensions are found: 'schemas' is no attribute, so the
    // resource's own never lands here, and the result needs no second copy to put it first
    const schemas = [type.schema.id];
    const out = this.#object((n) => type.coreAttribute(n), '', resource, copy, { schemas }) as ScimResource;
    for (const ext of type.extensions) {
      const v = resource[ext.schema.id];
      if (!isObject(v)) continue;
      const projected = this.#object((n) => type.extensionAttribute(ext.schema.id, n), ext.schema.id, v, copy);
      if (Object.keys(projected).length) {
        out[ext.schema.id] = projected;
        schemas.push(ext.schema.id);
      }
    }
    return out;
  }
}

function invert(def: AttributeDefinition, excluded: Set<string>): Set<string> {
  return new Set((def.subAttributes ?? []).map((s) => s.name).filter((n) => !excluded.has(n)));
}

function pickOne(def: AttributeDefinition, value: unknown, subs: Set<string>): unknown {
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const s of def.subAttributes ?? []) {
    if ((subs.has(s.name) || s.returned === 'always') && s.returned !== 'never' && value[s.name] !== undefined) out[s.name] = value[s.name];
  }
  return out;
}

function pick(def: AttributeDefinition, value: unknown, subs: Set<string>): unknown {
  return Array.isArray(value) ? value.map((v) => pickOne(def, v, subs)) : pickOne(def, value, subs);
}

function stripNever(def: AttributeDefinition, value: unknown): unknown {
  if (def.type !== 'complex' || !def.subAttributes?.some((s) => s.returned === 'never')) return value;
  return pick(def, value, new Set(def.subAttributes.filter((s) => s.returned !== 'never').map((s) => s.name)));
}
