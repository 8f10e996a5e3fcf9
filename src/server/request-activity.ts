/**
 * What a request leaves behind: its trace (what its handling learns, handed to the activity
 * writer as it is), the headers every answer gets, and its record in the activity log and log
 * lines, written after the response. Refused requests (no accepted credentials) are recorded
 * within a budget: anyone can send them.
 * @module
 */

import type { SchemaRegistry } from '../core/schema/registry.js';
import {
  type ActivityLog,
  type ActivityQuery,
  type ActivityRecord,
  type ActivitySummary,
  DEFAULT_ACTIVITY_RETENTION,
  summarise,
} from '../stores/activity-log.js';
import { MemoryActivityLog } from '../stores/memory/activity-log.js';
import type { ProvisioningStore } from '../stores/store.js';
import type { ScimLogger } from './activity/logger.js';
import { BodyMask } from './activity/mask.js';
import { type ActivityStats, ActivityWriter } from './activity/writer.js';
import { buildActivity, type PendingActivity } from './activity.js';
import type { ActivityOptions } from './options.js';
import { MemoryRateLimiter, type RateBudget } from './ratelimit.js';
import { header, type ScimRequest, type ScimResponse } from './request.js';
import { newRequestId } from './request-id.js';
import type { ScimTelemetry } from './telemetry.js';

/** The activity log of SCIM requests, as a host reads it for a status page. */
export interface ScimActivity {
  /** A tenant's records, newest first. */
  list(query: ActivityQuery): Promise<ActivityRecord[]>;
  /** A tenant's status panel: last request, success and failure, counts by status since `since` (default 24 h). */
  summary(tenant: string, since?: Date): Promise<ActivitySummary>;
  /** Writes what is waiting now (the log is written in batches after the responses). */
  flush(): Promise<void>;
  /** Prunes now what retention allows (it also runs in the background); how many records went. */
  prune(): Promise<number>;
  /** Records written, dropped and failed so far. */
  readonly stats: Readonly<ActivityStats>;
}

/** What one request's handling learns, for its activity record and span; handed to the writer as it is (one object per request). */
export type Trace = Omit<PendingActivity, 'response' | 'ms'> & { response?: ScimResponse; ms?: number };

/** A request id a client may choose: printable, no spaces, at most 200 characters (it goes into headers and logs). */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The client's `X-Request-Id` when it is a plain one, else a new one. */
function requestIdOf(req: ScimRequest): string {
  const sent = header(req, 'x-request-id');
  return sent !== undefined && REQUEST_ID.test(sent) ? sent : newRequestId();
}

/** A request's trace as it arrives (`started`, epoch ms): its id and method, nothing decided yet. */
export function newTrace(req: ScimRequest, started: number): Trace {
  return {
    started,
    req,
    requestId: requestIdOf(req),
    method: (req.method ?? 'GET').toUpperCase(),
    segs: undefined,
    tenantHint: undefined,
    auth: undefined,
    rejectedToken: false,
    body: undefined,
    error: undefined,
  };
}

/** Every answer, error or not: its request id, never sniffed as another type, never cached (it holds user data). */
export function finish(res: ScimResponse, requestId: string): ScimResponse {
  res.headers['x-request-id'] = requestId;
  res.headers['x-content-type-options'] = 'nosniff';
  res.headers['cache-control'] = 'no-store';
  return res;
}

/** The trace, complete (`t0` is its `performance.now()` at arrival): what the writer takes after the response. */
function pending(t: Trace, t0: number, response: ScimResponse): PendingActivity {
  t.ms = performance.now() - t0;
  t.response = response;
  return t as PendingActivity;
}

/** The activity log of one server's requests: where records go, and the writer that puts them there after the responses. */
export class RequestActivity {
  readonly #log: ActivityLog | undefined;
  readonly #writer: ActivityWriter<PendingActivity>;
  readonly #refusedBucket: RateBudget;
  readonly #refusedLimiter: MemoryRateLimiter;

  /** `options` as {@link activityOptionsOf} gives them; the log is the options', else the store's, else a ring in memory. */
  constructor(options: ActivityOptions, store: ProvisioningStore, registry: SchemaRegistry, logger: ScimLogger, telemetry: ScimTelemetry | undefined) {
    this.#log = options.log === false ? undefined : (options.log ?? store.activity ?? new MemoryActivityLog());
    const mask = new BodyMask(options.mask);
    this.#writer = new ActivityWriter<PendingActivity>((p) => buildActivity(p, { registry, bodies: options.bodies === true, mask }), this.#log, logger, {
      retention: { ...DEFAULT_ACTIVITY_RETENTION, ...options.retention },
      ...(options.logRequests === undefined ? {} : { logRequests: options.logRequests }),
      ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
      ...(telemetry ? { observe: (r: ActivityRecord) => telemetry.observe(r) } : {}),
    });
    const refusedPerSecond = options.maxRefusedPerSecond ?? 100;
    this.#refusedBucket = { burst: refusedPerSecond, perSecond: refusedPerSecond };
    this.#refusedLimiter = new MemoryRateLimiter({ maxKeys: 1 });
  }

  /**
   * Whether a refused request (no accepted credentials) may have its record: anyone can send
   * them, so a flood of them must not become a flood of log writes. Beyond, counted as dropped.
   */
  #takeRefused(): boolean {
    if (this.#refusedLimiter.take('refused', this.#refusedBucket).allowed) return true;
    this.#writer.stats.dropped++;
    return false;
  }

  /** Gives an answer the common headers and records it (an unauthenticated one within the refused budget). */
  finished(t: Trace, t0: number, res: ScimResponse): ScimResponse {
    finish(res, t.requestId);
    if (this.#writer.wants(res.status) && (t.auth !== undefined || this.#takeRefused())) this.#writer.push(pending(t, t0, res));
    return res;
  }

  /** Records the answer to a request refused before it was admitted, within the refused budget. */
  refused(t: Trace, res: ScimResponse): void {
    if (this.#takeRefused()) this.#writer.push(pending(t, performance.now(), res));
  }

  /** Where records go (undefined: kept nowhere): lifecycle records of connections are appended to it directly, awaited. */
  get log(): ActivityLog | undefined {
    return this.#log;
  }

  /** The log as the host reads it. */
  view(): ScimActivity {
    const log = this.#log;
    const writer = this.#writer;
    return {
      list: async (query) => (log ? log.list(query) : []),
      summary: async (tenant, since = new Date(Date.now() - 24 * 3600_000)) => (log ? log.summary(tenant, since) : summarise([], since)),
      flush: () => writer.flush(),
      prune: () => writer.prune(),
      stats: writer.stats,
    };
  }

  /** Writes the records waiting and stops the background pruning. */
  close(): Promise<void> {
    return this.#writer.close();
  }
}
