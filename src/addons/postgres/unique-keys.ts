/**
 * Uniqueness: the keys a document claims (the core's `uniqueKey` of each unique attribute),
 * held in their own table under a primary key, so a taken value is refused atomically across
 * app instances; and the 409 that names the attribute whose value another resource holds.
 * @module
 */
import { type ResourceType, ScimError, type ScimResource } from 'scimkit';
import { type StoreContext, uniqueKey } from 'scimkit/store-kit';
import { pgError, UNIQUE_VIOLATION } from './errors.js';
import type { SqlQueryable } from './sql.js';
import type { StoreState } from './state.js';

/** The unique keys of a document: attribute names and their keys, in the same order. */
export interface UniqueKeys {
  /** The unique attributes the document has a value for. */
  attrs: string[];
  /** Their keys (core/rules/identity.ts `uniqueKey`). */
  values: string[];
}

/** The unique keys a document claims. */
export function uniqueKeysOf(type: ResourceType, doc: ScimResource): UniqueKeys {
  const attrs: string[] = [];
  const values: string[] = [];
  for (const attr of type.uniqueAttributes) {
    const def = type.coreAttribute(attr);
    const k = def && uniqueKey(def, doc[attr]);
    if (k === undefined) continue;
    attrs.push(attr);
    values.push(k);
  }
  return { attrs, values };
}

/** The 409 for a unique attribute whose value another resource holds. */
export function takenError(attr: string, doc: ScimResource): ScimError {
  return ScimError.uniqueness(`${attr} ${JSON.stringify(String(doc[attr]).slice(0, 60))} is already taken`);
}

/** After a unique violation: which of the document's keys is taken, as the SCIM error to answer with. */
export async function uniquenessError(
  s: StoreState,
  ctx: StoreContext,
  type: ResourceType,
  doc: ScimResource,
  keys: UniqueKeys,
): Promise<ScimError | undefined> {
  const taken = new Set(
    (
      await s.connections
        .db(ctx)
        .query(`SELECT attr FROM ${s.t.unique} WHERE tenant = $1 AND type = $2 AND (attr, value) IN (SELECT * FROM unnest($3::text[], $4::text[]))`, [
          ctx.tenant,
          type.name,
          keys.attrs,
          keys.values,
        ])
    ).rows.map((r) => r.attr as string),
  );
  const attr = keys.attrs.find((a) => taken.has(a));
  return attr === undefined ? undefined : takenError(attr, doc);
}

/** Replaces the unique keys of the resource `id` with those of `doc`, on the transaction `q`: a 409 when one is taken. */
export async function claimUnique(s: StoreState, q: SqlQueryable, ctx: StoreContext, type: ResourceType, id: string, doc: ScimResource): Promise<void> {
  await q.query(`DELETE FROM ${s.t.unique} WHERE tenant = $1 AND type = $2 AND id = $3`, [ctx.tenant, type.name, id]);
  const { attrs, values } = uniqueKeysOf(type, doc);
  for (let i = 0; i < attrs.length; i++) {
    try {
      await q.query(`INSERT INTO ${s.t.unique} (tenant, type, attr, value, id) VALUES ($1, $2, $3, $4, $5)`, [ctx.tenant, type.name, attrs[i], values[i], id]);
    } catch (e) {
      if (pgError(e).code === UNIQUE_VIOLATION) throw takenError(attrs[i]!, doc);
      throw e;
    }
  }
}
