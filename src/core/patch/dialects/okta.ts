/**
 * What Okta sends that a strict engine rejects.
 * @module
 */
import { isObject, setOwn } from '../../schema/resource.js';
import type { PatchQuirk } from './quirk.js';

/**
 * Okta repeats the resource's own `id` inside path-less PATCH values
 * (`{"op":"replace","value":{"id":"…","active":false}}`): dropped when it is the
 * resource's id, rather than refused as a change to a readOnly attribute.
 */
export const ignoreMatchingId: PatchQuirk = {
  name: 'ignoreMatchingId',
  client: 'Okta',
  description: "Drops the resource's own id (and schemas) from a path-less value instead of 400 mutability.",
  normalize: (op, ctx) => {
    if (op.path || !isObject(op.value)) return [op];
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(op.value)) {
      const lower = k.toLowerCase();
      if ((lower === 'id' && op.value[k] === ctx.resource.id) || lower === 'schemas') continue;
      setOwn(out, k, op.value[k]);
    }
    op.value = out;
    return [op];
  },
};
