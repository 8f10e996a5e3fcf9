/**
 * What {@link createScimServer} takes: its options, and their defaults and normalisation
 * (limits, the validation policy, rate limits, the logger, the activity log's options), each
 * decided once when the server is made.
 * @module
 */

import type { PatchCompatibility } from '../core/patch/dialects/index.js';
import { SchemaRegistry } from '../core/schema/registry.js';
import type { ValidationPolicy } from '../core/schema/validate.js';
import type { ActivityLog, ActivityRetention } from '../stores/activity-log.js';
import type { ProvisioningStore } from '../stores/store.js';
import { consoleLogger } from './activity/console-logger.js';
import type { ScimLogger } from './activity/logger.js';
import type { Authenticate } from './auth.js';
import type { CompatibilityByClient } from './client-profiles.js';
import { type ConnectionsOptions, checkConnectionsOptions } from './connections/options.js';
import type { DeprovisioningPolicy } from './deprovisioning.js';
import type { ScimFeatures } from './engine.js';
import type { DeliveryOptions } from './events/dispatcher.js';
import type { RetentionOptions } from './events/recorder.js';
import type { WebhookTarget } from './events/webhook.js';
import type { ScimHooks } from './hooks.js';
import { DEFAULT_LIMITS, type ScimLimits } from './limits.js';
import { DEFAULT_RATE_LIMITS, MemoryRateLimiter, type RateBudget, type RateLimiter, type RateLimits } from './ratelimit.js';
import type { ScimTelemetry } from './telemetry.js';

/** Options of {@link createScimServer}. Everything that varies between servers is here; nothing is global. */
export interface ScimServerOptions {
  /**
   * Resolves credentials to a tenant context (see `bearerToken`, `bearerTokens`,
   * `connectionAuth`). Required, unless `connections` is given: then credentials are checked
   * through the store's connections (`connectionAuth(store, connections)`).
   */
  authenticate?: Authenticate;
  /**
   * Keep each tenant's SCIM connection in the store (`store.connections`): `scim.connections`
   * manages them (credentials, rotation, disable, health), requests authenticate through them
   * unless `authenticate` is given, and the OAuth token endpoint is served (docs/security.md).
   */
  connections?: ConnectionsOptions;
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

/** The options, checked: what no server can run without is a TypeError when it is made. */
export function checkedOptions(options: ScimServerOptions): ScimServerOptions {
  if (typeof options?.authenticate !== 'function' && (options?.connections === undefined || options.authenticate !== undefined))
    throw new TypeError('createScimServer: options.authenticate is required (see bearerToken), unless connections are given');
  if (options.connections) checkConnectionsOptions(options.connections);
  return options;
}

/** The limits in force: each default, unless the options name it. */
export function limitsOf(options: ScimServerOptions): ScimLimits {
  const limits: ScimLimits = { ...DEFAULT_LIMITS };
  // a limit given as undefined keeps its default (a spread would make it undefined, then NaN in arithmetic)
  for (const [k, v] of Object.entries(options.limits ?? {})) if (v !== undefined) (limits as unknown as Record<string, unknown>)[k] = v;
  return limits;
}

/** The schema registry: the options', else User with the Enterprise extension, and Group. */
export function registryOf(options: ScimServerOptions): SchemaRegistry {
  return options.registry ?? new SchemaRegistry({ uniqueGroupDisplayName: options.uniqueGroupDisplayName ?? false });
}

/** Where scimkit logs: the options' logger, else errors only, on stderr. */
export function loggerOf(options: ScimServerOptions): ScimLogger {
  return options.logger ?? consoleLogger({ level: 'error', write: (line) => void process.stderr.write(`${line}\n`) });
}

/** What validation of request bodies allows: the limits', and the options' policies when they set one. */
export function validationPolicyOf(options: ScimServerOptions, limits: ScimLimits): ValidationPolicy {
  const policy: ValidationPolicy = {
    maxValues: limits.maxValuesPerAttribute,
    maxStringLength: limits.maxStringLength,
    maxBinaryLength: limits.maxBinaryLength,
    maxIndexedStringLength: limits.maxIndexedStringLength,
  };
  if (options.unknownAttributes) policy.unknownAttributes = options.unknownAttributes;
  if (options.canonicalValues) policy.canonicalValues = options.canonicalValues;
  return policy;
}

/** The features on: all, but those the options switch off. */
export function featuresOf(options: ScimServerOptions): ScimFeatures {
  return { bulk: true, sort: true, etag: true, cursor: true, ...options.features };
}

/** The rate limits in force: the options' over the defaults, so each budget is there (a budget, or `false` for none). */
export type RatesInForce = Omit<RateLimits, keyof typeof DEFAULT_RATE_LIMITS> & { readonly [K in keyof typeof DEFAULT_RATE_LIMITS]: RateBudget | false };

/** The rate limits in force, each default unless the options name it; undefined when the options switch them off. */
export function ratesOf(options: ScimServerOptions): RatesInForce | undefined {
  return options.rateLimits === false ? undefined : { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
}

/** Where rate-limit and failed-authentication budgets are kept: the options' limiter, else one in memory. */
export function limiterOf(options: ScimServerOptions): RateLimiter {
  return (options.rateLimits !== false && options.rateLimits?.limiter) || new MemoryRateLimiter();
}

/** The activity log's options: `false` is a log of none. */
export function activityOptionsOf(options: ScimServerOptions): ActivityOptions {
  return options.activity === false ? { log: false } : (options.activity ?? {});
}
