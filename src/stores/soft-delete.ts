/**
 * Soft delete: the one definition of what a soft-deleted user is, executed through any store's
 * own filter, compare-and-swap and member deltas (so every store that passes the contract kit
 * supports it, and none implements it again). The engine's view of the store when the server's
 * `deprovisioning.onDelete` is `softDelete`; the store itself is untouched.
 *
 * A soft-deleted user is kept with a hidden marker (`deletedAt` under {@link SOFT_DELETE_SCHEMA_ID},
 * never returned, never in discovery): reads answer as if it were gone, lists and filters leave it
 * out, it leaves its groups, and it keeps holding its userName, so a later create with that
 * userName (or its externalId) restores it under the same id instead of conflicting.
 * @module
 */
import { ScimError } from '../core/errors.js';
import type { Filter } from '../core/filter/ast.js';
import { foldCase } from '../core/rules/case-fold.js';
import { defineSchema } from '../core/schema/attribute.js';
import { USER_SCHEMA_ID } from '../core/schema/builtin/user.js';
import { ResourceType, type SchemaRegistry } from '../core/schema/registry.js';
import { isObject, type ScimResource } from '../core/schema/resource.js';
import type { GroupRef, ProvisioningStore, StoreContext, WriteOptions } from './store.js';

/** The URN the soft-delete marker is kept under in a stored user. It is never returned nor listed in `/Schemas`. */
export const SOFT_DELETE_SCHEMA_ID = 'urn:scimkit:params:scim:schemas:extension:2.0:SoftDelete';

const MARKER = defineSchema(SOFT_DELETE_SCHEMA_ID, 'SoftDelete', 'When scimkit soft-deleted the resource (hidden)', [
  { name: 'deletedAt', type: 'dateTime', mutability: 'readOnly', returned: 'never' },
]);

const DELETED_AT = { uri: SOFT_DELETE_SCHEMA_ID, name: 'deletedAt' } as const;
const IS_DELETED: Filter = { op: 'pr', attr: DELETED_AT };
const NOT_DELETED: Filter = { op: 'not', filter: IS_DELETED };

/** When a stored user was soft-deleted (ISO 8601), or undefined when it was not. */
export function softDeletedAt(r: ScimResource | undefined): string | undefined {
  const marker = r?.[SOFT_DELETE_SCHEMA_ID];
  return isObject(marker) && typeof marker.deletedAt === 'string' ? marker.deletedAt : undefined;
}

/** The soft-delete view of a store, with what the engine asks of it beyond the store contract. */
export interface SoftDeletingStore extends ProvisioningStore {
  /** Whether deletes of this type are soft (users) or real (everything else). */
  applies(type: ResourceType): boolean;
  /** The soft-deleted user a create of `resource` restores: the holder of its userName, else the latest with its externalId. */
  restorable(ctx: StoreContext, type: ResourceType, resource: ScimResource): Promise<ScimResource | undefined>;
  /**
   * Restores `deleted` under its id with the attributes of `resource` (a create's, validated),
   * compare-and-swap on the version read: a concurrent restore or create of it is 409 uniqueness.
   */
  restore(ctx: StoreContext, type: ResourceType, deleted: ScimResource, resource: ScimResource, options?: WriteOptions): Promise<ScimResource>;
  /** Really deletes the tenant's users soft-deleted before `before`, at most `limit` of them; returns how many. */
  purge(ctx: StoreContext, type: ResourceType, before: Date, limit?: number): Promise<number>;
}

/**
 * `store` with soft delete for the registry's user types (core User schema). The store must
 * filter (`capabilities.filter`): a list must leave soft-deleted users out in the store, or its
 * pages and totals would be wrong.
 */
