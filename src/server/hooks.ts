/**
 * Hooks: where the host maps SCIM into its own model (workspace, roles, teams) and
 * hears about committed changes.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { MemberDelta } from '../core/rules/members.js';
import { GROUP_SCHEMA_ID } from '../core/schema/builtin/group.js';
import type { ScimGroup, ScimUser } from '../core/schema/builtin/types.js';
import { USER_SCHEMA_ID } from '../core/schema/builtin/user.js';
import type { ResourceType, SchemaRegistry } from '../core/schema/registry.js';
import type { ScimResource } from '../core/schema/resource.js';
import { sameJson } from '../core/schema/validate.js';
import type { EventData, EventDraft, LifecycleEventType, OutboxEvent } from '../stores/outbox.js';
import type { StoreContext } from '../stores/store.js';
import type { LinkDecision, LinkIntent } from './linking.js';

export type { LifecycleEventType } from '../stores/outbox.js';

/** What every lifecycle event carries, whatever its type. */
export interface LifecycleEventBase {
  /** The tenant context of the request that made the change. */
  ctx: StoreContext;
  /** The resource type. */
  resourceType: ResourceType;
  /** The resource's id. */
  id: string;
  /** The event's stable id: the same on every delivery of it. */
  eventId: string;
  /** The tenant's sequence number of the event (it only grows, in commit order). */
  seq: number;
  /** When the change committed (ISO 8601). */
  time: string;
  /** Which delivery attempt this is (1 for the first). */
  attempt: number;
  /**
   * Where the change came from: `scim` (the IdP, through this server). Keep it with a team
   * membership or role you grant from the event, and let a SCIM removal take back only grants
   * whose source is `scim` (docs/hooks.md): a grant an admin made by hand stays. Absent on
   * events recorded before scimkit marked them.
   */
  source?: 'scim';
}

/** The resource an event of type `T` carries: a {@link ScimUser} for `user.*`, a {@link ScimGroup} for `group.*`. */
export type EventResource<T extends LifecycleEventType> = T extends `user.${string}` ? ScimUser : T extends `group.${string}` ? ScimGroup : ScimResource;

/** A resource was created: `resource` is what was stored. */
export interface CreatedEvent<T extends 'user.created' | 'group.created' | 'resource.created' = 'user.created' | 'group.created' | 'resource.created'>
  extends LifecycleEventBase {
  /** What happened. */
  type: T;
  /** The resource as stored (a group may lack its members). */
  resource: EventResource<T>;
  /** Absent: nothing was there before. */
  previous?: undefined;
  /** Absent. */
  memberIds?: undefined;
  /** For `user.created` with a `linkUser` hook: how the user was linked to the host's account. */
  link?: LinkDecision;
  /**
   * For `user.created` under `deprovisioning.onDelete: 'softDelete'`: true when the create restored
   * a soft-deleted user under its id (its userName or externalId matched). The attributes are the
   * create's; access the host revoked at the soft delete is not given back by scimkit.
   */
  restored?: boolean;
}

/** A resource was replaced or patched (and, for these types, deactivated, reactivated or renamed). */
export interface UpdatedEvent<
  T extends 'user.updated' | 'user.deactivated' | 'user.reactivated' | 'group.updated' | 'group.renamed' =
    | 'user.updated'
    | 'user.deactivated'
    | 'user.reactivated'
    | 'group.updated'
    | 'group.renamed',
> extends LifecycleEventBase {
  /** What happened. */
  type: T;
  /** The resource after the change (a group may lack its members). */
  resource: EventResource<T>;
  /** The resource before the change. */
  previous: EventResource<T>;
  /** Absent. */
  memberIds?: undefined;
  /** For `user.updated` that changed the externalId or e-mails, with a `linkUser` hook: the link asked again. */
  link?: LinkDecision;
}

/** Members joined a group through a write of it. */
export interface MembersAddedEvent extends LifecycleEventBase {
  /** What happened. */
  type: 'group.membersAdded';
  /** The group after the change (it may lack its members). */
  resource: ScimGroup;
  /** The group before the change. */
  previous: ScimGroup;
  /** The ids that really joined. */
  memberIds: string[];
}

/** Members left a group: through a write of it (with `resource` and `previous`), or because they were deleted (without). */
export interface MembersRemovedEvent extends LifecycleEventBase {
  /** What happened. */
  type: 'group.membersRemoved';
  /** The group after the change, when a write of it removed them. */
  resource?: ScimGroup;
  /** The group before the change, when a write of it removed them. */
  previous?: ScimGroup;
  /** The ids that really left. */
  memberIds: string[];
}

