/**
 * The in-memory reference store: hash indexes for the look-ups IdPs make, member sets
 * for large groups, a member → groups index for a User's `groups`, and snapshots.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ScimError } from '../errors.js';
import { type Filter, walkFilter } from '../filter/ast.js';
import { compileFilter, type Predicate } from '../filter/compile.js';
import { equalityKeys } from '../filter/keys.js';
import type { Member, MemberDelta } from '../patch/members.js';
import type { ResourceType } from '../schema/registry.js';
import { cloneJson, isObject, type ScimResource } from '../schema/resource.js';
import {
  type AppliedMembers,
  type ProvisioningStore,
  type SearchQuery,
  type SearchResult,
  type StoreCapabilities,
  type StoreContext,
  versionTag,
  type WriteOptions,
} from './store.js';

interface Entry {
  /** The stored resource without `members` and `groups`; never handed out, only copies. */
  data: ScimResource;
  version: number;
  /** Group members by id. */
  members?: Map<string, Member>;
}

interface TypeData {
  /** False for data restored from a snapshot until first used with its ResourceType. */
  indexed: boolean;
  byId: Map<string, Entry>;
  /** attribute path → normalised value → ids */
  index: Map<string, Map<string, Set<string>>>;
}

interface TenantData {
  types: Map<string, TypeData>;
  /** member id → ids of the groups it is in */
  memberOf: Map<string, Set<string>>;
}

/** One stored resource in a snapshot. */
export interface SnapshotEntry {
  /** The resource without members and groups. */
  data: ScimResource;
  /** Its version number. */
  version: number;
  /** A group's members. */
  members?: Member[];
}

/** The JSON a {@link MemoryStore} snapshot holds. */
export interface MemorySnapshot {
  /** Format version. */
  version: 1;
  /** tenant → type name → stored entries. */
  tenants: Record<string, Record<string, SnapshotEntry[]>>;
}

/** What {@link MemoryStore.stats} counts. */
export interface MemoryStoreStats {
  /** Stored resources, all tenants and types. */
  resources: number;
  /** Keys in the hash indexes. */
  indexKeys: number;
  /** Group memberships. */
  memberships: number;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Data to start from, as {@link MemoryStore.snapshot} returned it. */
  snapshot?: MemorySnapshot;
  /** Called after every committed write, e.g. to save a snapshot. */
  onChange?: () => void;
  /** Clock for meta timestamps (tests). */
  now?: () => Date;
}

/** Attribute paths kept in hash indexes: the look-ups IdPs make. */
const INDEXED = ['id', 'userName', 'externalId', 'displayName', 'emails.value'] as const;

/** A copy of a resource as stored: members kept apart; groups (derived) and password (never kept) dropped. */
function split(resource: ScimResource): { data: ScimResource; members: unknown } {
  const data = cloneJson(resource);
  const members = data.members;
  delete data.members;
  delete data.groups;
  delete data.password;
  return { data, members };
}

function valuesAt(r: ScimResource, path: string): unknown[] {
  const dot = path.indexOf('.');
  const top = dot < 0 ? r[path] : r[path.slice(0, dot)];
  if (dot < 0) return Array.isArray(top) ? top : top === undefined ? [] : [top];
  const sub = path.slice(dot + 1);
  const list = Array.isArray(top) ? top : top === undefined ? [] : [top];
  return list.map((el) => (isObject(el) ? el[sub] : undefined)).filter((v) => v !== undefined);
}

/** Per resource type, resolved once: the paths kept in hash indexes and whether each compares case-sensitively. */
const indexPlans = new WeakMap<ResourceType, { paths: string[]; caseExact: Map<string, boolean> }>();
function indexPlan(type: ResourceType): { paths: string[]; caseExact: Map<string, boolean> } {
  let plan = indexPlans.get(type);
  if (!plan) {
    const caseExact = new Map<string, boolean>();
    for (const p of new Set<string>([...INDEXED, ...type.uniqueAttributes])) {
      const def = type.resolvePath(p)?.target;
      if (def) caseExact.set(p, def.caseExact);
    }
    plan = { paths: [...caseExact.keys()], caseExact };
    indexPlans.set(type, plan);
  }
  return plan;
}

