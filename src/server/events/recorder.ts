/**
 * Recording: the write options that make a store record a write's events in the write's own
 * atomic step, and what follows the write (waking delivery, waiting for it when asked,
 * pruning the change log). Stores without an outbox get one in memory here: their events
 * are kept after the write, and lost if the process dies (docs/hooks.md says so).
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { MemoryOutbox } from '../../stores/memory/outbox.js';
import type { EventDraft, EventOutbox } from '../../stores/outbox.js';
import type { ProvisioningStore, StoreContext, WriteOptions, WriteOutcome } from '../../stores/store.js';
import type { EventDispatcher } from './dispatcher.js';

/** How long the change log keeps delivered and dead events. */
export interface RetentionOptions {
  /** Age after which delivered and dead events go (default 7 days). */
  maxAgeMs?: number;
  /** At most this many of a tenant's delivered and dead events are kept, the newest (default 100,000; 10,000 in an outbox in memory). */
  maxPerTenant?: number;
  /** How often pruning runs, in the background after a write (default 10 minutes; 10 seconds in an outbox in memory). */
  pruneEveryMs?: number;
}

/** The retention defaults of an outbox in memory (MemoryStore's, or the server's for a store without one). */
export const IN_MEMORY_RETENTION = { maxPerTenant: 10_000, pruneEveryMs: 10_000 } as const;

/** What a deferral holds back until its transaction commits: event ids, and appends to an in-memory outbox. */
interface Held {
  ids: string[];
  appends: (() => void)[];
}

/** One write's recording: options for the store call, and what to run once it returned. */
export interface WriteRecording {
  /** Spread into the store call's options. */
  options: Pick<WriteOptions, 'events' | 'eventsDelivered'>;
  /** After the store call: `outcome` is what it did (used when the store has no outbox). */
  done(ctx: StoreContext, outcome: WriteOutcome): Promise<void>;
}

/** Records events with writes, for one server. */
export class EventRecorder {
  readonly #store: ProvisioningStore;
  readonly #outbox: EventOutbox;
  readonly #fallback: MemoryOutbox | undefined;
  readonly #dispatcher: EventDispatcher | undefined;
  readonly #wait: boolean;
  readonly #retention: Required<RetentionOptions>;
  #lastPrune = Date.now();
  /** What the Bulk operation of the current async context recorded, held back until it commits. */
  readonly #deferred = new AsyncLocalStorage<Held>();
  readonly #onPruneError: (e: unknown) => void;

  /**
   * `outbox`: the store's, or (for a store without one) a {@link MemoryOutbox}. `dispatcher`:
   * the consumers', or none (events are then recorded for the change log only).
   */
  constructor(
    store: ProvisioningStore,
    outbox: EventOutbox,
    dispatcher: EventDispatcher | undefined,
    options: { wait: boolean; retention?: RetentionOptions; onPruneError: (e: unknown) => void },
  ) {
    this.#store = store;
    this.#outbox = outbox;
    // the store's own outbox records in the write; any other is appended to after it
    this.#fallback = store.outbox ? undefined : (outbox as MemoryOutbox);
    this.#dispatcher = dispatcher;
    this.#wait = options.wait;
    this.#onPruneError = options.onPruneError;
    // an outbox in memory holds every kept event on the heap: fewer of them, pruned more often
    // (the load benchmark grew ~37 MiB per 30 s run with the durable defaults)
    const inMemory = outbox instanceof MemoryOutbox;
    this.#retention = {
      maxAgeMs: options.retention?.maxAgeMs ?? 7 * 86_400_000,
      maxPerTenant: options.retention?.maxPerTenant ?? (inMemory ? IN_MEMORY_RETENTION.maxPerTenant : 100_000),
      pruneEveryMs: options.retention?.pruneEveryMs ?? (inMemory ? IN_MEMORY_RETENTION.pruneEveryMs : 600_000),
    };
  }

  /** The outbox events are recorded in: the store's, or this server's in memory. */
  get outbox(): EventOutbox {
    return this.#outbox;
  }

  /** The recording of one write whose events `build` makes from its outcome. */
  forWrite(build: (outcome: WriteOutcome) => EventDraft[]): WriteRecording {
    let drafts: EventDraft[] | undefined;
    const delivered = this.#dispatcher === undefined;
    const options: WriteRecording['options'] = {
      events: (outcome) => {
        drafts = build(outcome);
        return drafts;
      },
      ...(delivered ? { eventsDelivered: true } : {}),
    };
    return {
      options,
      done: async (ctx, outcome) => {
        if (!this.#store.outbox) {
          const made = build(outcome);
          drafts = made;
          const append = () => void this.#fallback!.append(ctx, made, delivered);
          // in a store transaction, appended only once it commits (a rolled-back one has none)
          const held = this.#deferred.getStore();
          if (held) held.appends.push(append);
          else append();
        }
        if (drafts?.length) await this.#after(drafts.map((d) => d.id));
      },
    };
  }

  /**
   * Runs `fn` (one Bulk operation in a store transaction) with delivery held back until it
   * returns: its events are not visible to delivery before the transaction commits.
   */
  async deferred<T>(fn: () => Promise<T>): Promise<{ result: T; flush: () => Promise<void> }> {
    const held: Held = { ids: [], appends: [] };
    const result = await this.#deferred.run(held, fn);
    return {
      result,
      flush: async () => {
        for (const append of held.appends) append();
        await this.#after(held.ids);
      },
    };
  }

  async #after(ids: string[]): Promise<void> {
    // inside another deferral (a serialised PATCH in a Bulk operation): its commit decides
    const held = this.#deferred.getStore();
    if (held) {
      held.ids.push(...ids);
      return;
    }
    this.#maybePrune();
    if (!this.#dispatcher || !ids.length) return;
    if (this.#wait) await this.#dispatcher.waitFor(ids);
    else this.#dispatcher.wake();
  }

  /** Prunes what retention allows now. */
  prune(): Promise<number> {
    this.#lastPrune = Date.now();
    return this.#outbox.prune({ before: new Date(this.#lastPrune - this.#retention.maxAgeMs), keepPerTenant: this.#retention.maxPerTenant });
  }

  #maybePrune(): void {
    if (Date.now() - this.#lastPrune < this.#retention.pruneEveryMs) return;
    // in the background: pruning never slows a request
    this.prune().catch(this.#onPruneError);
  }
}
