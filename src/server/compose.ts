import { FilterCache } from '../core/filter/cache.js';
import { PathCache } from '../core/path/parse.js';
import type { SchemaRegistry } from '../core/schema/registry.js';
import { MemoryStore } from '../stores/memory/store.js';
import { type SoftDeletingStore, softDeletingStore } from '../stores/soft-delete.js';
import type { ProvisioningStore } from '../stores/store.js';
import type { ScimLogger } from './activity/logger.js';
import { RequestAdmission } from './admission.js';
import type { Authenticate } from './auth.js';
import { engineForClient } from './client-profiles.js';
import { ConcurrencyLimit } from './concurrency.js';
import { authenticatorOf, type ConnectionAuthenticator, connectionAuth, connectionStoreOf } from './connections/connection-auth.js';
import { type ScimConnections, scimConnections } from './connections/lifecycle.js';
import { purgeTenant } from './connections/purge.js';
import { TokenEndpoint } from './connections/token-endpoint.js';
import { type ConnectionWriteRules, connectionWriteRules } from './connections/write-rules.js';
import { CursorCodec } from './cursor.js';
import { Deadlines } from './deadlines.js';
import type { Engine } from './engine.js';
import type { ScimHooks } from './hooks.js';
import { KeyedQueue } from './keyed-queue.js';
import type { ScimLimits } from './limits.js';
import { activityOptionsOf, featuresOf, limiterOf, limitsOf, loggerOf, ratesOf, registryOf, type ScimServerOptions, validationPolicyOf } from './options.js';
import type { ScimRequest, ScimResponse } from './request.js';
import { RequestActivity } from './request-activity.js';
import { ScimRouter } from './router.js';
import { type ServerEvents, startEvents } from './server-events.js';
import type { ScimTelemetry } from './telemetry.js';
import { tracedStore } from './traced-store.js';

/** What one server is made of, composed once by {@link composeServer}; every request uses these. */
export interface ServerParts {
  /** The options as the host gave them (checked). */
  readonly options: ScimServerOptions;
  readonly limits: ScimLimits;
  readonly registry: SchemaRegistry;
  /** The store as the host gave it (soft-deleted users in it, marked). */
  readonly given: ProvisioningStore;
  /** With `deprovisioning.onDelete: 'softDelete'`: the engine's soft-deleting view of the store. */
  readonly softDeletes: SoftDeletingStore | undefined;
  readonly logger: ScimLogger;
  readonly telemetry: ScimTelemetry | undefined;
  readonly events: ServerEvents;
  /** The engine of every request, unless its client has a profile of its own. */
  readonly engine: Engine;
  /** The engine by User-Agent; undefined without client profiles (no request pays for the look-up). */
  readonly engineOf: ((userAgent: string | undefined) => Engine) | undefined;
  readonly router: ScimRouter;
  readonly admission: RequestAdmission;
  readonly activity: RequestActivity;
  /** The authenticator when it is a connection one (its uses are written after each response). */
  readonly authenticator: ConnectionAuthenticator | undefined;
  /** Where Test connection sends its request: the server's `serve`, set by createScimServer. */
  readonly probe: { serve?: (request: ScimRequest) => Promise<ScimResponse> };
  /** With `connections`: the OAuth token endpoint. */
  readonly tokens: TokenEndpoint | undefined;
  /** With `connections`: the lifecycle API. */
  readonly connections: ScimConnections | undefined;
}

