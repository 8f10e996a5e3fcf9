/**
 * Rate limits: token buckets per tenant, per token and per source of failed authentications,
 * behind a {@link RateLimiter} interface. The in-memory default limits one instance; several
 * instances share limits through one limiter they all reach (docs/scaling.md).
 * @module
 */
import type { ScimRequest } from './request.js';
import { sha256 } from './sha256.js';

/** What a limiter decided for one request. */
export interface RateDecision {
  /** Whether the request may go on. */
  allowed: boolean;
  /** When not: milliseconds until a token is there again. */
  retryAfterMs: number;
}

/** A bucket's size and how fast it refills. */
export interface RateBudget {
  /** Requests a bucket holds: the burst (default per budget). */
  burst: number;
  /** Requests per second it refills. */
  perSecond: number;
}

/** Takes a token from a named bucket. A limiter shared by several instances (a Redis script, a table) implements this. */
export interface RateLimiter {
  /** Takes one token from `key`'s bucket of `budget`; whether it could, and else how long until it can. */
  take(key: string, budget: RateBudget): RateDecision | Promise<RateDecision>;
}

interface Bucket {
  tokens: number;
  at: number;
  /** When the bucket is full again (then it is the same as none, and may go). */
  full: number;
}

/** Keys longer than this are kept as their digest (43 characters): a bucket's size does not depend on what named it. */
const MAX_KEY_LENGTH = 64;

/** Full buckets looked at and dropped per `take`, from the least recently used end. */
const SWEEP = 2;

/**
 * Token buckets in memory, at most `maxKeys` of them (the least recently used go first; a
 * forgotten bucket is a full one, which only ever errs towards allowing). A key longer than
 * 64 characters is kept as its SHA-256, so each bucket costs about 150 bytes whatever its key
 * (15 MB at the default 100,000); a bucket that has refilled is dropped as later takes pass it.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxKeys: number;
  readonly #now: () => number;

  /** A limiter holding up to `maxKeys` buckets; `now` is the clock in ms (tests). */
  constructor(options: { maxKeys?: number; now?: () => number } = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many buckets are held. */
  get size(): number {
    return this.#buckets.size;
  }

  take(key: string, budget: RateBudget): RateDecision {
    const now = this.#now();
    const k = key.length > MAX_KEY_LENGTH ? sha256(key, 'base64url') : key;
    let b = this.#buckets.get(k);
    if (b) {
      this.#buckets.delete(k);
      b.tokens = Math.min(budget.burst, b.tokens + ((now - b.at) / 1000) * budget.perSecond);
      b.at = now;
    } else {
      if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
      b = { tokens: budget.burst, at: now, full: now };
    }
    this.#sweep(now);
    // most recently used last: eviction takes the front
    this.#buckets.set(k, b);
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    b.full = now + ((budget.burst - b.tokens) / budget.perSecond) * 1000;
    return allowed ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.ceil(((1 - b.tokens) / budget.perSecond) * 1000) };
  }

  /** Drops refilled buckets at the least recently used end: after a flood the map shrinks again as requests go on. */
  #sweep(now: number): void {
    for (let i = 0; i < SWEEP; i++) {
      const first = this.#buckets.entries().next().value;
      if (!first || first[1].full > now) return;
      this.#buckets.delete(first[0]);
    }
  }
}

/** Rate limits of a server: each a budget, or `false` for none. */
export interface RateLimits {
  /** Requests per tenant (default burst 1,000, 500/s). */
  perTenant?: RateBudget | false;
  /** Requests per token, for tokens with a `tokenId` (default burst 1,000, 500/s). */
  perToken?: RateBudget | false;
  /**
   * Failed authentications of one credential from one source for one tenant named (default
   * burst 20, 1/s): past it, that credential from that source is 429 before it is even looked
   * up. Other credentials from the same source are not refused by it.
   */
  failedAuthPerSource?: RateBudget | false;
  /**
   * Failed authentications from one source, whatever it sent (default burst 100, 5/s): past
   * it, the source's credentials are 429 before look-up, except those that authenticated on
   * this instance before (so an IdP behind the same NAT or proxy as a guesser goes on).
   */
  failedAuthPerAddress?: RateBudget | false;
  /** Where buckets live (default: a {@link MemoryRateLimiter} of this server). */
  limiter?: RateLimiter;
  /**
   * Who a failed authentication is counted against (default: the connection's address). Behind
   * a proxy every client has the proxy's address: return the client the proxy names (a header
   * it sets and clients cannot), or undefined to not count. Its result is kept only as a digest.
   */
  sourceOf?: (request: ScimRequest, tenant: string | undefined) => string | undefined;
}

/** The defaults of {@link RateLimits}: far above what an IdP sends one tenant, so only a flood meets them. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<'perTenant' | 'perToken' | 'failedAuthPerSource' | 'failedAuthPerAddress', RateBudget>> = {
  perTenant: { burst: 1000, perSecond: 500 },
  perToken: { burst: 1000, perSecond: 500 },
  failedAuthPerSource: { burst: 20, perSecond: 1 },
  failedAuthPerAddress: { burst: 100, perSecond: 5 },
};
