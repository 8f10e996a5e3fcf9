/**
 * Delivery: claims recorded events from an outbox and hands each to its consumers at least
 * once, after the response, retrying with exponential backoff and jitter; events of one
 * resource in order; a dead-letter state after the last attempt. Several instances on one
 * database share the work through the outbox's leases.
 * @module
 */
import { AsyncResource } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { Lru } from '../../core/lru.js';
import { type EventOutbox, failureText, type OutboxEvent } from '../../stores/outbox.js';
import type { ScimLogger } from '../activity/logger.js';
import { BackedOff, DeliveryDeferred } from './postponed.js';
import { retryDelay } from './retry-delay.js';
import type { GateLimits } from './target-gate.js';

export { retryDelay } from './retry-delay.js';

/** Delivery choices of a server (`createScimServer({ events })`). */
export interface DeliveryOptions {
  /**
   * `background` (default): the response is sent when the change and its events are stored;
   * delivery follows. `beforeResponse`: the response also waits for the first delivery
   * attempt of the write's events (up to `waitMs`); a failure is still retried later.
   */
  mode?: 'background' | 'beforeResponse';
  /** How long `beforeResponse` waits at most (default 5,000 ms). */
  waitMs?: number;
  /** Attempts before an event is dead (default 12: about 17 minutes of backoff at the defaults). */
  maxAttempts?: number;
  /** The first retry delay (default 1,000 ms); doubled each attempt, with jitter. */
  retryBaseMs?: number;
  /** The longest retry delay (default 5 minutes). */
  retryMaxMs?: number;
  /** How long a claimed event is this instance's before another may take it (default 30,000 ms: longer than a delivery takes). */
  leaseMs?: number;
  /** How often the outbox is polled for retries and for events of other instances (default 1,000 ms). */
  pollMs?: number;
  /** Events claimed at once (default 50). */
  batchSize?: number;
  /**
   * Events being delivered at once, over every consumer (default 4 × `batchSize`). More are
   * claimed as deliveries end, not when a whole batch has: a slow consumer holds only its own.
   */
  maxInFlight?: number;
  /**
   * Deliveries at once to one consumer (onEvent, or one webhook target) for one tenant
   * (default 8). A few more wait for a place (4 × this, at most a third of `leaseMs`); the
   * rest are put back without counting an attempt, due again after `pollMs` (doubled each
   * time while the consumer finishes nothing, up to a third of `leaseMs`).
   */
  concurrency?: number;
  /**
   * Failures in a row of one consumer for one tenant after which it is backed off as a whole
   * (default 5): nothing is sent to it for a cool-down (from `retryBaseMs`, doubled with
   * jitter up to `retryMaxMs`), then one trial delivery, whose success ends the back-off.
   * Events refused meanwhile count a failed attempt and are retried after the cool-down.
   */
  breakAfter?: number;
}

/** Where a dispatcher reports what it must not swallow: the error level of a {@link ScimLogger} (pino's `(fields, message)`). */
export type DispatchLogger = Pick<ScimLogger, 'error'>;

/** Told of each event's outcome (telemetry). */
export interface DeliveryObserver {
  /** The event reached every consumer. */
  delivered(event: OutboxEvent): void;
  /** The event failed for the last time. */
  deadLettered(event: OutboxEvent): void;
}

/**
 * One delivery of one event; throws to have it retried ({@link DeliveryDeferred}: put back
 * without counting the attempt). `signal` aborts when the dispatcher closes: a delivery still
 * waiting for its turn gives up then.
 */
export type Deliver = (event: OutboxEvent, signal: AbortSignal) => Promise<void>;

/** The gate bounds (events/target-gate.ts) that follow from a server's delivery options and their defaults. */
export function gateLimits(options: DeliveryOptions): GateLimits {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  return {
    concurrency,
    queue: 4 * concurrency,
    maxWaitMs: (options.leaseMs ?? 30_000) / 3,
    breakAfter: Math.max(1, options.breakAfter ?? 5),
    cooldownBaseMs: options.retryBaseMs ?? 1000,
    cooldownMaxMs: options.retryMaxMs ?? 300_000,
    deferMs: options.pollMs ?? 1000,
  };
}

