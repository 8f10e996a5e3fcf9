/**
 * The gate in front of one consumer of events (onEvent, or one webhook target) for one
 * tenant: a concurrency cap, so a target that hangs holds a few deliveries, not the
 * dispatcher; and a circuit breaker, so a target that keeps failing is backed off as a
 * whole (one trial delivery per cool-down) instead of each of its events being tried on its
 * own schedule (a target answering 500 got about 1,000 POSTs a second).
 * @module
 */

import { BackedOff, DeliveryDeferred } from './postponed.js';
import { retryDelay } from './retry-delay.js';

/** The bounds of every {@link TargetGate} of a dispatcher. */
export interface GateLimits {
  /** Deliveries in flight at once. */
  concurrency: number;
  /** Deliveries waiting for a free place at most; more are deferred at once. */
  queue: number;
  /** How long a delivery waits for a free place at most before it is deferred. */
  maxWaitMs: number;
  /** Failures in a row that open the circuit. */
  breakAfter: number;
  /** The first cool-down of an open circuit, doubled (with jitter) each time a trial fails. */
  cooldownBaseMs: number;
  /** The longest cool-down. */
  cooldownMaxMs: number;
  /**
   * When a deferred delivery (the consumer busy) is due again, from now: doubled while the
   * consumer finishes nothing (a target that hangs), back to this when it does.
   */
  deferMs: number;
}

/** What happened to a gate, for the log: it opened (with the failure that opened it) or closed again. */
export type GateChange = { state: 'open'; until: number; failures: number; lastError: string } | { state: 'closed' };

/** A delivery waiting for a free place. */
interface Waiter {
  go(): void;
  refuse(e: Error): void;
}

/** The concurrency cap and circuit breaker of one consumer for one tenant. */
export class TargetGate {
  readonly #name: string;
  readonly #o: GateLimits;
  readonly #now: () => number;
  readonly #onChange: (change: GateChange) => void;
  #inFlight = 0;
  readonly #waiters: Waiter[] = [];
  /** Failures in a row (any success resets it). */
  #failures = 0;
  /** Times the circuit opened in a row without a success between: the cool-down doubles with it. */
  #opens = 0;
  /** 0 while closed; else when the cool-down of the open circuit ends (epoch ms). */
  #openUntil = 0;
  #cooldownMs = 0;
  /** Whether the one trial delivery of a circuit whose cool-down ended is in flight. */
  #probing = false;
  #lastError = '';
  /** Deferrals in a row with no delivery finished between, and when the current ones are due: one due time for all. */
  #defers = 0;
  #deferUntil = 0;

  /** A gate named `name` in messages (`webhook https://… for tenant acme`); `onChange` hears it open and close. */
  constructor(name: string, limits: GateLimits, onChange: (change: GateChange) => void, now: () => number = Date.now) {
    this.#name = name;
    this.#o = limits;
    this.#onChange = onChange;
    this.#now = now;
  }

  /**
   * Whether the gate holds nothing worth keeping: nothing in flight or waiting, closed, no
   * failure counted. Such a gate is forgotten, so gates exist only for consumers and
   * tenants with deliveries under way or a record of failing.
   */
  get idle(): boolean {
    return this.#inFlight === 0 && this.#waiters.length === 0 && this.#openUntil === 0 && this.#failures === 0;
  }

  /**
   * Runs `deliver` when the gate lets it: at once when a place is free; after a short wait
   * when the places are taken; never while the circuit is open. Throws
   * {@link DeliveryDeferred} when the consumer stays busy (nothing sent; the attempt is not
   * counted) and {@link BackedOff} while the circuit is open; else what `deliver` throws.
   */
  async run(deliver: () => Promise<void>, signal: AbortSignal): Promise<void> {
    // synchronous up to the wait: the place is taken before anyone else can look
    const probe = this.#enter();
    if (probe === 'wait') await this.#wait(signal);
    let ok = false;
    try {
      await deliver();
      ok = true;
    } catch (e) {
      this.#lastError = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      this.#leave(ok, probe === 'probe');
    }
  }

