/**
 * When a version changes (the one definition every store and the engine follow, docs/stores.md):
 * a resource's `meta.version` and `meta.lastModified` move exactly when what a GET returns for
 * it changes (its attributes, its members, a member leaving because it was deleted), once per
 * write, and never otherwise. A write that changes nothing returns the resource as it was.
 * Every store decides with {@link decideWrite}; the PATCH engine's "changed" compares with
 * {@link valueChanged}, so the engine and the stores never disagree on a no-op.
 *
 * What a GET returns is the stored representation, which is not the equality rule
 * (equality.ts). A value is stored and returned as the client wrote it: caseExact (RFC 7643
 * §2.1) says how values compare, not how they are kept, and a dateTime keeps the form it came
 * in. So a write that changes only the case of a case-insensitive value (displayName `ops` →
 * `Ops`) or only the form of a dateTime (`…T08:00:00Z` → `…T10:00:00+02:00`) is a change: the
 * new spelling is stored and the version moves. Were it a no-op by the equality rule, either
 * the client's correction would be dropped (an IdP would send it again on every sync), or the
 * representation would change under the same entity tag, and a GET with `If-None-Match` would
 * answer 304 to a cache holding the old spelling (RFC 7232 §2.3, RFC 7644 §3.14).
 *
 * The equality rule acts before, when a write is built: it decides which values are the same
 * value, so an `add` of an e-mail already there in another case adds nothing (RFC 7644
 * §3.5.2.1), a member listed twice is one member (members.ts), and a write that then stores the
 * same representation (object keys in any order) changes nothing.
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
 * the precondition rule of core/rules/preconditions.ts against {@link versionTag}, the one
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

/** The meta of a resource written again at `version`: `lastModified` and `version` move, the rest stands. */
export function nextMeta(meta: ScimMeta | undefined, lastModified: string, version: number): ScimMeta {
  return { ...meta, created: meta?.created ?? lastModified, lastModified, version: versionTag(version) };
}

/**
 * Whether a stored value reads back differently after a write: its JSON differs, strings as
 * written (case and dateTime forms included), arrays in order, object keys in any order. The
 * change rule of this module, for a whole document ({@link attributesChanged}) and for the
 * attributes one PATCH touched alike.
 */
export function valueChanged(before: unknown, after: unknown): boolean {
  return !sameJson(before, after);
}

/**
 * Whether a write of `next` over `stored` changes what a GET returns ({@link valueChanged}),
 * ignoring `id`, `meta`, the derived `groups`, the never-returned `password` and (kept apart by
 * stores) `members`.
 */
export function attributesChanged(stored: ScimResource, next: ScimResource): boolean {
  const strip = (r: ScimResource) => {
    const { id: _id, meta: _meta, groups: _groups, members: _members, password: _password, ...rest } = r;
    return rest;
  };
  return valueChanged(strip(stored), strip(next));
}

/** What a store holds of a resource when a write comes: the stored document and its version number. */
export interface StoredVersion {
  /** The resource as stored (its `meta` is kept forward; `members`, `groups` and `password` are not compared). */
  resource: ScimResource;
  /** Its version number. */
  version: number;
}

/** What a write does to the version: nothing, or a move to `version` with the `meta` to store. */
export type WriteDecision =
  | {
      /** Nothing a GET returns changes: store nothing and answer the resource as it is. */
      changed: false;
      /** The version, as it stays. */
      version: number;
    }
  | {
      /** What a GET returns changes: store the write with `meta`. */
      changed: true;
      /** The version after the write: one more. */
      version: number;
      /** The meta to store: `created` kept, `lastModified` the write's time, `version` its tag. */
      meta: ScimMeta;
    };

/**
 * The version decision of a write, the one every store makes: a write whose attributes
 * ({@link attributesChanged}) or members changed moves the version by one and `lastModified`
 * to `now`; any other write changes nothing. `next`: the attributes to store, or undefined when
 * they stay as stored (a member delta that keeps them, a group losing a deleted member).
 * `memberChange`: whether the write changed the members a GET returns (members.ts
 * `deltaChangesMembers`, `sameMemberOrder`).
 *
 * @example
 * ```ts
 * import { decideWrite } from 'scimkit/store-kit';
 *
 * const decision = decideWrite({ resource: row.doc, version: row.version }, next, false, new Date().toISOString());
 * if (!decision.changed) return row.doc; // a no-op: no write, no new version
 * next.meta = decision.meta; // then store next at decision.version
 * ```
 */
export function decideWrite(stored: StoredVersion, next: ScimResource | undefined, memberChange: boolean, now: string): WriteDecision {
  if (!memberChange && (next === undefined || !attributesChanged(stored.resource, next))) return { changed: false, version: stored.version };
  const version = stored.version + 1;
  return { changed: true, version, meta: nextMeta(stored.resource.meta, now, version) };
}