/** The engine: one server's configuration and caches, over `store` (traced when there is telemetry). */
function composeEngine(
  options: ScimServerOptions,
  parts: Pick<ServerParts, 'limits' | 'registry' | 'softDeletes' | 'logger' | 'telemetry'> & { connectionRules: ConnectionWriteRules | undefined },
  store: ProvisioningStore,
  hooks: ScimHooks,
  events: ServerEvents,
): Engine {
  const { limits, registry, softDeletes, logger, telemetry, connectionRules } = parts;
  return {
    registry,
    store: telemetry ? tracedStore(store, telemetry) : store,
    ...(softDeletes ? { softDeletes } : {}),
    ...(connectionRules ? { connectionRules } : {}),
    limits,
    features: featuresOf(options),
    hooks,
    compatibility: options.compatibility ?? 'lenient',
    policy: validationPolicyOf(options, limits),
    unknownFilterAttributes: options.unknownFilterAttributes ?? 'reject',
    filters: new FilterCache(1000, { maxLength: limits.maxFilterLength, maxDepth: limits.maxFilterDepth }),
    paths: new PathCache(1000),
    cursors: new CursorCodec(options.cursorSecret, limits.cursorTimeout),
    patchResponse: options.patchResponse ?? 'auto',
    groupUpdatedOnMemberChange: options.events?.groupUpdatedOnMemberChange === true,
    documentationUri: options.documentationUri,
    logger,
    events: events.recorder,
    writers: new KeyedQueue(),
  };
}

/**
 * Makes a server's parts, in this order (each may start timers): the store and its
 * soft-deleting view, event delivery (started), the engine, admission, the activity writer.
 */
export function composeServer(options: ScimServerOptions): ServerParts {
  const limits = limitsOf(options);
  const registry = registryOf(options);
  const given: ProvisioningStore = options.store ?? new MemoryStore();
  // soft delete runs through the store's own filters and writes: the engine sees a view of it
  const softDeletes = options.deprovisioning?.onDelete === 'softDelete' ? softDeletingStore(given, registry) : undefined;
  const store: ProvisioningStore = softDeletes ?? given;
  const logger = loggerOf(options);
  const telemetry = options.telemetry;
  const hooks = options.hooks ?? {};
  const events = startEvents(store, hooks, options.events, registry, logger, telemetry);
  // with connections and no authenticate of the host's, credentials are checked through the store's connections
  const connectionStore = options.connections ? connectionStoreOf(given) : undefined;
  const connectionRules = connectionStore && connectionWriteRules(connectionStore, options.connections!);
  const engine = composeEngine(options, { limits, registry, softDeletes, logger, telemetry, connectionRules }, store, hooks, events);
  const engineOf = engineForClient(engine, options.compatibilityByClient);
  const authenticate: Authenticate = options.authenticate ?? connectionAuth(connectionStore!, { ...options.connections, logger });
  const authenticator = authenticatorOf(authenticate);
  if (authenticator) authenticator.usage.afterResponse = true;
  const admission = new RequestAdmission({
    options: { authenticate, tenantInPath: options.tenantInPath },
    rates: ratesOf(options),
    limiter: limiterOf(options),
    deadlines: new Deadlines(),
    concurrency: new ConcurrencyLimit(limits.maxConcurrentPerTenant, limits.maxConcurrencyWaitMs, 100),
  });
  const activity = new RequestActivity(activityOptionsOf(options), store, registry, logger, telemetry);
  const now = options.connections?.now ?? Date.now;
  const probe: ServerParts['probe'] = {};
  const common = { store: connectionStore!, options: options.connections ?? {}, authenticator, now };
  const tokens = connectionStore ? new TokenEndpoint({ ...common, tenantInPath: options.tenantInPath === true, admission, logger }) : undefined;
  const connections = connectionStore
    ? scimConnections({
        ...common,
        log: activity.log,
        outbox: given.outbox,
        purge: (tenant) => purgeTenant(engine, softDeletes, tenant),
        preview: { engine, rules: connectionRules, softDeletes, wake: () => events.dispatcher?.wake() },
        // Test connection's request goes through the whole server (`serve`, set once it exists)
        probe: (req) => probe.serve!(req),
        tenantPrefix: (tenant) => (options.tenantInPath ? `/${encodeURIComponent(tenant)}` : ''),
      })
    : undefined;
  return {
    options,
    limits,
    registry,
    given,
    softDeletes,
    logger,
    telemetry,
    events,
    engine,
    engineOf,
    router: new ScimRouter(store, logger),
    admission,
    activity,
    authenticator,
    tokens,
    connections,
    probe,
  };
}
