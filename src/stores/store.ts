/**
 * The `ProvisioningStore` contract: one storage interface for every resource type.
 * Stores never see an HTTP request; they get a context (tenant first) and SCIM data.
 * @module
 */

import type { Filter } from '../core/filter/ast.js';
import type { MemberDelta } from '../core/rules/members.js';
import type { ResourceType } from '../core/schema/registry.js';
import type { ScimResource } from '../core/schema/resource.js';
import type { ActivityLog } from './activity-log.js';
import type { ConnectionStore } from './connections.js';
import type { StoreContext } from './context.js';
import type { EventDraft, EventOutbox } from './outbox.js';

export type { StoreContext } from './context.js';

/** Sort order of a search. */
export interface SortSpec {
  /** The canonical attribute path, e.g. `userName`, `name.familyName`, `meta.lastModified`. */
  path: string;
  /** `ascending` (default) or `descending`. */
  order: 'ascending' | 'descending';
}

/** A search the engine hands to a store. */
export interface SearchQuery {
  /** The filter; undefined lists everything. */
  filter?: Filter;
  /** The sort; ties are broken by id. Without it, an order that is stable between calls. */
  sort?: SortSpec;
  /** 1-based index of the first result. */
  startIndex: number;
  /** The most results to return (0: only count). */
  count: number;
  /** Whether group `members` are wanted in the results (false skips loading them). */
  members: boolean;
  /**
   * Keyset position (stores with `capabilities.keyset`): return the results after this
   * position, which a previous search returned as `next`; `startIndex` then only counts.
   */
  after?: string;
  /**
   * Comparisons of attributes no schema of the type defines: `reject` (the engine has
   * already answered 400) or `noMatch` (each such comparison is false, `pr` included).
   */
  unknownAttributes?: 'reject' | 'noMatch';
  /**
   * The most filter work the search may do: resources tested × `filterCost(filter, type)`
   * (the engine's `limits.maxFilterWork`). A store that scans counts it as it tests and, past
   * it, throws `filterWorkError` (400 invalidFilter); a store whose database bounds a
   * statement's time instead may ignore it. Undefined: no bound (the store's own searches).
   */
  maxFilterWork?: number;
}

/** What a search returns. */
export interface SearchResult {
  /** The page. */
  resources: ScimResource[];
  /** How many resources match in all. Must be exact. */
  totalResults: number;
  /** Keyset position after the last result (stores with `capabilities.keyset`). */
  next?: string;
}

/** Options of {@link ProvisioningStore.get}. */
export interface GetOptions {
  /** Whether a group's members are wanted (default true). */
  members?: boolean;
  /** Inside `transaction()`: lock the resource for this transaction's write. */
  forUpdate?: boolean;
}

/** Options of writes. */
export interface WriteOptions {
  /** The version (`meta.version`) the caller read; a different current version is 412. */
  ifVersion?: string;
  /** For groups in delta mode: apply this to `members` instead of `resource.members`. */
  members?: MemberDelta;
  /**
   * With `members`: the write is of members only; the store keeps the attributes it has,
   * whatever `resource` holds (a concurrent rename stands: member deltas commute, attributes do not).
   */
  keepAttributes?: boolean;
  /**
   * With `members`: a store that can tell calls this before it returns with the ids that
   * really joined and left (an added current member or a removed non-member is in neither),
   * so that `group.membersAdded` / `group.membersRemoved` events name only real changes.
   */
  onMembersApplied?(applied: AppliedMembers): void;
  /**
   * With `delete`: called before it returns with the groups the deleted resource was a
   * member of (each of which has a new version now), for `group.membersRemoved` events.
   */
  onMembershipsRemoved?(groups: GroupRef[]): void;
  /**
   * The lifecycle events of this write, from what it did: a store with an `outbox` records
   * what it returns with the change, in the write's atomic step. A store may call it once the
   * outcome is known, or before, once for each outcome it can have, recording only the drafts
   * of the outcome it had (PostgresStore's member add does, to write the change and its events
   * in one statement): so it must have no side effects. Its events are never recorded for a
   * write that failed; it may be called for one that changed nothing (it returns no events then).
   */
  events?(outcome: WriteOutcome): EventDraft[];
  /** Record the events as already delivered: for the change log only, when nothing consumes them. */
  eventsDelivered?: boolean;
}

