/**
 * `scimkit/store-kit`: what a store author needs to implement {@link ProvisioningStore} so
 * that it agrees with every other store: the SCIM rules (equality and case folding, sort,
 * version and `meta`, preconditions, members), the filter parser and compiler, the deadline
 * check, the activity log's query rules and the outbox's event context, with the contract's
 * types. The contract kit (`scimkit/testing`) proves a store applies them. What an application
 * uses (the server, errors, schemas) is `scimkit`; import both.
 * @packageDocumentation
 * @module scimkit/store-kit
 */

// the filter: its tree, parser, compiler and printer
export {
  type AttrPath,
  type CompareFilter,
  type CompareOp,
  type Filter,
  formatAttrPath,
  type Literal,
  type LogicalFilter,
  type NotFilter,
  type PresentFilter,
  type ValuePathFilter,
  walkFilter,
} from './core/filter/ast.js';
export { type CompileOptions, compileFilter, type Predicate } from './core/filter/compile.js';
export { filterCost, filterWorkError } from './core/filter/cost.js';
export { formatFilter } from './core/filter/format.js';
export { type EqualityKey, equalityKeys } from './core/filter/keys.js';
export { type FilterParseOptions, parseFilter } from './core/filter/parse.js';

// the rules
export { foldCase, foldsCase } from './core/rules/case-fold.js';
export {
  type CheckedAttribute,
  type CheckedBooleanComparison,
  type CheckedComparison,
  type CheckedFilter,
  type CheckedInstantComparison,
  type CheckedNumberComparison,
  type CheckedPresent,
  type CheckedTextComparison,
  type CheckedValuePath,
  type CheckFilterOptions,
  checkFilter,
  checkValueFilter,
} from './core/rules/checked-filter.js';
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
export {
  attributesChanged,
  decideWrite,
  isVersion,
  metaOf,
  nextMeta,
  type StoredVersion,
  valueChanged,
  versionNamed,
  versionTag,
  type WriteDecision,
} from './core/rules/version.js';

// schema helpers a store's query code needs
export { isDateTime } from './core/schema/json-schema.js';
export { type ResolvedAttribute, subAttribute } from './core/schema/registry.js';
export { isObject } from './core/schema/resource.js';

// the activity log's query rules, for a store that keeps the log
export {
  type ActivityLog,
  type ActivityQuery,
  type ActivityRecord,
  type ActivityRetention,
  type ActivitySummary,
  checkQuery,
  matchesQuery,
  pageSize,
  queryKey,
  REFUSED_KEY_PREFIX,
  type StatusFilter,
  storageKey,
  summarise,
} from './stores/activity-log.js';
// the connection records (stores/connections.ts), for a store that keeps them
export type {
  Connection,
  ConnectionCredential,
  ConnectionQuery,
  ConnectionState,
  ConnectionStore,
  CredentialChange,
  CredentialKind,
} from './stores/connections.js';
export { pastDeadline, refuseLate } from './stores/deadline.js';
export { selfMemberError, storedMember, unknownMembersError } from './stores/member-references.js';
export {
  type EventContext,
  type EventDraft,
  type EventLogQuery,
  type EventOutbox,
  eventContext,
  type HeldEventChange,
  type HeldEvents,
  type OutboxEvent,
} from './stores/outbox.js';

// the contract's types
export type {
  AppliedMembers,
  GetOptions,
  GroupRef,
  ProvisioningStore,
  SearchQuery,
  SearchResult,
  SortSpec,
  StoreCapabilities,
  StoreContext,
  WriteOptions,
  WriteOutcome,
} from './stores/store.js';
