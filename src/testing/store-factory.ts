/**
 * The one thing every suite of the kit takes besides a name: how to make the store under test.
 * @module
 */
import type { ProvisioningStore } from 'scimkit';

/**
 * Makes a fresh, empty store for each test (may be async, e.g. after a migration or a
 * `TRUNCATE`). Every suite of `scimkit/testing` calls it once per test, so tests never see
 * each other's resources.
 */
export type StoreFactory = () => ProvisioningStore | Promise<ProvisioningStore>;
