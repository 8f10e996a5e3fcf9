/**
 * The stored form of a resource: its row (the JSONB document without members or groups, the
 * columns the look-ups read), and the SQL fragments that read a user's groups with it or move
 * its version in a statement.
 * @module
 */
import type { ResourceType, ScimResource } from 'scimkit';
import type { Member } from 'scimkit/store-kit';
import { foldedText } from './folded.js';
import type { TableNames } from './tables.js';

/** A user's groups as [group id, displayName] pairs in membership order. */
export type GroupPairs = [string, string | null][];

/** A resource row as read: its id, its stored document and version, and a user's groups when read along. */
export type Row = { id: string; doc: ScimResource; version: string | number; groups?: GroupPairs | null };

/** Aggregates membership rows `m` joined to their groups `g` into {@link GroupPairs}. */
export const GROUP_PAIRS = "jsonb_agg(jsonb_build_array(m.group_id, g.doc->>'displayName') ORDER BY m.seq)";

/** The `meta.version` of the row `r` after an update, as jsonb: `versionTag(version + 1)` in SQL. */
export const NEXT_VERSION_TAG = `to_jsonb('W/"' || (r.version + 1) || '"')`;

/**
 * The document of the row `r` at its next version, last modified at `stamp` (a text SQL
 * expression: the ISO string the store made). Its parameter is cast to text at every use in
 * the statement: one also cast to timestamptz is typed timestamptz by PostgreSQL, and its
 * `::text` is then PostgreSQL's own format (`2026-12-07 03:18:29.9+00`), not xsd:dateTime.
 */
export const nextDoc = (stamp: string) => `jsonb_set(jsonb_set(r.doc, '{meta,version}', ${NEXT_VERSION_TAG}), '{meta,lastModified}', to_jsonb(${stamp}))`;

/** A select-list column with the {@link GroupPairs} of the resource `r` (NULL in no group), over the tables `t`. */
export const groupsOfR = (t: TableNames) =>
  `(SELECT ${GROUP_PAIRS} FROM ${t.members} m LEFT JOIN ${t.resources} g ON g.tenant = m.tenant AND g.id = m.group_id WHERE m.tenant = r.tenant AND m.member_id = r.id) AS groups`;

/**
 * `folded_version` of the row `r` after a statement moves its version without touching what is
 * folded (a member change): still current when it was, else still behind for the next re-fold.
 */
export const NEXT_FOLDED_VERSION = 'CASE WHEN r.folded_version = r.version THEN r.version + 1 END';

/** A derived `groups` attribute is asked for by type: users have one, groups do not. */
export function hasGroups(type: ResourceType): boolean {
  return type.coreAttribute('groups')?.mutability === 'readOnly';
}

/** A resource as its document (without members, groups or password) and its members (stored as rows of their own). */
export function splitResource(resource: ScimResource): { doc: ScimResource; members: Member[] | undefined } {
  const doc: ScimResource = { ...resource };
  const members = doc.members as Member[] | undefined;
  delete doc.members;
  delete doc.groups;
  delete doc.password;
  return { doc, members };
}

/** The look-up columns of a document: `user_name_ci`, `external_id`, `display_name_ci`. */
export function lookupColumns(type: ResourceType, doc: ScimResource): [string | null, string | null, string | null] {
  const s = (v: unknown) => (typeof v === 'string' ? v : null);
  const userName = type.coreAttribute('userName') ? s(doc.userName) : null;
  const displayName = type.coreAttribute('displayName') ? s(doc.displayName) : null;
  // folded by the core's rule (folded.ts), never by SQL lower()
  return [foldedText(userName), s(doc.externalId), foldedText(displayName)];
}
