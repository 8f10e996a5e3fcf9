/**
 * `scimkit/testing`: the store contract suite (needs vitest).
 * @packageDocumentation
 * @module scimkit/testing
 */

export { type ActivityStoreFactory, describeActivityLog } from './activity.js';
export { type CaseRulesStoreFactory, describeCaseRules } from './case-rules.js';
export { describeOutbox, type OutboxStoreFactory } from './outbox.js';
export { describeStateRules, type StateRulesStoreFactory } from './state-rules.js';
export { describeStoreContract, type StoreFactory } from './store-contract.js';
