/**
 * The activity writer: takes each answered request on the request path in O(1), and after the
 * response, in batches, turns it into a record, logs its line and appends it to the activity log.
 * Nothing it does can slow or fail a request: a failing sink is counted, not raised.
 * @module
 */

import type { ActivityLog, ActivityRecord, ActivityRetention } from '../../stores/activity-log.js';
import type { ScimLogger } from './logger.js';

/** A built record and how it is logged. */
export interface BuiltActivity {
  /** The record. */
  record: ActivityRecord;
  /** The error behind a 5xx, for the log line only (its stack never reaches the client or the activity log). */
  error?: unknown;
}

/** What happened to records so far. */
export interface ActivityStats {
  /** Records appended to the activity log. */
  written: number;
  /** Records dropped because the log fell behind by more than `maxQueue`. */
  dropped: number;
  /** Records the log refused (their append failed), and records that could not be built. */
  failed: number;
  /** Log lines the logger threw on. */
  logFailures: number;
  /** Prunes that failed. */
  pruneFailures: number;
}

/** Options of an {@link ActivityWriter}. */
export interface ActivityWriterOptions {
  /** Records waiting for the log at most (default 10,000); beyond, the oldest are dropped and counted. */
  maxQueue?: number;
  /** Records per append (default 500). */
  batchSize?: number;
  /** Retention, pruned in the background. */
  retention?: ActivityRetention;
  /** Whether to log one line per request (default true; 5xx are logged either way). */
  logRequests?: boolean;
  /** Called with each record after it is built (telemetry). */
  observe?: (record: ActivityRecord) => void;
}

/** Whether an answer is the server's failure: a 5xx, except 501 (the client asked for a feature the server does not offer). */
export function isServerFailure(status: number): boolean {
  return status >= 500 && status !== 501;
}

/** Level of a request's log line: info below 400, warn for 4xx and 501, error for the other 5xx. */
export function levelOf(status: number): 'info' | 'warn' | 'error' {
  return isServerFailure(status) ? 'error' : status >= 400 ? 'warn' : 'info';
}

/** The fields of a request's log line: the record without bodies, and the error's stack for a 5xx. */
export function logFields(built: BuiltActivity): Record<string, unknown> {
  // the record itself when there is nothing to leave out or add: a copy per line measured as GC work
  if (built.error === undefined && built.record.requestBody === undefined && built.record.responseBody === undefined)
    return built.record as unknown as Record<string, unknown>;
  const { requestBody: _q, responseBody: _r, ...fields } = built.record;
  const out: Record<string, unknown> = fields;
  if (built.error !== undefined) {
    const e = built.error;
    out.err = e instanceof Error ? { type: e.name, message: e.message, stack: e.stack } : { message: String(e) };
  }
  return out;
}

/** The message of a request's log line: `GET /Users?… 200 3ms`. */
export function logMessage(r: ActivityRecord): string {
  return `${r.method} ${r.path} ${r.status} ${r.ms}ms`;
}

/** Takes answered requests of type `P` and writes them, after the response, to the logger and the activity log. */
export class ActivityWriter<P> {
  readonly #build: (pending: P) => BuiltActivity;
  readonly #log: ActivityLog | undefined;
  readonly #logger: ScimLogger;
  readonly #o: Required<Omit<ActivityWriterOptions, 'retention' | 'observe'>> & Pick<ActivityWriterOptions, 'retention' | 'observe'>;
  #pending: P[] = [];
  #scheduled = false;
  #toAppend: ActivityRecord[] = [];
  #appending: Promise<void> | undefined;
  /** When the last append started (the log's `appendEveryMs` counts from it). */
  #lastAppend = -Infinity;
  /** Ends the drain's wait for its next append at once (flush()). */
  #hurry: (() => void) | undefined;
  /** flush() calls waiting: while any does, appends are not spaced. */
  #flushing = 0;
  #pruneTimer: NodeJS.Timeout | undefined;
  #lastReport = 0;
  /** Counts of what was written, dropped and failed. */
  readonly stats: ActivityStats = { written: 0, dropped: 0, failed: 0, logFailures: 0, pruneFailures: 0 };

  /** A writer building records with `build`, logging to `logger` and appending to `log`. */
  constructor(build: (pending: P) => BuiltActivity, log: ActivityLog | undefined, logger: ScimLogger, options: ActivityWriterOptions = {}) {
    this.#build = build;
    this.#log = log;
    this.#logger = logger;
    this.#o = { maxQueue: options.maxQueue ?? 10_000, batchSize: options.batchSize ?? 500, logRequests: options.logRequests ?? true, ...options };
    const every = options.retention?.pruneEveryMs;
    if (log && options.retention && every !== 0) {
      this.#pruneTimer = setInterval(() => void this.prune(), every ?? 10 * 60_000);
      this.#pruneTimer.unref();
    }
  }