/** A resource of a type that is neither User nor Group changed: by a write (`resource`, `previous`), or because members of it were deleted (`memberIds` only). */
export interface ResourceUpdatedEvent extends LifecycleEventBase {
  /** What happened. */
  type: 'resource.updated';
  /** The resource after the change, when a write made it. */
  resource?: ScimResource;
  /** The resource before the change, when a write made it. */
  previous?: ScimResource;
  /** The members that left because they were deleted. */
  memberIds?: string[];
}

/** A resource was deleted: `previous` is what it was. */
export interface DeletedEvent<T extends 'user.deleted' | 'group.deleted' | 'resource.deleted' = 'user.deleted' | 'group.deleted' | 'resource.deleted'>
  extends LifecycleEventBase {
  /** What happened. */
  type: T;
  /** Absent: nothing is left. */
  resource?: undefined;
  /** The resource as it was. */
  previous: EventResource<T>;
  /** Absent. */
  memberIds?: undefined;
  /**
   * For `user.deleted` under `deprovisioning.onDelete: 'softDelete'`: true, the user is kept (hidden,
   * out of its groups) and a create with its userName or externalId restores it. Revoke its access
   * either way.
   */
  retained?: boolean;
}

/**
 * A committed change, as `onEvent` gets it: delivered at least once, after commit, off the
 * request path by default (docs/hooks.md). Use `eventId` (or `id` + the resource's
 * `meta.version`) to consume it idempotently. A union on `type`: `switch (e.type)` narrows
 * it, so `e.resource` of a `user.created` and `e.memberIds` of a `group.membersAdded` need no `!`.
 */
export type LifecycleEvent =
  | CreatedEvent<'user.created'>
  | CreatedEvent<'group.created'>
  | CreatedEvent<'resource.created'>
  | UpdatedEvent<'user.updated'>
  | UpdatedEvent<'user.deactivated'>
  | UpdatedEvent<'user.reactivated'>
  | UpdatedEvent<'group.updated'>
  | UpdatedEvent<'group.renamed'>
  | MembersAddedEvent
  | MembersRemovedEvent
  | ResourceUpdatedEvent
  | DeletedEvent<'user.deleted'>
  | DeletedEvent<'group.deleted'>
  | DeletedEvent<'resource.deleted'>;

/** A write about to happen, as the before-hooks see it. */
export interface WriteIntent {
  /** The tenant context. */
  ctx: StoreContext;
  /** The resource type. */
  resourceType: ResourceType;
  /** The validated resource to store (the hook may return a changed copy). */
  resource: ScimResource;
  /** The stored resource, for updates. */
  previous?: ScimResource;
  /** The member delta, for group PATCHes applied as deltas. */
  members?: MemberDelta;
}

/** The hooks of a server; each may throw a ScimError to refuse the request (nothing is written). */
export interface ScimHooks {
  /** Before a create: check or adjust the resource. */
  beforeCreate?(intent: WriteIntent): ScimResource | undefined | Promise<ScimResource | undefined>;
  /** Before a replace or patch: check or adjust the resource. */
  beforeUpdate?(intent: WriteIntent): ScimResource | undefined | Promise<ScimResource | undefined>;
  /**
   * Before a user is created (after `beforeCreate`): links it to an account of the host app,
   * or refuses it (throw a ScimError). The decision reaches `onEvent` as `link` on
   * `user.created`. {@link linkAccounts} is the safe default: by externalId, never by e-mail
   * unless the host opts in.
   */
  linkUser?(intent: LinkIntent): LinkDecision | undefined | Promise<LinkDecision | undefined>;
  /** Before a delete. */
  beforeDelete?(event: { ctx: StoreContext; resourceType: ResourceType; id: string; previous: ScimResource }): void | Promise<void>;
  /**
   * After commit, at least once per event: an event is acknowledged when this resolves, and
   * retried with backoff when it throws (docs/hooks.md). Events of one resource arrive in
   * order. The write stands whatever this does.
   */
  onEvent?(event: LifecycleEvent): void | Promise<void>;
  /** Sets a user's password (writeOnly, never stored by scimkit); without it, passwords are dropped and changePassword is not advertised. */
  setPassword?(ctx: StoreContext, userId: string, password: string): void | Promise<void>;
  /** Maps the authenticated subject to a User id for `/Me`; without it `/Me` is 501. */
  me?(ctx: StoreContext): string | undefined | Promise<string | undefined>;
}

