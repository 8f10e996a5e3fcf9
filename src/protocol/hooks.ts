/**
 * Hooks: where the host maps SCIM into its own model (workspace, roles, teams) and
 * hears about committed changes.
 * @module
 */
import type { MemberDelta } from '../patch/members.js';
import { GROUP_SCHEMA_ID } from '../schema/builtin/group.js';
import { USER_SCHEMA_ID } from '../schema/builtin/user.js';
import type { ResourceType } from '../schema/registry.js';
import type { ScimResource } from '../schema/resource.js';
import type { StoreContext } from '../store/store.js';

/** The kinds of lifecycle event, fired once each after commit. */
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

/** A committed change. */
export interface LifecycleEvent {
  /** What happened. */
  type: LifecycleEventType;
  /** The tenant context of the request. */
  ctx: StoreContext;
  /** The resource type. */
  resourceType: ResourceType;
  /** The resource's id. */
  id: string;
  /** The resource after the change (absent for deletions; groups may lack members). */
  resource?: ScimResource;
  /** The resource before the change (updates and deletions). */
  previous?: ScimResource;
  /** For membersAdded / membersRemoved: the member ids. */
  memberIds?: string[];
}

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
  /** Before a delete. */
  beforeDelete?(event: { ctx: StoreContext; resourceType: ResourceType; id: string; previous: ScimResource }): void | Promise<void>;
  /** After commit, once per event. A failure here is reported to the server's `logger`, never swallowed, and the write stands. */
  onEvent?(event: LifecycleEvent): void | Promise<void>;
  /** Sets a user's password (writeOnly, never stored by scimkit); without it, passwords are dropped and changePassword is not advertised. */
  setPassword?(ctx: StoreContext, userId: string, password: string): void | Promise<void>;
  /** Maps the authenticated subject to a User id for `/Me`; without it `/Me` is 501. */
  me?(ctx: StoreContext): string | undefined | Promise<string | undefined>;
}

/** `user` for types of the core User schema, `group` for the core Group schema, whatever their names; `resource` otherwise. */
function eventPrefix(type: ResourceType): 'user' | 'group' | 'resource' {
  return type.schema.id === USER_SCHEMA_ID ? 'user' : type.schema.id === GROUP_SCHEMA_ID ? 'group' : 'resource';
}

/** The `membersRemoved` event of a group that lost members without a write of its own (they were deleted). */
export function membershipEvents(ctx: StoreContext, type: ResourceType, groupId: string, removed: string[]): LifecycleEvent[] {
  if (!removed.length) return [];
  return [{ ctx, resourceType: type, id: groupId, type: eventPrefix(type) === 'group' ? 'group.membersRemoved' : 'resource.updated', memberIds: removed }];
}

/** The events a committed change produces. */
export function eventsFor(
  kind: 'create' | 'update' | 'delete',
  ctx: StoreContext,
  type: ResourceType,
  id: string,
  after: ScimResource | undefined,
  before: ScimResource | undefined,
  members?: { added: string[]; removed: string[] },
): LifecycleEvent[] {
  const base = { ctx, resourceType: type, id } as const;
  const withData = (e: LifecycleEvent): LifecycleEvent => {
    if (after) e.resource = after;
    if (before) e.previous = before;
    return e;
  };
  const prefix = eventPrefix(type);
  if (kind === 'create') return [withData({ ...base, type: `${prefix}.created` as LifecycleEventType })];
  if (kind === 'delete') return [withData({ ...base, type: `${prefix}.deleted` as LifecycleEventType })];
  const out: LifecycleEvent[] = [withData({ ...base, type: `${prefix}.updated` as LifecycleEventType })];
  if (prefix === 'user' && before && after) {
    const was = before.active !== false;
    const is = after.active !== false;
    if (was && !is) out.push(withData({ ...base, type: 'user.deactivated' }));
    if (!was && is) out.push(withData({ ...base, type: 'user.reactivated' }));
  }
  if (prefix === 'group') {
    if (before && after && before.displayName !== after.displayName) out.push(withData({ ...base, type: 'group.renamed' }));
    if (members?.added.length) out.push(withData({ ...base, type: 'group.membersAdded', memberIds: members.added }));
    if (members?.removed.length) out.push(withData({ ...base, type: 'group.membersRemoved', memberIds: members.removed }));
  }
  return out;
}
