/**
 * `createScimServer`: the transport-free request → response engine. Adapters call
 * `server.handle(request)`; nothing here knows a web framework. The server is composed of its
 * parts (compose.ts, options.ts, server-events.ts, router.ts, admission.ts, request-activity.ts), and one
 * request runs as admit → route → finish (`handle` and `answer` below).
 * @module
 */

import { randomUUID } from 'node:crypto';
import { ScimError } from '../core/errors.js';
import type { SchemaRegistry } from '../core/schema/registry.js';
import type { ProvisioningStore, StoreContext } from '../stores/store.js';
import type { Admission } from './admission.js';
import type { AuthContext } from './auth.js';
import { baseOf } from './base-url.js';
import { composeServer, type ServerParts } from './compose.js';
import type { ScimConnections } from './connections/lifecycle.js';
import type { ConnectionsOptions } from './connections/options.js';
import { failure } from './error-answer.js';
import type { ScimLimits } from './limits.js';
import { checkedOptions, type ScimServerOptions } from './options.js';
import { errorResponse, header, queryOf, type ScimRequest, type ScimResponse } from './request.js';
import { finish, newTrace, type ScimActivity, type Trace } from './request-activity.js';
import { readBody } from './request-body.js';
import { inRequestSpan } from './request-span.js';
import { resourceRequestOf } from './router.js';
import { eventLogOf, type ScimEventLog } from './server-events.js';
import { type LazyAbort, lazyAbort } from './store-signal.js';
import { isThenable } from './thenable.js';

export type { Admission } from './admission.js';
export type { ActivityOptions, EventOptions, ScimServerOptions } from './options.js';
export type { ScimActivity } from './request-activity.js';
export type { ScimEventLog } from './server-events.js';

/** A SCIM service provider: one `handle` for every request. */
export interface ScimServer {
  /**
   * Authenticates a request from its method, path and headers alone (its `body` is not looked
   * at), and checks its scope and rate limits: what an adapter calls before it reads the body,
   * so a body nobody authenticated is never buffered. A refusal is answered, logged and
   * recorded like any other; otherwise pass the admission to {@link handle}, which then does
   * not authenticate again. Never throws.
   */
  admit(request: ScimRequest): Promise<Admission>;
  /**
   * Answers one request; never throws: every failure is a SCIM error response. With the
   * `admission` {@link admit} gave for this request, its credential is not checked again
   * (an admission is used once; another one authenticates as without).
   */
  handle(request: ScimRequest, admission?: Admission): Promise<ScimResponse>;
  /** The schema registry the server uses. */
  readonly registry: SchemaRegistry;
  /** The store the server uses (as given: soft-deleted users are in it, marked, see {@link softDeletedAt}). */
  readonly store: ProvisioningStore;
  /** The connections of its tenants (credentials, rotation, disable, health): with the `connections` option; undefined without it. */
  readonly connections?: ScimConnections;
  /**
   * With `deprovisioning.onDelete: 'softDelete'`: really deletes the tenant's users soft-deleted
   * before `before`, at most `limit` (default 1,000) per call, and returns how many it deleted.
   * Without that policy it deletes nothing and returns 0.
   */
  purgeSoftDeleted(query: { tenant: string; before: Date; limit?: number }): Promise<number>;
  /** The limits in force. */
  readonly limits: Readonly<ScimLimits>;
  /** The change log of lifecycle events. */
  readonly events: ScimEventLog;
  /** The activity log of SCIM requests. */
  readonly activity: ScimActivity;
  /**
   * Answers a request an adapter refused before `handle` (a body over the limit, or one that did
   * not arrive by the deadline): the same headers, record and log line; with its admission, it
   * is recorded as the tenant's own.
   */
  refuse(request: ScimRequest, error: ScimError, admission?: Admission): ScimResponse;
  /** Stops event delivery and writes the activity waiting, waiting for deliveries in flight (call it before the process exits or the store closes). */
  close(): Promise<void>;
}

/**
 * An admitted request's work: its base URL, store context, query and body, routed to the
 * endpoint its path names; a GET by id the store can answer at once is answered at once
 * (router.routeNow). Throws at once (no promise) for a body it cannot take.
 */
function routed(parts: ServerParts, req: ScimRequest, t: Trace, auth: AuthContext, deadline: number, aborter: LazyAbort): ScimResponse | Promise<ScimResponse> {
  const { options, limits, registry, engine, engineOf } = parts;
  let base = baseOf(options, req);
  if (t.tenantHint !== undefined) base = `${base}/${encodeURIComponent(t.tenantHint)}`;
  const ctx: StoreContext = {
    ...auth,
    requestId: t.requestId,
    deadline,
    get signal() {
      return aborter.signal();
    },
  };
  const query = queryOf(req);
  const body = readBody(req, limits);
  t.body = body;
  const rr = resourceRequestOf(req, query);
  const method = t.method;
  const segs = t.segs!;
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && body === undefined && segs[0]?.toLowerCase() !== 'me') {
    throw ScimError.invalidSyntax('This request needs a JSON body');
  }
  const eng = engineOf ? engineOf(header(req, 'user-agent')) : engine;
  const scope = { base, registry };
  return parts.router.routeNow(eng, ctx, scope, method, segs, rr) ?? parts.router.route(eng, ctx, scope, method, segs, query, body, rr);
}

