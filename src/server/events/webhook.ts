/**
 * Webhooks: lifecycle events POSTed to a URL, signed as the Standard Webhooks specification
 * says (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `id.timestamp.body`), for hosts that run the SCIM service apart from the product. They
 * are a consumer beside `onEvent`, with the same retries and dead letters.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LifecycleEventType, OutboxEvent } from '../../stores/outbox.js';

/** One webhook endpoint. */
export interface WebhookTarget {
  /**
   * Where events are POSTed: an http or https URL (https in production), without credentials
   * (`user:password@`: the signature authenticates the POST). Logs and dead letters name it
   * without its query.
   */
  url: string;
  /**
   * The signing secret: `whsec_` and the base64 of at least 24 bytes (Standard Webhooks);
   * make one with {@link generateWebhookSecret}.
   */
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

/**
 * The fewest bytes of key a secret may hold (the lower bound the Standard Webhooks
 * specification gives): `''`, `whsec_` or `whsec_!!!!` decode to no key at all, and an HMAC
 * with an empty key is one anyone can compute.
 */
const MIN_SECRET_BYTES = 24;

/** Base64 (standard alphabet), padded or not: Buffer.from would skip anything else silently. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** The HMAC key of a secret, or what is wrong with the secret (never the secret itself). */
function keyOrFault(secret: unknown): Buffer | string {
  if (typeof secret !== 'string' || !secret.startsWith('whsec_')) return 'it does not start with whsec_';
  const encoded = secret.slice(6);
  if (!BASE64.test(encoded)) return 'what follows whsec_ is not base64';
  const key = Buffer.from(encoded, 'base64');
  return key.length < MIN_SECRET_BYTES ? `it decodes to ${key.length} bytes` : key;
}

const SECRET_RULE = `must be whsec_ followed by the base64 of at least ${MIN_SECRET_BYTES} random bytes (generateWebhookSecret() makes one)`;

/** The HMAC key of a secret; a TypeError for one that is not `whsec_` and base64 of 24 bytes or more. */
function keyOf(secret: string): Buffer {
  const key = keyOrFault(secret);
  if (typeof key === 'string') throw new TypeError(`The webhook secret ${SECRET_RULE}; ${key}`);
  return key;
}

/**
 * The `webhook-signature` value of a body: `v1,` and the base64 HMAC-SHA256 of
 * `id.timestamp.body`. A secret that is not `whsec_` and the base64 of at least 24 bytes is
 * a TypeError.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The headers of a received webhook: a Fetch `Headers`, or a plain object with names in any case (Node's `req.headers`). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A header's one value, by name in any case; undefined when absent or sent more than once. */
function headerOf(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  let found: string | undefined;
  for (const key in headers) {
    if (key.toLowerCase() !== name) continue;
    const value = headers[key];
    if (typeof value !== 'string' || found !== undefined) return undefined;
    found = value;
  }
  return found;
}

/** `webhook-timestamp`: seconds since the epoch in decimal digits, nothing else (no sign, point, exponent or hex). */
const TIMESTAMP = /^[0-9]{1,15}$/;
/** One `v1` entry: `v1,` and base64 of the length of an HMAC-SHA256 (compared as text below: one spelling only). */
const V1_SIGNATURE = /^v1,([A-Za-z0-9+/]{43}=)$/;

/**
 * Whether a received webhook is genuine and fresh, as the Standard Webhooks specification
 * has it: `webhook-id` is present, `webhook-timestamp` is integer seconds in decimal digits
 * within `toleranceSeconds` (default 300) of now, and one of the space-delimited entries of
 * `webhook-signature` is `v1,` and the base64 signature of this body (entries of other
 * versions are skipped). Header names are matched in any case, from a plain object or a
 * `Headers`. A secret that is not `whsec_` and the base64 of at least 24 bytes is a
 * TypeError. For the receiving side.
 */
export function verifyWebhook(secret: string, headers: WebhookHeaders, body: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const key = keyOf(secret);
  const id = headerOf(headers, 'webhook-id');
  const timestamp = headerOf(headers, 'webhook-timestamp');
  const sigs = headerOf(headers, 'webhook-signature');
  if (!id || !timestamp || !TIMESTAMP.test(timestamp) || !sigs) return false;
  const ts = Number(timestamp);
  if (Math.abs(now / 1000 - ts) > toleranceSeconds) return false;
  // signed over the timestamp as sent: its digits are the ones the sender signed
  const want = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  let match = false;
  for (const entry of sigs.split(' ')) {
    const sig = V1_SIGNATURE.exec(entry)?.[1];
    // every entry is compared, a match or not, so the time taken does not say which one matched
    if (sig !== undefined && timingSafeEqual(Buffer.from(sig), want)) match = true;
  }
  return match;
}

/**
 * A target URL as logs and dead letters show it: scheme, host and path, never the userinfo
 * or the query (either may carry a secret). @internal
 */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

/**
 * The targets of `createScimServer({ events: { webhooks } })`, checked and copied (a target
 * changed afterwards changes nothing): a TypeError names the first one that is wrong. The URL
 * must be http or https without credentials (fetch refuses them, so such a target would never
 * deliver); the secret `whsec_` and the base64 of at least 24 bytes. @internal
 */
export function checkedWebhookTargets(targets: readonly WebhookTarget[]): WebhookTarget[] {
  return targets.map((target, i) => {
    const at = `createScimServer: events.webhooks[${i}]`;
    let url: URL | undefined;
    try {
      url = new URL(target.url);
    } catch {
      // the message names no part of the URL: it may be a mistyped one with a secret in it
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new TypeError(`${at}.url must be an absolute http or https URL`);
    if (url.username || url.password)
      throw new TypeError(`${at}.url (${redactedUrl(target.url)}) must not carry credentials (user:password@): the webhook signature authenticates each POST`);
    const key = keyOrFault(target.secret);
    if (typeof key === 'string') throw new TypeError(`${at}.secret ${SECRET_RULE}; ${key}`);
    return Object.freeze({ ...target, ...(target.types ? { types: Object.freeze([...target.types]) } : {}) });
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

/**
 * Why a POST failed, for logs and dead letters: the cause's code (ECONNREFUSED…) or message,
 * with the target's URL, should it appear, shown redacted.
 */
function reasonOf(e: unknown, target: WebhookTarget, timeoutMs: number): string {
  if (e instanceof Error && e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const text =
    typeof cause?.code === 'string'
      ? cause.code
      : e instanceof Error
        ? `${e.message}${typeof cause?.message === 'string' ? `: ${cause.message}` : ''}`
        : String(e);
  return text.split(target.url).join(redactedUrl(target.url));
}

/** POSTs one event to a target; throws unless it answers 2xx in time. Its errors name the target by {@link redactedUrl}. */
export async function postWebhook(target: WebhookTarget, e: OutboxEvent): Promise<void> {
  const body = JSON.stringify(webhookPayload(e));
  const timestamp = Math.floor(Date.now() / 1000);
  const timeoutMs = target.timeoutMs ?? 10_000;
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
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  }).catch((err: unknown) => {
    throw new Error(`webhook ${redactedUrl(target.url)} could not be reached: ${reasonOf(err, target, timeoutMs)}`);
  });
  // drained either way: an unread body keeps the connection busy
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook ${redactedUrl(target.url)} answered ${res.status}`);
}
