/**
 * scimkit: a SCIM 2.0 service provider toolkit for Node.js.
 *
 * The root exports what an application uses: the server and its options, the stores it ships,
 * errors, the schema definitions, tokens and authentication, lifecycle events and webhooks, the
 * activity log's types. Each name is listed here (no `export *`) and in the reviewed list of
 * test/package/entry-names.json: a name becomes API the day an application imports it. What a
 * store author needs (the rules, the filter, the contract's helpers) is `scimkit/store-kit`.
 * @packageDocumentation
 * @module scimkit
 */

export { ERROR_SCHEMA, ScimError, type ScimErrorBody, type ScimProblem, type ScimType } from './core/errors.js';
export type { PatchCompatibility, QuirkList } from './core/patch/dialects/index.js';
export type { PatchQuirkName } from './core/patch/dialects/quirk.js';
export { PATCH_OP_SCHEMA } from './core/patch/request.js';
export type { AttributeDefinition, AttributeInput, AttributeType, Mutability, Returned, SchemaDefinition, Uniqueness } from './core/schema/attribute.js';
export { RESOURCE_TYPE_SCHEMA_ID, SCHEMA_SCHEMA_ID, SERVICE_PROVIDER_CONFIG_SCHEMA_ID } from './core/schema/builtin/discovery.js';
export { ENTERPRISE_USER_SCHEMA_ID, EnterpriseUserSchema } from './core/schema/builtin/enterprise-user.js';
export { GROUP_SCHEMA_ID, GroupSchema } from './core/schema/builtin/group.js';
export type {
  EnterpriseUser,
  MultiValue,
  ScimAddress,
  ScimGroup,
  ScimManager,
  ScimMember,
  ScimName,
  ScimUser,
  ScimUserGroup,
} from './core/schema/builtin/types.js';
export { USER_SCHEMA_ID, UserSchema } from './core/schema/builtin/user.js';
export { ResourceType, type ResourceTypeInput, type SchemaExtension, type SchemaExtensionInput, SchemaRegistry } from './core/schema/registry.js';
export type { JsonObject, JsonValue, ScimMeta, ScimResource } from './core/schema/resource.js';
export { CLIENT_NAMES, clientOf } from './server/activity/client.js';
export { type ConsoleLoggerOptions, consoleLogger, type LogLevel } from './server/activity/console-logger.js';
export { type LogMethod, type ScimLogger, silentLogger } from './server/activity/logger.js';
export type { ActivityStats } from './server/activity/writer.js';
export { type AuthContext, type Authenticate, type BearerTokensOptions, bearerToken, bearerTokens } from './server/auth.js';
export { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA } from './server/bulk.js';
export { CLIENT_PROFILES, type CompatibilityByClient } from './server/client-profiles.js';
export { connectionAuth } from './server/connections/connection-auth.js';
export type { ConnectionTestFailure, ConnectionTestResult } from './server/connections/connection-test.js';
export type { CredentialSummary } from './server/connections/credential-summary.js';
export type { ConnectionHealth, EventDeliveryHealth } from './server/connections/health.js';
export type { ActorOption, ConnectionUpdate, IssuedClient, IssuedToken, NewConnection, ScimConnections } from './server/connections/lifecycle.js';
export type { ConnectionAuthOptions, ConnectionsOptions, Entitlement, GroupPreview, PreviewGroupHook } from './server/connections/options.js';
export { previewReportCsv } from './server/connections/preview-csv.js';
export type {
  PreviewCounts,
  PreviewGroup,
  PreviewOutcome,
  PreviewReport,
  PreviewUser,
  RefusedUser,
} from './server/connections/preview-report.js';
export type { ResolveInput } from './server/connections/resolution.js';
export type { DeprovisioningPolicy } from './server/deprovisioning.js';
export type { ScimFeatures } from './server/engine.js';
export type { DeliveryObserver, DeliveryOptions } from './server/events/dispatcher.js';
export type { RetentionOptions } from './server/events/recorder.js';
export { generateWebhookSecret, signWebhook, verifyWebhook, type WebhookHeaders, type WebhookPayload, type WebhookTarget } from './server/events/webhook.js';
export type {
  CreatedEvent,
  DeletedEvent,
  EventResource,
  LifecycleEvent,
  LifecycleEventBase,
  LifecycleEventType,
  MembersAddedEvent,
  MembersRemovedEvent,
  ResourceUpdatedEvent,
  ScimHooks,
  UpdatedEvent,
  WriteIntent,
} from './server/hooks.js';
export { DEFAULT_LIMITS, type ScimLimits } from './server/limits.js';
export { type AccountLookup, type LinkDecision, type LinkIntent, linkAccounts } from './server/linking.js';
export { LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA } from './server/list.js';
export { DEFAULT_RATE_LIMITS, MemoryRateLimiter, type RateBudget, type RateDecision, type RateLimiter, type RateLimits } from './server/ratelimit.js';
export { type LimitedRead, readLimited } from './server/read-limited.js';
export { type DiscardBound, discardBoundOf, discardTimer } from './server/refused-body.js';
export type { ScimRequest, ScimResponse } from './server/request.js';
export { responseText } from './server/response-text.js';
export {
  type ActivityOptions,
  type Admission,
  createScimServer,
  type EventOptions,
  type ScimActivity,
  type ScimEventLog,
  type ScimServer,
  type ScimServerOptions,
} from './server/server.js';
export type { RequestFacts, RequestSpan, ScimTelemetry } from './server/telemetry.js';
export { generateToken, hashToken, type Instant, type TenantToken, TOKEN_PREFIX, TokenList, type TokenScope } from './server/tokens.js';
export type {
  ActivityLog,
  ActivityOperation,
  ActivityQuery,
  ActivityRecord,
  ActivityRetention,
  ActivitySummary,
  BulkActivity,
  ConnectionAction,
  ConnectionActivity,
  ScimClient,
  StatusFilter,
} from './stores/activity-log.js';
export type { Connection, ConnectionCredential, ConnectionMode, ConnectionState, CredentialKind, UserResolution } from './stores/connections.js';
export { MemoryActivityLog, type MemoryActivityLogOptions } from './stores/memory/activity-log.js';
export { MemoryOutbox, type MemoryOutboxStats } from './stores/memory/outbox.js';
export { type MemorySnapshot, MemoryStore, type MemoryStoreOptions, type MemoryStoreStats, type SnapshotEntry } from './stores/memory/store.js';
export type {
  EventContext,
  EventData,
  EventDraft,
  EventLogQuery,
  EventOutbox,
  EventState,
  HeldEventChange,
  HeldEvents,
  OutboxEvent,
} from './stores/outbox.js';
export { SOFT_DELETE_SCHEMA_ID, softDeletedAt } from './stores/soft-delete.js';
export type { ProvisioningStore, StoreCapabilities, StoreContext } from './stores/store.js';
