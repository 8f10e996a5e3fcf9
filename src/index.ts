/**
 * scimkit: a SCIM 2.0 service provider toolkit for Node.js.
 * @packageDocumentation
 * @module scimkit
 */

export * from './core/errors.js';
export * from './core/filter/ast.js';
export * from './core/filter/cache.js';
export * from './core/filter/compile.js';
export { filterCost, filterWorkError, valueFilterCost } from './core/filter/cost.js';
export * from './core/filter/format.js';
export * from './core/filter/keys.js';
export { type FilterParseOptions, parseFilter } from './core/filter/parse.js';
export * from './core/patch/apply.js';
export { normalizeOperations, PATCH_QUIRKS, type PatchCompatibility, type QuirkList, quirksOf } from './core/patch/dialects/index.js';
export type { PatchQuirk, PatchQuirkName, QuirkContext } from './core/patch/dialects/quirk.js';
export * from './core/patch/request.js';
export { type AttributeTarget, type ExtensionTarget, operation, type ResolvedOperation, resolveTarget, type Target, targetOf } from './core/patch/target.js';
export * from './core/path/parse.js';
export * from './core/rules/case-fold.js';
export * from './core/rules/equality.js';
export * from './core/rules/identity.js';
export * from './core/rules/members.js';
export * from './core/rules/preconditions.js';
export * from './core/rules/sort.js';
export * from './core/rules/version.js';
export * from './core/schema/attribute.js';
export * from './core/schema/builtin/common.js';
export * from './core/schema/builtin/discovery.js';
export * from './core/schema/builtin/enterprise-user.js';
export * from './core/schema/builtin/group.js';
export * from './core/schema/builtin/types.js';
export * from './core/schema/builtin/user.js';
export { CompiledSchemas, isDateTime } from './core/schema/json-schema.js';
export * from './core/schema/project.js';
export * from './core/schema/registry.js';
export * from './core/schema/resource.js';
export type { ShapeError, ShapeValidator } from './core/schema/shape-validator.js';
export * from './core/schema/storable.js';
export * from './core/schema/validate.js';
export { CLIENT_NAMES, clientOf } from './server/activity/client.js';
export { type ConsoleLoggerOptions, consoleLogger, type LogLevel } from './server/activity/console-logger.js';
export { type LogMethod, type ScimLogger, silentLogger } from './server/activity/logger.js';
export { BodyMask, MASKED } from './server/activity/mask.js';
export type { ActivityStats } from './server/activity/writer.js';
export * from './server/auth.js';
export { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA, type BulkFailure, type BulkOperation, type BulkPlan, planBulk } from './server/bulk.js';
export { CLIENT_PROFILES, type CompatibilityByClient } from './server/client-profiles.js';
export type { DeprovisioningPolicy } from './server/deprovisioning.js';
export type { ScimFeatures } from './server/engine.js';
export type { DeliveryObserver, DeliveryOptions } from './server/events/dispatcher.js';
export type { RetentionOptions } from './server/events/recorder.js';
export { generateWebhookSecret, signWebhook, verifyWebhook, type WebhookHeaders, type WebhookPayload, type WebhookTarget } from './server/events/webhook.js';
export * from './server/hooks.js';
export * from './server/limits.js';
export { type AccountLookup, type LinkDecision, type LinkIntent, linkAccounts } from './server/linking.js';
export { LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA } from './server/list.js';
export * from './server/ratelimit.js';
export { type LimitedRead, readLimited } from './server/read-limited.js';
export { type DiscardBound, discardBoundOf, discardTimer } from './server/refused-body.js';
export { errorResponse, jsonResponse, SCIM_CONTENT_TYPE, type ScimRequest, type ScimResponse } from './server/request.js';
export { responseText } from './server/response-text.js';
export * from './server/server.js';
export type { RequestFacts, RequestSpan, ScimTelemetry } from './server/telemetry.js';
export { generateToken, hashToken, type Instant, type TenantToken, TOKEN_PREFIX, TokenList, type TokenScope } from './server/tokens.js';
export {
  type ActivityLog,
  type ActivityOperation,
  type ActivityQuery,
  type ActivityRecord,
  type ActivityRetention,
  type ActivitySummary,
  type BulkActivity,
  checkQuery,
  DEFAULT_ACTIVITY_RETENTION,
  matchesQuery,
  pageSize,
  queryKey,
  REFUSED_KEY_PREFIX,
  type ScimClient,
  type StatusFilter,
  statusMatches,
  storageKey,
  summarise,
} from './stores/activity-log.js';
export * from './stores/deadline.js';
export * from './stores/member-references.js';
export { MemoryActivityLog, type MemoryActivityLogOptions } from './stores/memory/activity-log.js';
export { MemoryOutbox, type MemoryOutboxStats } from './stores/memory/outbox.js';
export * from './stores/memory/store.js';
export {
  type EventContext,
  type EventData,
  type EventDraft,
  type EventLogQuery,
  type EventOutbox,
  type EventState,
  eventContext,
  type OutboxEvent,
} from './stores/outbox.js';
export { SOFT_DELETE_SCHEMA_ID, softDeletedAt } from './stores/soft-delete.js';
export * from './stores/store.js';
