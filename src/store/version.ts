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

/** The weak ETag of a version number. */
export function versionTag(n: number): string {
  return `W/"${n}"`;
}

/** The number of a version tag (`W/"3"`, `"3"` or `3`), or undefined when it is not one. @internal */
export function versionNumber(tag: string): number | undefined {
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(tag.trim());
  return m ? Number(m[1]) : undefined;
}

/** Whether `tag` names the version `current` (weak comparison: `W/"3"` and `"3"` are the same); `*` names any. */
export function isVersion(tag: string, current: number): boolean {
  return tag.trim() === '*' || versionNumber(tag) === current;
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
