/**
 * `scimkit/opentelemetry`: spans and metrics through `@opentelemetry/api` (an optional peer
 * dependency). A span per request with SCIM attributes, a child span per store call, and
 * request, event and rate-limit metrics. With the API installed and no SDK registered, every
 * call is the API's no-op; without the `telemetry` option, scimkit calls none of it.
 * @packageDocumentation
 * @module scimkit/opentelemetry
 */
import { type Attributes, type Meter, metrics, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { ActivityRecord, OutboxEvent, RequestFacts, RequestSpan, ScimTelemetry } from 'scimkit';

/** Options of {@link openTelemetry}. */
export interface OpenTelemetryOptions {
  /** The tracer (default: the global provider's `scimkit` tracer). */
  tracer?: Tracer;
  /** The meter (default: the global provider's `scimkit` meter). */
  meter?: Meter;
  /** Whether metrics carry the tenant (default true; turn it off when tenants are too many to be a dimension). */
  tenantAttribute?: boolean;
}

/** The attributes of a request's span and metrics, by OpenTelemetry's naming rules. */
function requestAttributes(f: Pick<RequestFacts, 'tenant' | 'resourceType' | 'operation' | 'status' | 'scimType'>, tenant: boolean): Attributes {
  const a: Attributes = { 'scim.operation': f.operation, 'http.response.status_code': f.status };
  if (tenant && f.tenant !== undefined) a['scim.tenant'] = f.tenant;
  if (f.resourceType !== undefined) a['scim.resource_type'] = f.resourceType;
  if (f.scimType !== undefined) a['scim.error.type'] = f.scimType;
  return a;
}

/**
 * Telemetry for `createScimServer({ telemetry: openTelemetry() })`:
 * - spans `scim <operation> <resourceType>` (internal, child of the HTTP server span when one is
 *   active) with `scim.tenant`, `scim.resource_type`, `scim.operation`, `scim.error.type`,
 *   `scim.request_id`, `http.response.status_code`; errors for 5xx; a child span
 *   `scim.store <call>` per store call;
 * - metrics `scim.server.requests` (counter) and `scim.server.request.duration` (histogram,
 *   seconds) by tenant, operation, resource type and status; `scim.server.rate_limited`
 *   (429s); `scim.events.delivered` and `scim.events.dead_lettered` by event type.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): ScimTelemetry {
  const tracer = options.tracer ?? trace.getTracer('scimkit');
  const meter = options.meter ?? metrics.getMeter('scimkit');
  const tenant = options.tenantAttribute !== false;
  const requests = meter.createCounter('scim.server.requests', { description: 'SCIM requests answered', unit: '{request}' });
  const duration = meter.createHistogram('scim.server.request.duration', { description: 'Time to answer a SCIM request', unit: 's' });
  const limited = meter.createCounter('scim.server.rate_limited', { description: 'SCIM requests refused with 429', unit: '{request}' });
  const delivered = meter.createCounter('scim.events.delivered', { description: 'Lifecycle events delivered to every consumer', unit: '{event}' });
  const dead = meter.createCounter('scim.events.dead_lettered', { description: 'Lifecycle events whose delivery failed for the last time', unit: '{event}' });
  const eventAttributes = (e: OutboxEvent): Attributes => ({ 'scim.event.type': e.type, ...(tenant ? { 'scim.tenant': e.tenant } : {}) });

  return {
    request: (method, fn) =>
      tracer.startActiveSpan(`scim ${method}`, { kind: SpanKind.INTERNAL, attributes: { 'http.request.method': method } }, (span) => {
        const handle: RequestSpan = {
          recording: span.isRecording(),
          end(facts, error) {
            span.updateName(`scim ${facts.operation}${facts.resourceType ? ` ${facts.resourceType}` : ''}`);
            span.setAttributes({ ...requestAttributes(facts, true), 'scim.request_id': facts.requestId });
            if (error !== undefined) span.recordException(error instanceof Error ? error : String(error));
            if (facts.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${facts.status}` });
            span.end();
          },
        };
        return fn(handle);
      }),
    storeCall: (operation, resourceType, fn) =>
      // no recording request span (the API without an SDK, or a sampled-out request): no child span to make
      !trace.getActiveSpan()?.isRecording()
        ? fn()
        : tracer.startActiveSpan(
            `scim.store ${operation}`,
            { kind: SpanKind.INTERNAL, attributes: { 'scim.store.operation': operation, ...(resourceType ? { 'scim.resource_type': resourceType } : {}) } },
            async (span) => {
              try {
                return await fn();
              } catch (e) {
                span.recordException(e instanceof Error ? e : String(e));
                span.setStatus({ code: SpanStatusCode.ERROR });
                throw e;
              } finally {
                span.end();
              }
            },
          ),
    observe(r: ActivityRecord) {
      const a = requestAttributes(r, tenant);
      requests.add(1, a);
      duration.record(r.ms / 1000, a);
      if (r.status === 429) limited.add(1, a);
    },
    eventDelivered: (e) => delivered.add(1, eventAttributes(e)),
    eventDeadLettered: (e) => dead.add(1, eventAttributes(e)),
  };
}
