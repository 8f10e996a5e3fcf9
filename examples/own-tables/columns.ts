import { type ResourceType, ScimError, type ScimResource, SOFT_DELETE_SCHEMA_ID } from 'scimkit';
import { foldCase, identityKey, isObject } from 'scimkit/store-kit';

/** What a user's SCIM attributes put in its `users` row (examples/own-tables/migration.ts). */
export interface UserColumns {
  email: string;
  first_name: string | null;
  last_name: string | null;
  active: boolean;
  external_ref: string | null;
  deleted_at: Date | string | null;
  email_folded: string;
  email_key: string;
  scim_extra: Record<string, unknown>;
}

/** What a group's SCIM attributes put in its `teams` row; its members are rows of `team_members`. */
export interface TeamColumns {
  name: string;
  external_ref: string | null;
  name_folded: string;
  name_key: string | null;
  scim_extra: Record<string, unknown>;
}

/** A copy without `undefined` values, as the database gives it back. */
const plain = (resource: ScimResource): ScimResource => JSON.parse(JSON.stringify(resource));
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The columns of a user: the attributes the app has columns for, and the rest in `scim_extra`. */
export function userColumns(resource: ScimResource): UserColumns {
  // id and meta are the store's; groups is derived from team_members; a password is never kept
  const {
    id: _id,
    meta: _meta,
    groups: _groups,
    password: _password,
    userName,
    name,
    active,
    externalId,
    [SOFT_DELETE_SCHEMA_ID]: marker,
    ...rest
  } = plain(resource);
  if (typeof userName !== 'string') throw ScimError.invalidValue('userName is required');
  const { givenName, familyName, ...otherNames } = isObject(name) ? name : {};
  if (Object.keys(otherNames).length > 0) rest.name = otherNames;
  const deletedAt = isObject(marker) && typeof marker.deletedAt === 'string' ? marker.deletedAt : null;
  return {
    email: userName,
    first_name: text(givenName),
    last_name: text(familyName),
    // the app's default: a user the IdP created without `active` is active, and a GET says so
    active: active !== false,
    external_ref: text(externalId),
    deleted_at: deletedAt,
    email_folded: foldCase(userName),
    email_key: identityKey(userName),
    scim_extra: rest,
  };
}

/** The SCIM attributes of a user's row (or of the columns a write would store): what a GET returns but id, meta and groups. */
export function userAttributes(row: UserColumns): ScimResource {
  const { name, ...extra } = row.scim_extra;
  const r: ScimResource = { ...extra, userName: row.email };
  const names = {
    ...(isObject(name) ? name : {}),
    ...(row.first_name !== null && { givenName: row.first_name }),
    ...(row.last_name !== null && { familyName: row.last_name }),
  };
  if (Object.keys(names).length > 0) r.name = names;
  r.active = row.active;
  if (row.external_ref !== null) r.externalId = row.external_ref;
  if (row.deleted_at !== null) r[SOFT_DELETE_SCHEMA_ID] = { deletedAt: new Date(row.deleted_at).toISOString() };
  return r;
}

/** The columns of a group; `name_key` only when the server keeps group names unique (`uniqueGroupDisplayName`). */
export function teamColumns(type: ResourceType, resource: ScimResource): TeamColumns {
  const { id: _id, meta: _meta, members: _members, displayName, externalId, ...rest } = plain(resource);
  if (typeof displayName !== 'string') throw ScimError.invalidValue('displayName is required');
  return {
    name: displayName,
    external_ref: text(externalId),
    name_folded: foldCase(displayName),
    name_key: type.uniqueAttributes.includes('displayName') ? identityKey(displayName) : null,
    scim_extra: rest,
  };
}

/** The SCIM attributes of a team's row, but id, meta and members. */
export function teamAttributes(row: TeamColumns): ScimResource {
  const r: ScimResource = { ...row.scim_extra, displayName: row.name };
  if (row.external_ref !== null) r.externalId = row.external_ref;
  return r;
}
