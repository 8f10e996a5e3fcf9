/**
 * A concurrency limit per tenant: at most `max` of a tenant's requests run at once; more wait
 * in line (up to `maxWaitMs`, at most `maxQueued` of them) and past that answer 429. One
 * tenant's flood then holds at most `max` database connections, whatever the pool's size.
 * @module
 */

interface Lane {
  running: number;
  waiting: (() => void)[];
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

  /** A slot for `key`, released by the returned function; undefined when none came in time. */
  async acquire(key: string): Promise<(() => void) | undefined> {
    let lane = this.#lanes.get(key);
    if (!lane) this.#lanes.set(key, (lane = { running: 0, waiting: [] }));
    const l = lane;
    if (l.running < this.#max) {
      l.running++;
      return () => this.#release(key, l);
    }
    if (l.waiting.length >= this.#maxQueued) return undefined;
    return new Promise((resolve) => {
      const go = () => {
        clearTimeout(timer);
        l.running++;
        resolve(() => this.#release(key, l));
      };
      const timer = setTimeout(() => {
        const i = l.waiting.indexOf(go);
        if (i >= 0) l.waiting.splice(i, 1);
        resolve(undefined);
      }, this.#maxWaitMs);
      l.waiting.push(go);
    });
  }

  #release(key: string, l: Lane): void {
    l.running--;
    const next = l.waiting.shift();
    if (next) next();
    else if (l.running === 0) this.#lanes.delete(key);
  }
}
