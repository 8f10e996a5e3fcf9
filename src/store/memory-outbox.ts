/**
 * The outbox in memory: MemoryStore's (appended in the same synchronous step as each change),
 * and the engine's for stores that have none. Claims walk pending events in commit order,
 * so a claim costs O(pending events looked at), not O(all events).
 * @module
 */
import type { EventDraft, EventLogQuery, EventOutbox, OutboxEvent } from './outbox.js';
import { eventContext } from './outbox.js';
import type { StoreContext } from './store.js';

/** An event and when it is next due (a lease or a retry), in memory. */
interface Held {
  event: OutboxEvent;
  dueAt: number;
}

/** The resource key of an event: order is kept per tenant and resource id. */
const resourceKey = (e: OutboxEvent) => `${e.tenant}\u0000${e.resourceId}`;

/** What a {@link MemoryOutbox} holds. */
export interface MemoryOutboxStats {
  /** Events kept, in every state. */
  events: number;
  /** Events not yet delivered. */
  pending: number;
  /** Events whose delivery failed for the last time. */
  dead: number;
}

/** An {@link EventOutbox} in memory. */
export class MemoryOutbox implements EventOutbox {
  readonly #byTenant = new Map<string, OutboxEvent[]>();
  readonly #seq = new Map<string, number>();
  /** Pending events in commit order (a Map keeps insertion order; deletes are O(1)). */
  readonly #pending = new Map<string, Held>();
  readonly #dead = new Map<string, OutboxEvent>();
  readonly #now: () => number;

  /** An empty outbox; `now` is the clock (epoch ms). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Records the events of one committed change, synchronously: call it in the same step as
   * the change. `delivered`: recorded for the change log only (nothing will deliver them).
   */
  append(ctx: StoreContext, drafts: readonly EventDraft[], delivered = false): OutboxEvent[] {
    if (!drafts.length) return [];
    const time = new Date(this.#now()).toISOString();
    const context = eventContext(ctx);
    let list = this.#byTenant.get(ctx.tenant);
    if (!list) this.#byTenant.set(ctx.tenant, (list = []));
    let seq = this.#seq.get(ctx.tenant) ?? 0;
    const out: OutboxEvent[] = [];
    for (const d of drafts) {
      const event: OutboxEvent = {
        ...d,
        tenant: ctx.tenant,
        seq: ++seq,
        time,
        context,
        state: delivered ? 'delivered' : 'pending',
        attempts: 0,
      };
      list.push(event);
      if (!delivered) this.#pending.set(event.id, { event, dueAt: 0 });
      out.push(event);
    }
    this.#seq.set(ctx.tenant, seq);
    return out;
  }

  async list(query: EventLogQuery): Promise<OutboxEvent[]> {
    const list = this.#byTenant.get(query.tenant) ?? [];
    const limit = Math.min(Math.max(query.limit ?? 100, 0), 1000);
    const after = query.after ?? 0;
    // sequence numbers grow with the index: binary search for the first after `after`
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo, lo + limit).map(copy);
  }

  async claim(options: { limit: number; leaseMs: number }): Promise<OutboxEvent[]> {
    const now = this.#now();
    const blocked = new Set<string>();
    const out: OutboxEvent[] = [];
    for (const held of this.#pending.values()) {
      if (out.length >= options.limit) break;
      const key = resourceKey(held.event);
      // an earlier pending event of the same resource (due or not) goes first
      if (blocked.has(key)) continue;
      blocked.add(key);
      if (held.dueAt > now) continue;
      held.dueAt = now + options.leaseMs;
      held.event.attempts++;
      out.push(copy(held.event));
    }
    return out;
  }

  async release(ids: readonly string[], until?: Date): Promise<void> {
    const dueAt = until?.getTime() ?? 0;
    for (const id of ids) {
      const held = this.#pending.get(id);
      if (!held) continue;
      held.dueAt = dueAt;
      held.event.attempts = Math.max(0, held.event.attempts - 1);
    }
  }

  async acknowledge(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const held = this.#pending.get(id);
      if (!held) continue;
      held.event.state = 'delivered';
      this.#pending.delete(id);
    }
  }

  async fail(id: string, failure: { error: string; retryAt: Date } | { error: string; dead: true }): Promise<void> {
    const held = this.#pending.get(id);
    if (!held) return;
    held.event.lastError = failure.error;
    if ('dead' in failure) {
      held.event.state = 'dead';
      this.#pending.delete(id);
      this.#dead.set(id, held.event);
    } else held.dueAt = failure.retryAt.getTime();
  }

  async deadLetters(query: { tenant?: string; limit?: number }): Promise<OutboxEvent[]> {
    const out: OutboxEvent[] = [];
    for (const e of this.#dead.values()) {
      if (query.tenant !== undefined && e.tenant !== query.tenant) continue;
      out.push(copy(e));
      if (out.length >= (query.limit ?? 100)) break;
    }
    return out;
  }

  async replay(ids: readonly string[]): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const e = this.#dead.get(id);
      if (!e) continue;
      this.#dead.delete(id);
      e.state = 'pending';
      e.attempts = 0;
      // back in line behind what is pending now: a replay is a new delivery
      this.#pending.set(id, { event: e, dueAt: 0 });
      n++;
    }
    return n;
  }

  async prune(options: { before: Date; keepPerTenant: number }): Promise<number> {
    const before = options.before.toISOString();
    let n = 0;
    for (const [tenant, list] of this.#byTenant) {
      const over = list.length - options.keepPerTenant;
      const kept = list.filter((e, i) => {
        const old = i < over || e.time < before;
        const gone = old && e.state !== 'pending';
        if (gone) this.#dead.delete(e.id);
        return !gone;
      });
      n += list.length - kept.length;
      if (kept.length) this.#byTenant.set(tenant, kept);
      else this.#byTenant.delete(tenant);
    }
    return n;
  }

  /** How many events are held, and how many are pending (for monitoring and tests). */
  stats(): MemoryOutboxStats {
    let events = 0;
    for (const list of this.#byTenant.values()) events += list.length;
    return { events, pending: this.#pending.size, dead: this.#dead.size };
  }
}

/** A copy a caller may keep: the outbox's own record changes state later. */
function copy(e: OutboxEvent): OutboxEvent {
  return { ...e };
}
