/**
 * Admission: what a request may do, decided from its method, path and headers before its body
 * is read: its tenant (from the path, with `tenantInPath`), its credential (once per request,
 * with the failed-authentication lockout around it), its scope, its tenant's and token's rate
 * limits; then, once admitted, a slot among its tenant's concurrent requests and its deadline.
 * @module
 */

import { ScimError } from '../core/errors.js';
import { type AuthContext, type Authenticate, checkScope } from './auth.js';
import type { ConcurrencyLimit } from './concurrency.js';
import { probeContextOf } from './connections/probe.js';
import type { Deadlines } from './deadlines.js';
import { type AuthAttempt, FailedAuthentications } from './failed-auth.js';
import type { RatesInForce, ScimServerOptions } from './options.js';
import { decodeSegments } from './path-segments.js';
import type { RateBudget, RateDecision, RateLimiter } from './ratelimit.js';
import { header, type ScimRequest, type ScimResponse } from './request.js';
import type { Trace } from './request-activity.js';
import { isThenable } from './thenable.js';

/**
 * What {@link ScimServer.admit} decided from a request's method, path and headers, before its
 * body was read. Hand it to `handle` (or `refuse`) with the same request once the body is there.
 */
export interface Admission {
  /** The answer to send as it is, without reading the body (401, 403, 429, a 404 path); absent when the request may go on. */
  readonly refusal?: ScimResponse;
  /** The request's deadline, epoch ms (`requestTimeoutMs` after admission): its body must have arrived by then. */
  readonly deadline: number;
}

/** What the admission step works with, each made once per server. */
export interface AdmissionParts {
  /** The authenticate function in force (the host's, or connections'), called as a method, and `tenantInPath`, read per request. */
  readonly options: { readonly authenticate: Authenticate } & Pick<ScimServerOptions, 'tenantInPath'>;
  /** The rate limits in force; undefined when the options switch them off. */
  readonly rates: RatesInForce | undefined;
  /** Where the budgets of rate limits and failed authentications are kept. */
  readonly limiter: RateLimiter;
  /** The slots of each tenant's concurrent requests. */
  readonly concurrency: ConcurrencyLimit;
  /** The deadlines of admitted requests' work, on one timer. */
  readonly deadlines: Deadlines;
}

/** The admission step of one server: authentication, scope, rate limits, failed-authentication lockout, concurrency and deadlines. */
export class RequestAdmission {
  readonly #options: AdmissionParts['options'];
  readonly #rates: RatesInForce | undefined;
  readonly #limiter: RateLimiter;
  readonly #concurrency: ConcurrencyLimit;
  readonly #deadlines: Deadlines;
  /** Failed authentications: a credential past its budget is refused before look-up, and only that credential (docs/security.md). */
  readonly #failures: FailedAuthentications | undefined;

  /** The step over `parts`; the failed-authentication budgets come from `parts.rates`. */
  constructor(parts: AdmissionParts) {
    this.#options = parts.options;
    this.#rates = parts.rates;
    this.#limiter = parts.limiter;
    this.#concurrency = parts.concurrency;
    this.#deadlines = parts.deadlines;
    const rates = parts.rates;
    this.#failures =
      rates && (rates.failedAuthPerSource || rates.failedAuthPerAddress)
        ? new FailedAuthentications(parts.limiter, { perCredential: rates.failedAuthPerSource, perSource: rates.failedAuthPerAddress })
        : undefined;
  }

  /**
   * Everything decided from a request's method, path and headers: its tenant, its credential
   * (at most once per request), its scope and rate limits. Throws (or rejects with) the
   * refusal. Sets `t.segs`, `t.tenantHint` and `t.auth`. Answers with a promise only when the
   * host's authenticate or a shared limiter does: a synchronous one (bearerToken) costs the
   * request no turn of the microtask queue here.
   */
  admitted(req: ScimRequest, t: Trace): AuthContext | Promise<AuthContext> {
    const options = this.#options;
    const failures = this.#failures;
    let segs = decodeSegments(req.path ?? '/');
    let tenantHint: string | undefined;
    if (options.tenantInPath) {
      tenantHint = segs[0];
      t.tenantHint = tenantHint;
      if (tenantHint === undefined) throw ScimError.notFound('Name a tenant, e.g. /{tenant}/Users');
      segs = segs.slice(1);
    }
    t.segs = segs;
    // behind a proxy every client shares its address: a host can name the client (its own trusted header)
    const attempt = failures?.attempt(this.sourceOf(req, tenantHint), tenantHint, header(req, 'authorization'));
    if (attempt) failures!.admit(attempt);
    let authed: AuthContext | Promise<AuthContext>;
    try {
      // Test connection's request runs as its connection without presenting a secret (probe.ts)
      authed = probeContextOf(req) ?? options.authenticate(req, tenantHint);
    } catch (e) {
      return this.#refused(e, t, attempt);
    }
    // a synchronous authenticate makes no functions here: the request's own work is all there is
    if (!isThenable(authed)) return this.#accepted(authed, t, segs, tenantHint, attempt);
    return Promise.resolve(authed).then(
      (auth) => this.#accepted(auth, t, segs, tenantHint, attempt),
      (e: unknown) => this.#refused(e, t, attempt),
    );
  }

