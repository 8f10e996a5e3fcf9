/**
 * `scimkit/testing`: the store contract kit (needs vitest). `describeStoreContract` runs it
 * all; each rule has its own `describe…Rules` suite, for a store author who wants to run one.
 * @packageDocumentation
 * @module scimkit/testing
 */

export { type ActivityStoreFactory, describeActivityLog } from './activity.js';
export { type ConnectionsStoreFactory, describeConnections } from './connections.js';
export { describeEngineOverStore, type EngineStoreFactory } from './engine-over-store.js';
export { describeOutbox, type OutboxStoreFactory } from './outbox.js';
export { type CaseRulesStoreFactory, describeCaseRules } from './rules/case.js';
export { describeFilterRules } from './rules/filter.js';
export { describeIdentityRules } from './rules/identity.js';
export { describeManagerRules } from './rules/manager.js';
export { describeMemberDeltaRules } from './rules/member-deltas.js';
export { describeMemberRules } from './rules/members.js';
export { describeNoOpWriteRules } from './rules/no-op-writes.js';
export { describePageRules } from './rules/pages.js';
export { describePreconditionRules } from './rules/preconditions.js';
export { describeSoftDeleteRules } from './rules/soft-delete.js';
export { describeSortRules } from './rules/sort.js';
export { describeTenancyRules } from './rules/tenancy.js';
export { describeUniquenessRules } from './rules/uniqueness.js';
export { describeVersionRules } from './rules/versions.js';
export { describeStateRules, type StateRulesStoreFactory } from './state-rules.js';
export { describeStoreContract } from './store-contract.js';
export type { StoreFactory } from './store-factory.js';
