/**
 * A concurrency limit per tenant: at most `max` of a tenant's requests run at once; more wait
 * in line (up to `maxWaitMs`, at most `maxQueued` of them) and past that answer 429. One
 * tenant's flood then holds at most `max` database connections, whatever the pool's size.
 * @module
 */
import { delayUntil } from './deadlines.js';

/** A request waiting for a slot: served by `go`, or given up on at `expires` (performance.now() ms: a wall-clock step moves nothing). */
interface Waiter {
  go: (release: (() => void) | undefined) => void;
  expires: number;
}

interface Lane {
  running: number;
  /** First come, first served; all wait the same `maxWaitMs`, so they also expire in this order. */
  waiting: Waiter[];
  /** The lane's one timer, for the first waiter's expiry (not one timer per waiter). */
  timer: NodeJS.Timeout | undefined;
}

/** Per-key slots with a bounded wait. */
export class ConcurrencyLimit {
  readonly #lanes = new Map<string, Lane>();
  readonly #max: number;
  readonly #maxWaitMs: number;
  readonly #maxQueued: number;

  /** `max` at once per key; a request waits at most `maxWaitMs` and at most `maxQueued` wait per key. */
  constructor(max: number, maxWaitMs: number, maxQueued: number) {
    this.#max = max;
    this.#maxWaitMs = maxWaitMs;
    this.#maxQueued = maxQueued;
  }

  /**
   * A slot for `key`, released by the returned function; undefined when none came in time.
   * A free slot is returned as it is, not as a promise: most requests find one, and an await
   * of a promise costs them a turn of the microtask queue.
   */
  acquire(key: string): (() => void) | undefined | Promise<(() => void) | undefined> {
    let lane = this.#lanes.get(key);
    if (!lane) this.#lanes.set(key, (lane = { running: 0, waiting: [], timer: undefined }));
    const l = lane;
    if (l.running < this.#max) {
      l.running++;
      return () => this.#release(key, l);
    }
    if (l.waiting.length >= this.#maxQueued) return undefined;
    return new Promise((go) => {
      l.waiting.push({ go, expires: performance.now() + this.#maxWaitMs });
      if (!l.timer) this.#arm(key, l);
    });
  }

  #arm(key: string, l: Lane): void {
    const first = l.waiting[0];
    l.timer = first && setTimeout(() => this.#expire(key, l), delayUntil(first.expires));
  }

  /** Gives up on the waiters whose time is up (they are first in line) and re-arms for the next. */
  #expire(key: string, l: Lane): void {
    const now = performance.now();
    while (l.waiting.length && l.waiting[0]!.expires <= now) l.waiting.shift()!.go(undefined);
    this.#arm(key, l);
    if (l.running === 0 && !l.waiting.length) this.#lanes.delete(key);
  }

  #release(key: string, l: Lane): void {
    l.running--;
    const next = l.waiting.shift();
    if (next) {
      l.running++;
      next.go(() => this.#release(key, l));
      // the armed timer may be for this waiter: it fires, finds the next one in time, and re-arms
    } else if (l.running === 0) {
      if (l.timer) clearTimeout(l.timer);
      this.#lanes.delete(key);
    }
  }
}
