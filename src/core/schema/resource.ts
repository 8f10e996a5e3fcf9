/** The JSON shapes scimkit passes around. @module */

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** A SCIM resource as JSON: `schemas`, `id`, `meta`, core attributes, and extension objects under their URN. */
export interface ScimResource {
  /** The schema URNs the resource uses. */
  schemas?: string[];
  /** The server-assigned id. */
  id?: string;
  /** The client's own id for the resource. */
  externalId?: string;
  /** Resource metadata (RFC 7643 §3.1). */
  meta?: ScimMeta;
  /** Every other attribute, and extension objects under their URN. */
  [attribute: string]: unknown;
}

/** The `meta` attribute (RFC 7643 §3.1). */
export interface ScimMeta {
  /** The resource type's name. */
  resourceType?: string;
  /** When the resource was created (xsd:dateTime). */
  created?: string;
  /** When the resource last changed (xsd:dateTime). */
  lastModified?: string;
  /** The resource's URI. */
  location?: string;
  /** The weak ETag of this version, e.g. `W/"3"`. */
  version?: string;
}

/** Whether a value is a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets `target[key] = value` as an own data property, also for the key `__proto__`: an
 * assignment with that key (which JSON.parse gives as an ordinary key) would set the object's
 * prototype instead, and the object would then answer for keys it does not have.
 * @internal
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A deep copy of a JSON value (objects and arrays copied, primitives shared; `__proto__` keys stay data). @internal */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) setOwn(out, k, cloneJson(value[k]));
    return out as T;
  }
  return value;
}
