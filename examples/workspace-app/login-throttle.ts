// Sign-in attempts counted per key (a client address, an account) over a sliding window. An
// attempt is taken before the password is checked, so sign-ins sent at once are counted
// before their checks end; a successful one gives its attempt back.

/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Attempts a key may make in a window (default 10). */
  limit?: number;
  /** The window, in milliseconds (default one minute). */
  windowMs?: number;
  /**
   * Keys remembered at most (default 10,000): past it the key whose last attempt is oldest is
   * forgotten, so a flood of made-up e-mails or addresses cannot fill the memory.
   */
  maxKeys?: number;
  /** The clock, in epoch milliseconds (for tests). */
  now?: () => number;
}

/** What {@link LoginThrottle.take} decided. */
export type Attempt = { taken: true } | { taken: false; retryAfterMs: number };

/** Attempts per key in a bounded map whose entries expire with their window. */
export class LoginThrottle {
  /** The times of each key's attempts in the window, oldest first; the map ordered by last attempt. */
  readonly #attempts = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    this.#limit = options.limit ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one attempt for each of `keys`, or none when one of them has no attempt left. */
  take(keys: readonly string[]): Attempt {
    const now = this.#now();
    this.#expire(now);
    const since = now - this.#windowMs;
    let retryAfterMs = 0;
    for (const key of keys) {
      const times = (this.#attempts.get(key) ?? []).filter((t) => t > since);
      // the oldest attempt in the window frees a place when it leaves it
      if (times.length >= this.#limit) retryAfterMs = Math.max(retryAfterMs, times[times.length - this.#limit]! - since);
    }
    if (retryAfterMs > 0) return { taken: false, retryAfterMs };
    for (const key of keys) {
      const times = (this.#attempts.get(key) ?? []).filter((t) => t > since);
      times.push(now);
      // moved to the end: the map stays ordered by last attempt
      this.#attempts.delete(key);
      this.#attempts.set(key, times);
    }
    while (this.#attempts.size > this.#maxKeys) this.#attempts.delete(this.#attempts.keys().next().value as string);
    return { taken: true };
  }

  /** Gives back the attempt {@link take} took for `keys` (the password was right: not a guess). */
  giveBack(keys: readonly string[]): void {
    for (const key of keys) {
      const times = this.#attempts.get(key);
      times?.pop();
      if (times?.length === 0) this.#attempts.delete(key);
    }
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.#attempts.size;
  }

  /** Forgets the keys whose last attempt left the window: they are first in the map. */
  #expire(now: number): void {
    for (const [key, times] of this.#attempts) {
      if (times[times.length - 1]! > now - this.#windowMs) return;
      this.#attempts.delete(key);
    }
  }
}
