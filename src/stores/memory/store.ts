/**
 * The in-memory reference store: hash indexes for the look-ups IdPs make, member sets
 * for large groups, a member → groups index for a User's `groups`, and snapshots.
 *
 * Longer than 400 lines because it is one class over private state: each write changes the
 * entry, the hash indexes, the unique keys and the member → groups index together without an
 * await in between (which is what serialises concurrent writes), so those steps are private
 * methods of one class. What needs no access to that state lives beside it: the entries and
 * index plans (entries.ts), the sliced scan (scan.ts, scan-turns.ts), the rules (core/rules/).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ScimError } from '../../core/errors.js';
import type { Filter } from '../../core/filter/ast.js';
import { filterCost, filterWorkError } from '../../core/filter/cost.js';
import { equalityKeys } from '../../core/filter/keys.js';
import { valueKey } from '../../core/rules/equality.js';
import { uniqueKey } from '../../core/rules/identity.js';
import { deltaChangesMembers, type Member, type MemberDelta, memberIdsOf, planMemberDelta, sameMemberOrder } from '../../core/rules/members.js';
import { resolveSortPath, type SortEntry, sortValue, topK } from '../../core/rules/sort.js';
import { decideWrite, isVersion, metaOf, versionTag } from '../../core/rules/version.js';
import type { ResourceType } from '../../core/schema/registry.js';
import { cloneJson, isObject, type ScimResource } from '../../core/schema/resource.js';
import type { Connection, ConnectionCredential, ConnectionStore } from '../connections.js';
import { refuseLate } from '../deadline.js';
import { selfMemberError, storedMember, unknownMembersError } from '../member-references.js';
import type {
  AppliedMembers,
  GetOptions,
  GroupRef,
  ProvisioningStore,
  SearchQuery,
  SearchResult,
  StoreCapabilities,
  StoreContext,
  WriteOptions,
} from '../store.js';
import { MemoryActivityLog, type MemoryActivityLogOptions } from './activity-log.js';
import { MemoryConnections } from './connections.js';
import { type Entry, indexPlan, split, type TenantData, type TypeData, valuesAt } from './entries.js';
import { MemoryOutbox } from './outbox.js';
import { namesRelations, predicate, stillMatching, testSlice } from './scan.js';
import { ScanTurns } from './scan-turns.js';
import { readNow } from './store-read-now.js';

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
  /** The connection records (absent in snapshots taken before connections existed: they restore without any). */
  connections?: {
    /** Every connection. */
    connections: Connection[];
    /** Every credential. */
    credentials: ConnectionCredential[];
  };
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
  /** Data to start from, as {@link MemoryStore.snapshot} returned it (tests, fixtures; not a way to persist: see docs/stores.md). */
  snapshot?: MemorySnapshot;
  /** Clock for meta timestamps (tests). */
  now?: () => Date;
  /** Bounds of the activity log's ring per tenant. */
  activity?: MemoryActivityLogOptions;
}

/**
 * The reference {@link ProvisioningStore}: fast enough to be the embedded default.
 * Look-ups by id, userName, externalId, displayName and emails.value are hash look-ups;
 * member add/remove is O(1) per member on any group size; stored objects are copied in
 * and out, so callers never alias them. Every write finishes its reads and writes without
 * awaiting in between, so concurrent writes to one resource serialise. A search whose filter
 * scans longer than a slice (a tenth of a millisecond) waits for its turn between slices, tenants in
 * rotation, so one tenant's expensive filter holds up other requests for a slice at most; it
 * stops at the request's deadline (503) and refuses work past `SearchQuery.maxFilterWork`.
 *
 * @example
 * ```ts
 * import { bearerToken, createScimServer, MemoryStore } from 'scimkit';
 *
 * // tests and ephemeral servers: the data lives as long as the process
 * const scim = createScimServer({ authenticate: bearerToken(token), store: new MemoryStore() });
 * ```
 */
export class MemoryStore implements ProvisioningStore {
  /** Filters, sorts and takes member deltas itself. */
  readonly capabilities: StoreCapabilities = { filter: true, sort: true, memberDeltas: true };
  readonly #tenants = new Map<string, TenantData>();
  readonly #now: () => Date;
  /** Long scans take turns here, tenants in rotation (stores/memory/scan-turns.ts). */
  readonly #turns = new ScanTurns();
  /** The events of every write, recorded in the same synchronous step (stores/memory/outbox.ts). */
  readonly outbox: MemoryOutbox;
  /** The activity log: a bounded ring of request records per tenant (`activity` option; lost on restart). */
  readonly activity: MemoryActivityLog;
  /** The connection records: one connection per tenant and its credentials (stores/memory/connections.ts; in snapshots). */
  readonly connections: ConnectionStore;
  readonly #connections = new MemoryConnections();

