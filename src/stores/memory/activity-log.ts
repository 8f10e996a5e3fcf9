/**
 * The in-memory activity log: a bounded ring of records per tenant, for MemoryStore and for
 * stores without a log of their own. Lost on restart. Refused requests (anyone can send them,
 * naming any tenant) have rings of their own per tenant named: those naming a tenant with
 * records of its own are that tenant's quota, evicted only with it; those naming anything
 * else share a bounded pool, evicting among themselves.
 * @module
 */
import {
  type ActivityLog,
  type ActivityQuery,
  type ActivityRecord,
  type ActivityRetention,
  type ActivitySummary,
  checkQuery,
  isRefusedKey,
  matchesQuery,
  pageSize,
  queryKey,
  REFUSED_KEY_PREFIX,
  storageKey,
  summarise,
  timeBounds,
} from '../activity-log.js';

/** Sizes of a {@link MemoryActivityLog}. */
export interface MemoryActivityLogOptions {
  /** Records kept per tenant, the oldest dropped first (default 1,000). */
  maxPerTenant?: number;
  /**
   * Tenants kept, the least recently written dropped first (default 1,000). Each keeps the
   * refused requests naming it apart, and as many buckets besides hold those naming a tenant
   * that has no records here (the least recently written dropped first, among themselves).
   */
  maxTenants?: number;
  /** Refused requests kept per tenant they named, the oldest dropped first (default 100): a quota no other tenant's can take. */
  maxRefusedPerTenant?: number;
}