/** Members by id, copied; a repeated id keeps its first place and attributes, as PostgresStore does. */
function memberMap(members: readonly Member[] | undefined): Map<string, Member> {
  const out = new Map<string, Member>();
  for (const m of members ?? []) if (!out.has(m.value)) out.set(m.value, cloneJson(m));
  return out;
}

const relations = new WeakMap<Filter, boolean>();
/** Whether a filter names `members` or `groups`, which are not kept in the stored document. */
function namesRelations(filter: Filter): boolean {
  let v = relations.get(filter);
  if (v === undefined) {
    v = false;
    walkFilter(filter, (n) => {
      if ('attr' in n && /^(members|groups)$/i.test(n.attr.name)) v = true;
    });
    relations.set(filter, v);
  }
  return v;
}

const compiled = new WeakMap<Filter, Map<ResourceType, Predicate>>();
function predicate(filter: Filter, type: ResourceType): Predicate {
  let m = compiled.get(filter);
  let p = m?.get(type);
  if (!p) {
    p = compileFilter(filter, type);
    if (!m) compiled.set(filter, (m = new Map()));
    m.set(type, p);
  }
  return p;
}

/**
 * The reference {@link ProvisioningStore}: fast enough to be the embedded default.
 * Look-ups by id, userName, externalId, displayName and emails.value are hash look-ups;
 * member add/remove is O(1) per member on any group size; stored objects are copied in
 * and out, so callers never alias them. Every call finishes its reads and writes without
 * awaiting in between, so concurrent writes to one resource serialise.
 */
export class MemoryStore implements ProvisioningStore {
  /** Filters, sorts and takes member deltas itself. */
  readonly capabilities: StoreCapabilities = { filter: true, sort: true, memberDeltas: true };
  readonly #tenants = new Map<string, TenantData>();
  readonly #onChange: (() => void) | undefined;
  readonly #now: () => Date;

  /** An empty store, or one restored from a snapshot. */
  constructor(options: MemoryStoreOptions = {}) {
    this.#onChange = options.onChange;
    this.#now = options.now ?? (() => new Date());
    if (options.snapshot) this.#restore(options.snapshot);
  }

