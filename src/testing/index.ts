/**
 * `scimkit/testing`: the store contract suite (needs vitest).
 * @packageDocumentation
 */

export { describeStateRules, type StateRulesStoreFactory } from './state-rules.js';
export { describeStoreContract, type StoreFactory } from './store-contract.js';