  /** An empty store, or one restored from a snapshot. */
  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    // the events of a tenant whose connection is in preview are held (stores/outbox.ts HeldEvents)
    this.outbox = new MemoryOutbox(
      () => this.#now().getTime(),
      (tenant) => this.#connections.inPreview(tenant),
    );
    this.activity = new MemoryActivityLog(options.activity);
    this.connections = this.#connections;
    if (options.snapshot) this.#restore(options.snapshot);
  }

  /** The tenant's data; reads of a tenant never seen get an empty view and create nothing. */
  #tenant(ctx: StoreContext, create = false): TenantData {
    if (!ctx.tenant) throw ScimError.internal();
    let t = this.#tenants.get(ctx.tenant);
    if (!t) {
      t = { types: new Map(), memberOf: new Map(), writes: 0 };
      if (create) this.#tenants.set(ctx.tenant, t);
    }
    return t;
  }

  #type(ctx: StoreContext, type: ResourceType, create = false): TypeData {
    const t = this.#tenant(ctx, create);
    let d = t.types.get(type.name);
    if (!d) {
      d = { indexed: true, byId: new Map(), order: [], holes: 0, index: new Map(), unique: new Map() };
      if (create) t.types.set(type.name, d);
    }
    if (!d.indexed) {
      for (const e of d.byId.values()) this.#reindex(type, d, e);
      d.indexed = true;
    }
    return d;
  }

  /** The index key of a value: the equality rule's key (core/rules/equality.ts), for scalar values. */
  #key(type: ResourceType, path: string, value: unknown): string | undefined {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    const def = indexPlan(type).defs.get(path);
    return def ? valueKey(def, value) : undefined;
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
    for (const [attr, k] of this.#uniqueKeys(type, e.data)) {
      const held = d.unique.get(attr);
      if (held?.get(k) === id) held.delete(k);
    }
  }

  /** The unique keys a resource holds: attribute and key (core/rules/identity.ts). */
  #uniqueKeys(type: ResourceType, r: ScimResource): [string, string][] {
    const out: [string, string][] = [];
    for (const attr of type.uniqueAttributes) {
      const def = indexPlan(type).defs.get(attr);
      const k = def && uniqueKey(def, r[attr]);
      if (k !== undefined) out.push([attr, k]);
    }
    return out;
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
    for (const [attr, k] of this.#uniqueKeys(type, e.data)) {
      let held = d.unique.get(attr);
      if (!held) d.unique.set(attr, (held = new Map()));
      held.set(k, id);
    }
  }

  #checkUnique(type: ResourceType, d: TypeData, r: ScimResource, selfId: string | undefined): void {
    for (const [attr, k] of this.#uniqueKeys(type, r)) {
      const other = d.unique.get(attr)?.get(k);
      if (other !== undefined && other !== selfId) throw ScimError.uniqueness(`${attr} ${JSON.stringify(String(r[attr]).slice(0, 60))} is already taken`);
    }
  }

  /** The resource of this tenant an id names (of any type), or undefined. */
  #find(t: TenantData, id: string): { typeName: string; e: Entry } | undefined {
    for (const [typeName, d] of t.types) {
      const e = d.byId.get(id);
      if (e) return { typeName, e };
    }
    return undefined;
  }

  /** The stored members for member ids: each must name a resource of the tenant (400 otherwise). */
  #resolveMembers(t: TenantData, ids: Iterable<string>, self: string | undefined): Map<string, Member> {
    const out = new Map<string, Member>();
    const unknown: string[] = [];
    for (const id of ids) {
      if (out.has(id)) continue;
      if (id === self) throw selfMemberError(id);
      const found = this.#find(t, id);
      if (found) out.set(id, storedMember(id, found.typeName));
      else unknown.push(id);
    }
    if (unknown.length) throw unknownMembersError(unknown);
    return out;
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

  /** Applies a delta as `planMemberDelta` planned it (`applied`), with the stored form of the members it adds. */
  #applyDelta(t: TenantData, groupId: string, e: Entry, delta: MemberDelta, applied: AppliedMembers, resolved: Map<string, Member>): void {
    const members = e.members ?? new Map<string, Member>();
    for (const id of applied.removed) {
      members.delete(id);
      this.#leave(t, id, groupId);
    }
    for (const id of applied.added) {
      members.set(id, resolved.get(id)!);
      let s = t.memberOf.get(id);
      if (!s) t.memberOf.set(id, (s = new Set()));
      s.add(groupId);
    }
    // a replace of all members takes the request's order, as PostgresStore's new rows do
    e.members = delta.removeAll ? new Map(memberIdsOf(delta.added).map((id) => [id, members.get(id)!])) : members;
  }

  /** An entry as returned: a copy, or (`copy` false, for the server's synchronous read) its own data, in a shallow copy when members or groups are added. */
  #out(ctx: StoreContext, type: ResourceType, e: Entry, withMembers: boolean, copy = true): ScimResource {
    const members = e.members && withMembers && e.members.size ? e.members : undefined;
    const groupIds = type.coreAttribute('groups')?.mutability === 'readOnly' ? this.#tenant(ctx).memberOf.get(e.data.id as string) : undefined;
    if (!copy && !members && !groupIds?.size) return e.data;
    const r = copy ? cloneJson(e.data) : { ...e.data };
    if (members) r.members = copy ? [...members.values()].map(cloneJson) : [...members.values()];
    if (groupIds?.size) {
      const t = this.#tenant(ctx);
      r.groups = [...groupIds].map((gid) => {
        const g: Record<string, unknown> = { value: gid, type: 'direct' };
        const name = this.#find(t, gid)?.e.data.displayName;
        if (typeof name === 'string') g.display = name;
        return g;
      });
    }
    return r;
  }

  /** One resource, copied. */
  async get(ctx: StoreContext, type: ResourceType, id: string, options: GetOptions = {}): Promise<ScimResource | undefined> {
    return this[readNow](ctx, type, id, options);
  }

  /** What {@link get} answers, answered at once: the server's synchronous GET by id, when `get` is this class's own (src/server/read-now.ts); with `copy` false, the entry's own data (never to be changed). */
  [readNow](ctx: StoreContext, type: ResourceType, id: string, options: GetOptions = {}, copy = true): ScimResource | undefined {
    const e = this.#type(ctx, type).byId.get(id);
    return e && this.#out(ctx, type, e, options.members ?? true, copy);
  }

  /**
   * A page of matches: an index look-up when the filter has an indexed equality, else a scan;
   * a sorted page keeps only the best `startIndex + count` entries (a bounded heap); an
   * unfiltered, unsorted page (and a count of everything) costs O(page). A filter's work is
   * counted against `maxFilterWork` (refused before a scan that would pass it), and a scan
   * longer than a slice takes turns with other work (`ScanTurns`, src/stores/memory/scan-turns.ts) and stops at the
   * request's deadline (503).
   */
  async search(ctx: StoreContext, type: ResourceType, q: SearchQuery): Promise<SearchResult> {
    const d = this.#type(ctx, type);
    const start = Math.max(q.startIndex, 1) - 1;
    const count = Math.max(q.count, 0);
    if (!q.filter) {
      const total = d.byId.size;
      if (!q.sort || count === 0 || start >= total) {
        const page = count > 0 ? this.#live(d).slice(start, start + count) : [];
        return { resources: page.map((e) => this.#out(ctx, type, e, q.members)), totalResults: total };
      }
    }
    let matches: Entry[];
    if (q.filter) {
      const keys = equalityKeys(q.filter, type);
      const usable = keys.find((k) => k.path === 'members.value' || d.index.has(k.path));
      const candidates = usable ? [...this.#candidates(ctx, type, d, usable.path, usable.values)] : this.#live(d);
      matches = await this.#scan(ctx, type, this.#tenant(ctx), d, candidates, q.filter, q);
    } else matches = this.#live(d).slice();
    let page: Entry[];
    if (count === 0) page = [];
    else if (q.sort) {
      const r = resolveSortPath(type, q.sort.path);
      const entries: SortEntry<Entry>[] = new Array(matches.length);
      for (let i = 0; i < matches.length; i++) {
        const e = matches[i]!;
        entries[i] = { key: sortValue(r, e.data), id: e.data.id as string, item: e };
      }
      page = topK(entries, start + count, q.sort.order === 'descending')
        .slice(start)
        .map((x) => x.item);
    } else {
      page = matches.slice(start, start + count);
    }
    return { resources: page.map((e) => this.#out(ctx, type, e, q.members)), totalResults: matches.length };
  }

  /**
   * The candidates that match `filter`, tested in slices: the work (candidates tested × the
   * filter's cost) is counted against `maxFilterWork`, and past each slice the scan waits for
   * its turn and stops if the request is past its deadline. Writes may come between slices:
   * a scan that yielded answers for each match as it stands at the end (one deleted meanwhile
   * is left out, one changed is tested again), and leaves out what was created after it began.
   */
  async #scan(
    ctx: StoreContext,
    type: ResourceType,
    t: TenantData,
    d: TypeData,
    candidates: readonly (Entry | undefined)[],
    filter: Filter,
    q: SearchQuery,
  ): Promise<Entry[]> {
    const test = predicate(filter, type, q.unknownAttributes ?? 'reject');
    const cost = filterCost(filter, type);
    const max = q.maxFilterWork;
    // how many there are is known: refused before any is tested
    const n = candidates.length;
    if (max !== undefined && n * cost > max) throw filterWorkError(cost, n, max);
    const matches: Entry[] = [];
    const versions: number[] = [];
    // the view a filter sees: members and groups are built only when the filter names them
    const view = namesRelations(filter) ? (e: Entry) => this.#out(ctx, type, e, true) : (e: Entry) => e.data;
    // the clock is read every `every` candidates: about 1,000 units of work (a few µs to tens of µs)
    const every = Math.max(1, Math.min(256, Math.floor(1024 / cost)));
    // up to `n`: what is created while the scan waits for a turn is not in it
    let i = testSlice(candidates, 0, n, every, test, view, matches, versions);
    if (i === n) return matches;
    const writes = t.writes;
    while (i < n) {
      await this.#turns.next(ctx.tenant);
      refuseLate(ctx);
      i = testSlice(candidates, i, n, every, test, view, matches, versions);
    }
    // writes came between slices: each match as it stands now
    return t.writes === writes ? matches : stillMatching(d.byId, matches, versions, test, view);
  }

  /** `order` without holes. */
  #live(d: TypeData): Entry[] {
    if (d.holes > 0) this.#compact(d);
    return d.order as Entry[];
  }

  #compact(d: TypeData): void {
    const live: Entry[] = [];
    for (const e of d.order) if (e) live.push(e);
    for (let i = 0; i < live.length; i++) live[i]!.pos = i;
    d.order = live;
    d.holes = 0;
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

  /** Stores a new resource with a fresh id and meta. */
  async create(ctx: StoreContext, type: ResourceType, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    refuseLate(ctx);
    const { data, members } = split(resource);
    // every check on views that create nothing: a refused create leaves no trace
    this.#checkUnique(type, this.#type(ctx, type), data, undefined);
    const id = randomUUID();
    const resolved = type.coreAttribute('members') ? this.#resolveMembers(this.#tenant(ctx), memberIdsOf(members as Member[] | undefined), id) : undefined;
    const t = this.#tenant(ctx, true);
    const d = this.#type(ctx, type, true);
    t.writes++;
    data.id = id;
    const now = this.#now().toISOString();
    data.meta = metaOf(type, now, now, 1);
    const e: Entry = { data, version: 1 };
    if (resolved) this.#setMembers(t, id, e, resolved);
    d.byId.set(id, e);
    e.pos = d.order.push(e) - 1;
    this.#reindex(type, d, e);
    const stored = this.#out(ctx, type, e, true);
    // the events in the same synchronous step as the change: no await between them
    if (options.events) this.outbox.append(ctx, options.events({ stored }), options.eventsDelivered);
    return stored;
  }

  #current(ctx: StoreContext, type: ResourceType, id: string, ifVersion: string | undefined): { d: TypeData; e: Entry } {
    const d = this.#type(ctx, type);
    const e = d.byId.get(id);
    if (!e) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 60))} not found`);
    if (ifVersion !== undefined && !isVersion(ifVersion, e.version)) {
      throw ScimError.preconditionFailed(`${type.name} ${id} is at version ${versionTag(e.version)}, not ${ifVersion.slice(0, 40)}`);
    }
    return { d, e };
  }

  /**
   * Replaces the attributes; applies a member delta when one is given. A write that changes
   * nothing a read returns keeps the version and lastModified (core/rules/version.ts `decideWrite`).
   */
  async replace(ctx: StoreContext, type: ResourceType, id: string, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    refuseLate(ctx);
    const t = this.#tenant(ctx);
    const { d, e } = this.#current(ctx, type, id, options.ifVersion);
    // members only: the attributes stored now stand (see WriteOptions.keepAttributes)
    const { data, members } = split(options.keepAttributes && options.members ? e.data : resource);
    this.#checkUnique(type, d, data, id);
    const grouped = type.coreAttribute('members') !== undefined;
    // every check before any change: the write is all or nothing
    let resolved: Map<string, Member> | undefined;
    let planned: AppliedMembers | undefined;
    let membersChange = false;
    if (grouped && options.members) {
      planned = planMemberDelta(e.members ?? new Map(), options.members);
      resolved = this.#resolveMembers(t, planned.added, id);
      membersChange = deltaChangesMembers(planned, options.members, e.members?.keys());
    } else if (grouped) {
      const ids = memberIdsOf(members as Member[] | undefined);
      resolved = this.#resolveMembers(t, ids, id);
      membersChange = !sameMemberOrder(e.members?.keys() ?? [], ids);
    }
    data.id = id;
    const decision = decideWrite({ resource: e.data, version: e.version }, data, membersChange, this.#now().toISOString());
    if (!decision.changed) {
      if (planned) options.onMembersApplied?.(planned);
      return this.#out(ctx, type, e, options.members === undefined);
    }
    t.writes++;
    this.#unindex(type, d, e);
    data.meta = decision.meta;
    e.data = data;
    e.version = decision.version;
    if (grouped && options.members) {
      this.#applyDelta(t, id, e, options.members, planned!, resolved!);
      options.onMembersApplied?.(planned!);
    } else if (grouped) this.#setMembers(t, id, e, resolved!);
    this.#reindex(type, d, e);
    const stored = this.#out(ctx, type, e, options.members === undefined);
    if (options.events) this.outbox.append(ctx, options.events({ stored, ...(planned ? { applied: planned } : {}) }), options.eventsDelivered);
    return stored;
  }

  /** Deletes a resource and every membership it takes part in; each group it leaves gets a new version. */
  async delete(ctx: StoreContext, type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    refuseLate(ctx);
    const t = this.#tenant(ctx);
    const { d, e } = this.#current(ctx, type, id, options.ifVersion);
    t.writes++;
    this.#unindex(type, d, e);
    d.byId.delete(id);
    if (e.pos !== undefined && d.order[e.pos] === e) {
      d.order[e.pos] = undefined;
      d.holes++;
      if (d.holes > 1024 && d.holes * 2 > d.order.length) this.#compact(d);
    }
    if (e.members) for (const m of e.members.keys()) this.#leave(t, m, id);
    const left: GroupRef[] = [];
    for (const gid of t.memberOf.get(id) ?? []) {
      const found = this.#find(t, gid);
      if (!found?.e.members?.delete(id)) continue;
      // a member left: the group's members changed, its attributes did not
      const g = found.e;
      const decision = decideWrite({ resource: g.data, version: g.version }, undefined, true, this.#now().toISOString());
      if (decision.changed) {
        g.version = decision.version;
        g.data.meta = decision.meta;
      }
      left.push({ type: found.typeName, id: gid });
    }
    t.memberOf.delete(id);
    options.onMembershipsRemoved?.(left);
    if (options.events) this.outbox.append(ctx, options.events({ groups: left }), options.eventsDelivered);
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
        for (const m of d.unique.values()) indexKeys += m.size;
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
    return { version: 1, tenants, connections: this.#connections.snapshot() };
  }

  #restore(s: MemorySnapshot): void {
    if (s?.version !== 1 || !isObject(s.tenants)) throw new TypeError('MemoryStore: not a snapshot of version 1');
    if (s.connections !== undefined) {
      if (!isObject(s.connections) || !Array.isArray(s.connections.connections) || !Array.isArray(s.connections.credentials)) {
        throw new TypeError('MemoryStore: the snapshot’s connections are not lists of connections and credentials');
      }
      this.#connections.restore(s.connections);
    }
    for (const [tenant, types] of Object.entries(s.tenants)) {
      const t: TenantData = { types: new Map(), memberOf: new Map(), writes: 0 };
      const groups: [Entry, Member[]][] = [];
      this.#tenants.set(tenant, t);
      for (const [name, entries] of Object.entries(types)) {
        const d: TypeData = { indexed: false, byId: new Map(), order: [], holes: 0, index: new Map(), unique: new Map() };
        t.types.set(name, d);
        for (const x of entries) {
          const e: Entry = { data: cloneJson(x.data), version: x.version };
          d.byId.set(x.data.id as string, e);
          e.pos = d.order.push(e) - 1;
          if (x.members) groups.push([e, x.members]);
        }
      }
      // members once every resource is there, as the rule keeps them (snapshots of earlier
      // versions held what clients sent): the id and the type of what it names; members naming
      // nothing are dropped
      for (const [e, members] of groups) {
        const gid = e.data.id as string;
        const next = new Map<string, Member>();
        for (const id of memberIdsOf(members)) {
          const found = id === gid ? undefined : this.#find(t, id);
          if (found) next.set(id, storedMember(id, found.typeName));
        }
        this.#setMembers(t, gid, e, next);
      }
    }
  }
}
