/**
 * `scimkit/testing`: the store contract suite (needs vitest).
 * @packageDocumentation
 */
export { describeStoreContract, type StoreFactory } from './store-contract.js';
export { describeStateRules, type StateRulesStoreFactory } from './state-rules.js';
