/**
 * The state one server's handlers share. Internal: built by createScimServer.
 * @module
 */

import type { FilterCache } from '../core/filter/cache.js';
import type { PatchCompatibility } from '../core/patch/dialects/index.js';
import type { PathCache } from '../core/path/parse.js';
import type { SchemaRegistry } from '../core/schema/registry.js';
import type { ValidationPolicy } from '../core/schema/validate.js';
import type { SoftDeletingStore } from '../stores/soft-delete.js';
import type { ProvisioningStore } from '../stores/store.js';
import type { ScimLogger } from './activity/logger.js';
import type { ConnectionWriteRules } from './connections/write-rules.js';
import type { CursorCodec } from './cursor.js';
import type { EventRecorder } from './events/recorder.js';
import type { ScimHooks } from './hooks.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { ScimLimits } from './limits.js';

/** Features a server can switch off; all on by default. */
export interface ScimFeatures {
  /** `/Bulk` (default true). */
  bulk: boolean;
  /** `sortBy` / `sortOrder` (default true). */
  sort: boolean;
  /** ETags, `If-Match`, `If-None-Match` (default true). */
  etag: boolean;
  /** RFC 9865 cursor pagination (default true). */
  cursor: boolean;
}

/** Internal: one server's configuration and caches. */
export interface Engine {
  registry: SchemaRegistry;
  store: ProvisioningStore;
  limits: ScimLimits;
  features: ScimFeatures;
  hooks: ScimHooks;
  compatibility: PatchCompatibility;
  policy: ValidationPolicy;
  unknownFilterAttributes: 'reject' | 'noMatch';
  filters: FilterCache;
  paths: PathCache;
  cursors: CursorCodec;
  patchResponse: 'resource' | 'noContent' | 'auto';
  /** `events.groupUpdatedOnMemberChange`: a members-only change of a group is a `group.updated` too. */
  groupUpdatedOnMemberChange: boolean;
  documentationUri: string | undefined;
  logger: ScimLogger;
  /** Records each write's events with the write and wakes their delivery. */
  events: EventRecorder;
  /** Writers of one resource queued one at a time, once compare-and-swap keeps losing. */
  writers: KeyedQueue;
  /** With `deprovisioning.onDelete: 'softDelete'`: the store's soft-delete view (also `store`, or under its tracing). */
  softDeletes?: SoftDeletingStore;
  /** With `connections`: each tenant's connection's rules for writes (preview, domains: connections/write-rules.ts). */
  connectionRules?: ConnectionWriteRules;
}

/** What a handler knows about the request it serves. */
export interface RequestScope {
  /** The SCIM base URL for locations (with the tenant segment when tenants are in the path). */
  base: string;
  /** The server's registry, for the endpoints of `$ref`s. */
  registry: SchemaRegistry;
}
