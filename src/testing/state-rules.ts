/**
 * `describeStateRules`: the rules about a store's state, one suite per rule (each in
 * `rules/`, each citing the rule it proves; docs/stores.md states each rule once): versions,
 * no-op writes, preconditions, uniqueness, members and member deltas, filters, sort, pages,
 * soft delete and Entra ID's bare-id manager. The rules only a server shows go through
 * `createScimServer(...).handle()` with the store under test. `describeStoreContract`
 * includes them all.
 * @module
 */
import { describeFilterRules } from './rules/filter.js';
import { describeManagerRules } from './rules/manager.js';
import { describeMemberDeltaRules } from './rules/member-deltas.js';
import { describeMemberRules } from './rules/members.js';
import { describeNoOpWriteRules } from './rules/no-op-writes.js';
import { describePageRules } from './rules/pages.js';
import { describePreconditionRules } from './rules/preconditions.js';
import { describeSoftDeleteRules } from './rules/soft-delete.js';
import { describeSortRules } from './rules/sort.js';
import { describeUniquenessRules } from './rules/uniqueness.js';
import { describeVersionRules } from './rules/versions.js';
import type { StoreFactory } from './store-factory.js';

/** Makes a fresh, empty store for each test: the same as {@link StoreFactory}. */
export type StateRulesStoreFactory = StoreFactory;

/**
 * Registers the state rules for a store under `name` (vitest): versions, no-op writes,
 * preconditions, uniqueness, members, member deltas, filters, sort, pages, soft delete and the
 * bare-id manager. Checks of what a store declares it does not do (`capabilities`) are
 * skipped with the reason.
 */
export function describeStateRules(name: string, makeStore: StateRulesStoreFactory): void {
  describeVersionRules(name, makeStore);
  describeNoOpWriteRules(name, makeStore);
  describePreconditionRules(name, makeStore);
  describeUniquenessRules(name, makeStore);
  describeMemberRules(name, makeStore);
  describeMemberDeltaRules(name, makeStore);
  describeFilterRules(name, makeStore);
  describeSortRules(name, makeStore);
  describePageRules(name, makeStore);
  describeSoftDeleteRules(name, makeStore);
  describeManagerRules(name, makeStore);
}
