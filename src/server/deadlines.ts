/**
 * The request deadline: work not settled by its deadline is answered 503 (Retry-After 1),
 * and the store is told to commit nothing after it.
 * @module
 */
import { ScimError } from '../core/errors.js';

/**
 * The setTimeout delay until `at` on the monotonic clock (performance.now() ms), capped at the
 * longest delay setTimeout keeps (2^31 - 1 ms, ~24.8 days): past it, setTimeout fires after
 * 1 ms, so a longer wait fires early, finds nothing due and re-arms. @internal
 */
export function delayUntil(at: number): number {
  return Math.min(0x7fffffff, Math.max(0, at - performance.now()));
}

/** One piece of work waiting for its deadline, in a doubly linked list: settling unlinks it in O(1). */
interface Waiting {
  /** The deadline on the monotonic clock (performance.now()): a step of the wall clock moves nothing. */
  due: number;
  onLate: () => void;
  reject: (e: unknown) => void;
  prev: Waiting | undefined;
  next: Waiting | undefined;
  /** Whether it is still in the list (neither settled nor expired). */
  linked: boolean;
}

/**
 * Every request's deadline on one timer. A timer per request (setTimeout, clearTimeout and a
 * Promise.race) cost ~1.2 µs of a GET by id, about a tenth of the engine's time (measured in
 * bench/http-ceiling.bench.ts's profile). Here a request links an entry and unlinks it when it
 * settles; the one timer is armed for the earliest deadline and, when it fires, answers what is
 * late and re-arms for the earliest left. Deadlines come nearly in order (all requests have the
 * same timeout), so the timer is re-armed about once per timeout, not per request.
 */
export class Deadlines {
  #head: Waiting | undefined;
  #tail: Waiting | undefined;
  #size = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now() ms), or Infinity when none is armed. */
  #armedFor = Number.POSITIVE_INFINITY;

  /** How much work is waiting (for tests and metrics). */
  get size(): number {
    return this.#size;
  }

  /** `work`, or a 503 when it has not settled by `deadline` (epoch ms); then `onLate` runs, once. */
  race<T>(work: Promise<T>, deadline: number, onLate: () => void): Promise<T> {
    // NaN (a limit that is no number) is treated as no time left, as setTimeout treated it
    const due = performance.now() + (Number.isNaN(deadline) ? 0 : deadline - Date.now());
    return new Promise<T>((resolve, reject) => {
      const w: Waiting = { due, onLate, reject, prev: this.#tail, next: undefined, linked: true };
      if (this.#tail) this.#tail.next = w;
      else this.#head = w;
      this.#tail = w;
      this.#size++;
      if (due < this.#armedFor) this.#arm(due);
      else if (this.#size === 1) this.#timer?.ref();
      work.then(
        (v) => {
          if (!w.linked) return;
          this.#unlink(w);
          resolve(v);
        },
        (e: unknown) => {
          if (!w.linked) return;
          this.#unlink(w);
          reject(e);
        },
      );
    });
  }

  #unlink(w: Waiting): void {
    w.linked = false;
    if (w.prev) w.prev.next = w.next;
    else this.#head = w.next;
    if (w.next) w.next.prev = w.prev;
    else this.#tail = w.prev;
    w.prev = w.next = undefined;
    // an armed timer with nothing waiting must not keep the process alive (it fires and finds nothing)
    if (--this.#size === 0) this.#timer?.unref();
  }

  #arm(at: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.#fire(), delayUntil(at));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    const late: Waiting[] = [];
    // the whole list: one that came later may have an earlier deadline (it waited less for a slot)
    for (let w = this.#head; w; ) {
      const after = w.next;
      if (w.due <= now) {
        this.#unlink(w);
        late.push(w);
      } else if (w.due < next) next = w.due;
      w = after;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
    // armed again first, and each answered on its own: one failing onLate leaves no work without its deadline
    for (const w of late) {
      try {
        w.onLate();
      } catch {
        // onLate only tells the store to stop; the answer is the 503 either way
      }
      w.reject(ScimError.unavailable('The request ran out of time; try again', 1));
    }
  }
}
