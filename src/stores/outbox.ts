/**
 * The transactional outbox: each committed change records its lifecycle events in the same
 * atomic step as the change (a PostgreSQL transaction, one synchronous step of MemoryStore),
 * so a change that commits has its events and one that rolls back has none. Delivery reads
 * them from here (events/dispatcher.ts); so does a host that rebuilds its own model.
 * @module
 */
import type { ScimResource } from '../core/schema/resource.js';
import type { StoreContext } from './context.js';

/** The kinds of lifecycle event. */
export type LifecycleEventType =
  | 'user.created'
  | 'user.updated'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'user.deleted'
  | 'group.created'
  | 'group.updated'
  | 'group.renamed'
  | 'group.deleted'
  | 'group.membersAdded'
  | 'group.membersRemoved'
  | 'resource.created'
  | 'resource.updated'
  | 'resource.deleted';

/** What an event says about the change: the data the `onEvent` hook gets. */
export interface EventData {
  /** The resource after the change (absent for deletions; groups may lack members). */
  resource?: ScimResource;
  /** The resource before the change (updates and deletions). */
  previous?: ScimResource;
  /** For membersAdded / membersRemoved: the member ids. */
  memberIds?: string[];
  /** For user.created with a linkUser hook: how the user was linked to the host's account. */
  link?: {
    /** How the user was linked (server/linking.ts LinkDecision). */
    by: 'externalId' | 'email' | 'host' | 'admin' | 'new';
    /** The host's account, unless new. */
    accountId?: string;
    /** For `admin`: who decided. */
    decidedBy?: string;
  };
  /** For user.deleted under soft delete: the user is kept, hidden (server/deprovisioning.ts). */
  retained?: boolean;
  /** For user.created under soft delete: the create restored a soft-deleted user under its id. */
  restored?: boolean;
  /**
   * Where the change came from: `scim`, the IdP through this server. A host that grants a team
   * membership or a role from the event records it with the grant, so a SCIM removal takes back
   * only what SCIM gave (docs/hooks.md). Absent on events recorded before it existed.
   */
  source?: 'scim';
}

/** An event as the engine hands it to a store's write, before it has a sequence number. */
export interface EventDraft {
  /** A stable id (UUID): the same on every delivery attempt, for idempotent consumers. */
  id: string;
  /** What happened. */
  type: LifecycleEventType;
  /** The resource type's name (`User`, `Group`, …). */
  resourceType: string;
  /** The resource's id. */
  resourceId: string;
  /** What the change was. */
  data: EventData;
}

/** The request context an event keeps (everything but the abort signal). */
export type EventContext = Omit<StoreContext, 'signal'>;

/** Where an event is in its delivery. */
export type EventState = 'pending' | 'delivered' | 'dead';

/** A recorded lifecycle event. */
export interface OutboxEvent extends EventDraft {
  /** The tenant. */
  tenant: string;
  /** The tenant's sequence number: it only grows, in commit order (no gaps in MemoryStore; gaps possible in PostgreSQL when a transaction rolls back after taking one). */
  seq: number;
  /** When the change committed (ISO 8601). */
  time: string;
  /** The context of the request that made the change. */
  context: EventContext;
  /** `pending` until a delivery succeeds, then `delivered`; `dead` after the last failed attempt. */
  state: EventState;
  /** Delivery attempts so far. */
  attempts: number;
  /** The last delivery error, when an attempt failed. */
  lastError?: string;
}

/** A query of the change log. */
export interface EventLogQuery {
  /** The tenant. */
  tenant: string;
  /** Only events after this sequence number (default: from the first kept). */
  after?: number;
  /** At most this many (default 100, at most 1,000). */
  limit?: number;
  /** Only events not delivered yet: pending (retrying ones included) and dead (what a connection's health counts, without reading the delivered ones). */
  undelivered?: boolean;
}

/** A change {@link HeldEvents.revise} makes to one held event. */
export interface HeldEventChange {
  /** The event's id. */
  id: string;
  /** Its new data, or null to delete the event (it will never be delivered). */
  data: EventData | null;
}

/**
 * The events an outbox holds for tenants whose connection is in preview (stores/connections.ts
 * `mode`). An outbox that has this never hands out (`claim`) an event of a tenant whose
 * connection in the same store is in `preview`; the events wait, pending and in order, and are
 * due as soon as the connection is `live` again (one atomic change of the connection record: an
 * approval that crashes after it loses nothing). Order per resource is kept as ever.
 */
export interface HeldEvents {
  /**
   * Replaces the data of pending events of `tenant`, or deletes them (`data: null`): what an
   * admin's approval decided (links, skipped users) or a discarded preview. Events no longer
   * pending, of another tenant, or not there are left alone; how many changed.
   */
  revise(tenant: string, changes: readonly HeldEventChange[]): Promise<number>;
  /** Makes the tenant's pending events due now (its connection went live): delivery need not wait for a poll of held ones. */
  release(tenant: string): Promise<void>;
}

/**
 * A store's outbox: what the dispatcher and the change log API need. A store that has one
 * writes the events of `WriteOptions.events` in the same atomic step as the change.
 */
export interface EventOutbox {
  /** Events of one tenant in sequence order: the change log a host can rebuild its model from. */
  list(query: EventLogQuery): Promise<OutboxEvent[]>;
  /**
   * Claims up to `limit` events that are due, for `leaseMs`: each is handed to one claimer at
   * a time, and an event is due only when no earlier pending event of the same resource is
   * left (order per resource). An event whose claimer dies is due again when its lease ends.
   * Each claim counts as an attempt.
   */
  claim(options: { limit: number; leaseMs: number }): Promise<OutboxEvent[]>;
  /**
   * Gives claimed events back without counting the attempt: they waited behind a failed one,
   * or a consumer was too busy to be tried. Due now, or at `until` when given (it must be
   * kept: an event given back due now is claimed again at once, ahead of others' events).
   */
  release(ids: readonly string[], until?: Date): Promise<void>;
  /** Marks events delivered. */
  acknowledge(ids: readonly string[]): Promise<void>;
  /** Records a failed attempt: due again at `retryAt`, or `dead` (no more attempts). */
  fail(id: string, failure: { error: string; retryAt: Date } | { error: string; dead: true }): Promise<void>;
  /** Dead events, oldest first (of one tenant, or all). */
  deadLetters(query: { tenant?: string; limit?: number }): Promise<OutboxEvent[]>;
  /** Makes dead events pending again, with their attempts reset; how many were. */
  replay(ids: readonly string[]): Promise<number>;
  /** Deletes delivered and dead events older than `before`, and beyond the newest `keepPerTenant` of a tenant; how many. Pending events are kept. */
  prune(options: { before: Date; keepPerTenant: number }): Promise<number>;
  /** Holding events of tenants in preview (absent: the store cannot, and connections cannot be put in preview). */
  readonly held?: HeldEvents;
}

/** The error text an event keeps: bounded, so a hook that throws a megabyte does not store it. */
export function failureText(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** The context an event keeps of a request's: all but the abort signal, which is no data (a store's outbox stores this). */
export function eventContext(ctx: StoreContext): EventContext {
  const { signal: _signal, ...rest } = ctx;
  return rest;
}
