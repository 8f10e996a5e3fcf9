/**
 * `createScimServer`: the transport-free request → response engine. Adapters call
 * `server.handle(request)`; nothing here knows a web framework.
 * @module
 */

import { randomUUID } from 'node:crypto';
import { ScimError } from '../core/errors.js';
import { FilterCache } from '../core/filter/cache.js';
import type { PatchCompatibility } from '../core/patch/dialects/index.js';
import { PathCache } from '../core/path/parse.js';
import { SchemaRegistry } from '../core/schema/registry.js';
import type { ValidationPolicy } from '../core/schema/validate.js';
import {
  type ActivityLog,
  type ActivityQuery,
  type ActivityRecord,
  type ActivityRetention,
  type ActivitySummary,
  DEFAULT_ACTIVITY_RETENTION,
  summarise,
} from '../stores/activity-log.js';
import { MemoryActivityLog } from '../stores/memory/activity-log.js';
import { MemoryOutbox } from '../stores/memory/outbox.js';
import { MemoryStore } from '../stores/memory/store.js';
import { type EventLogQuery, failureText, type OutboxEvent } from '../stores/outbox.js';
import { softDeletingStore } from '../stores/soft-delete.js';
import type { ProvisioningStore, StoreContext } from '../stores/store.js';
import { consoleLogger } from './activity/console-logger.js';
import type { ScimLogger } from './activity/logger.js';
import { BodyMask } from './activity/mask.js';
import { type ActivityStats, ActivityWriter } from './activity/writer.js';
import { buildActivity, type PendingActivity, routeOf } from './activity.js';
import { type AuthContext, type Authenticate, checkScope } from './auth.js';
import { planBulk, runBulk } from './bulk.js';
import { type CompatibilityByClient, engineForClient } from './client-profiles.js';
import { ConcurrencyLimit } from './concurrency.js';
import { CursorCodec } from './cursor.js';
import { Deadlines } from './deadlines.js';
import type { DeprovisioningPolicy } from './deprovisioning.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import type { Engine, RequestScope, ScimFeatures } from './engine.js';
import { type DeliveryOptions, EventDispatcher, gateLimits } from './events/dispatcher.js';
import { type EventConsumer, fanOut } from './events/fan-out.js';
import { EventRecorder, type RetentionOptions } from './events/recorder.js';
import { checkedWebhookTargets, postWebhook, redactedUrl, type WebhookTarget, wants } from './events/webhook.js';
import { FailedAuthentications } from './failed-auth.js';
import { lifecycleEvent, type ScimHooks } from './hooks.js';
import { KeyedQueue } from './keyed-queue.js';
import { DEFAULT_LIMITS, type ScimLimits } from './limits.js';
import { listResources, paramsFromBody, paramsFromQuery, searchAll } from './list.js';
import { DEFAULT_RATE_LIMITS, MemoryRateLimiter, type RateBudget, type RateDecision, type RateLimiter, type RateLimits } from './ratelimit.js';
import { errorResponse, header, jsonResponse, queryOf, type ScimRequest, type ScimResponse } from './request.js';
import { createResource, deleteResource, getResource, patchResource, type ResourceRequest, replaceResource } from './resources.js';
import type { ScimTelemetry } from './telemetry.js';
import { tracedStore } from './traced-store.js';

