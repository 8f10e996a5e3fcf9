/**
 * One job at a time per key, in arrival order: how writes to one resource serialise in this
 * process once optimistic compare-and-swap has lost too often. A key's chain is dropped when
 * it drains, so keys seen once cost nothing later.
 * @module
 */

/** Per-key FIFO queues of async jobs. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `job` after every earlier job of `key` settled; resolves or rejects as it does. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const mine = before.then(job, job);
    const tail = mine.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return mine;
  }

  /** Keys with jobs queued or running (for tests and monitoring). */
  get size(): number {
    return this.#tails.size;
  }
}
