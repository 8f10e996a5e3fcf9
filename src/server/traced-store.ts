/**
 * A store whose every call runs in a telemetry span: the engine's view of the store when the
 * server has telemetry. The store itself is untouched.
 * @module
 */

import type { ProvisioningStore } from '../stores/store.js';
import type { ScimTelemetry } from './telemetry.js';

/** `store` with a span around each of its calls (`transaction` included, so Bulk shows each operation's). */
export function tracedStore(store: ProvisioningStore, telemetry: ScimTelemetry): ProvisioningStore {
  const traced: ProvisioningStore = {
    capabilities: store.capabilities,
    get: (ctx, type, id, options) => telemetry.storeCall('get', type.name, () => store.get(ctx, type, id, options)),
    search: (ctx, type, query) => telemetry.storeCall('search', type.name, () => store.search(ctx, type, query)),
    create: (ctx, type, resource, options) => telemetry.storeCall('create', type.name, () => store.create(ctx, type, resource, options)),
    replace: (ctx, type, id, resource, options) => telemetry.storeCall('replace', type.name, () => store.replace(ctx, type, id, resource, options)),
    delete: (ctx, type, id, options) => telemetry.storeCall('delete', type.name, () => store.delete(ctx, type, id, options)),
  };
  if (store.transaction) {
    const tx = store.transaction.bind(store);
    traced.transaction = (ctx, fn) => telemetry.storeCall('transaction', undefined, () => tx(ctx, fn));
  }
  if (store.outbox) Object.defineProperty(traced, 'outbox', { value: store.outbox, enumerable: true });
  if (store.activity) Object.defineProperty(traced, 'activity', { value: store.activity, enumerable: true });
  return traced;
}