/** `work`, or a rejection once `ms` passed. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Delivers an outbox's events to one consumer. */
export class EventDispatcher {
  readonly #outbox: EventOutbox;
  readonly #deliver: Deliver;
  readonly #logger: DispatchLogger;
  readonly #o: Required<Omit<DeliveryOptions, 'mode' | 'concurrency' | 'breakAfter'>>;
  readonly #poll: boolean;
  readonly #observer: DeliveryObserver | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Events claimed and not yet settled or put back. */
  #held = 0;
  /** Deliveries under way (close() waits for them). */
  readonly #inFlight = new Set<Promise<void>>();
  /** Aborted by close(): deliveries still waiting for a consumer give up. */
  readonly #stop = new AbortController();
  /** Events put back because a consumer was busy, by due time: released together, one statement per due time. */
  readonly #deferred = new Map<number, string[]>();
  #deferring: Promise<void> | undefined;
  /** Waiters of beforeResponse, by event id. */
  readonly #waiting = new Map<string, () => void>();
  /** Events that had their attempt before anyone waited for them (a drain already running is fast). */
  readonly #settledRecently = new Lru<string, true>(10_000);
  /**
   * Drains run in the context the dispatcher was made in, not in the request's that woke it:
   * else every later poll would carry that request's async context (a store reads its
   * transaction from there).
   */
  readonly #drainDetached: () => Promise<void> = AsyncResource.bind(() => this.#drain());
  #lastClaimError = 0;

  /**
   * A dispatcher of `outbox` to `deliver`. `poll`: look for due events on a timer too (for
   * retries, expired leases and other instances' events); else only when woken.
   */
  constructor(outbox: EventOutbox, deliver: Deliver, options: DeliveryOptions, logger: DispatchLogger, poll = true, observer?: DeliveryObserver) {
    this.#observer = observer;
    this.#outbox = outbox;
    this.#deliver = deliver;
    this.#logger = logger;
    this.#poll = poll;
    this.#o = {
      waitMs: options.waitMs ?? 5000,
      maxAttempts: options.maxAttempts ?? 12,
      retryBaseMs: options.retryBaseMs ?? 1000,
      retryMaxMs: options.retryMaxMs ?? 300_000,
      leaseMs: options.leaseMs ?? 30_000,
      pollMs: options.pollMs ?? 1000,
      batchSize: options.batchSize ?? 50,
      maxInFlight: options.maxInFlight ?? 4 * (options.batchSize ?? 50),
    };
    // each delivery waiting for a consumer listens for close(): as many as events held, at most
    setMaxListeners(this.#o.maxInFlight + 1, this.#stop.signal);
  }

