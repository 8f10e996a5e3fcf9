/**
 * scimkit: a SCIM 2.0 service provider toolkit for Node.js.
 * @packageDocumentation
 * @module scimkit
 */
export { CLIENT_NAMES, clientOf } from './activity/client.js';
export { type ConsoleLoggerOptions, consoleLogger, type LogLevel } from './activity/console-logger.js';
export { type LogMethod, type ScimLogger, silentLogger } from './activity/logger.js';
export { BodyMask, MASKED } from './activity/mask.js';
export { MemoryActivityLog, type MemoryActivityLogOptions } from './activity/memory-log.js';
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
} from './activity/record.js';
export type { ActivityStats } from './activity/writer.js';
export * from './errors.js';
export type { DeliveryObserver, DeliveryOptions } from './events/dispatcher.js';
export type { RetentionOptions } from './events/recorder.js';
export { generateWebhookSecret, signWebhook, verifyWebhook, type WebhookHeaders, type WebhookPayload, type WebhookTarget } from './events/webhook.js';
export * from './filter/ast.js';
export * from './filter/cache.js';
export * from './filter/compile.js';
export { filterCost, filterWorkError, valueFilterCost } from './filter/cost.js';
export * from './filter/format.js';
export * from './filter/keys.js';
export { type FilterParseOptions, parseFilter } from './filter/parse.js';
export * from './patch/apply.js';
export { normalizeOperations, PATCH_QUIRKS, type PatchCompatibility, type QuirkList, quirksOf } from './patch/dialects/index.js';
export type { PatchQuirk, PatchQuirkName, QuirkContext } from './patch/dialects/quirk.js';
export * from './patch/members.js';
export * from './patch/request.js';
export { type AttributeTarget, type ExtensionTarget, operation, type ResolvedOperation, resolveTarget, type Target, targetOf } from './patch/target.js';
export * from './path/parse.js';
export * from './protocol/auth.js';
export { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA, type BulkFailure, type BulkOperation, type BulkPlan, planBulk } from './protocol/bulk.js';
export { CLIENT_PROFILES, type CompatibilityByClient } from './protocol/client-profiles.js';
export type { DeprovisioningPolicy } from './protocol/deprovisioning.js';
export type { ScimFeatures } from './protocol/engine.js';
export * from './protocol/hooks.js';
export * from './protocol/limits.js';
export { type AccountLookup, type LinkDecision, type LinkIntent, linkAccounts } from './protocol/linking.js';
export { LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA } from './protocol/list.js';
export * from './protocol/preconditions.js';
export * from './protocol/ratelimit.js';
export { type LimitedRead, readLimited } from './protocol/read-limited.js';
export { type DiscardBound, discardBoundOf, discardTimer } from './protocol/refused-body.js';
export { errorResponse, jsonResponse, SCIM_CONTENT_TYPE, type ScimRequest, type ScimResponse } from './protocol/request.js';
export { responseText } from './protocol/response-text.js';
export * from './protocol/server.js';
export { generateToken, hashToken, type Instant, type TenantToken, TOKEN_PREFIX, TokenList, type TokenScope } from './protocol/tokens.js';
export * from './schema/attribute.js';
export * from './schema/builtin/common.js';
export * from './schema/builtin/discovery.js';
export * from './schema/builtin/enterprise-user.js';
export * from './schema/builtin/group.js';
export * from './schema/builtin/types.js';
export * from './schema/builtin/user.js';
export * from './schema/case-fold.js';
export * from './schema/equality.js';
export * from './schema/identity.js';
export { CompiledSchemas, isDateTime } from './schema/json-schema.js';
export * from './schema/project.js';
export * from './schema/registry.js';
export * from './schema/resource.js';
export type { ShapeError, ShapeValidator } from './schema/shape-validator.js';
export * from './schema/sort.js';
export * from './schema/storable.js';
export * from './schema/validate.js';
export * from './store/deadline.js';
export * from './store/member-references.js';
export * from './store/memory.js';
export { MemoryOutbox, type MemoryOutboxStats } from './store/memory-outbox.js';
export {
  type EventContext,
  type EventData,
  type EventDraft,
  type EventLogQuery,
  type EventOutbox,
  type EventState,
  eventContext,
  type OutboxEvent,
} from './store/outbox.js';
export { SOFT_DELETE_SCHEMA_ID, softDeletedAt } from './store/soft-delete.js';
export * from './store/store.js';
export * from './store/version.js';
export type { RequestFacts, RequestSpan, ScimTelemetry } from './telemetry/telemetry.js';
