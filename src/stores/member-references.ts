/**
 * What a stored member is (docs/stores.md): a group member names a resource of the same
 * tenant by id; the store keeps that id and the `type` of the resource it names, never a
 * client's `display` or `$ref` (the `$ref` is computed when the group is presented). Which ids
 * a member list names, and what changed, is the core's member rule (core/rules/members.ts).
 * @module
 */
import { excerpt, ScimError } from '../core/errors.js';
import type { Member } from '../core/rules/members.js';

/** The 400 for member values that name no resource of the tenant. */
export function unknownMembersError(ids: readonly string[]): ScimError {
  const shown = ids.slice(0, 5).map((id) => excerpt(id, 60));
  const more = ids.length > 5 ? ` and ${ids.length - 5} more` : '';
  return ScimError.invalidValue(`members: ${shown.join(', ')}${more} ${ids.length === 1 ? 'names' : 'name'} no User or Group of this tenant`, [
    ...ids.slice(0, 20).map((id) => ({ path: 'members', code: 'unknownMember', message: `${excerpt(id, 60)} is not a resource of this tenant` })),
  ]);
}

/** The 400 for a group named among its own members (a store that checks members refuses it with this). */
export function selfMemberError(id: string): ScimError {
  return ScimError.invalidValue(`members: a group cannot be a member of itself (${excerpt(id, 60)})`, [
    { path: 'members', code: 'selfMember', message: 'a group cannot be a member of itself' },
  ]);
}

/** The stored form of a member that names a resource of type `typeName`. */
export function storedMember(id: string, typeName: string): Member {
  return { value: id, type: typeName };
}
