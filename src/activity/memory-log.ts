/**
 * The in-memory activity log: a bounded ring of records per tenant, for MemoryStore and for
 * stores without a log of their own. Lost on restart.
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
  storageKey,
  summarise,
  timeBounds,
} from './record.js';

/** Sizes of a {@link MemoryActivityLog}. */
export interface MemoryActivityLogOptions {
  /** Records kept per tenant, the oldest dropped first (default 1,000). */
  maxPerTenant?: number;
  /** Tenants kept, the least recently written dropped first (default 1,000); as many refused buckets besides. */
  maxTenants?: number;
  /** Refused requests kept per tenant they named (default 100). */
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

  push(key: string, r: ActivityRecord): void {
    let ring = this.#map.get(key);
    if (ring) this.#map.delete(key);
    else {
      if (this.#map.size >= this.maxKeys) this.#map.delete(this.#map.keys().next().value as string);
      ring = new Ring(this.capacity);
    }
    // most recently written last: the first key is the one to evict
    this.#map.set(key, ring);
    ring.push(r);
  }

  get(key: string): Ring | undefined {
    return this.#map.get(key);
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
 * refused requests, kept apart so they never evict a tenant's own records.
 */
export class MemoryActivityLog implements ActivityLog {
  readonly #own: Rings;
  readonly #refused: Rings;

  /** A log with the given bounds. */
  constructor(options: MemoryActivityLogOptions = {}) {
    this.#own = new Rings(Math.max(1, options.maxPerTenant ?? 1000), Math.max(1, options.maxTenants ?? 1000));
    this.#refused = new Rings(Math.max(1, options.maxRefusedPerTenant ?? 100), Math.max(1, options.maxTenants ?? 1000));
  }

  /** Appends records to their tenants' rings. */
  async append(records: readonly ActivityRecord[]): Promise<void> {
    for (const r of records) {
      const key = storageKey(r);
      (isRefusedKey(key) ? this.#refused : this.#own).push(key, r);
    }
  }

  #ring(key: string): Ring | undefined {
    return (isRefusedKey(key) ? this.#refused : this.#own).get(key);
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
    return summarise(this.#own.get(tenant)?.newest() ?? [], since, this.#refused.get(queryKey({ tenant, refused: true }))?.newest() ?? []);
  }

  /** Drops records older than `maxAgeMs`, and each tenant's oldest beyond `maxPerTenant` (`maxRefusedPerTenant` for refused ones). */
  async prune(retention: ActivityRetention): Promise<number> {
    const cutoff = retention.maxAgeMs === undefined ? Number.NEGATIVE_INFINITY : Date.now() - retention.maxAgeMs;
    let n = 0;
    for (const [rings, keep] of [
      [this.#own, retention.maxPerTenant ?? Number.POSITIVE_INFINITY],
      [this.#refused, retention.maxRefusedPerTenant ?? Number.POSITIVE_INFINITY],
    ] as const) {
      for (const [key, ring] of rings.entries()) {
        n += ring.dropWhile((r) => ring.size > keep || Date.parse(r.startedAt) < cutoff);
        if (ring.size === 0) rings.delete(key);
      }
    }
    return n;
  }
}
