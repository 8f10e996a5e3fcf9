/**
 * The in-memory activity log: a bounded ring of records per tenant, for MemoryStore and for
 * stores without a log of their own. Lost on restart.
 * @module
 */
import { type ActivityLog, type ActivityQuery, type ActivityRecord, type ActivityRetention, matchesQuery, pageSize, summarise, timeBounds } from './record.js';

/** Sizes of a {@link MemoryActivityLog}. */
export interface MemoryActivityLogOptions {
  /** Records kept per tenant, the oldest dropped first (default 1,000). */
  maxPerTenant?: number;
  /** Tenants kept, the least recently written dropped first (default 1,000: refused requests can name any tenant). */
  maxTenants?: number;
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

/** An {@link ActivityLog} in memory: a ring per tenant. */
export class MemoryActivityLog implements ActivityLog {
  readonly #rings = new Map<string, Ring>();
  readonly #perTenant: number;
  readonly #tenants: number;

  /** A log with the given bounds. */
  constructor(options: MemoryActivityLogOptions = {}) {
    this.#perTenant = Math.max(1, options.maxPerTenant ?? 1000);
    this.#tenants = Math.max(1, options.maxTenants ?? 1000);
  }

  /** Appends records to their tenants' rings. */
  async append(records: readonly ActivityRecord[]): Promise<void> {
    for (const r of records) {
      const key = r.tenant ?? '';
      let ring = this.#rings.get(key);
      if (ring) this.#rings.delete(key);
      else {
        if (this.#rings.size >= this.#tenants) this.#rings.delete(this.#rings.keys().next().value as string);
        ring = new Ring(this.#perTenant);
      }
      // most recently written last: the first key is the one to evict
      this.#rings.set(key, ring);
      ring.push(r);
    }
  }

  /** A tenant's records, newest first. */
  async list(query: ActivityQuery): Promise<ActivityRecord[]> {
    const ring = this.#rings.get(query.tenant);
    if (!ring) return [];
    const limit = pageSize(query.limit);
    const bounds = timeBounds(query);
    const out: ActivityRecord[] = [];
    for (const r of ring.newest()) {
      if (!matchesQuery(r, query, bounds)) continue;
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** A tenant's status panel since `since` (default: the last 24 hours). */
  async summary(tenant: string, since = new Date(Date.now() - 24 * 3600_000)): Promise<ReturnType<typeof summarise>> {
    return summarise(this.#rings.get(tenant)?.newest() ?? [], since);
  }

  /** Drops records older than `maxAgeMs`, and each tenant's oldest beyond `maxPerTenant` (the ring's size bounds it too). */
  async prune(retention: ActivityRetention): Promise<number> {
    const cutoff = retention.maxAgeMs === undefined ? Number.NEGATIVE_INFINITY : Date.now() - retention.maxAgeMs;
    const keep = retention.maxPerTenant ?? Number.POSITIVE_INFINITY;
    let n = 0;
    for (const [key, ring] of this.#rings) {
      n += ring.dropWhile((r) => ring.size > keep || Date.parse(r.time) < cutoff);
      if (ring.size === 0) this.#rings.delete(key);
    }
    return n;
  }
}