/** A ring buffer of one tenant's records, oldest first. */
class Ring {
  readonly #items: (ActivityRecord | undefined)[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array(capacity);
  }

  push(r: ActivityRecord): void {
    const cap = this.#items.length;
    this.#items[(this.#start + this.#size) % cap] = r;
    if (this.#size < cap) this.#size++;
    else this.#start = (this.#start + 1) % cap;
  }

  /** Drops the oldest records while `old` says so; how many went. */
  dropWhile(old: (r: ActivityRecord) => boolean): number {
    let n = 0;
    while (this.#size > 0 && old(this.#items[this.#start]!)) {
      this.#items[this.#start] = undefined;
      this.#start = (this.#start + 1) % this.#items.length;
      this.#size--;
      n++;
    }
    return n;
  }

  get size(): number {
    return this.#size;
  }

  /** Newest first. */
  *newest(): Generator<ActivityRecord> {
    for (let i = this.#size - 1; i >= 0; i--) yield this.#items[(this.#start + i) % this.#items.length]!;
  }
}

/** A bounded map of rings, the least recently written dropped first. */
class Rings {
  readonly #map = new Map<string, Ring>();
  constructor(
    readonly capacity: number,
    readonly maxKeys: number,
  ) {}

  /** Appends to the ring of `key`, made when missing; the key evicted to make room, if one was. */
  push(key: string, r: ActivityRecord): string | undefined {
    const ring = this.#map.get(key);
    if (ring) {
      // most recently written last: the first key is the one to evict
      this.#map.delete(key);
      this.#map.set(key, ring);
      ring.push(r);
      return undefined;
    }
    const fresh = new Ring(this.capacity);
    fresh.push(r);
    return this.adopt(key, fresh);
  }

  /** Keeps `ring` under `key` as the most recently written; the key evicted to make room, if one was. */
  adopt(key: string, ring: Ring): string | undefined {
    let evicted: string | undefined;
    if (!this.#map.has(key) && this.#map.size >= this.maxKeys) {
      evicted = this.#map.keys().next().value as string;
      this.#map.delete(evicted);
    }
    this.#map.delete(key);
    this.#map.set(key, ring);
    return evicted;
  }

  get(key: string): Ring | undefined {
    return this.#map.get(key);
  }

  /** Removes the ring of `key` and hands it over. */
  take(key: string): Ring | undefined {
    const ring = this.#map.get(key);
    this.#map.delete(key);
    return ring;
  }

  entries(): IterableIterator<[string, Ring]> {
    return this.#map.entries();
  }

  delete(key: string): void {
    this.#map.delete(key);
  }
}

/** Newest first by arrival (the order records were appended in is the order they finished). */
function byArrival(records: ActivityRecord[]): ActivityRecord[] {
  // stable: of records of one millisecond, the later appended stays first
  return records.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/**
 * An {@link ActivityLog} in memory: a ring per tenant, and a smaller one per tenant named by
 * refused requests, kept apart so they never evict a tenant's own records; those naming a
 * tenant with records of its own are its quota, never evicted by refused requests naming
 * others (a stranger naming 1,000 other tenants once evicted them in 12 s).
 */
export class MemoryActivityLog implements ActivityLog {
  readonly #own: Rings;
  /** Refused requests naming a tenant of `#own`: one ring each, evicted only with the tenant's own. */
  readonly #refusedOfTenants: Rings;
  /** Refused requests naming anything else: a pool of rings that evict among themselves. */
  readonly #refusedOfStrangers: Rings;

  /** A log with the given bounds. */
  constructor(options: MemoryActivityLogOptions = {}) {
    const tenants = Math.max(1, options.maxTenants ?? 1000);
    const refused = Math.max(1, options.maxRefusedPerTenant ?? 100);
    this.#own = new Rings(Math.max(1, options.maxPerTenant ?? 1000), tenants);
    // as many keys as #own: it never holds a tenant #own does not, so it never evicts
    this.#refusedOfTenants = new Rings(refused, tenants);
    this.#refusedOfStrangers = new Rings(refused, tenants);
  }

  /** Appends records to their tenants' rings. */
  async append(records: readonly ActivityRecord[]): Promise<void> {
    for (const r of records) {
      const key = storageKey(r);
      if (isRefusedKey(key)) {
        (this.#own.get(key.slice(REFUSED_KEY_PREFIX.length)) ? this.#refusedOfTenants : this.#refusedOfStrangers).push(key, r);
        continue;
      }
      const isNew = this.#own.get(key) === undefined;
      const evicted = this.#own.push(key, r);
      // a tenant dropped for room: the refused requests naming it are a stranger's again
      if (evicted !== undefined) this.#forgotten(evicted);
      // a tenant's first record: what was refused naming it before is its own quota from now on
      if (isNew) {
        const refusedKey = `${REFUSED_KEY_PREFIX}${key}`;
        const ring = this.#refusedOfStrangers.take(refusedKey);
        if (ring) this.#refusedOfTenants.adopt(refusedKey, ring);
      }
    }
  }

  /** A tenant whose own records are all gone: the refused requests naming it join the strangers' pool. */
  #forgotten(tenant: string): void {
    const refusedKey = `${REFUSED_KEY_PREFIX}${tenant}`;
    const ring = this.#refusedOfTenants.take(refusedKey);
    if (ring) this.#refusedOfStrangers.adopt(refusedKey, ring);
  }

  #ring(key: string): Ring | undefined {
    return isRefusedKey(key) ? (this.#refusedOfTenants.get(key) ?? this.#refusedOfStrangers.get(key)) : this.#own.get(key);
  }

  /** A tenant's records (or the refused ones naming it), newest first. */
  async list(query: ActivityQuery): Promise<ActivityRecord[]> {
    checkQuery(query);
    const ring = this.#ring(queryKey(query));
    if (!ring) return [];
    const bounds = timeBounds(query);
    const out: ActivityRecord[] = [];
    for (const r of ring.newest()) if (matchesQuery(r, query, bounds)) out.push(r);
    return byArrival(out).slice(0, pageSize(query.limit));
  }

  /** A tenant's status panel since `since` (default: the last 24 hours). */
  async summary(tenant: string, since = new Date(Date.now() - 24 * 3600_000)): Promise<ActivitySummary> {
    return summarise(this.#own.get(tenant)?.newest() ?? [], since, this.#ring(queryKey({ tenant, refused: true }))?.newest() ?? []);
  }

  /** Drops records older than `maxAgeMs`, and each tenant's oldest beyond `maxPerTenant` (`maxRefusedPerTenant` for refused ones). */
  async prune(retention: ActivityRetention): Promise<number> {
    const cutoff = retention.maxAgeMs === undefined ? Number.NEGATIVE_INFINITY : Date.now() - retention.maxAgeMs;
    let n = 0;
    for (const [rings, keep] of [
      [this.#own, retention.maxPerTenant ?? Number.POSITIVE_INFINITY],
      [this.#refusedOfTenants, retention.maxRefusedPerTenant ?? Number.POSITIVE_INFINITY],
      [this.#refusedOfStrangers, retention.maxRefusedPerTenant ?? Number.POSITIVE_INFINITY],
    ] as const) {
      for (const [key, ring] of rings.entries()) {
        n += ring.dropWhile((r) => ring.size > keep || Date.parse(r.startedAt) < cutoff);
        if (ring.size > 0) continue;
        rings.delete(key);
        if (rings === this.#own) this.#forgotten(key);
      }
    }
    return n;
  }
}
