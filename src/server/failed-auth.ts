/**
 * The failed-authentication budget: who is refused before their credential is even looked up.
 *
 * Failures are counted twice. Per credential: a source (the client's address, or who
 * `rateLimits.sourceOf` names), the tenant its path named and a fingerprint of the credential
 * it sent; past that budget that credential from that source is refused before look-up, and
 * nothing else is. Per source: every failure from it, whatever it sent; past that budget the
 * source's credentials are refused before look-up too, except those that authenticated on
 * this instance before. So a guesser behind the IdP's NAT or load balancer, trying one token
 * or many, is refused, and the IdP's own token goes on. Every key is a fixed-size digest or
 * hash: what a stranger puts in a path or a header never grows the state kept for it.
 * @module
 */
import { ScimError } from '../core/errors.js';
import { Lru } from '../core/lru.js';
import type { RateBudget, RateLimiter } from './ratelimit.js';
import { sha256 } from './sha256.js';

/** 128 bits of SHA-256 as base64url (22 characters): the size of every key this budget keeps, whatever it was made of. */
function digest(text: string): string {
  return sha256(text, 'base64url').slice(0, 22);
}

/**
 * A 53-bit hash of a credential (cyrb53, a public-domain mix of two 32-bit lanes): how this
 * instance remembers which credentials authenticated without keeping them, on every
 * request, at a tenth of a SHA-256 call (about 60 ns against 500). Not a secret and not
 * collision-proof against someone who knows a good credential, who needs no collision; a
 * stranger's chance to hit one of 10,000 by luck is 1 in 10^12, and all it would buy is a
 * look-up instead of a 429.
 */
function quickHash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * One request's attempt: what its failure would be counted under. Only the quick hash of its
 * credential is made for every request; the digests when something is blocked or it failed.
 */
export class AuthAttempt {
  #credentialKey: string | undefined;
  #sourceKey: string | undefined;
  /** The quick hash of the credential: how a credential that authenticated is remembered. */
  readonly fingerprint: number;

  /** The attempt of `credential` from `source` naming `tenant` (held for this request only). */
  constructor(
    private readonly credential: string,
    private readonly source: string,
    private readonly tenant: string | undefined,
  ) {
    this.fingerprint = quickHash(credential);
  }

  /** Digest of (source, tenant named, credential): the credential's own budget. */
  get credentialKey(): string {
    this.#credentialKey ??= digest(`k\u0000${this.source}\u0000${this.tenant ?? ''}\u0000${digest(this.credential)}`);
    return this.#credentialKey;
  }

  /** Digest of the source: its budget over every credential. */
  get sourceKey(): string {
    this.#sourceKey ??= digest(`s\u0000${this.source}`);
    return this.#sourceKey;
  }
}

/** Blocked keys and remembered credentials this instance keeps, at most (each entry tens of bytes). */
const MAX_KEYS = 10_000;

/** The budgets of {@link FailedAuthentications}; `false` counts nothing at that level. */
export interface FailedAuthBudgets {
  /** Failures of one credential from one source for one tenant named. */
  perCredential: RateBudget | false;
  /** Failures from one source, any credential. */
  perSource: RateBudget | false;
}

/** Counts failed authentications and refuses, before look-up, what is past its budget. @internal */
export class FailedAuthentications {
  /** Keys past their budget, until when (this instance's view of the limiter). */
  readonly #blocked = new Lru<string, number>(MAX_KEYS);
  /** Fingerprints of credentials that authenticated here: a source past its budget does not refuse them. */
  readonly #known = new Lru<number, true>(MAX_KEYS);

  /** A budget taking from `limiter`; `now` is the clock in ms. */
  constructor(
    private readonly limiter: RateLimiter,
    private readonly budgets: FailedAuthBudgets,
    private readonly now: () => number = Date.now,
  ) {}

  /** The attempt of a request from `source` (undefined: not counted) naming `tenant`, sending `credential` (the Authorization header). */
  attempt(source: string | undefined, tenant: string | undefined, credential: string | undefined): AuthAttempt | undefined {
    if (source === undefined || (!this.budgets.perCredential && !this.budgets.perSource)) return undefined;
    return new AuthAttempt(credential ?? '', source, tenant);
  }

  /** Throws 429 when this attempt's credential, or its source for a credential not known here, is past its budget. */
  admit(a: AuthAttempt): void {
    // nothing blocked (the usual case): no key to make
    if (this.#blocked.size === 0 || this.#known.get(a.fingerprint)) return;
    this.#refuseBlocked(a.credentialKey, 'Too many failed authentications with this credential from this address; try again later');
    this.#refuseBlocked(a.sourceKey, 'Too many failed authentications from this address; try again later');
  }

  /** The credential authenticated: from now on its source's budget does not refuse it. */
  succeeded(a: AuthAttempt): void {
    // set only when new: a credential forgotten after 10,000 others is remembered again at its next success
    if (!this.#known.has(a.fingerprint)) this.#known.set(a.fingerprint, true);
  }

  /** Counts a failure; throws 429 when it was past either budget (the key is then refused before look-up until it refills). */
  async failed(a: AuthAttempt): Promise<void> {
    this.#known.delete(a.fingerprint);
    const { perCredential, perSource } = this.budgets;
    let retryMs = 0;
    let detail = '';
    if (perCredential) {
      const d = await this.limiter.take(`auth\u0000${a.credentialKey}`, perCredential);
      if (!d.allowed) {
        this.#blocked.set(a.credentialKey, this.now() + d.retryAfterMs);
        retryMs = d.retryAfterMs;
        detail = 'Too many failed authentications with this credential from this address; try again later';
      }
    }
    if (perSource) {
      const d = await this.limiter.take(`auth-source\u0000${a.sourceKey}`, perSource);
      if (!d.allowed) {
        this.#blocked.set(a.sourceKey, this.now() + d.retryAfterMs);
        if (!detail) detail = 'Too many failed authentications from this address; try again later';
        retryMs = Math.max(retryMs, d.retryAfterMs);
      }
    }
    if (detail) throw ScimError.tooManyRequests(detail, retryMs / 1000);
  }

  #refuseBlocked(key: string, detail: string): void {
    const until = this.#blocked.get(key);
    if (until === undefined) return;
    const left = until - this.now();
    if (left > 0) throw ScimError.tooManyRequests(detail, left / 1000);
    this.#blocked.delete(key);
  }
}
