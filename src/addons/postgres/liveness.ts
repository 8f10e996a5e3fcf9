/**
 * Statements stuck on connections that went dead without a word: a network fault that drops
 * packets without resetting anything (a proxy that stopped forwarding, a NAT or load balancer
 * that lost its state). Such a statement never answers; the request's deadline ends it
 * (addons/postgres/deadline.ts), but until then it holds its tenant's concurrency slot and a
 * pooled connection, so after the network heals the tenant would wait out the whole deadline.
 *
 * The server knows better: a statement it is running shows as `active` in pg_stat_activity,
 * and a backend that shows `idle` (or idle in a transaction) is running none, so the statement
 * the client still waits for never arrived or its answer was lost. While a pooled statement has
 * been out for over a second, the store asks, once a second, on a connection of the pool
 * (bounded: during the fault it gets no answer, and a dead connection it picks is destroyed),
 * about the backends of those statements; one the server shows idle, and which is still out a
 * moment after the answer (an answer sent just before may still be on its way), is given up:
 * cancelled and its connection destroyed, so its request answers 503 at once. A backend the
 * server does not list (PgBouncer's keys name no backend; one that ended) tells nothing: that
 * statement is left to its deadline.
 * @module
 */
import type { SqlResult } from './sql.js';

/** How long a statement is out before the server is asked about it. */
const STUCK_AFTER_MS = 1000;
/** How long after the server's answer a statement it showed idle must still be out to be given up. */
const GRACE_MS = 500;

/** A statement on the wire: the backend it went to, since when, and how to give it up. */
interface Outstanding {
  pid: number;
  since: number;
  giveUp: () => void;
}

/**
 * The pooled statements out on the wire, and the check of the long ones against
 * pg_stat_activity. `ask` runs the check's statement on a connection of the pool, bounded.
 */
export class StatementWatch {
  readonly #out = new Set<Outstanding>();
  readonly #ask: (text: string, params: unknown[]) => Promise<SqlResult>;
  /** The one timer, armed while anything is out. */
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  /** `ask`: runs one statement on a connection of the pool, bounded by a short deadline. */
  constructor(ask: (text: string, params: unknown[]) => Promise<SqlResult>) {
    this.#ask = ask;
  }

  /**
   * `statement`, sent on the connection of the backend `pid` (a node-postgres client's
   * `processID`; anything else is not watched), watched while it is out; `giveUp` cancels it
   * and destroys its connection, which fails the statement.
   */
  watch<T>(pid: unknown, statement: () => Promise<T>, giveUp: () => void): Promise<T> {
    if (typeof pid !== 'number') return statement();
    const o: Outstanding = { pid, since: performance.now(), giveUp };
    this.#out.add(o);
    if (!this.#timer) this.#arm();
    const forget = () => {
      this.#out.delete(o);
    };
    const p = statement();
    p.then(forget, forget);
    return p;
  }

  #arm(): void {
    this.#timer = setTimeout(() => this.#tick(), STUCK_AFTER_MS);
    // statements in flight keep the process alive by their sockets, not by this timer
    this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#out.size) return;
    this.#arm();
    if (this.#checking) return;
    const now = performance.now();
    const long = [...this.#out].filter((o) => now - o.since >= STUCK_AFTER_MS);
    if (!long.length) return;
    this.#checking = true;
    void this.#check(long).finally(() => {
      this.#checking = false;
    });
  }

  async #check(long: Outstanding[]): Promise<void> {
    let states: Map<number, unknown>;
    try {
      const { rows } = await this.#ask('SELECT pid, state FROM pg_stat_activity WHERE pid = ANY($1::int[])', [[...new Set(long.map((o) => o.pid))]]);
      states = new Map(rows.map((r) => [Number(r.pid), r.state]));
    } catch {
      // no answer (the fault goes on): asked again next time
      return;
    }
    await new Promise((r) => setTimeout(r, GRACE_MS).unref());
    for (const o of long) {
      const state = states.get(o.pid);
      if (this.#out.has(o) && typeof state === 'string' && state.startsWith('idle')) {
        this.#out.delete(o);
        try {
          o.giveUp();
        } catch {
          // giving up is best effort: the deadline remains
        }
      }
    }
  }
}
