/**
 * The store's read at once, for the synchronous GET by id: a GET through `handle()` spent most
 * of its CPU on async frames and the promises between them (bench/RESULTS.md, "Request path
 * (#34)") though MemoryStore has the answer at once. Only MemoryStore's own `get` is mirrored:
 * a subclass that overrides `get`, a traced store (telemetry) or the soft-deleting view is
 * read through `get`, as before.
 * @module
 */
import type { ResourceType } from '../core/schema/registry.js';
import type { ScimResource } from '../core/schema/resource.js';
import { MemoryStore } from '../stores/memory/store.js';
import { readNow } from '../stores/memory/store-read-now.js';
import type { GetOptions, ProvisioningStore, StoreContext } from '../stores/store.js';

/**
 * A store whose `get` can be answered at once: `[readNow]` takes `get`'s arguments and gives
 * its answer without the promise; with `copy` false, its own data uncopied (never to be
 * changed, nor handed on without a copy).
 */
export interface ReadsNow {
  [readNow](ctx: StoreContext, type: ResourceType, id: string, options: GetOptions, copy: boolean): ScimResource | undefined;
}

const memoryGet = MemoryStore.prototype.get;

/** The store, when its `get` is MemoryStore's own and so can be answered at once; undefined otherwise. */
export function readerNow(store: ProvisioningStore): ReadsNow | undefined {
  return store.get === memoryGet && store instanceof MemoryStore ? store : undefined;
}

export { readNow };
