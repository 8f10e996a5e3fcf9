/**
 * Rate limits: token buckets per tenant, per token and per source of failed authentications,
 * behind a {@link RateLimiter} interface. The in-memory default limits one instance; several
 * instances share limits through one limiter they all reach (docs/scaling.md).
 * @module
 */
import type { ScimRequest } from './request.js';

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
}

/**
 * Token buckets in memory, at most `maxKeys` of them (the least recently used go first; a
 * forgotten bucket is a full one, which only ever errs towards allowing).
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

  take(key: string, budget: RateBudget): RateDecision {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (b) {
      this.#buckets.delete(key);
      b.tokens = Math.min(budget.burst, b.tokens + ((now - b.at) / 1000) * budget.perSecond);
      b.at = now;
    } else {
      if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
      b = { tokens: budget.burst, at: now };
    }
    // most recently used last: eviction takes the front
    this.#buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - b.tokens) / budget.perSecond) * 1000) };
  }
}

/** Rate limits of a server: each a budget, or `false` for none. */
export interface RateLimits {
  /** Requests per tenant (default burst 1,000, 500/s). */
  perTenant?: RateBudget | false;
  /** Requests per token, for tokens with a `tokenId` (default burst 1,000, 500/s). */
  perToken?: RateBudget | false;
  /** Failed authentications per source address (default burst 20, 1/s): past it, 429 before the token is even looked up. */
  failedAuthPerSource?: RateBudget | false;
  /** Where buckets live (default: a {@link MemoryRateLimiter} of this server). */
  limiter?: RateLimiter;
  /**
   * Who a failed authentication is counted against (default: the connection's address and the
   * tenant of the path). Behind a proxy every client has the proxy's address: return the
   * client the proxy names (a header it sets and clients cannot), or undefined to not count.
   */
  sourceOf?: (request: ScimRequest, tenant: string | undefined) => string | undefined;
}

/** The defaults of {@link RateLimits}: far above what an IdP sends one tenant, so only a flood meets them. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<'perTenant' | 'perToken' | 'failedAuthPerSource', RateBudget>> = {
  perTenant: { burst: 1000, perSecond: 500 },
  perToken: { burst: 1000, perSecond: 500 },
  failedAuthPerSource: { burst: 20, perSecond: 1 },
};