  /** Takes a place (`go`), the trial of an open circuit (`probe`), or a place in the queue (`wait`); throws when none is to be had. */
  #enter(): 'go' | 'probe' | 'wait' {
    const now = this.#now();
    if (this.#openUntil !== 0) {
      if (now < this.#openUntil || this.#probing) throw this.#backedOff(Math.max(this.#openUntil, now + this.#cooldownMs));
      // the cool-down is over: this delivery is the trial; the others wait for its outcome
      this.#probing = true;
      this.#inFlight++;
      return 'probe';
    }
    if (this.#inFlight < this.#o.concurrency) {
      this.#inFlight++;
      return 'go';
    }
    if (this.#waiters.length < this.#o.queue) return 'wait';
    throw this.#busy(now);
  }

  #wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
      const giveUp = () => {
        done();
        reject(this.#busy(this.#now()));
      };
      const onAbort = giveUp;
      const waiter: Waiter = {
        // the place is handed over by #leave: it stays counted in #inFlight
        go: () => {
          done();
          resolve();
        },
        refuse: (e) => {
          done();
          reject(e);
        },
      };
      this.#waiters.push(waiter);
      if (signal.aborted) return giveUp();
      signal.addEventListener('abort', onAbort, { once: true });
      // a wait longer than this would eat into the event's lease: it is given back instead
      timer = setTimeout(giveUp, this.#o.maxWaitMs);
    });
  }

  #leave(ok: boolean, probe: boolean): void {
    const now = this.#now();
    this.#inFlight--;
    // the consumer moves: what is deferred next is due soon again
    this.#defers = 0;
    this.#deferUntil = 0;
    if (probe) this.#probing = false;
    if (ok) {
      this.#failures = 0;
      this.#opens = 0;
      if (this.#openUntil !== 0) {
        this.#openUntil = 0;
        this.#onChange({ state: 'closed' });
      }
    } else {
      this.#failures++;
      // a failed trial opens it again for longer; a delivery that started before it opened changes nothing
      if (probe || (this.#openUntil === 0 && this.#failures >= this.#o.breakAfter)) this.#open(now);
    }
    if (this.#openUntil !== 0) {
      const until = Math.max(this.#openUntil, now + this.#cooldownMs);
      for (const w of this.#waiters.splice(0)) w.refuse(this.#backedOff(until));
      return;
    }
    while (this.#inFlight < this.#o.concurrency && this.#waiters.length) {
      this.#inFlight++;
      this.#waiters.shift()!.go();
    }
  }

  #open(now: number): void {
    this.#opens++;
    this.#cooldownMs = retryDelay(this.#opens, this.#o.cooldownBaseMs, this.#o.cooldownMaxMs);
    this.#openUntil = now + this.#cooldownMs;
    this.#onChange({ state: 'open', until: this.#openUntil, failures: this.#failures, lastError: this.#lastError });
  }

  #backedOff(until: number): BackedOff {
    return new BackedOff(
      `${this.#name} is backed off after ${this.#failures} failures in a row, until ${new Date(until).toISOString()} (last: ${this.#lastError})`,
      until,
    );
  }

  #busy(now: number): DeliveryDeferred {
    // a consumer that finishes nothing is asked less and less often: its deferred events are
    // claimed and put back again each time they are due
    if (now >= this.#deferUntil) {
      this.#defers++;
      this.#deferUntil = now + Math.min(this.#o.maxWaitMs, this.#o.deferMs * 2 ** Math.min(this.#defers - 1, 20));
    }
    return new DeliveryDeferred(`${this.#name} is busy: ${this.#inFlight} deliveries in flight, ${this.#waiters.length} waiting`, this.#deferUntil);
  }
}