/**
 * Handles a request: admitted (unless {@link ScimServer.admit} did it: `t.auth` set), given a
 * slot among its tenant's requests, routed, and answered by its deadline. Never throws: every
 * failure is its SCIM error response. Not an async function: when authentication, the slot
 * and the store all answer at once (bearerToken, a free slot, MemoryStore's GET by id), so
 * does this, and the request spends no promise or turn of the microtask queue here.
 */
function handle(parts: ServerParts, req: ScimRequest, t: Trace): ScimResponse | Promise<ScimResponse> {
  let authed: AuthContext | Promise<AuthContext>;
  try {
    authed = t.auth ?? parts.admission.admitted(req, t);
  } catch (e) {
    return failure(parts.logger, e, t);
  }
  if (!isThenable(authed)) return slotted(parts, req, t, authed);
  return Promise.resolve(authed).then(
    (auth) => slotted(parts, req, t, auth),
    (e: unknown) => failure(parts.logger, e, t),
  );
}

/** An authenticated request, given a slot among its tenant's requests (waiting for one when none is free), then worked on. */
function slotted(parts: ServerParts, req: ScimRequest, t: Trace, auth: AuthContext): ScimResponse | Promise<ScimResponse> {
  let acquired: ReturnType<ServerParts['admission']['acquireSlot']>;
  try {
    acquired = parts.admission.acquireSlot(auth.tenant);
  } catch (e) {
    return failure(parts.logger, e, t);
  }
  if (!(acquired instanceof Promise)) return worked(parts, req, t, auth, acquired);
  return acquired.then(
    (release) => worked(parts, req, t, auth, release),
    (e: unknown) => failure(parts.logger, e, t),
  );
}

/** The request's work in its tenant's slot (`release` frees it; undefined: none came in time, 429), answered by its deadline. */
function worked(parts: ServerParts, req: ScimRequest, t: Trace, auth: AuthContext, release: (() => void) | undefined): ScimResponse | Promise<ScimResponse> {
  if (!release) return failure(parts.logger, ScimError.tooManyRequests(`Too many requests of tenant ${auth.tenant} at once; try again`, 1), t);
  // nothing an unauthenticated request sends is worked on past this point
  const deadline = t.started + parts.limits.requestTimeoutMs;
  // the signal is made only when a store asks for it (most requests never do): aborted when
  // the client goes away, or by the deadline timer that runs anyway (no timer of its own)
  const aborter = lazyAbort(req);
  let work: ScimResponse | Promise<ScimResponse>;
  try {
    work = routed(parts, req, t, auth, deadline, aborter);
  } catch (e) {
    release();
    return failure(parts.logger, e, t);
  }
  if (!isThenable(work)) {
    // answered at once: settled before any deadline could pass
    release();
    return work;
  }
  // the tenant's slot is freed when the work settles, not when the deadline answers for it:
  // work past its deadline still holds a connection until the store gives up
  void work.then(release, release);
  return parts.admission.withinDeadline(work, deadline, aborter.abort).catch((e: unknown) => failure(parts.logger, e, t));
}

/** The common headers and activity record of an answer, and a connection credential's use written after it. */
function answered(parts: ServerParts, t: Trace, t0: number, res: ScimResponse): ScimResponse {
  const finished = parts.activity.finished(t, t0, res);
  // a credential's last use and a connection's activation: written after the response, not awaited
  parts.authenticator?.usage.flush();
  return finished;
}