  /** The tenant's data; reads of a tenant never seen get an empty view and create nothing. */
  #tenant(ctx: StoreContext, create = false): TenantData {
    if (!ctx.tenant) throw ScimError.internal();
    let t = this.#tenants.get(ctx.tenant);
    if (!t) {
      t = { types: new Map(), memberOf: new Map() };
      if (create) this.#tenants.set(ctx.tenant, t);
    }
    return t;
  }

  #type(ctx: StoreContext, type: ResourceType, create = false): TypeData {
    const t = this.#tenant(ctx, create);
    let d = t.types.get(type.name);
    if (!d) {
      d = { indexed: true, byId: new Map(), index: new Map() };
      if (create) t.types.set(type.name, d);
    }
    if (!d.indexed) {
      for (const e of d.byId.values()) this.#reindex(type, d, e);
      d.indexed = true;
    }
    return d;
  }

  #key(type: ResourceType, path: string, value: unknown): string | undefined {
    if (typeof value !== 'string') return undefined;
    return indexPlan(type).caseExact.get(path) ? value : value.toLowerCase();
  }

  #indexPaths(type: ResourceType): readonly string[] {
    return indexPlan(type).paths;
  }

  #unindex(type: ResourceType, d: TypeData, e: Entry): void {
    const id = e.data.id as string;
    for (const path of this.#indexPaths(type)) {
      const m = d.index.get(path);
      for (const v of valuesAt(e.data, path)) {
        const k = this.#key(type, path, v);
        if (k === undefined || !m) continue;
        const ids = m.get(k);
        ids?.delete(id);
        // drop emptied keys: a store that creates and deletes forever must not grow (found by the load benchmark)
        if (ids?.size === 0) m.delete(k);
      }
    }
  }

  #reindex(type: ResourceType, d: TypeData, e: Entry): void {
    const id = e.data.id as string;
    for (const path of this.#indexPaths(type)) {
      let m = d.index.get(path);
      if (!m) d.index.set(path, (m = new Map()));
      for (const v of valuesAt(e.data, path)) {
        const k = this.#key(type, path, v);
        if (k === undefined) continue;
        let ids = m.get(k);
        if (!ids) m.set(k, (ids = new Set()));
        ids.add(id);
      }
    }
  }

  #checkUnique(type: ResourceType, d: TypeData, r: ScimResource, selfId: string | undefined): void {
    for (const attr of type.uniqueAttributes) {
      const v = r[attr];
      const k = this.#key(type, attr, v);
      if (k === undefined) continue;
      for (const other of d.index.get(attr)?.get(k) ?? []) {
        if (other !== selfId) throw ScimError.uniqueness(`${attr} ${JSON.stringify(String(v).slice(0, 60))} is already taken`);
      }
    }
  }

  #setMembers(t: TenantData, groupId: string, e: Entry, next: Map<string, Member>): void {
    for (const id of e.members?.keys() ?? []) if (!next.has(id)) this.#leave(t, id, groupId);
    for (const id of next.keys()) {
      let s = t.memberOf.get(id);
      if (!s) t.memberOf.set(id, (s = new Set()));
      s.add(groupId);
    }
    e.members = next;
  }

  #leave(t: TenantData, memberId: string, groupId: string): void {
    const groups = t.memberOf.get(memberId);
    groups?.delete(groupId);
    if (groups?.size === 0) t.memberOf.delete(memberId);
  }

  #applyDelta(t: TenantData, groupId: string, e: Entry, delta: MemberDelta): AppliedMembers {
    const members = e.members ?? new Map<string, Member>();
    const applied: AppliedMembers = { added: [], removed: [] };
    const before = delta.removeAll ? new Set(members.keys()) : undefined;
    if (delta.removeAll) {
      for (const id of members.keys()) this.#leave(t, id, groupId);
      members.clear();
    }
    for (const id of delta.removed) {
      if (members.delete(id)) {
        this.#leave(t, id, groupId);
        applied.removed.push(id);
      }
    }
    for (const m of delta.added) {
      if (members.has(m.value)) continue;
      members.set(m.value, cloneJson(m));
      let s = t.memberOf.get(m.value);
      if (!s) t.memberOf.set(m.value, (s = new Set()));
      s.add(groupId);
      if (!before?.has(m.value)) applied.added.push(m.value);
    }
    // after a removeAll, the members that were not added back are the ones that left
    if (before) for (const id of before) if (!members.has(id)) applied.removed.push(id);
    e.members = members;
    return applied;
  }

  #out(ctx: StoreContext, type: ResourceType, e: Entry, withMembers: boolean): ScimResource {
    const r = cloneJson(e.data);
    if (e.members && withMembers && e.members.size) r.members = [...e.members.values()].map(cloneJson);
    if (type.coreAttribute('groups')?.mutability === 'readOnly') {
      const t = this.#tenant(ctx);
      const groupIds = t.memberOf.get(e.data.id as string);
      if (groupIds?.size) {
        const groups = t.types.get('Group');
        r.groups = [...groupIds].map((gid) => {
          const g: Record<string, unknown> = { value: gid, type: 'direct' };
          const name = groups?.byId.get(gid)?.data.displayName;
          if (typeof name === 'string') g.display = name;
          return g;
        });
      }
    }
    return r;
  }

  #meta(type: ResourceType, created: string, version: number): NonNullable<ScimResource['meta']> {
    return { resourceType: type.name, created, lastModified: this.#now().toISOString(), version: versionTag(version) };
  }

  /** One resource, copied. */
  async get(ctx: StoreContext, type: ResourceType, id: string, options: { members?: boolean } = {}): Promise<ScimResource | undefined> {
    const e = this.#type(ctx, type).byId.get(id);
    return e && this.#out(ctx, type, e, options.members ?? true);
  }

  /** A page of matches: index look-up when the filter has an indexed equality, else a scan. */
  async search(ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
    const d = this.#type(ctx, type);
    let candidates: Iterable<Entry> = d.byId.values();
    if (q.filter) {
      const keys = equalityKeys(q.filter, type);
      const usable = keys.find((k) => k.path === 'members.value' || d.index.has(k.path));
      if (usable) candidates = this.#candidates(ctx, type, d, usable.path, usable.values);
    }
    const test = q.filter ? predicate(q.filter, type) : undefined;
    let matches: Entry[] = [];
    for (const e of candidates) if (!test || test(this.#matchView(ctx, type, e, q.filter))) matches.push(e);
    if (q.sort) matches = this.#sort(type, matches, q.sort.path, q.sort.order === 'descending');
    const start = Math.max(q.startIndex, 1) - 1;
    const page = q.count > 0 ? matches.slice(start, start + q.count) : [];
    return { resources: page.map((e) => this.#out(ctx, type, e, q.members)), totalResults: matches.length };
  }

  /** The view a filter sees: members and groups are built only when the filter names them. */
  #matchView(ctx: StoreContext, type: ResourceType, e: Entry, filter: Filter | undefined): ScimResource {
    if (!filter || !namesRelations(filter)) return e.data;
    return this.#out(ctx, type, e, true);
  }

  *#candidates(ctx: StoreContext, type: ResourceType, d: TypeData, path: string, values: string[]): Iterable<Entry> {
    const seen = new Set<string>();
    for (const v of values) {
      const ids = path === 'members.value' ? (this.#tenant(ctx).memberOf.get(v) ?? []) : (d.index.get(path)?.get(this.#key(type, path, v) ?? '') ?? []);
      for (const id of ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        const e = d.byId.get(id);
        if (e) yield e;
      }
    }
  }

  #sort(type: ResourceType, list: Entry[], path: string, desc: boolean): Entry[] {
    const r = type.resolvePath(path);
    const def = r?.target;
    const fold = def && def.type !== 'dateTime' && !def.caseExact;
    const keyOf = (e: Entry): string | number | undefined => {
      const container = r?.extension ? (e.data[r.schema] as ScimResource | undefined) : e.data;
      const local = r?.sub ? `${r.attribute.name}.${r.sub.name}` : (r?.attribute.name ?? path);
      const vs = container ? valuesAt(container, local) : [];
      const v = vs[0];
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v !== 'string') return undefined;
      if (def?.type === 'dateTime') return Date.parse(v);
      return fold ? v.toLowerCase() : v;
    };
    const keyed = list.map((e) => ({ e, k: keyOf(e), id: e.data.id as string }));
    keyed.sort((a, b) => {
      // missing values sort last in either order (RFC 7644 §3.4.2.3)
      if (a.k === undefined || b.k === undefined) return a.k === b.k ? (a.id < b.id ? -1 : 1) : a.k === undefined ? 1 : -1;
      const c = a.k < b.k ? -1 : a.k > b.k ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return desc ? -c : c;
    });
    return keyed.map((x) => x.e);
  }

  /** Stores a new resource with a fresh id and meta. */
  async create(ctx: StoreContext, type: ResourceType, resource: ScimResource): Promise<ScimResource> {
    const t = this.#tenant(ctx, true);
    const d = this.#type(ctx, type, true);
    const { data, members } = split(resource);
    this.#checkUnique(type, d, data, undefined);
    const id = randomUUID();
    data.id = id;
    const now = this.#now().toISOString();
    data.meta = { ...this.#meta(type, now, 1), lastModified: now };
    const e: Entry = { data, version: 1 };
    if (type.coreAttribute('members')) this.#setMembers(t, id, e, memberMap(members as Member[] | undefined));
    d.byId.set(id, e);
    this.#reindex(type, d, e);
    this.#onChange?.();
    return this.#out(ctx, type, e, true);
  }

  #current(ctx: StoreContext, type: ResourceType, id: string, ifVersion: string | undefined): { d: TypeData; e: Entry } {
    const d = this.#type(ctx, type);
    const e = d.byId.get(id);
    if (!e) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 60))} not found`);
    if (ifVersion !== undefined && ifVersion !== '*' && ifVersion !== versionTag(e.version)) {
      throw ScimError.preconditionFailed(`${type.name} ${id} is at version ${versionTag(e.version)}, not ${ifVersion}`);
    }
    return { d, e };
  }

  /** Replaces the attributes; applies a member delta when one is given. */
  async replace(ctx: StoreContext, type: ResourceType, id: string, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    const t = this.#tenant(ctx);
    const { d, e } = this.#current(ctx, type, id, options.ifVersion);
    const { data, members } = split(resource);
    this.#checkUnique(type, d, data, id);
    this.#unindex(type, d, e);
    const version = e.version + 1;
    data.id = id;
    data.meta = this.#meta(type, e.data.meta?.created ?? this.#now().toISOString(), version);
    e.data = data;
    e.version = version;
    if (type.coreAttribute('members')) {
      if (options.members) {
        const applied = this.#applyDelta(t, id, e, options.members);
        options.onMembersApplied?.(applied);
      } else this.#setMembers(t, id, e, memberMap(members as Member[] | undefined));
    }
    this.#reindex(type, d, e);
    this.#onChange?.();
    return this.#out(ctx, type, e, options.members === undefined);
  }

  /** Deletes a resource and every membership it takes part in. */
  async delete(ctx: StoreContext, type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    const t = this.#tenant(ctx);
    const { d, e } = this.#current(ctx, type, id, options.ifVersion);
    this.#unindex(type, d, e);
    d.byId.delete(id);
    if (e.members) for (const m of e.members.keys()) this.#leave(t, m, id);
    for (const gid of t.memberOf.get(id) ?? []) {
      for (const td of t.types.values()) {
        const g = td.byId.get(gid);
        if (g?.members?.delete(id)) g.version++;
      }
    }
    t.memberOf.delete(id);
    this.#onChange?.();
  }

  /** Counts of what the store holds, indexes included (for monitoring, and to show nothing leaks). */
  stats(): MemoryStoreStats {
    let resources = 0;
    let indexKeys = 0;
    let memberships = 0;
    for (const t of this.#tenants.values()) {
      for (const d of t.types.values()) {
        resources += d.byId.size;
        for (const m of d.index.values()) indexKeys += m.size;
      }
      for (const g of t.memberOf.values()) memberships += g.size;
    }
    return { resources, indexKeys, memberships };
  }

  /** A JSON-serialisable copy of everything, for {@link MemoryStoreOptions.snapshot}. */
  snapshot(): MemorySnapshot {
    const tenants: MemorySnapshot['tenants'] = {};
    for (const [tenant, t] of this.#tenants) {
      const types: Record<string, SnapshotEntry[]> = {};
      for (const [name, d] of t.types) {
        types[name] = [...d.byId.values()].map((e) =>
          e.members
            ? { data: cloneJson(e.data), version: e.version, members: [...e.members.values()].map(cloneJson) }
            : { data: cloneJson(e.data), version: e.version },
        );
      }
      tenants[tenant] = types;
    }
    return { version: 1, tenants };
  }

  #restore(s: MemorySnapshot): void {
    if (s?.version !== 1 || !isObject(s.tenants)) throw new TypeError('MemoryStore: not a snapshot of version 1');
    for (const [tenant, types] of Object.entries(s.tenants)) {
      const t: TenantData = { types: new Map(), memberOf: new Map() };
      this.#tenants.set(tenant, t);
      for (const [name, entries] of Object.entries(types)) {
        const d: TypeData = { indexed: false, byId: new Map(), index: new Map() };
        t.types.set(name, d);
        for (const x of entries) {
          const e: Entry = { data: cloneJson(x.data), version: x.version };
          d.byId.set(x.data.id as string, e);
          if (x.members) this.#setMembers(t, x.data.id as string, e, memberMap(x.members));
        }
      }
    }
  }
}
