/**
 * How a suite steps aside for what a store does not do: the test is reported skipped, with
 * the reason, instead of passing silently or failing a store that declared honestly.
 * @module
 * @internal
 */
import type { StoreCapabilities } from 'scimkit';

/** Why a test is skipped for a store without `capability`. */
export function withoutCapability(capability: keyof StoreCapabilities): string {
  const engine =
    capability === 'filter' || capability === 'sort'
      ? `; the engine ${capability === 'filter' ? 'filters' : 'sorts'} for it, checked by describeEngineOverStore`
      : capability === 'memberDeltas'
        ? '; the engine sends it whole member lists'
        : '';
  return `the store declares capabilities.${capability}: false${engine}`;
}