  /** Whether a request answered `status` goes anywhere (with no log, no lines and no telemetry, only 5xx do). */
  wants(status: number): boolean {
    return this.#log !== undefined || this.#o.logRequests || this.#o.observe !== undefined || isServerFailure(status);
  }

  /** Takes one answered request: O(1) on the request path; the rest runs after it. */
  push(pending: P): void {
    // a loop that never yields to the event loop must not grow this without bound
    if (this.#pending.length >= this.#o.maxQueue) {
      this.stats.dropped++;
      return;
    }
    this.#pending.push(pending);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#tick());
    }
  }

  #tick(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    for (const p of batch) {
      let built: BuiltActivity;
      try {
        built = this.#build(p);
      } catch {
        this.stats.failed++;
        continue;
      }
      // a 5xx is logged whatever logRequests says: an operator must be able to find it
      if (this.#o.logRequests || isServerFailure(built.record.status)) {
        try {
          this.#logger[levelOf(built.record.status)](logFields(built), logMessage(built.record));
        } catch {
          this.stats.logFailures++;
        }
      }
      try {
        this.#o.observe?.(built.record);
      } catch {
        // telemetry must not cost a record
      }
      if (!this.#log) continue;
      if (this.#toAppend.length >= this.#o.maxQueue) {
        this.#toAppend.shift();
        this.stats.dropped++;
      }
      this.#toAppend.push(built.record);
    }
    if (this.#log && this.#toAppend.length && !this.#appending) this.#appending = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#toAppend.length) {
        await this.#spaced();
        this.#lastAppend = performance.now();
        const batch = this.#toAppend.splice(0, this.#o.batchSize);
        try {
          await this.#log!.append(batch);
          this.stats.written += batch.length;
        } catch (e) {
          this.stats.failed += batch.length;
          this.#report('the activity log refused records; they are counted and dropped', e);
        }
      }
    } finally {
      this.#appending = undefined;
    }
  }

  /**
   * Waits until the log's `appendEveryMs` since the last append has passed, or flush() hurries
   * it. A full batch does not wait: spacing gathers a trickle into fewer statements, and must
   * not cap a busy server at one batch per interval (it dropped records past 5,000 a second).
   */
  #spaced(): Promise<void> {
    const every = this.#log?.appendEveryMs;
    const wait = every === undefined ? 0 : this.#lastAppend + every - performance.now();
    if (wait <= 0 || this.#flushing > 0 || this.#toAppend.length >= this.#o.batchSize) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#hurry = undefined;
        clearTimeout(timer);
        resolve();
      };
      // kept referenced: a process that ends without close() still writes what it took, as
      // when the append itself was pending (its exit waits appendEveryMs at most)
      const timer = setTimeout(done, wait);
      this.#hurry = done;
    });
  }

  /** Reports a sink failure at most once a minute, so a log that is down does not flood the logger. */
  #report(message: string, e: unknown): void {
    const now = Date.now();
    if (now - this.#lastReport < 60_000) return;
    this.#lastReport = now;
    try {
      this.#logger.error({ error: e instanceof Error ? e.message : String(e), stats: { ...this.stats } }, message);
    } catch {
      this.stats.logFailures++;
    }
  }

  /** Writes everything taken so far, now (tests, shutdown). */
  async flush(): Promise<void> {
    this.#flushing++;
    try {
      if (this.#pending.length) this.#tick();
      this.#hurry?.();
      while (this.#appending) await this.#appending;
    } finally {
      this.#flushing--;
    }
  }

  /** Prunes the log as retention allows; how many records went (0 when it failed: counted). */
  async prune(): Promise<number> {
    if (!this.#log || !this.#o.retention) return 0;
    try {
      return await this.#log.prune(this.#o.retention);
    } catch (e) {
      this.stats.pruneFailures++;
      this.#report('pruning the activity log failed; it is retried later', e);
      return 0;
    }
  }

  /** Stops pruning and writes what is left, waiting at most `timeoutMs` (a log that hangs must not hold a shutdown); what is left then is counted as dropped. */
  async close(timeoutMs = 5000): Promise<void> {
    clearInterval(this.#pruneTimer);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const done = await Promise.race([this.flush().then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (done === 'late') {
      this.stats.dropped += this.#toAppend.length;
      this.#toAppend.length = 0;
    }
  }
}
