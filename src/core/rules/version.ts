/**
 * When a version changes (the one definition both stores follow, docs/stores.md): a
 * resource's `meta.version` and `meta.lastModified` change exactly when what a GET returns
 * for it changes (its attributes, its members, a member leaving because it was deleted),
 * once per write, and never otherwise. A write that changes nothing returns the resource
 * as it was.
 * @module
 */

import type { ResourceType } from '../schema/registry.js';
import type { ScimMeta, ScimResource } from '../schema/resource.js';
import { sameJson } from '../schema/validate.js';
import { entityTags, preconditionMatches } from './preconditions.js';

/** The weak ETag of a version number. */
export function versionTag(n: number): string {
  return `W/"${n}"`;
}

/**
 * Whether `tag` (an `ifVersion`: one entity tag, a list, or `*`) names the version `current`:
 * the precondition rule of protocol/preconditions.ts against {@link versionTag}, the one
 * definition (`W/"3"` and `"3"` name version 3, `W/"03"` does not; `*` names any).
 */
export function isVersion(tag: string, current: number): boolean {
  return preconditionMatches(tag, versionTag(current));
}

/**
 * The one version number `tag` can name by {@link isVersion}, for a store that checks the
 * version in its write's own statement; undefined for `*` (any version) and for tags naming
 * none or several (the store then checks under a lock).
 */
export function versionNamed(tag: string): number | undefined {
  let named: number | undefined;
  for (const t of entityTags(tag)) {
    if (t === '*') return undefined;
    // a candidate, confirmed by the rule itself: W/"03" yields 3, which it does not name
    const digits = /\d{1,15}/.exec(t)?.[0];
    const n = digits === undefined ? undefined : Number(digits);
    if (n === undefined || !isVersion(t, n)) continue;
    if (named !== undefined && named !== n) return undefined;
    named = n;
  }
  return named;
}

/** The meta of a resource written at `version`. */
export function metaOf(type: ResourceType, created: string, lastModified: string, version: number): ScimMeta {
  return { resourceType: type.name, created, lastModified, version: versionTag(version) };
}

/** The meta of a resource whose members changed without a write of its own (a member was deleted). */
export function nextMeta(meta: ScimMeta | undefined, lastModified: string, version: number): ScimMeta {
  return { ...meta, lastModified, version: versionTag(version) };
}

/**
 * Whether a write of `next` over `stored` changes what a GET returns, ignoring `id`,
 * `meta`, the derived `groups` and (kept apart by stores) `members`.
 */
export function attributesChanged(stored: ScimResource, next: ScimResource): boolean {
  const strip = (r: ScimResource) => {
    const { id: _id, meta: _meta, groups: _groups, members: _members, password: _password, ...rest } = r;
    return rest;
  };
  return !sameJson(strip(stored), strip(next));
}