/** Options of {@link createScimServer}. Everything that varies between servers is here; nothing is global. */
export interface ScimServerOptions {
  /** Resolves credentials to a tenant context (see `bearerToken`, `bearerTokens`). Required. */
  authenticate: Authenticate;
  /** Where resources live (default: a new `MemoryStore`). */
  store?: ProvisioningStore;
  /** Schemas and resource types (default: User with the Enterprise extension, and Group). */
  registry?: SchemaRegistry;
  /** With the default registry: group `displayName` unique per tenant (Entra ID matches groups by it). Default false. */
  uniqueGroupDisplayName?: boolean;
  /** The absolute SCIM base URL (set it behind a proxy); else the adapter's (its connection and `Host`), else `Host`. */
  baseUrl?: string;
  /**
   * Whether `X-Forwarded-Host` and `X-Forwarded-Proto` name the origin of response URLs
   * (`Location`, `meta.location`, `$ref`), for a server behind a proxy that sets them. Default
   * false: a client could otherwise send `X-Forwarded-Proto: javascript`. Even when true, only an
   * `http`/`https` origin with a plain host name is taken.
   */
  trustProxy?: boolean;
  /** Whether the first path segment names the tenant (`/scim/v2/{tenant}/Users`). Default false. */
  tenantInPath?: boolean;
  /** Which IdP PATCH quirks are accepted (default `lenient`). */
  compatibility?: PatchCompatibility;
  /**
   * Per-client defaults: a request whose User-Agent names one of these clients gets its profile
   * instead of `compatibility` (e.g. `CLIENT_PROFILES` with `compatibility: 'strict'`: each IdP's
   * quirks run for that IdP only). Default none.
   */
  compatibilityByClient?: CompatibilityByClient;
  /** Attributes no schema defines, on create and replace: `reject` (default) or `drop`. */
  unknownAttributes?: ValidationPolicy['unknownAttributes'];
  /** `advisory` (default) or `enforce` canonicalValues. */
  canonicalValues?: ValidationPolicy['canonicalValues'];
  /** Filters naming unknown attributes: `reject` (400, default) or `noMatch`. */
  unknownFilterAttributes?: 'reject' | 'noMatch';
  /** Limits; each has a safe default. */
  limits?: Partial<ScimLimits>;
  /** Features to switch off (all on by default). */
  features?: Partial<ScimFeatures>;
  /** The secret cursors are signed with (random per process when absent). */
  cursorSecret?: string;
  /**
   * What PATCH answers (RFC 7644 §3.5.2 allows both): `resource` (200 with the resource),
   * `noContent` (204), or `auto` (default): 204 when the PATCH changed a group's members as
   * a delta and the client named no `attributes`/`excludedAttributes`, so one member added
   * to a 100,000-member group does not send 100,000 members back; 200 otherwise.
   */
  patchResponse?: 'resource' | 'noContent' | 'auto';
  /** Hooks into the host's model and lifecycle. */
  hooks?: ScimHooks;
  /** What an IdP's DELETE of a user does: delete (default) or soft delete (docs/deprovisioning.md). */
  deprovisioning?: DeprovisioningPolicy;
  /** How lifecycle events are delivered to `hooks.onEvent` and how long the change log keeps them (docs/hooks.md). */
  events?: EventOptions;
  /** Rate limits per tenant, per token and per source of failed authentications (docs/scaling.md); `false` for none. */
  rateLimits?: RateLimits | false;
  /**
   * Where scimkit logs: one line per request (info for 2xx/3xx, warn for 4xx, error for 5xx
   * with its stack) and failures after the response. pino, `console`, or any logger with
   * `(fields, message)` methods. Default: {@link consoleLogger} at level `error`, on stderr.
   */
  logger?: ScimLogger;
  /** The activity log of SCIM requests (docs/operations.md); `false` keeps none (5xx are still logged). */
  activity?: ActivityOptions | false;
  /** Spans and metrics, e.g. `openTelemetry()` from `scimkit/opentelemetry`. None by default (and no cost). */
  telemetry?: ScimTelemetry;
  /** `documentationUri` in ServiceProviderConfig. */
  documentationUri?: string;
}

/** Delivery and retention of lifecycle events. */
export interface EventOptions extends DeliveryOptions {
  /** How long delivered and dead events stay in the change log. */
  retention?: RetentionOptions;
  /**
   * Endpoints that get every event (or a tenant's, or some types) as a signed POST, with the
   * same retries (docs/hooks.md). A secret under 24 bytes or a URL with credentials is a
   * TypeError when the server is made.
   */
  webhooks?: readonly WebhookTarget[];
  /**
   * Whether a write that changes only a group's members is also a `group.updated` (beside its
   * `group.membersAdded` / `group.membersRemoved`). Default false: member events only, so a
   * host hears `group.updated` when the group's own attributes change, not once per member batch.
   */
  groupUpdatedOnMemberChange?: boolean;
}

/** What the activity log keeps and where. */
export interface ActivityOptions {
  /** Where records go: default the store's (`store.activity`), else a bounded ring in memory; `false` for none. */
  log?: ActivityLog | false;
  /** Whether records keep the request and response bodies, masked (default false). */
  bodies?: boolean;
  /** Attributes masked in kept bodies besides `password` (any case; `urn:…:employeeNumber` for an extension's). */
  mask?: readonly string[];
  /** How long records are kept (default 30 days and 10,000 per tenant), pruned in the background. */
  retention?: ActivityRetention;
  /** Whether each request gets a log line (default true; 5xx are logged whatever this says). */
  logRequests?: boolean;
  /** Records waiting for the log at most; beyond, new ones are dropped and counted (default 10,000). */
  maxQueue?: number;
  /** Records of refused requests (no accepted credentials) per second at most; beyond, counted as dropped (default 100). */
  maxRefusedPerSecond?: number;
}

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

/** The change log and its dead letters, as a host reads and repairs them. */
export interface ScimEventLog {
  /** A tenant's events after a sequence number, oldest first: to reconcile or rebuild the host's model. */
  list(query: EventLogQuery): Promise<OutboxEvent[]>;
  /** Events whose delivery failed for the last time. */
  deadLetters(query?: { tenant?: string; limit?: number }): Promise<OutboxEvent[]>;
  /** Delivers dead events again (with their attempts reset); how many were replayed. */
  replay(eventIds: readonly string[]): Promise<number>;
  /** Prunes now what retention allows (it also runs in the background); how many events went. */
  prune(): Promise<number>;
}

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

const JSON_TYPE = /^application\/(scim\+)?json\s*(;|$)/i;