/** Runs a request's handling (in its span, with telemetry), and finishes its answer: the common headers and its activity record. */
function answer(parts: ServerParts, t: Trace, t0: number, run: () => ScimResponse | Promise<ScimResponse>): Promise<ScimResponse> {
  try {
    if (parts.telemetry) return inRequestSpan(parts.telemetry, parts.registry, t, async () => run()).then((res) => answered(parts, t, t0, res));
    const res = run();
    // an answer at hand is finished now: a `then` would cost it a promise and a turn
    return isThenable(res) ? res.then((r) => answered(parts, t, t0, r)) : Promise.resolve(answered(parts, t, t0, res));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Creates a SCIM server: one transport-free `handle(request)` for every SCIM endpoint, on the
 * store you give it (a new `MemoryStore` by default). Mount it with an adapter
 * (`scimkit/express`, `scimkit/koa`, `scimkit/fastify`, `scimkit/fetch`, `scimkit/node`);
 * call `close()` before the process exits.
 *
 * @example
 * ```ts
 * import { bearerToken, createScimServer, generateToken } from 'scimkit';
 * import { PostgresStore } from 'scimkit/postgres';
 * import pg from 'pg';
 *
 * const store = new PostgresStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * await store.migrate();
 * const scim = createScimServer({
 *   authenticate: bearerToken(process.env.SCIM_TOKEN ?? generateToken()),
 *   store,
 *   hooks: { onEvent: (e) => console.log(e.type, e.id) }, // after commit, at least once
 * });
 * const res = await scim.handle({ method: 'GET', path: '/ServiceProviderConfig', headers: { authorization: `Bearer ${process.env.SCIM_TOKEN}` } });
 * ```
 */
export function createScimServer(options: ScimServerOptions & { connections: ConnectionsOptions }): ScimServer & {
  /** The connections of its tenants: there, since the server was made with `connections`. */
  readonly connections: ScimConnections;
};
export function createScimServer(options: ScimServerOptions): ScimServer;
export function createScimServer(options: ScimServerOptions): ScimServer {
  const parts = composeServer(checkedOptions(options));
  const { limits, registry, softDeletes, admission, activity, events } = parts;
  /** Requests {@link admit} let through, until `handle` or `refuse` takes them up (a WeakMap: an admission dropped unused takes its entry with it). */
  const admissions = new WeakMap<Admission, { t: Trace; t0: number; checked?: true }>();

  async function admit(req: ScimRequest): Promise<Admission> {
    const t0 = performance.now();
    const t = newTrace(req, Date.now());
    const deadline = t.started + limits.requestTimeoutMs;
    const tokenTenant = parts.tokens?.tenantOf(req);
    if (tokenTenant !== undefined) {
      // the token endpoint: no bearer to check, but its address's budget before its body is read
      const refused = await parts.tokens!.precheck(req, tokenTenant);
      if (refused) return { deadline, refusal: await answer(parts, t, t0, async () => refused) };
      const admitted: Admission = { deadline };
      admissions.set(admitted, { t, t0, checked: true });
      return admitted;
    }
    try {
      // a synchronous admission (bearerToken, the in-memory limiter) is not awaited: that costs a microtask turn
      const admittedNow = admission.admitted(req, t);
      if (isThenable(admittedNow)) await admittedNow;
    } catch (e) {
      return { deadline, refusal: await answer(parts, t, t0, async () => failure(parts.logger, e, t)) };
    }
    const admitted: Admission = { deadline };
    admissions.set(admitted, { t, t0 });
    return admitted;
  }

  /** The trace an admission holds for `req` (taken once), else a new one. */
  function traceOf(req: ScimRequest, admitted: Admission | undefined): { t: Trace; t0: number; checked?: true } {
    const held = admitted && admissions.get(admitted);
    if (!held) return { t: newTrace(req, Date.now()), t0: performance.now() };
    admissions.delete(admitted);
    // the request as it is now, with its body
    held.t.req = req;
    return held;
  }

  function serve(req: ScimRequest, admitted?: Admission): Promise<ScimResponse> {
    const { t, t0, checked } = traceOf(req, admitted);
    const tokenTenant = parts.tokens?.tenantOf(req);
    if (tokenTenant !== undefined) return answer(parts, t, t0, () => parts.tokens!.answer(req, t, tokenTenant, checked === true));
    if (parts.telemetry) return answer(parts, t, t0, () => handle(parts, req, t));
    // no span to run it in: handled here, without a function made for `answer` to call
    try {
      const res = handle(parts, req, t);
      return isThenable(res) ? res.then((r) => answered(parts, t, t0, r)) : Promise.resolve(answered(parts, t, t0, res));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  function refuse(req: ScimRequest, error: ScimError, admitted?: Admission): ScimResponse {
    // a token request is answered in RFC 6749 §5.2 form, whatever refused its body
    const tokenTenant = parts.tokens?.tenantOf(req);
    const held = admitted && admissions.get(admitted);
    if (held) {
      // an admitted request whose body was refused: its tenant's own record (its trace has `auth`)
      admissions.delete(admitted);
      const res = tokenTenant === undefined ? errorResponse(error) : parts.tokens!.refusedBody(error, held.t, tokenTenant);
      return activity.finished(held.t, held.t0, res);
    }
    const t = newTrace(req, Date.now());
    admission.notePath(req, t);
    const res = finish(tokenTenant === undefined ? errorResponse(error) : parts.tokens!.refusedBody(error), t.requestId);
    activity.refused(t, res);
    return res;
  }

  parts.probe.serve = serve;
  return {
    admit,
    handle: serve,
    refuse,
    registry,
    store: parts.given,
    ...(parts.connections ? { connections: parts.connections } : {}),
    purgeSoftDeleted: async ({ tenant, before, limit }) => {
      if (!softDeletes) return 0;
      let purged = 0;
      for (const type of registry.resourceTypes()) purged += await softDeletes.purge({ tenant, requestId: `purge-${randomUUID()}` }, type, before, limit);
      return purged;
    },
    limits,
    events: eventLogOf(events),
    activity: activity.view(),
    close: async () => {
      await events.dispatcher?.close();
      await activity.close();
    },
  };
}