  /** A 401 counts against the attempt's budgets (a 429 past them), then is thrown. */
  async #refused(e: unknown, t: Trace, attempt: AuthAttempt | undefined): Promise<never> {
    if (e instanceof ScimError && e.status === 401) {
      t.rejectedToken = true;
      if (attempt) await this.#failures!.failed(attempt);
    }
    throw e;
  }

  /** What authenticate answered, checked: a tenant (its own path's), the scope, the rate limits; sets `t.auth`. */
  #accepted(auth: AuthContext, t: Trace, segs: string[], tenantHint: string | undefined, attempt: AuthAttempt | undefined): AuthContext | Promise<AuthContext> {
    if (!auth?.tenant) return this.#refused(ScimError.unauthorized(), t, attempt);
    // a token serves its own tenant's path only, whatever the authenticate function checked
    if (this.#options.tenantInPath && auth.tenant !== tenantHint)
      return this.#refused(ScimError.unauthorized('The bearer token is not valid for this tenant'), t, attempt);
    if (attempt) this.#failures!.succeeded(attempt);
    t.auth = auth;
    try {
      checkScope(auth, t.method, segs);
    } catch (e) {
      t.rejectedToken = true;
      throw e;
    }
    const limited = this.#rateLimited(auth);
    return limited ? limited.then(() => auth) : auth;
  }

  /**
   * The failed-authentication attempt of a request that authenticates with `credential` in
   * place of a bearer token (the OAuth token endpoint's client id); throws 429 when it, or its
   * source, is past its budget. Undefined when failures are not counted.
   */
  attemptOf(req: ScimRequest, tenantHint: string | undefined, credential: string): AuthAttempt | undefined {
    const failures = this.#failures;
    const attempt = failures?.attempt(this.sourceOf(req, tenantHint), tenantHint, credential);
    if (attempt) failures!.admit(attempt);
    return attempt;
  }

  /** Counts an attempt's failure (throws 429 past its budget), or its success. */
  async attemptEnded(attempt: AuthAttempt | undefined, ok: boolean): Promise<void> {
    if (!attempt) return;
    if (ok) this.#failures!.succeeded(attempt);
    else await this.#failures!.failed(attempt);
  }

  /**
   * Who a request comes from, for budgets kept per source: the host's `rateLimits.sourceOf`
   * (behind a proxy, the client it names), else the connection's address; undefined: not counted.
   */
  sourceOf(req: ScimRequest, tenantHint: string | undefined): string | undefined {
    const sourceOf = this.#rates?.sourceOf;
    return sourceOf ? sourceOf(req, tenantHint) : req.remoteAddress;
  }

  /** Takes one request from `key`'s budget in the server's limiter (429 past it); nothing without rate limits. */
  spendOn(key: string, budget: RateBudget | false): void | Promise<void> {
    if (!this.#rates || !budget) return;
    const d = this.#limiter.take(key, budget);
    const refuseOver = (x: RateDecision) => {
      if (!x.allowed) throw ScimError.tooManyRequests('Too many requests; try again later', x.retryAfterMs / 1000);
    };
    return isThenable(d) ? Promise.resolve(d).then(refuseOver) : refuseOver(d);
  }

  /** For the record of a request refused before admission: the tenant and segments its path names (a malformed path is recorded as it came). */
  notePath(req: ScimRequest, t: Trace): void {
    try {
      const segs = decodeSegments(req.path ?? '/');
      if (this.#options.tenantInPath) t.tenantHint = segs.shift();
      t.segs = segs;
    } catch {
      // a malformed path: the record shows it as it came
    }
  }

  /**
   * A slot among the tenant's concurrent requests, released by the returned function;
   * undefined when none came in time. A free slot is returned as it is, not as a promise.
   */
  acquireSlot(tenant: string): (() => void) | undefined | Promise<(() => void) | undefined> {
    return this.#concurrency.acquire(tenant);
  }

  /** `work`, or a 503 when it has not settled by `deadline` (epoch ms); then `onLate` runs, once. */
  withinDeadline<T>(work: Promise<T>, deadline: number, onLate: () => void): Promise<T> {
    return this.#deadlines.race(work, deadline, onLate);
  }

  /**
   * Throws 429 when the tenant or the token is past its budget. Returns a promise only when the
   * limiter answers with one (a shared limiter); the in-memory one answers at once, and the
   * request then spends no turn of the microtask queue here.
   */
  #rateLimited(auth: AuthContext): void | Promise<void> {
    const rates = this.#rates;
    if (!rates) return;
    const { perTenant, perToken } = rates;
    const byToken = () => (perToken && auth.tokenId !== undefined ? this.#spend(auth, `token\u0000${auth.tenant}\u0000${auth.tokenId}`, perToken) : undefined);
    const first = perTenant ? this.#spend(auth, `tenant\u0000${auth.tenant}`, perTenant) : undefined;
    return first ? first.then(byToken) : byToken();
  }

  /** Takes one request from `key`'s budget; 429 past it. */
  #spend(auth: AuthContext, key: string, budget: RateBudget): void | Promise<void> {
    const refuseOver = (d: RateDecision) => {
      if (!d.allowed) throw ScimError.tooManyRequests(`Too many requests for tenant ${auth.tenant}; try again later`, d.retryAfterMs / 1000);
    };
    const d = this.#limiter.take(key, budget);
    return isThenable(d) ? Promise.resolve(d).then(refuseOver) : refuseOver(d);
  }
}
