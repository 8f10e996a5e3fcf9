/**
 * A server's lifecycle events: who consumes them (`hooks.onEvent` and each webhook), the
 * dispatcher that delivers them, the recorder that keeps them with each write, and the change
 * log as the host reads and repairs it.
 * @module
 */

import type { SchemaRegistry } from '../core/schema/registry.js';
import { MemoryOutbox } from '../stores/memory/outbox.js';
import { type EventLogQuery, type EventOutbox, failureText, type OutboxEvent } from '../stores/outbox.js';
import type { ProvisioningStore } from '../stores/store.js';
import type { ScimLogger } from './activity/logger.js';
import { EventDispatcher, gateLimits } from './events/dispatcher.js';
import { type EventConsumer, fanOut } from './events/fan-out.js';
import { EventRecorder } from './events/recorder.js';
import { checkedWebhookTargets, postWebhook, redactedUrl, wants } from './events/webhook.js';
import { lifecycleEvent, type ScimHooks } from './hooks.js';
import type { EventOptions } from './options.js';
import type { ScimTelemetry } from './telemetry.js';

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

/** A server's event machinery, made and started once. */
export interface ServerEvents {
  /** Where events are kept: the store's outbox, else one in memory. */
  readonly outbox: EventOutbox;
  /** Delivery to the consumers; undefined when there are none. */
  readonly dispatcher: EventDispatcher | undefined;
  /** What records each write's events with it (the engine's `events`). */
  readonly recorder: EventRecorder;
}

/**
 * Each consumer of an event: onEvent and every webhook, each behind a gate per tenant; a retry
 * skips the ones that already took it in this process (after a restart all get it again:
 * consumers de-duplicate by event id). A webhook target that could never deliver, or whose
 * signatures anyone could forge, is a TypeError now, not a dead letter later.
 */
function eventConsumers(hooks: ScimHooks, options: EventOptions | undefined, registry: SchemaRegistry, logger: ScimLogger): EventConsumer[] {
  const webhooks = checkedWebhookTargets(options?.webhooks ?? []);
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
  return consumers;
}

/** Makes the event machinery of a server on `store` and starts delivery (when anyone consumes events). */
export function startEvents(
  store: ProvisioningStore,
  hooks: ScimHooks,
  options: EventOptions | undefined,
  registry: SchemaRegistry,
  logger: ScimLogger,
  telemetry: ScimTelemetry | undefined,
): ServerEvents {
  const consumers = eventConsumers(hooks, options, registry, logger);
  const deliver = fanOut(consumers, gateLimits(options ?? {}), logger);
  // a store without an outbox of its own: events are kept in memory after its writes
  const outbox = store.outbox ?? new MemoryOutbox();
  const dispatcher = consumers.length
    ? new EventDispatcher(
        outbox,
        deliver,
        options ?? {},
        logger,
        true,
        telemetry ? { delivered: (e) => telemetry.eventDelivered(e), deadLettered: (e) => telemetry.eventDeadLettered(e) } : undefined,
      )
    : undefined;
  const recorder = new EventRecorder(store, outbox, dispatcher, {
    wait: options?.mode === 'beforeResponse',
    ...(options?.retention ? { retention: options.retention } : {}),
    onPruneError: (e) => logger.error({ error: failureText(e) }, 'pruning the change log failed; it is retried later'),
  });
  dispatcher?.start();
  return { outbox, dispatcher, recorder };
}

/** The change log as the host reads it; a replay wakes delivery. */
export function eventLogOf({ outbox, dispatcher, recorder }: ServerEvents): ScimEventLog {
  return {
    list: (query) => outbox.list(query),
    deadLetters: (query = {}) => outbox.deadLetters(query),
    replay: async (ids) => {
      const n = await outbox.replay(ids);
      dispatcher?.wake();
      return n;
    },
    prune: () => recorder.prune(),
  };
}
