/**
 * Response shaping shared by the resource handlers: location, version, projection.
 * @module
 */
import type { Projection, ProjectionRequest } from '../core/schema/project.js';
import type { ResourceType } from '../core/schema/registry.js';
import { isObject, type ScimResource } from '../core/schema/resource.js';
import type { RequestScope } from './engine.js';

/** The URI of a resource. */
export function locationOf(scope: RequestScope, type: ResourceType, id: string): string {
  return `${scope.base}${type.endpoint}/${encodeURIComponent(id)}`;
}

/** The endpoint of a group-like resource type (one with `members`) for a user's `groups[].$ref`: `Group`'s, else the first. */
function groupEndpoint(scope: RequestScope): string | undefined {
  const types = scope.registry.resourceTypes().filter((t) => t.coreAttribute('members'));
  return (types.find((t) => t.name === 'Group') ?? types[0])?.endpoint;
}

/** `{ ...el, $ref }` for a reference element with a string `value`; a `$ref` that cannot be computed is left out, never echoed. */
function withRef(scope: RequestScope, el: unknown, endpoint: string | undefined): unknown {
  if (!isObject(el)) return el;
  const { $ref: _stored, ...rest } = el;
  if (typeof el.value !== 'string' || endpoint === undefined) return rest;
  return { ...rest, $ref: `${scope.base}${endpoint}/${encodeURIComponent(el.value)}` };
}

/**
 * A stored resource as returned: `meta.location` set, and the `$ref`s of `groups` and
 * `members` computed here (never stored as a client sent them), then projected. `r` is not
 * changed; with `copy` (`r` is the store's own data, read uncopied) the result shares nothing
 * with it.
 */
export function present(scope: RequestScope, type: ResourceType, r: ScimResource, projection: Projection, copy = false): ScimResource {
  const out: ScimResource = { ...r };
  if (r.meta && typeof r.id === 'string') out.meta = { ...r.meta, location: locationOf(scope, type, r.id) };
  if (Array.isArray(r.groups)) {
    const endpoint = groupEndpoint(scope);
    out.groups = r.groups.map((g) => withRef(scope, g, endpoint));
  }
  if (Array.isArray(r.members)) {
    out.members = r.members.map((m) =>
      withRef(scope, m, isObject(m) && typeof m.type === 'string' ? scope.registry.resourceType(m.type)?.endpoint : undefined),
    );
  }
  return projection.apply(out, copy);
}

/** `attributes` / `excludedAttributes` from a query or a search body, as lists. */
export function projectionRequest(attributes: unknown, excluded: unknown): ProjectionRequest {
  const list = (v: unknown): string[] | undefined => {
    if (typeof v === 'string')
      return v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
    return undefined;
  };
  const out: ProjectionRequest = {};
  const a = list(attributes);
  const e = list(excluded);
  if (a?.length) out.attributes = a;
  if (e?.length) out.excludedAttributes = e;
  return out;
}
