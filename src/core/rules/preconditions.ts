/**
 * How a precondition matches (RFC 7232 §3.1–3.2 with RFC 7644 §3.14): `If-Match` and
 * `If-None-Match` take a list of entity tags or `*`; scimkit's versions are weak tags, so
 * both compare weakly (RFC 7232 §2.3.2: the opaque parts, character by character, `W/"3"`
 * matches `"3"`, `W/"03"` does not). The one rule: for GET, PUT, PATCH (member deltas too)
 * and DELETE in the engine, and for a store's `ifVersion` (core/rules/version.ts `isVersion`).
 * @module
 */

/** The entity tags of a header value: quoted tags (weak or strong), `*`, or bare tokens some clients send. */
export function entityTags(header: string): string[] {
  return header.match(/(?:W\/)?"[^"]*"|\*|[^,\s]+/g) ?? [];
}

/** The opaque part of a tag: `W/"3"` and `"3"` → `3`. */
function opaque(tag: string): string {
  const t = tag.startsWith('W/') ? tag.slice(2) : tag;
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Whether a precondition header names the current version (`*` names any existing resource). */
export function preconditionMatches(header: string, current: string | undefined): boolean {
  const want = current === undefined ? undefined : opaque(current);
  return entityTags(header).some((t) => t === '*' || (want !== undefined && opaque(t) === want));
}