  /** Starts polling (idempotent). */
  start(): void {
    if (this.#poll && !this.#closed) this.#schedule();
  }

  /** Looks for due events now (after a write). */
  wake(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drainDetached().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.wake();
      } else this.#schedule();
    });
  }

  /** Resolves when each of `ids` had a delivery attempt, or after `waitMs`. */
  async waitFor(ids: readonly string[]): Promise<void> {
    const open = ids.filter((id) => this.#settledRecently.get(id) === undefined);
    if (!open.length) return;
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(open.map((id) => new Promise<void>((resolve) => this.#waiting.set(id, resolve))));
    this.wake();
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#o.waitMs)))]);
    clearTimeout(timer);
    for (const id of open) this.#waiting.delete(id);
  }

  /**
   * Stops polling and waits for deliveries in flight (those still waiting for a consumer are
   * put back at once); claimed events not delivered are due again when their lease ends.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#stop.abort();
    await this.#running;
    await Promise.all(this.#inFlight);
  }

  #schedule(): void {
    if (!this.#poll || this.#closed || this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), this.#o.pollMs);
    // delivery never keeps a process alive on its own
    this.#timer.unref?.();
  }

  async #drain(): Promise<void> {
    // claims while there is room; each resource's deliveries go on their own, so a consumer
    // that hangs holds its own events, never a batch (a batch once waited for its slowest)
    while (!this.#closed) {
      const room = this.#o.maxInFlight - this.#held;
      if (room <= 0) return;
      let batch: OutboxEvent[];
      try {
        batch = await this.#outbox.claim({ limit: Math.min(this.#o.batchSize, room), leaseMs: this.#o.leaseMs });
      } catch (e) {
        // a database that is down: try again at the next poll, and say so at most once a minute
        if (Date.now() - this.#lastClaimError > 60_000) {
          this.#lastClaimError = Date.now();
          this.#logger.error({ error: failureText(e) }, 'event delivery could not read the outbox; retrying');
        }
        return;
      }
      if (!batch.length) return;
      // one chain per resource, in order; resources side by side
      const chains = new Map<string, OutboxEvent[]>();
      for (const e of batch) {
        const key = `${e.tenant}\u0000${e.resourceId}`;
        const chain = chains.get(key);
        if (chain) chain.push(e);
        else chains.set(key, [e]);
      }
      for (const chain of chains.values()) this.#start(chain);
    }
  }

  #start(chain: OutboxEvent[]): void {
    this.#held += chain.length;
    const running = this.#deliverChain(chain).finally(() => {
      const before = this.#held;
      this.#held -= chain.length;
      this.#inFlight.delete(running);
      // room for a whole batch again, or nothing left: look for more now, not at the next poll
      const room = this.#o.maxInFlight - this.#held;
      const opened = room >= this.#o.batchSize && this.#o.maxInFlight - before < this.#o.batchSize;
      if (!this.#closed && (opened || this.#held === 0)) this.wake();
    });
    this.#inFlight.add(running);
  }

  async #deliverChain(chain: OutboxEvent[]): Promise<void> {
    for (let i = 0; i < chain.length; i++) {
      const e = chain[i]!;
      try {
        // a consumer that never answers fails the attempt when the lease ends, rather than
        // holding its events (and close()) for ever
        await withTimeout(this.#deliver(e, this.#stop.signal), this.#o.leaseMs);
        await this.#outbox.acknowledge([e.id]);
        this.#observer?.delivered(e);
        this.#settled(e.id);
      } catch (err) {
        if (err instanceof DeliveryDeferred) {
          // nothing was sent: back with the rest of its chain, the attempt not counted
          await this.#defer(
            chain.slice(i).map((x) => x.id),
            err.until,
          );
          return;
        }
        const error = failureText(err);
        const dead = e.attempts >= this.#o.maxAttempts;
        // a backed-off consumer lets nothing through before its cool-down ends
        const notBefore = err instanceof BackedOff ? err.until : 0;
        try {
          await this.#outbox.fail(
            e.id,
            dead
              ? { error, dead: true }
              : { error, retryAt: new Date(Math.max(notBefore, Date.now() + retryDelay(e.attempts, this.#o.retryBaseMs, this.#o.retryMaxMs))) },
          );
        } catch {
          // the outbox is unreachable: the lease runs out and the event is claimed again
        }
        if (dead) this.#observer?.deadLettered(e);
        // a refusal of a backed-off consumer was logged once, when it was backed off: not per event
        if (dead || !(err instanceof BackedOff))
          this.#logger.error(
            { eventId: e.id, event: e.type, tenant: e.tenant, id: e.resourceId, attempt: e.attempts, error },
            dead ? 'event delivery failed for the last time; the event is dead (list and replay it)' : 'event delivery failed; it will be retried',
          );
        this.#settled(e.id);
        // the rest of this resource's events wait behind it, in order
        const later = chain.slice(i + 1).map((x) => x.id);
        if (later.length) await this.#outbox.release(later).catch(() => undefined);
        return;
      }
    }
  }

  /** Puts events back, due at `until`, with the others deferred in this turn of the event loop. */
  #defer(ids: string[], until: number): Promise<void> {
    const list = this.#deferred.get(until);
    if (list) list.push(...ids);
    else this.#deferred.set(until, ids);
    this.#deferring ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const groups = [...this.#deferred];
      this.#deferred.clear();
      this.#deferring = undefined;
      // an outbox that is unreachable: their leases run out and they are claimed again
      await Promise.all(groups.map(([due, batch]) => this.#outbox.release(batch, new Date(due)).catch(() => undefined)));
    });
    return this.#deferring;
  }

  #settled(id: string): void {
    const done = this.#waiting.get(id);
    if (done) {
      this.#waiting.delete(id);
      done();
    } else this.#settledRecently.set(id, true);
  }
}
