/**
 * Response shaping shared by the resource handlers: location, version, projection.
 * @module
 */
import type { Projection, ProjectionRequest } from '../schema/project.js';
import type { ResourceType } from '../schema/registry.js';
import type { ScimResource } from '../schema/resource.js';
import type { RequestScope } from './engine.js';

/** The URI of a resource. */
export function locationOf(scope: RequestScope, type: ResourceType, id: string): string {
  return `${scope.base}${type.endpoint}/${encodeURIComponent(id)}`;
}

/** A stored resource as returned: `meta.location` and `$ref`s of `groups` set, then projected. */
export function present(scope: RequestScope, type: ResourceType, r: ScimResource, projection: Projection): ScimResource {
  const out: ScimResource = { ...r };
  if (r.meta && typeof r.id === 'string') out.meta = { ...r.meta, location: locationOf(scope, type, r.id) };
  if (Array.isArray(r.groups)) {
    out.groups = r.groups.map((g) =>
      g && typeof g === 'object' && typeof (g as { value?: unknown }).value === 'string'
        ? { ...g, $ref: `${scope.base}/Groups/${encodeURIComponent((g as { value: string }).value)}` }
        : g,
    );
  }
  return projection.apply(out);
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