/** `user` for types of the core User schema, `group` for the core Group schema, whatever their names; `resource` otherwise. @internal */
export function eventPrefix(type: ResourceType): 'user' | 'group' | 'resource' {
  return type.schema.id === USER_SCHEMA_ID ? 'user' : type.schema.id === GROUP_SCHEMA_ID ? 'group' : 'resource';
}

/** The `membersRemoved` event of a group that lost members without a write of its own (they were deleted). @internal */
export function membershipEvents(type: ResourceType, groupId: string, removed: string[]): EventDraft[] {
  if (!removed.length) return [];
  return [
    {
      id: randomUUID(),
      resourceType: type.name,
      resourceId: groupId,
      type: eventPrefix(type) === 'group' ? 'group.membersRemoved' : 'resource.updated',
      data: { memberIds: removed, source: 'scim' },
    },
  ];
}

/** Whether two versions of a resource differ only in their members (and `meta`, which every write moves). */
function sameBesidesMembers(before: ScimResource | undefined, after: ScimResource | undefined): boolean {
  if (!before || !after) return false;
  const { members: _bm, meta: _b, ...was } = before;
  const { members: _am, meta: _a, ...is } = after;
  return sameJson(was, is);
}

/**
 * The events a committed change produces: the one place that decides them, for every store
 * (stores record the drafts with the write). `groupUpdatedOnMemberChange`: the server's
 * `events.groupUpdatedOnMemberChange`. @internal
 */
export function eventsFor(
  kind: 'create' | 'update' | 'delete',
  type: ResourceType,
  id: string,
  after: ScimResource | undefined,
  before: ScimResource | undefined,
  members?: { added: string[]; removed: string[] },
  extra: Pick<EventData, 'link' | 'retained' | 'restored'> & { groupUpdatedOnMemberChange?: boolean } = {},
): EventDraft[] {
  const { link, retained, restored } = extra;
  const event = (t: LifecycleEventType, memberIds?: string[]): EventDraft => {
    const data: EventData = {};
    if (link && (t.endsWith('.created') || t.endsWith('.updated'))) data.link = link;
    if (retained && t === 'user.deleted') data.retained = true;
    if (restored && t === 'user.created') data.restored = true;
    if (after) data.resource = after;
    if (before) data.previous = before;
    if (memberIds) data.memberIds = memberIds;
    data.source = 'scim';
    return { id: randomUUID(), type: t, resourceType: type.name, resourceId: id, data };
  };
  const prefix = eventPrefix(type);
  if (kind === 'create') return [event(`${prefix}.created`)];
  if (kind === 'delete') return [event(`${prefix}.deleted`)];
  const moved = (members?.added.length ?? 0) + (members?.removed.length ?? 0) > 0;
  // A change of a group's members only is told by its member events: an IdP sends members in
  // batches, and a group.updated per batch would tell a host listening for renames and other
  // attributes nothing. A write that moved no member id is still told (nothing goes untold).
  const updated = prefix !== 'group' || !moved || extra.groupUpdatedOnMemberChange === true || !sameBesidesMembers(before, after);
  const out: EventDraft[] = updated ? [event(`${prefix}.updated`)] : [];
  if (prefix === 'user' && before && after) {
    const was = before.active !== false;
    const is = after.active !== false;
    if (was && !is) out.push(event('user.deactivated'));
    if (!was && is) out.push(event('user.reactivated'));
  }
  if (prefix === 'group') {
    if (before && after && before.displayName !== after.displayName) out.push(event('group.renamed'));
    if (members?.added.length) out.push(event('group.membersAdded', members.added));
    if (members?.removed.length) out.push(event('group.membersRemoved', members.removed));
  }
  return out;
}

/** The event `onEvent` gets for a recorded one; undefined when its resource type is no longer registered. @internal */
export function lifecycleEvent(e: OutboxEvent, registry: SchemaRegistry): LifecycleEvent | undefined {
  const resourceType = registry.resourceType(e.resourceType);
  if (!resourceType) return undefined;
  // the data is what eventsFor and membershipEvents recorded for the type, which the union describes
  const out: Record<string, unknown> = {
    type: e.type,
    ctx: e.context,
    resourceType,
    id: e.resourceId,
    eventId: e.id,
    seq: e.seq,
    time: e.time,
    attempt: e.attempts,
  };
  if (e.data.resource) out.resource = e.data.resource;
  if (e.data.previous) out.previous = e.data.previous;
  if (e.data.memberIds) out.memberIds = e.data.memberIds;
  if (e.data.link) out.link = e.data.link;
  if (e.data.retained) out.retained = true;
  if (e.data.restored) out.restored = true;
  if (e.data.source) out.source = e.data.source;
  return out as unknown as LifecycleEvent;
}