export function softDeletingStore(store: ProvisioningStore, registry: SchemaRegistry): SoftDeletingStore {
  if (!store.capabilities.filter) throw new TypeError('deprovisioning.onDelete "softDelete" needs a store that filters (capabilities.filter)');
  const shadows = new WeakMap<ResourceType, ResourceType>();
  /** The type as the store sees it: a user type knows the marker (so the store's filters can test it). */
  const seen = (type: ResourceType): ResourceType => {
    if (!isUserType(type)) return type;
    let shadow = shadows.get(type);
    if (!shadow) {
      const derived = new Set(['externalId', ...type.schema.attributes.filter((a) => a.uniqueness !== 'none').map((a) => a.name)]);
      shadow = new ResourceType(
        {
          name: type.name,
          endpoint: type.endpoint,
          description: type.description,
          schema: type.schema.id,
          unique: type.uniqueAttributes.filter((n) => !derived.has(n)),
        },
        type.schema,
        [...type.extensions, { schema: MARKER, required: false }],
      );
      shadows.set(type, shadow);
    }
    return shadow;
  };
  // one combined filter per client filter: stores cache compiled filters by identity
  const combined = new WeakMap<Filter, Filter>();
  const visible = (filter: Filter | undefined): Filter => {
    if (!filter) return NOT_DELETED;
    let f = combined.get(filter);
    if (!f) combined.set(filter, (f = { op: 'and', filters: [NOT_DELETED, filter] }));
    return f;
  };
  const atomically = <T>(ctx: StoreContext, fn: () => Promise<T>): Promise<T> => (store.transaction ? store.transaction(ctx, fn) : fn());

  const view: SoftDeletingStore = {
    capabilities: store.capabilities,
    applies: isUserType,
    async get(ctx, type, id, options) {
      const r = await store.get(ctx, seen(type), id, options);
      return softDeletedAt(r) === undefined ? r : undefined;
    },
    search: (ctx, type, query) =>
      view.applies(type) ? store.search(ctx, seen(type), { ...query, filter: visible(query.filter) }) : store.search(ctx, type, query),
    create: (ctx, type, resource, options) => store.create(ctx, seen(type), resource, options),
    replace: (ctx, type, id, resource, options) => store.replace(ctx, seen(type), id, resource, options),
    async delete(ctx, type, id, options = {}) {
      if (!view.applies(type)) return store.delete(ctx, type, id, options);
      const shadow = seen(type);
      const groups = await atomically(ctx, async () => {
        const current = await store.get(ctx, shadow, id, { members: false, ...(store.transaction ? { forUpdate: true } : {}) });
        if (!current || softDeletedAt(current) !== undefined) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 100))} not found`);
        // the user's readOnly `groups` name them (direct memberships), of the type that has members
        const groupType = registry.resourceTypes().find((t) => t.coreAttribute('members'));
        const left: GroupRef[] = [];
        for (const g of groupType && Array.isArray(current.groups) ? current.groups : [])
          if (isObject(g) && typeof g.value === 'string') left.push({ type: groupType!.name, id: g.value });
        const { meta: _meta, groups: _groups, ...kept } = current;
        const marked: ScimResource = { ...kept, [SOFT_DELETE_SCHEMA_ID]: { deletedAt: new Date().toISOString() } };
        // the marker first, compare-and-swap on what was read (or on the client's If-Match): a
        // write that lost the race has left the groups as they were
        await store.replace(ctx, shadow, id, marked, {
          ifVersion: options.ifVersion ?? (current.meta?.version as string),
          ...(options.eventsDelivered ? { eventsDelivered: true } : {}),
          ...(options.events ? { events: () => options.events!({ groups: left }) } : {}),
        });
        // then out of every group it was in, as a removal that commutes with other member writes
        for (const g of left) {
          try {
            await removeMember(store, ctx, groupType!, g.id, id);
          } catch (e) {
            // a group deleted meanwhile took the membership with it
            if (!(e instanceof ScimError && e.status === 404)) throw e;
          }
        }
        return left;
      });
      options.onMembershipsRemoved?.(groups);
    },
    async restorable(ctx, type, resource) {
      if (!view.applies(type)) return undefined;
      const keys: Filter[] = [];
      if (typeof resource.userName === 'string') keys.push({ op: 'eq', attr: { name: 'userName' }, value: resource.userName });
      if (typeof resource.externalId === 'string') keys.push({ op: 'eq', attr: { name: 'externalId' }, value: resource.externalId });
      if (!keys.length) return undefined;
      const filter: Filter = { op: 'and', filters: [IS_DELETED, keys.length === 1 ? keys[0]! : { op: 'or', filters: keys }] };
      const found = await store.search(ctx, seen(type), {
        filter,
        sort: { path: 'meta.lastModified', order: 'descending' },
        startIndex: 1,
        count: 2,
        members: false,
      });
      // the holder of the userName first: it is the one a create would conflict with
      // found by `userName eq`: the same fold picks the holder
      const byName = found.resources.find((r) => typeof r.userName === 'string' && foldCase(r.userName) === foldCase(String(resource.userName)));
      return byName ?? found.resources[0];
    },
    async restore(ctx, type, deleted, resource, options = {}) {
      try {
        return await store.replace(ctx, seen(type), deleted.id as string, resource, { ...options, ifVersion: deleted.meta?.version as string });
      } catch (e) {
        // another create restored it first: to this one, the user exists
        if (e instanceof ScimError && (e.status === 412 || e.status === 404))
          throw ScimError.uniqueness(`${type.name} with userName ${JSON.stringify(String(resource.userName).slice(0, 100))} already exists`);
        throw e;
      }
    },
    async purge(ctx, type, before, limit = 1000) {
      if (!view.applies(type)) return 0;
      const shadow = seen(type);
      const filter: Filter = { op: 'lt', attr: DELETED_AT, value: before.toISOString() };
      const page = await store.search(ctx, shadow, { filter, startIndex: 1, count: limit, members: false });
      let purged = 0;
      for (const r of page.resources) {
        try {
          await store.delete(ctx, shadow, r.id as string, { ifVersion: r.meta?.version as string });
          purged++;
        } catch (e) {
          // restored (412) or purged by another instance (404) meanwhile
          if (!(e instanceof ScimError && (e.status === 412 || e.status === 404))) throw e;
        }
      }
      return purged;
    },
  };
  if (store.transaction) view.transaction = store.transaction.bind(store);
  if (store.outbox) Object.defineProperty(view, 'outbox', { value: store.outbox, enumerable: true });
  if (store.activity) Object.defineProperty(view, 'activity', { value: store.activity, enumerable: true });
  return view;
}

/** Whether soft delete applies to a type: those of the core User schema, whatever their names. */
function isUserType(type: ResourceType): boolean {
  return type.schema.id === USER_SCHEMA_ID;
}

/** Removes one member from a group: a delta on a store that takes them, else compare-and-swap of the member list. */
async function removeMember(store: ProvisioningStore, ctx: StoreContext, type: ResourceType, groupId: string, memberId: string): Promise<void> {
  if (store.capabilities.memberDeltas) {
    await store.replace(ctx, type, groupId, {}, { members: { removeAll: false, added: [], removed: [memberId] }, keepAttributes: true });
    return;
  }
  for (let attempt = 0; ; attempt++) {
    const group = await store.get(ctx, type, groupId, { members: true });
    if (!group) return;
    const members = Array.isArray(group.members) ? group.members.filter((m) => !(isObject(m) && m.value === memberId)) : [];
    const { meta: _meta, ...rest } = group;
    try {
      await store.replace(ctx, type, groupId, { ...rest, members }, { ifVersion: group.meta?.version as string });
      return;
    } catch (e) {
      if (!(e instanceof ScimError && e.status === 412) || attempt >= 20) throw e;
    }
  }
}
