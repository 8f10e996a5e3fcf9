/**
 * The outbox in memory: MemoryStore's (appended in the same synchronous step as each change),
 * and the engine's for stores that have none. Pending events wait in a queue per resource
 * (order is kept per resource); only each queue's first can be claimed, and those firsts are
 * in a heap by due time, so a claim costs O(log n) per event it hands out and nothing for the
 * events that are backed off or leased.
 * @module
 */

import type { EventDraft, EventLogQuery, EventOutbox, HeldEventChange, HeldEvents, OutboxEvent } from '../outbox.js';
import { eventContext } from '../outbox.js';
import type { StoreContext } from '../store.js';
import { type DueEntry, DueHeap } from './due-heap.js';

/** An event and when it is next due (a lease or a retry), in memory. */
interface Held {
  event: OutboxEvent;
  dueAt: number;
  /** Commit order (a replay gets a new one: back in line). */
  order: number;
  /** The resource key, the queue it waits in. */
  key: string;
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
  /** Pending events by id. */
  readonly #pending = new Map<string, Held>();
  /** Pending events per resource, in commit order: only the first of each can be claimed. */
  readonly #queues = new Map<string, Held[]>();
  /** The first of each queue by due time; an entry whose event's due time moved since is stale and skipped. */
  readonly #due = new DueHeap<Held>();
  #order = 0;
  readonly #dead = new Map<string, OutboxEvent>();
  readonly #now: () => number;
  /** Whether a tenant's events are held (its connection is in preview); none without it. */
  readonly #heldTenant: ((tenant: string) => boolean) | undefined;
  /** Queue firsts taken off the heap because their tenant was held, by tenant: back on it once the tenant is not. */
  readonly #parked = new Map<string, Held[]>();
  /** Holding events of tenants in preview: only with `heldTenant` (MemoryStore's, which keeps connections). */
  readonly held?: HeldEvents;

  /**
   * An empty outbox; `now` is the clock (epoch ms). `heldTenant`: whether a tenant's events are
   * held now (MemoryStore asks its connection records); asked at each claim, so a tenant that is
   * no longer held has its events due at once.
   */
  constructor(now: () => number = Date.now, heldTenant?: (tenant: string) => boolean) {
    this.#now = now;
    this.#heldTenant = heldTenant;
    if (heldTenant) this.held = { revise: async (tenant, changes) => this.#revise(tenant, changes), release: async () => undefined };
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
      if (!delivered) this.#enqueue(event);
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
    if (!query.undelivered) return list.slice(lo, lo + limit).map(copy);
    const out: OutboxEvent[] = [];
    for (let i = lo; i < list.length && out.length < limit; i++) if (list[i]!.state !== 'delivered') out.push(copy(list[i]!));
    return out;
  }

  async claim(options: { limit: number; leaseMs: number }): Promise<OutboxEvent[]> {
    const now = this.#now();
    this.#unpark();
    const leased: Held[] = [];
    const taken = new Set<Held>();
    while (leased.length < options.limit) {
      const top = this.#due.peek();
      if (!top) break;
      if (!this.#current(top) || taken.has(top.item)) {
        this.#due.pop();
        continue;
      }
      if (top.dueAt > now) break;
      this.#due.pop();
      const tenant = top.item.event.tenant;
      if (this.#heldTenant?.(tenant)) {
        // held: off the heap until its tenant is not (a claim costs nothing per held event)
        const parked = this.#parked.get(tenant);
        if (parked) parked.push(top.item);
        else this.#parked.set(tenant, [top.item]);
        continue;
      }
      taken.add(top.item);
      leased.push(top.item);
    }
    // leased: still its queue's first, due again when the lease ends (pushed back after the
    // loop, so that a lease of 0 ms cannot hand the same event out twice in one claim)
    for (const held of leased) {
      this.#setDue(held, now + options.leaseMs);
      held.event.attempts++;
    }
    return leased.map((held) => copy(held.event));
  }

  async release(ids: readonly string[], until?: Date): Promise<void> {
    const dueAt = until?.getTime() ?? 0;
    for (const id of ids) {
      const held = this.#pending.get(id);
      if (!held) continue;
      this.#setDue(held, dueAt);
      held.event.attempts = Math.max(0, held.event.attempts - 1);
    }
  }

  async acknowledge(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const held = this.#pending.get(id);
      if (!held) continue;
      held.event.state = 'delivered';
      this.#dequeue(held);
    }
  }

