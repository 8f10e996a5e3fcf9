/**
 * What MemoryStore keeps per tenant and resource type: entries (a resource as stored, its
 * version, a group's members), hash indexes over the attributes IdPs look up and the unique
 * ones, the member → groups index; how a resource is copied in and its indexed values found.
 * @module
 */
import type { Member } from '../../core/rules/members.js';
import type { AttributeDefinition } from '../../core/schema/attribute.js';
import type { ResourceType } from '../../core/schema/registry.js';
import { cloneJson, isObject, type ScimResource } from '../../core/schema/resource.js';

/** One stored resource. */
export interface Entry {
  /** The stored resource without `members` and `groups`; never handed out, only copies. */
  data: ScimResource;
  version: number;
  /** Group members by id. */
  members?: Map<string, Member>;
  /** Its place in {@link TypeData.order}. */
  pos?: number;
}

/** One resource type of one tenant: its entries, their order and its indexes. */
export interface TypeData {
  /** False for data restored from a snapshot until first used with its ResourceType. */
  indexed: boolean;
  byId: Map<string, Entry>;
  /**
   * The entries in creation order: an unsorted, unfiltered page is a slice of it, O(page).
   * A delete leaves a hole (O(1)); the holes are closed before the next slice, or once
   * they are half the array.
   */
  order: (Entry | undefined)[];
  /** Holes in `order`. */
  holes: number;
  /** attribute path → normalised value → ids */
  index: Map<string, Map<string, Set<string>>>;
  /** unique attribute → its unique key (core/rules/identity.ts) → the id holding it */
  unique: Map<string, Map<string, string>>;
}

/** One tenant: its types and the member → groups index. */
export interface TenantData {
  types: Map<string, TypeData>;
  /** member id → ids of the groups it is in */
  memberOf: Map<string, Set<string>>;
  /** Writes so far: a scan that waited for turns checks its matches again only when there were some meanwhile. */
  writes: number;
}

/** Attribute paths kept in hash indexes: the look-ups IdPs make. */
export const INDEXED = ['id', 'userName', 'externalId', 'displayName', 'emails.value'] as const;

/** A copy of a resource as stored: members kept apart; groups (derived) and password (never kept) dropped. */
export function split(resource: ScimResource): { data: ScimResource; members: unknown } {
  const data = cloneJson(resource);
  const members = data.members;
  delete data.members;
  delete data.groups;
  delete data.password;
  return { data, members };
}

/** The values at an indexed path (`emails.value`: each e-mail's). */
export function valuesAt(r: ScimResource, path: string): unknown[] {
  const dot = path.indexOf('.');
  const top = dot < 0 ? r[path] : r[path.slice(0, dot)];
  if (dot < 0) return Array.isArray(top) ? top : top === undefined ? [] : [top];
  const sub = path.slice(dot + 1);
  const list = Array.isArray(top) ? top : top === undefined ? [] : [top];
  return list.map((el) => (isObject(el) ? el[sub] : undefined)).filter((v) => v !== undefined);
}

/** Per resource type, resolved once: the paths kept in hash indexes and the definition each compares by. */
const indexPlans = new WeakMap<ResourceType, { paths: string[]; defs: Map<string, AttributeDefinition> }>();
export function indexPlan(type: ResourceType): { paths: string[]; defs: Map<string, AttributeDefinition> } {
  let plan = indexPlans.get(type);
  if (!plan) {
    const defs = new Map<string, AttributeDefinition>();
    for (const p of new Set<string>([...INDEXED, ...type.uniqueAttributes])) {
      const def = type.resolvePath(p)?.target;
      if (def) defs.set(p, def);
    }
    plan = { paths: [...defs.keys()], defs };
    indexPlans.set(type, plan);
  }
  return plan;
}
