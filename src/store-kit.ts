/**
 * `scimkit/store-kit`: what a store author needs to implement {@link ProvisioningStore} so
 * that it agrees with every other store: the SCIM rules (equality and case folding, sort,
 * version and `meta`, preconditions, members), the filter parser and compiler, and the
 * deadline check. The contract kit (`scimkit/testing`) proves a store applies them.
 * @packageDocumentation
 * @module scimkit/store-kit
 */
export { formatAttrPath } from './core/filter/ast.js';
export { compileFilter } from './core/filter/compile.js';
export { parseFilter } from './core/filter/parse.js';
export { foldCase, foldsCase } from './core/rules/case-fold.js';
export { appendDistinct, sameValue, valueKey } from './core/rules/equality.js';
export { identityKey, uniqueKey } from './core/rules/identity.js';
export {
  type CurrentMembers,
  deltaChangesMembers,
  idsNamed,
  type Member,
  type MemberChanges,
  type MemberDelta,
  memberDiff,
  memberId,
  memberIdsOf,
  planMemberDelta,
  sameMemberOrder,
  touchesMembers,
} from './core/rules/members.js';
export { entityTags, preconditionMatches } from './core/rules/preconditions.js';
export { compareSortKeys, resolveSortPath, type SortEntry, type SortValue, sortComparator, sortResources, sortValue, topK } from './core/rules/sort.js';
export { attributesChanged, isVersion, metaOf, nextMeta, versionNamed, versionTag } from './core/rules/version.js';
export { isDateTime } from './core/schema/json-schema.js';
export { subAttribute } from './core/schema/registry.js';
export { isObject } from './core/schema/resource.js';
export { checkQuery, matchesQuery, pageSize, queryKey, REFUSED_KEY_PREFIX, storageKey, summarise } from './stores/activity-log.js';
export { pastDeadline, refuseLate } from './stores/deadline.js';
export { selfMemberError, storedMember, unknownMembersError } from './stores/member-references.js';
export { eventContext } from './stores/outbox.js';
