/**
 * Webhooks: lifecycle events POSTed to a URL, signed as the Standard Webhooks specification
 * says (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `id.timestamp.body`), for hosts that run the SCIM service apart from the product. They
 * are a consumer beside `onEvent`, with the same retries and dead letters.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LifecycleEventType, OutboxEvent } from '../store/outbox.js';

/** One webhook endpoint. */
export interface WebhookTarget {
  /** Where events are POSTed (https in production). */
  url: string;
  /** The signing secret, `whsec_` and base64 (Standard Webhooks); make one with {@link generateWebhookSecret}. */
  secret: string;
  /** Only this tenant's events (default: every tenant's). */
  tenant?: string;
  /** Only these event types (default: all). */
  types?: readonly LifecycleEventType[];
  /** How long one POST may take (default 10,000 ms); longer is a failed attempt. */
  timeoutMs?: number;
}

/** The JSON body of a webhook POST. */
export interface WebhookPayload {
  /** The lifecycle event type, e.g. `user.created`. */
  type: LifecycleEventType;
  /** When the change committed (ISO 8601). */
  timestamp: string;
  /** The event. */
  data: {
    /** The event's id (also the `webhook-id` header): the same on every attempt. */
    eventId: string;
    /** The tenant's sequence number of the event. */
    seq: number;
    /** The tenant. */
    tenant: string;
    /** The resource type's name. */
    resourceType: string;
    /** The resource's id. */
    id: string;
    /** The resource after the change. */
    resource?: unknown;
    /** The resource before the change. */
    previous?: unknown;
    /** For member events: the member ids. */
    memberIds?: string[];
    /** The request's context: workspace, default role, request id (never a token). */
    context: Record<string, unknown>;
  };
}

/** A new signing secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** The `webhook-signature` value of a body: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * Whether a received webhook is genuine and fresh: one of the signatures in
 * `webhook-signature` matches, and `webhook-timestamp` is within `toleranceSeconds` (default
 * 300) of now. For the receiving side.
 */
export function verifyWebhook(
  secret: string,
  headers: { 'webhook-id'?: string; 'webhook-timestamp'?: string; 'webhook-signature'?: string },
  body: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const id = headers['webhook-id'];
  const ts = Number(headers['webhook-timestamp']);
  const sigs = headers['webhook-signature'];
  if (!id || !Number.isInteger(ts) || !sigs || Math.abs(now / 1000 - ts) > toleranceSeconds) return false;
  const want = Buffer.from(signWebhook(secret, id, ts, body).slice(3), 'base64');
  return sigs.split(' ').some((s) => {
    if (!s.startsWith('v1,')) return false;
    const got = Buffer.from(s.slice(3), 'base64');
    return got.length === want.length && timingSafeEqual(got, want);
  });
}

/** The payload of an event. */
export function webhookPayload(e: OutboxEvent): WebhookPayload {
  const data: WebhookPayload['data'] = {
    eventId: e.id,
    seq: e.seq,
    tenant: e.tenant,
    resourceType: e.resourceType,
    id: e.resourceId,
    context: { ...e.context },
  };
  if (e.data.resource) data.resource = e.data.resource;
  if (e.data.previous) data.previous = e.data.previous;
  if (e.data.memberIds) data.memberIds = e.data.memberIds;
  return { type: e.type, timestamp: e.time, data };
}

/** Whether a target takes this event. */
export function wants(target: WebhookTarget, e: OutboxEvent): boolean {
  return (target.tenant === undefined || target.tenant === e.tenant) && (target.types === undefined || target.types.includes(e.type));
}

/** POSTs one event to a target; throws unless it answers 2xx in time. */
export async function postWebhook(target: WebhookTarget, e: OutboxEvent): Promise<void> {
  const body = JSON.stringify(webhookPayload(e));
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(target.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      // the event id: the same on every attempt, so receivers de-duplicate by it
      'webhook-id': e.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(target.secret, e.id, timestamp, body),
    },
    body,
    signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
    redirect: 'manual',
  });
  // drained either way: an unread body keeps the connection busy
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook ${new URL(target.url).host} answered ${res.status}`);
}
