/**
 * What the engine asks of telemetry: a span around each request and each store call, and
 * metrics from records after the response. `scimkit/opentelemetry` implements it with
 * `@opentelemetry/api`; without a telemetry option the engine calls none of it.
 * @module
 */

import type { ActivityOperation, ActivityRecord } from '../stores/activity-log.js';
import type { OutboxEvent } from '../stores/outbox.js';

/** The SCIM facts a request span ends with. */
export interface RequestFacts {
  /** The tenant, when known. */
  tenant?: string;
  /** The resource type the request named. */
  resourceType?: string;
  /** The operation. */
  operation: ActivityOperation;
  /** The status answered. */
  status: number;
  /** The error's scimType. */
  scimType?: string;
  /** The request id. */
  requestId: string;
}

/** One request's span. */
export interface RequestSpan {
  /** Whether the span records anything (false without an SDK, or when sampled out): the facts are then not gathered. */
  readonly recording: boolean;
  /** Ends the span with the request's facts. */
  end(facts: RequestFacts, error?: unknown): void;
}

/** Spans and metrics of one server. */
export interface ScimTelemetry {
  /** Runs a request in a span (active for the store calls it makes). */
  request<T>(method: string, fn: (span: RequestSpan) => Promise<T>): Promise<T>;
  /** Runs one store call in a child span of the active request span. */
  storeCall<T>(operation: string, resourceType: string | undefined, fn: () => Promise<T>): Promise<T>;
  /** Counts an answered request (after the response: duration, status, rate limiting). */
  observe(record: ActivityRecord): void;
  /** Counts an event delivered to every consumer. */
  eventDelivered(event: OutboxEvent): void;
  /** Counts an event whose delivery failed for the last time. */
  eventDeadLettered(event: OutboxEvent): void;
}