/** What a write did, for {@link WriteOptions.events}. */
export interface WriteOutcome {
  /** The resource as a read now returns it (absent after a delete). */
  stored?: ScimResource;
  /** With a member delta: the members it really changed. */
  applied?: AppliedMembers;
  /** After a delete: the groups the resource was a member of. */
  groups?: GroupRef[];
}

/** A group by resource type name and id. */
export interface GroupRef {
  /** The group's resource type name. */
  type: string;
  /** The group's id. */
  id: string;
}

/** The members a delta really changed. */
export interface AppliedMembers {
  /** Ids that were not members before and are now. */
  added: string[];
  /** Ids that were members before and are not now. */
  removed: string[];
}

/** What a store does itself. */
export interface StoreCapabilities {
  /** Applies `SearchQuery.filter` (else the engine filters, and lists are bounded). */
  filter: boolean;
  /** Applies `SearchQuery.sort`. */
  sort: boolean;
  /** Takes `WriteOptions.members` deltas (else the engine sends the whole member list). */
  memberDeltas: boolean;
  /** Pages by keyset (`SearchQuery.after`, `SearchResult.next`): cursors then do not skip or repeat rows when data changes between pages. */
  keyset?: boolean;
}

/**
 * Storage for SCIM resources. Stores own ids and `meta` (created, lastModified,
 * version) and move the version exactly when what a read returns changes (core/rules/version.ts);
 * guarantee uniqueness of `type.uniqueAttributes` per tenant (values compared as
 * core/rules/equality.ts says) as 409 `uniqueness`; check `ifVersion` atomically as 412;
 * answer 404 for ids they do not have in the context's tenant; sort as core/rules/sort.ts says;
 * refuse a member that names no resource of the tenant (400 invalidValue) and keep of a
 * member only its `value` and the `type` of what it names. They fill a User's readOnly
 * `groups` from group membership. They never keep a `password`. `describeStoreContract`
 * (scimkit/testing) checks all of it.
 */
export interface ProvisioningStore {
  /** What the store does itself. */
  readonly capabilities: StoreCapabilities;
  /**
   * One resource, or undefined. `members: false` may leave a group's members out. `forUpdate`,
   * inside `transaction()`: lock the resource until the transaction ends (a store whose writes
   * cannot interleave may ignore it).
   */
  get(ctx: StoreContext, type: ResourceType, id: string, options?: GetOptions): Promise<ScimResource | undefined>;
  /** A page of matching resources with the exact total. */
  search(ctx: StoreContext, type: ResourceType, query: SearchQuery): Promise<SearchResult>;
  /** Stores a new resource (canonical, without id and meta) and returns it with id and meta. */
  create(ctx: StoreContext, type: ResourceType, resource: ScimResource, options?: WriteOptions): Promise<ScimResource>;
  /** Replaces a resource's attributes (keeping id and meta.created) and returns it. */
  replace(ctx: StoreContext, type: ResourceType, id: string, resource: ScimResource, options?: WriteOptions): Promise<ScimResource>;
  /** Deletes a resource (and its memberships). */
  delete(ctx: StoreContext, type: ResourceType, id: string, options?: WriteOptions): Promise<void>;
  /** Runs `fn` so that its writes commit together or not at all (Bulk uses it per operation). */
  transaction?<T>(ctx: StoreContext, fn: () => Promise<T>): Promise<T>;
  /**
   * The store's outbox: with one, every write records `WriteOptions.events` atomically with
   * the change, and nothing acknowledged is lost before its events are delivered. Without one
   * the engine keeps events in memory after the write (lost if the process dies).
   */
  readonly outbox?: EventOutbox;
  /**
   * Where the store keeps the activity log of SCIM requests (one record per request, appended
   * in batches after the responses). Without one the server keeps a bounded ring in memory.
   */
  readonly activity?: ActivityLog;
  /**
   * Where the store keeps each customer's SCIM connection and its credentials (hashes only),
   * for `createScimServer({ connections })`. Without one the server cannot manage connections.
   */
  readonly connections?: ConnectionStore;
}
