/**
 * The IdP quirks of resource bodies (POST and PUT), read by the same functions PATCH
 * dialects use, and only when the server's compatibility profile enables them.
 * @module
 */
import { managerFromBareId, withManagerRead } from '../patch/dialects/entra.js';
import { quirksOf } from '../patch/dialects/index.js';
import { ENTERPRISE_USER_SCHEMA_ID } from '../schema/builtin/enterprise-user.js';
import type { ResourceType } from '../schema/registry.js';
import { isObject } from '../schema/resource.js';
import type { Engine } from './engine.js';

/** A POST or PUT body with the enabled quirks read (a shallow copy; the input is not changed). */
export function normalizeResourceBody(engine: Engine, type: ResourceType, body: unknown): unknown {
  if (!isObject(body) || !quirksOf(engine.compatibility).has('managerAsString') || !type.extensions.some((e) => e.schema.id === ENTERPRISE_USER_SCHEMA_ID))
    return body;
  const out: Record<string, unknown> = { ...body };
  for (const k of Object.keys(out)) {
    const v = out[k];
    if (type.extension(k)?.id === ENTERPRISE_USER_SCHEMA_ID && isObject(v)) out[k] = withManagerRead(v);
    else if (k.toLowerCase() === `${ENTERPRISE_USER_SCHEMA_ID}:manager`.toLowerCase()) out[k] = managerFromBareId(v);
  }
  return out;
}