  async fail(id: string, failure: { error: string; retryAt: Date } | { error: string; dead: true }): Promise<void> {
    const held = this.#pending.get(id);
    if (!held) return;
    held.event.lastError = failure.error;
    if ('dead' in failure) {
      held.event.state = 'dead';
      this.#dequeue(held);
      this.#dead.set(id, held.event);
    } else this.#setDue(held, failure.retryAt.getTime());
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
      this.#enqueue(e);
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

  /** Puts back on the heap the parked queue firsts of tenants no longer held (still pending and first). */
  #unpark(): void {
    for (const [tenant, list] of this.#parked) {
      if (this.#heldTenant?.(tenant)) continue;
      this.#parked.delete(tenant);
      for (const held of list) if (this.#pending.get(held.event.id) === held && this.#queues.get(held.key)?.[0] === held) this.#push(held);
    }
  }

  /** {@link HeldEvents.revise}: new data for pending events of `tenant`, or their deletion (out of the change log too). */
  #revise(tenant: string, changes: readonly HeldEventChange[]): number {
    const gone = new Set<string>();
    for (const change of changes) {
      const held = this.#pending.get(change.id);
      if (!held || held.event.tenant !== tenant) continue;
      if (change.data === null) {
        this.#dequeue(held);
        gone.add(change.id);
      } else held.event.data = change.data;
    }
    const list = this.#byTenant.get(tenant);
    if (gone.size && list) {
      const kept = list.filter((e) => !gone.has(e.id));
      if (kept.length) this.#byTenant.set(tenant, kept);
      else this.#byTenant.delete(tenant);
    }
    return changes.filter((c) => this.#pending.get(c.id)?.event.tenant === tenant || gone.has(c.id)).length;
  }

  /** Puts a pending event at the end of its resource's queue; the first of a queue goes into the heap. */
  #enqueue(event: OutboxEvent): void {
    const held: Held = { event, dueAt: 0, order: ++this.#order, key: resourceKey(event) };
    this.#pending.set(event.id, held);
    const queue = this.#queues.get(held.key);
    if (queue) queue.push(held);
    else {
      this.#queues.set(held.key, [held]);
      this.#push(held);
    }
  }

  /** Takes a delivered or dead event out; the next of its resource becomes claimable. */
  #dequeue(held: Held): void {
    this.#pending.delete(held.event.id);
    const queue = this.#queues.get(held.key);
    if (!queue) return;
    const i = queue.indexOf(held);
    if (i >= 0) queue.splice(i, 1);
    if (!queue.length) this.#queues.delete(held.key);
    else if (i === 0) this.#push(queue[0]!);
  }

  /** Moves a pending event's due time; only a queue's first is in the heap. */
  #setDue(held: Held, dueAt: number): void {
    held.dueAt = dueAt;
    if (this.#queues.get(held.key)?.[0] === held) this.#push(held);
  }

  #push(held: Held): void {
    this.#due.push({ item: held, dueAt: held.dueAt, order: held.order });
    // stale entries (due times that moved) are skipped when they surface; past twice the live
    // ones (one per queue), the heap is built again from the queues' firsts
    if (this.#due.size > 2 * this.#queues.size + 64) {
      this.#due.rebuild([...this.#queues.values()].map((q) => ({ item: q[0]!, dueAt: q[0]!.dueAt, order: q[0]!.order })));
    }
  }

  /** Whether a heap entry still stands for its event: pending, first of its queue, due when the entry says. */
  #current(entry: DueEntry<Held>): boolean {
    const held = entry.item;
    return this.#pending.get(held.event.id) === held && held.dueAt === entry.dueAt && this.#queues.get(held.key)?.[0] === held;
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