/** `url` without its trailing slashes, in linear time (the regex `/\/+$/` is quadratic on a run of slashes followed by anything else). */
function trimSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 47) end--;
  return url.slice(0, end);
}

/** A host name or address with an optional port, and nothing else. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The first value of a header when it is a plain host, else undefined. */
function hostOf(value: string | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first && first.length <= 300 && HOST.test(first) ? first : undefined;
}

/** The origin X-Forwarded-* name, when the server trusts them and they are an http(s) origin. */
function forwardedOrigin(req: ScimRequest): string | undefined {
  const host = hostOf(header(req, 'x-forwarded-host'));
  const proto = (header(req, 'x-forwarded-proto') ?? 'https').split(',')[0]!.trim().toLowerCase();
  return host && (proto === 'http' || proto === 'https') ? `${proto}://${host}` : undefined;
}

/** The path of an absolute base URL (`https://h/scim/v2` → `/scim/v2`). */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

function baseOf(options: ScimServerOptions, req: ScimRequest): string {
  if (options.baseUrl) return trimSlashes(options.baseUrl);
  const forwarded = options.trustProxy ? forwardedOrigin(req) : undefined;
  if (forwarded) return trimSlashes(`${forwarded}${req.baseUrl ? pathOf(req.baseUrl) : ''}`);
  if (req.baseUrl) return trimSlashes(req.baseUrl);
  const host = hostOf(header(req, 'host'));
  return host ? `http://${host}` : '';
}

/** The nesting depth of a parsed JSON value, measured without recursion (the input may be 100,000 levels deep). */
function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

function checkDepth(body: unknown, limits: ScimLimits): unknown {
  // every layer below recurses over request data; one bound here keeps them all safe
  if (depthOver(body, limits.maxJsonDepth)) throw ScimError.invalidSyntax(`The body is nested deeper than ${limits.maxJsonDepth} levels`);
  return body;
}

function readBody(req: ScimRequest, limits: ScimLimits): unknown {
  const b = req.body;
  if (b === undefined || b === null || b === '') return undefined;
  const type = header(req, 'content-type');
  if (type !== undefined && !JSON_TYPE.test(type)) throw ScimError.unsupportedMediaType('Send application/scim+json or application/json');
  if (typeof b !== 'string' && !(b instanceof Uint8Array)) return checkDepth(b, limits);
  const bytes = typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.byteLength;
  if (bytes > limits.maxBodyBytes) throw ScimError.payloadTooLarge(`The body is ${bytes} bytes; the limit is ${limits.maxBodyBytes}`);
  const text = typeof b === 'string' ? b : new TextDecoder('utf-8', { fatal: false }).decode(b);
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const where = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
    throw ScimError.invalidSyntax(`The body is not valid JSON${where ? ` (at position ${where})` : ''}`);
  }
  return checkDepth(parsed, limits);
}

function decodeSegments(path: string): string[] {
  const q = path.indexOf('?');
  const clean = q < 0 ? path : path.slice(0, q);
  const segs: string[] = [];
  // one pass, and decodeURIComponent only for a segment with an escape: every request goes through here
  for (const s of clean.split('/')) {
    if (s === '') continue;
    if (!s.includes('%')) segs.push(s);
    else
      try {
        segs.push(decodeURIComponent(s));
      } catch {
        throw ScimError.notFound('Malformed path');
      }
  }
  return segs;
}

/** Thrown inside a Bulk operation's transaction to roll it back with the error response it answers. */
class RolledBack extends Error {
  constructor(readonly response: ScimResponse) {
    super('rolled back');
  }
}

/** Runs one Bulk operation in a store transaction: committed when it succeeds, rolled back when it answers an error. */
async function inTransaction(store: ProvisioningStore, ctx: StoreContext, dispatch: () => Promise<ScimResponse>): Promise<ScimResponse> {
  try {
    return await store.transaction!(ctx, async () => {
      const res = await dispatch();
      if (res.status >= 400) throw new RolledBack(res);
      return res;
    });
  } catch (e) {
    if (e instanceof RolledBack) return e.response;
    return errorResponse(e);
  }
}

/** Whether a host's function answered with a promise (or any thenable) rather than a value. */
function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as PromiseLike<T> | undefined)?.then === 'function';
}

/** A request id a client may choose: printable, no spaces, at most 200 characters (it goes into headers and logs). */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The client's `X-Request-Id` when it is a plain one, else a new one. */
function requestIdOf(req: ScimRequest): string {
  const sent = header(req, 'x-request-id');
  return sent !== undefined && REQUEST_ID.test(sent) ? sent : randomUUID();
}

function allow(methods: string): ScimError {
  return ScimError.methodNotAllowed(`Allowed: ${methods}`);
}

/**
 * A request's store signal, made on first use: one AbortController (AbortSignal.timeout and
 * AbortSignal.any cost ~18 µs, on every write that looked at the signal), aborted when the
 * client's signal aborts or when `abort` is called (the deadline).
 */
