/**
 * `describeStoreContract`: the vitest suite every `ProvisioningStore` must pass.
 * Run it in your store's tests: `describeStoreContract('MyStore', () => new MyStore(db))`.
 * @module
 */
import { describeActivityLog } from './activity.js';
import { describeConnections } from './connections.js';
import { describeEngineOverStore } from './engine-over-store.js';
import { describeOutbox } from './outbox.js';
import { describeCaseRules } from './rules/case.js';
import { describeIdentityRules } from './rules/identity.js';
import { describeTenancyRules } from './rules/tenancy.js';
import { describeStateRules } from './state-rules.js';

export type { StoreFactory } from './store-factory.js';

import type { StoreFactory } from './store-factory.js';

/**
 * Registers the contract suite for a store under `name` (vitest): the rules every store keeps
 * (docs/stores.md), one suite per rule (identity, tenancy, the state rules of
 * {@link describeStateRules}, the case and identity rules on non-ASCII values), the engine over
 * the store ({@link describeEngineOverStore}), then the outbox and activity-log suites. What the
 * store declares it does not do (`capabilities.filter`, `.sort`, `.memberDeltas`, `.keyset`, no
 * outbox, no activity log) is skipped with the reason, and the engine's own way of doing it
 * is checked over the store instead.
 *
 * @example
 * ```ts
 * // test/my-store.test.ts
 * import { describeStoreContract } from 'scimkit/testing';
 * import { MyStore } from '../src/my-store.js';
 *
 * describeStoreContract('MyStore', async () => new MyStore(await freshDatabase()));
 * ```
 */
export function describeStoreContract(name: string, makeStore: StoreFactory): void {
  describeIdentityRules(name, makeStore);
  describeTenancyRules(name, makeStore);
  describeStateRules(name, makeStore);
  describeCaseRules(name, makeStore);
  describeEngineOverStore(name, makeStore);
  describeOutbox(name, makeStore);
  describeActivityLog(name, makeStore);
  describeConnections(name, makeStore);
}