function lazyAbort(req: ScimRequest): { signal: () => AbortSignal; abort: () => void } {
  let controller: AbortController | undefined;
  let late = false;
  return {
    signal() {
      if (!controller) {
        controller = new AbortController();
        const c = controller;
        if (late || req.signal?.aborted) c.abort();
        else req.signal?.addEventListener('abort', () => c.abort(), { once: true });
      }
      return controller.signal;
    },
    abort() {
      late = true;
      controller?.abort();
    },
  };
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
export function createScimServer(options: ScimServerOptions): ScimServer {
  if (typeof options?.authenticate !== 'function') throw new TypeError('createScimServer: options.authenticate is required (see bearerToken)');
  const limits: ScimLimits = { ...DEFAULT_LIMITS };
  // a limit given as undefined keeps its default (a spread would make it undefined, then NaN in arithmetic)
  for (const [k, v] of Object.entries(options.limits ?? {})) if (v !== undefined) (limits as unknown as Record<string, unknown>)[k] = v;
  const registry = options.registry ?? new SchemaRegistry({ uniqueGroupDisplayName: options.uniqueGroupDisplayName ?? false });
  const given: ProvisioningStore = options.store ?? new MemoryStore();
  // soft delete runs through the store's own filters and writes: the engine sees a view of it
  const softDeletes = options.deprovisioning?.onDelete === 'softDelete' ? softDeletingStore(given, registry) : undefined;
  const store: ProvisioningStore = softDeletes ?? given;
  const logger: ScimLogger = options.logger ?? consoleLogger({ level: 'error', write: (line) => void process.stderr.write(`${line}\n`) });
  const telemetry = options.telemetry;
  const hooks = options.hooks ?? {};
  const policy: ValidationPolicy = {
    maxValues: limits.maxValuesPerAttribute,
    maxStringLength: limits.maxStringLength,
    maxBinaryLength: limits.maxBinaryLength,
    maxIndexedStringLength: limits.maxIndexedStringLength,
  };
  if (options.unknownAttributes) policy.unknownAttributes = options.unknownAttributes;
  if (options.canonicalValues) policy.canonicalValues = options.canonicalValues;
  // a target that could never deliver, or whose signatures anyone could forge, is a configuration error now, not a dead letter later
  const webhooks = checkedWebhookTargets(options.events?.webhooks ?? []);
  // each consumer of an event: onEvent and every webhook, each behind a gate per tenant; a retry
  // skips the ones that already took it in this process (after a restart all get it again:
  // consumers de-duplicate by event id)
  const consumers: EventConsumer[] = [];
  if (hooks.onEvent) {
    const onEvent = hooks.onEvent;
    consumers.push({
      name: 'onEvent',
      wants: () => true,
      deliver: async (e) => {
        const event = lifecycleEvent(e, registry);
        if (!event) {
          logger.error({ eventId: e.id, resourceType: e.resourceType }, 'event of a resource type this server does not know; not given to onEvent');
          return;
        }
        await onEvent(event);
      },
    });
  }
  for (const target of webhooks)
    consumers.push({ name: `webhook ${redactedUrl(target.url)}`, wants: (e) => wants(target, e), deliver: (e) => postWebhook(target, e) });
  const deliver = fanOut(consumers, gateLimits(options.events ?? {}), logger);
  // a store without an outbox of its own: events are kept in memory after its writes
  const outbox = store.outbox ?? new MemoryOutbox();
  const dispatcher = consumers.length
    ? new EventDispatcher(
        outbox,
        deliver,
        options.events ?? {},
        logger,
        true,
        telemetry ? { delivered: (e) => telemetry.eventDelivered(e), deadLettered: (e) => telemetry.eventDeadLettered(e) } : undefined,
      )
    : undefined;
  const recorder = new EventRecorder(store, outbox, dispatcher, {
    wait: options.events?.mode === 'beforeResponse',
    ...(options.events?.retention ? { retention: options.events.retention } : {}),
    onPruneError: (e) => logger.error({ error: failureText(e) }, 'pruning the change log failed; it is retried later'),
  });
  dispatcher?.start();
  const engine: Engine = {
    registry,
    store: telemetry ? tracedStore(store, telemetry) : store,
    ...(softDeletes ? { softDeletes } : {}),
    limits,
    features: { bulk: true, sort: true, etag: true, cursor: true, ...options.features },
    hooks,
    compatibility: options.compatibility ?? 'lenient',
    policy,
    unknownFilterAttributes: options.unknownFilterAttributes ?? 'reject',
    filters: new FilterCache(1000, { maxLength: limits.maxFilterLength, maxDepth: limits.maxFilterDepth }),
    paths: new PathCache(1000),
    cursors: new CursorCodec(options.cursorSecret, limits.cursorTimeout),
    patchResponse: options.patchResponse ?? 'auto',
    groupUpdatedOnMemberChange: options.events?.groupUpdatedOnMemberChange === true,
    documentationUri: options.documentationUri,
    logger,
    events: recorder,
    writers: new KeyedQueue(),
  };
  const engineOf = engineForClient(engine, options.compatibilityByClient);

  /**
   * The answer to a refused request. The client's detail speaks of the resource (the IdP's admin
   * reads it); what the host could change (an option, a hook) is the error's hint, logged here.
   */
  function refusal(e: unknown, requestId: string, tenant: string | undefined): ScimResponse {
    if (e instanceof ScimError && e.hint !== undefined)
      logger.warn(
        { requestId, tenant, status: e.status, scimType: e.scimType, detail: e.detail, hint: e.hint },
        'request refused; the hint says what the host can change',
      );
    return errorResponse(e);
  }

  async function route(
    eng: Engine,
    ctx: StoreContext,
    scope: RequestScope,
    method: string,
    segs: string[],
    query: URLSearchParams,
    body: unknown,
    rr: ResourceRequest,
  ): Promise<ScimResponse> {
    const [first, second, third] = segs;
    if (first === undefined) throw ScimError.notFound('Name an endpoint, e.g. /Users');
    const discovery = first.toLowerCase();
    if (discovery === 'serviceproviderconfig' || discovery === 'resourcetypes' || discovery === 'schemas') {
      if (method !== 'GET') throw allow('GET');
      if (query.has('filter')) throw ScimError.forbidden('Filtering is not supported on discovery endpoints');
      if (discovery === 'serviceproviderconfig') {
        if (second !== undefined) throw ScimError.notFound('Unknown endpoint');
        return jsonResponse(200, serviceProviderConfig(eng, scope));
      }
      if (third !== undefined) throw ScimError.notFound('Unknown endpoint');
      return jsonResponse(200, discovery === 'resourcetypes' ? resourceTypes(eng, scope, second) : schemas(eng, scope, second));
    }
    if (first === '.search') {
      if (second !== undefined) throw ScimError.notFound('Unknown endpoint');
      if (method !== 'POST') throw allow('POST');
      return jsonResponse(200, await searchAll(eng, ctx, scope, paramsFromBody(body)));
    }
    if (discovery === 'bulk') {
      if (second !== undefined) throw ScimError.notFound('Unknown endpoint');
      if (!eng.features.bulk) throw ScimError.notImplemented('Bulk is not supported');
      if (method !== 'POST') throw allow('POST');
      const plan = planBulk(body, limits.maxBulkOperations);
      const out = await runBulk(plan, async (m, path, data, ifMatch) => {
        // the operation's events are recorded in its transaction; delivery waits for its commit
        const dispatch = async (): Promise<ScimResponse> => {
          try {
            if (decodeSegments(path)[0]?.toLowerCase() === 'bulk') throw ScimError.badRequest('Bulk operations cannot nest');
            const r: ResourceRequest = ifMatch === undefined ? {} : { ifMatch };
            return await route(eng, ctx, scope, m, decodeSegments(path), new URLSearchParams(), data, r);
          } catch (e) {
            return refusal(e, ctx.requestId, ctx.tenant);
          }
        };
        const { result, flush } = await eng.events.deferred(() => (store.transaction ? inTransaction(store, ctx, dispatch) : dispatch()));
        // a refused operation in a transaction was rolled back with its events
        if (!store.transaction || result.status < 400) await flush();
        return result;
      });
      return jsonResponse(200, out);
    }
    if (discovery === 'me') {
      if (!hooks.me) throw ScimError.notImplemented('/Me is not supported by this server');
      const id = await hooks.me(ctx);
      const users = registry.resourceType('User');
      if (!id || !users) throw ScimError.notFound('The authenticated subject has no User');
      return resourceRoute(eng, ctx, scope, method, users, id, undefined, query, body, rr);
    }
    const type = registry.byEndpoint(first);
    if (!type) throw ScimError.notFound(`Unknown endpoint /${first.slice(0, 60)}`);
    return resourceRoute(eng, ctx, scope, method, type, second, third, query, body, rr);
  }

  async function resourceRoute(
    eng: Engine,
    ctx: StoreContext,
    scope: RequestScope,
    method: string,
    type: NonNullable<ReturnType<SchemaRegistry['resourceType']>>,
    id: string | undefined,
    extra: string | undefined,
    query: URLSearchParams,
    body: unknown,
    rr: ResourceRequest,
  ): Promise<ScimResponse> {
    if (extra !== undefined) throw ScimError.notFound('Unknown endpoint');
    // ids are the server's own and never hold U+0000, which PostgreSQL's text cannot even be asked about
    if (id?.includes('\u0000')) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 100))} not found`);
    if (id === '.search') {
      if (method !== 'POST') throw allow('POST');
      return jsonResponse(200, await listResources(eng, ctx, scope, type, paramsFromBody(body)));
    }
    if (id === undefined) {
      if (method === 'GET') return jsonResponse(200, await listResources(eng, ctx, scope, type, paramsFromQuery(query)));
      if (method === 'POST') return createResource(eng, ctx, scope, type, body, rr);
      throw allow('GET, POST');
    }
    switch (method) {
      case 'GET':
        return getResource(eng, ctx, scope, type, id, rr);
      case 'PUT':
        return replaceResource(eng, ctx, scope, type, id, body, rr);
      case 'PATCH':
        return patchResource(eng, ctx, scope, type, id, body, rr);
      case 'DELETE':
        return deleteResource(eng, ctx, type, id, rr);
      default:
        throw allow('GET, PUT, PATCH, DELETE');
    }
  }

  const rates = options.rateLimits === false ? undefined : { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const limiter: RateLimiter = (options.rateLimits !== false && options.rateLimits?.limiter) || new MemoryRateLimiter();
  const deadlines = new Deadlines();
  const concurrency = new ConcurrencyLimit(limits.maxConcurrentPerTenant, limits.maxConcurrencyWaitMs, 100);
  /** Failed authentications: a credential past its budget is refused before look-up, and only that credential (docs/security.md). */
  const failures =
    rates && (rates.failedAuthPerSource || rates.failedAuthPerAddress)
      ? new FailedAuthentications(limiter, { perCredential: rates.failedAuthPerSource, perSource: rates.failedAuthPerAddress })
      : undefined;
  /**
   * Throws 429 when the tenant or the token is past its budget. Returns a promise only when the
   * limiter answers with one (a shared limiter); the in-memory one answers at once, and the
   * request then spends no turn of the microtask queue here.
   */
  function rateLimited(auth: AuthContext): void | Promise<void> {
    if (!rates) return;
    const { perTenant, perToken } = rates;
    const byToken = () => (perToken && auth.tokenId !== undefined ? spend(auth, `token\u0000${auth.tenant}\u0000${auth.tokenId}`, perToken) : undefined);
    const first = perTenant ? spend(auth, `tenant\u0000${auth.tenant}`, perTenant) : undefined;
    return first ? first.then(byToken) : byToken();
  }
  /** Takes one request from `key`'s budget; 429 past it. */
  function spend(auth: AuthContext, key: string, budget: RateBudget): void | Promise<void> {
    const refuseOver = (d: RateDecision) => {
      if (!d.allowed) throw ScimError.tooManyRequests(`Too many requests for tenant ${auth.tenant}; try again later`, d.retryAfterMs / 1000);
    };
    const d = limiter.take(key, budget);
    return isThenable(d) ? Promise.resolve(d).then(refuseOver) : refuseOver(d);
  }

  /** What one request's handling learns, for its activity record and span; handed to the writer as it is (one object per request). */
  type Trace = Omit<PendingActivity, 'response' | 'ms'> & { response?: ScimResponse; ms?: number };

  /**
   * Everything decided from a request's method, path and headers: its tenant, its credential
   * (at most once per request), its scope and rate limits. Throws (or rejects with) the
   * refusal. Sets `t.segs`, `t.tenantHint` and `t.auth`. Answers with a promise only when the
   * host's authenticate or a shared limiter does: a synchronous one (bearerToken) costs the
   * request no turn of the microtask queue here.
   */
  function admitted(req: ScimRequest, t: Trace): AuthContext | Promise<AuthContext> {
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
    const attempt = failures?.attempt(rates?.sourceOf ? rates.sourceOf(req, tenantHint) : req.remoteAddress, tenantHint, header(req, 'authorization'));
    if (attempt) failures!.admit(attempt);
    /** A 401 counts against the attempt's budgets (a 429 past them), then is thrown. */
    const refused = async (e: unknown): Promise<never> => {
      if (e instanceof ScimError && e.status === 401) {
        t.rejectedToken = true;
        if (attempt) await failures!.failed(attempt);
      }
      throw e;
    };
    const accepted = (auth: AuthContext): AuthContext | Promise<AuthContext> => {
      if (!auth?.tenant) return refused(ScimError.unauthorized());
      // a token serves its own tenant's path only, whatever the authenticate function checked
      if (options.tenantInPath && auth.tenant !== tenantHint) return refused(ScimError.unauthorized('The bearer token is not valid for this tenant'));
      if (attempt) failures!.succeeded(attempt);
      t.auth = auth;
      try {
        checkScope(auth, t.method, segs);
      } catch (e) {
        t.rejectedToken = true;
        throw e;
      }
      const limited = rateLimited(auth);
      return limited ? limited.then(() => auth) : auth;
    };
    let authed: AuthContext | Promise<AuthContext>;
    try {
      authed = options.authenticate(req, tenantHint);
    } catch (e) {
      return refused(e);
    }
    return isThenable(authed) ? Promise.resolve(authed).then(accepted, refused) : accepted(authed);
  }

  /** The answer to what a request's handling threw: a SCIM error as it is, anything else a 500 whose error the log line carries. */
  function failure(e: unknown, t: Trace): ScimResponse {
    if (e instanceof ScimError) return refusal(e, t.requestId, t.auth?.tenant);
    // an operator must be able to find this one: its log line carries the stack, the client gets the id
    t.error = e;
    return errorResponse(ScimError.internal(`Internal server error (request id ${t.requestId})`));
  }

  /** Handles a request; when {@link admit} already admitted it (`t.auth` set), from its body on. */
  async function handle(req: ScimRequest, t: Trace): Promise<ScimResponse> {
    let release: (() => void) | undefined;
    const started = t.started;
    try {
      const method = t.method;
      const authed = t.auth ?? admitted(req, t);
      const auth = isThenable(authed) ? await authed : authed;
      const segs = t.segs!;
      const tenantHint = t.tenantHint;
      const acquired = concurrency.acquire(auth.tenant);
      release = acquired instanceof Promise ? await acquired : acquired;
      if (!release) throw ScimError.tooManyRequests(`Too many requests of tenant ${auth.tenant} at once; try again`, 1);
      // nothing an unauthenticated request sends is worked on past this point
      let base = baseOf(options, req);
      if (tenantHint !== undefined) base = `${base}/${encodeURIComponent(tenantHint)}`;
      const requestId = t.requestId;
      const deadline = started + limits.requestTimeoutMs;
      // the signal is made only when a store asks for it (most requests never do): aborted when
      // the client goes away, or by the deadline timer that runs anyway (no timer of its own)
      const aborter = lazyAbort(req);
      const ctx: StoreContext = {
        ...auth,
        requestId,
        deadline,
        get signal() {
          return aborter.signal();
        },
      };
      const query = queryOf(req);
      const body = readBody(req, limits);
      t.body = body;
      const rr: ResourceRequest = {};
      const ifMatch = header(req, 'if-match');
      const ifNoneMatch = header(req, 'if-none-match');
      const attributes = query.get('attributes');
      const excluded = query.get('excludedAttributes');
      if (ifMatch !== undefined) rr.ifMatch = ifMatch;
      if (ifNoneMatch !== undefined) rr.ifNoneMatch = ifNoneMatch;
      if (attributes !== null) rr.attributes = attributes;
      if (excluded !== null) rr.excludedAttributes = excluded;
      if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && body === undefined && segs[0]?.toLowerCase() !== 'me') {
        throw ScimError.invalidSyntax('This request needs a JSON body');
      }
      const work = route(engineOf ? engineOf(header(req, 'user-agent')) : engine, ctx, { base, registry }, method, segs, query, body, rr);
      // the tenant's slot is freed when the work settles, not when the deadline answers for it:
      // work past its deadline still holds a connection until the store gives up
      const slot = release;
      release = undefined;
      void work.then(
        () => slot?.(),
        () => slot?.(),
      );
      return await deadlines.race(work, deadline, aborter.abort);
    } catch (e) {
      return failure(e, t);
    } finally {
      release?.();
    }
  }

  const activityOptions = options.activity === false ? { log: false as const } : (options.activity ?? {});
  const activityLog: ActivityLog | undefined = activityOptions.log === false ? undefined : (activityOptions.log ?? store.activity ?? new MemoryActivityLog());
  const mask = new BodyMask(activityOptions.mask);
  const writer = new ActivityWriter<PendingActivity>(
    (p) => buildActivity(p, { registry, bodies: activityOptions.bodies === true, mask }),
    activityLog,
    logger,
    {
      retention: { ...DEFAULT_ACTIVITY_RETENTION, ...activityOptions.retention },
      ...(activityOptions.logRequests === undefined ? {} : { logRequests: activityOptions.logRequests }),
      ...(activityOptions.maxQueue === undefined ? {} : { maxQueue: activityOptions.maxQueue }),
      ...(telemetry ? { observe: (r: ActivityRecord) => telemetry.observe(r) } : {}),
    },
  );

  /**
   * Records of refused requests (no accepted credentials) per second, at most: anyone can send
   * them, so a flood of them must not become a flood of log writes. Beyond, counted as dropped.
   */
  const refusedPerSecond = activityOptions.maxRefusedPerSecond ?? 100;
  const refusedBucket: RateBudget = { burst: refusedPerSecond, perSecond: refusedPerSecond };
  const refusedLimiter = new MemoryRateLimiter({ maxKeys: 1 });
  const refusedBudget = {
    take(): boolean {
      if (refusedLimiter.take('refused', refusedBucket).allowed) return true;
      writer.stats.dropped++;
      return false;
    },
  };

  /** Every answer, error or not: its request id, never sniffed as another type, never cached (it holds user data). */
  function finish(res: ScimResponse, requestId: string): ScimResponse {
    res.headers['x-request-id'] = requestId;
    res.headers['x-content-type-options'] = 'nosniff';
    res.headers['cache-control'] = 'no-store';
    return res;
  }

  function newTrace(req: ScimRequest, started: number): Trace {
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

  /** The trace, complete: what the writer takes after the response. */
  function pending(t: Trace, t0: number, response: ScimResponse): PendingActivity {
    t.ms = performance.now() - t0;
    t.response = response;
    return t as PendingActivity;
  }

  /** Runs a request's handling in its span, and gives its answer the common headers and its activity record. */
  async function answer(t: Trace, t0: number, run: () => Promise<ScimResponse>): Promise<ScimResponse> {
    const res = telemetry
      ? await telemetry.request(t.method, async (span) => {
          const r = await run();
          if (!span.recording) {
            span.end({ operation: 'unknown', status: r.status, requestId: t.requestId });
            return r;
          }
          const route = routeOf(t.method, t.segs, registry);
          const scimType = (r.body as { scimType?: unknown } | undefined)?.scimType;
          span.end(
            {
              operation: route.operation,
              status: r.status,
              requestId: t.requestId,
              // only an authenticated tenant: a refused request's path could name any (metric series, spoofing)
              ...(t.auth ? { tenant: t.auth.tenant } : {}),
              ...(route.resourceType ? { resourceType: route.resourceType } : {}),
              ...(typeof scimType === 'string' ? { scimType } : {}),
            },
            t.error,
          );
          return r;
        })
      : await run();
    finish(res, t.requestId);
    if (writer.wants(res.status) && (t.auth !== undefined || refusedBudget.take())) writer.push(pending(t, t0, res));
    return res;
  }

  /** Requests {@link admit} let through, until `handle` or `refuse` takes them up (a WeakMap: an admission dropped unused takes its entry with it). */
  const admissions = new WeakMap<Admission, { t: Trace; t0: number }>();

  /** The trace an admission holds for `req` (taken once), else a new one. */
  function traceOf(req: ScimRequest, admission: Admission | undefined): { t: Trace; t0: number } {
    const held = admission && admissions.get(admission);
    if (!held) return { t: newTrace(req, Date.now()), t0: performance.now() };
    admissions.delete(admission);
    // the request as it is now, with its body
    held.t.req = req;
    return held;
  }

  async function admit(req: ScimRequest): Promise<Admission> {
    const t0 = performance.now();
    const t = newTrace(req, Date.now());
    const deadline = t.started + limits.requestTimeoutMs;
    try {
      // a synchronous admission (bearerToken, the in-memory limiter) is not awaited: that costs a microtask turn
      const admittedNow = admitted(req, t);
      if (isThenable(admittedNow)) await admittedNow;
    } catch (e) {
      return { deadline, refusal: await answer(t, t0, async () => failure(e, t)) };
    }
    const admission: Admission = { deadline };
    admissions.set(admission, { t, t0 });
    return admission;
  }

  function serve(req: ScimRequest, admission?: Admission): Promise<ScimResponse> {
    const { t, t0 } = traceOf(req, admission);
    return answer(t, t0, () => handle(req, t));
  }

  function refuse(req: ScimRequest, error: ScimError, admission?: Admission): ScimResponse {
    const held = admission && admissions.get(admission);
    if (held) {
      // an admitted request whose body was refused: its tenant's own record
      admissions.delete(admission);
      const res = finish(errorResponse(error), held.t.requestId);
      if (writer.wants(res.status)) writer.push(pending(held.t, held.t0, res));
      return res;
    }
    const t = newTrace(req, Date.now());
    try {
      const segs = decodeSegments(req.path ?? '/');
      if (options.tenantInPath) t.tenantHint = segs.shift();
      t.segs = segs;
    } catch {
      // a malformed path: the record shows it as it came
    }
    const res = finish(errorResponse(error), t.requestId);
    if (refusedBudget.take()) writer.push(pending(t, performance.now(), res));
    return res;
  }

  const activity: ScimActivity = {
    list: async (query) => (activityLog ? activityLog.list(query) : []),
    summary: async (tenant, since = new Date(Date.now() - 24 * 3600_000)) => (activityLog ? activityLog.summary(tenant, since) : summarise([], since)),
    flush: () => writer.flush(),
    prune: () => writer.prune(),
    stats: writer.stats,
  };

  const events: ScimEventLog = {
    list: (query) => outbox.list(query),
    deadLetters: (query = {}) => outbox.deadLetters(query),
    replay: async (ids) => {
      const n = await outbox.replay(ids);
      dispatcher?.wake();
      return n;
    },
    prune: () => recorder.prune(),
  };
  return {
    admit,
    handle: serve,
    refuse,
    registry,
    store: given,
    purgeSoftDeleted: async ({ tenant, before, limit }) => {
      if (!softDeletes) return 0;
      let purged = 0;
      for (const type of registry.resourceTypes()) purged += await softDeletes.purge({ tenant, requestId: `purge-${randomUUID()}` }, type, before, limit);
      return purged;
    },
    limits,
    events,
    activity,
    close: async () => {
      await dispatcher?.close();
      await writer.close();
    },
  };
}
