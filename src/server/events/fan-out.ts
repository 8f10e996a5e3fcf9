/**
 * One delivery of an event to every consumer (onEvent, each webhook), each through the gate
 * of that consumer for the event's tenant (events/target-gate.ts): a consumer that hangs or
 * keeps failing for one tenant holds back neither the other consumers nor the other tenants.
 * A retry goes only to the consumers that have not taken the event yet in this process
 * (after a restart, to all: consumers de-duplicate by event id).
 * @module
 */

import { Lru } from '../../core/lru.js';
import type { OutboxEvent } from '../../stores/outbox.js';
import type { ScimLogger } from '../activity/logger.js';
import type { Deliver } from './dispatcher.js';
import { BackedOff, DeliveryDeferred } from './postponed.js';
import { type GateLimits, TargetGate } from './target-gate.js';

/** One consumer of events. */
export interface EventConsumer {
  /** How logs and errors name it: `onEvent`, or `webhook <redacted URL>`. */
  name: string;
  /** Whether it takes this event (an event it does not take touches no gate). */
  wants(e: OutboxEvent): boolean;
  /** Hands it the event; throws to have it retried. */
  deliver(e: OutboxEvent): Promise<void>;
}

/** Where a fan-out says that a consumer was backed off and that it recovered. */
export type FanOutLogger = Pick<ScimLogger, 'error' | 'info'>;

/**
 * A delivery to all of `consumers`, each through its gate for the event's tenant. Throws,
 * once every consumer was tried: the first failure of a consumer that was tried; else
 * {@link DeliveryDeferred} (the earliest time a busy consumer may have a place); else
 * {@link BackedOff} (the latest time a backed-off consumer lets a trial through).
 */
export function fanOut(consumers: readonly EventConsumer[], limits: GateLimits, logger: FanOutLogger, now: () => number = Date.now): Deliver {
  const took = new Lru<string, Set<number>>(10_000);
  // gates of consumers and tenants with deliveries under way or failures on record; an idle
  // one is dropped, so this holds no more than the tenants whose events are moving or failing
  const gates = new Map<string, TargetGate>();
  const gateOf = (i: number, tenant: string): [string, TargetGate] => {
    const key = `${i}\u0000${tenant}`;
    let gate = gates.get(key);
    if (!gate) {
      const name = `${consumers[i]!.name} for tenant ${tenant}`;
      gate = new TargetGate(
        name,
        limits,
        (change) =>
          change.state === 'open'
            ? logger.error(
                { consumer: consumers[i]!.name, tenant, failures: change.failures, until: new Date(change.until).toISOString(), error: change.lastError },
                'event consumer failed repeatedly; backed off as a whole (its events wait, then one trial delivery)',
              )
            : logger.info({ consumer: consumers[i]!.name, tenant }, 'event consumer delivered again; no longer backed off'),
        now,
      );
      gates.set(key, gate);
    }
    return [key, gate];
  };
  return async (e, signal) => {
    const done = took.get(e.id) ?? new Set<number>();
    const failures: unknown[] = [];
    await Promise.all(
      consumers.map(async (consumer, i) => {
        if (done.has(i) || !consumer.wants(e)) return;
        const [key, gate] = gateOf(i, e.tenant);
        try {
          await gate.run(() => consumer.deliver(e), signal);
          done.add(i);
        } catch (err) {
          failures.push(err);
        } finally {
          if (gate.idle) gates.delete(key);
        }
      }),
    );
    if (!failures.length) return;
    took.set(e.id, done);
    const tried = failures.find((f) => !(f instanceof BackedOff) && !(f instanceof DeliveryDeferred));
    if (tried !== undefined) throw tried;
    // a busy consumer is asked again soon, and a backed-off one refuses again without a cost:
    // the event waits for neither's back-off when the other could take it
    const deferred = failures.filter((f): f is DeliveryDeferred => f instanceof DeliveryDeferred);
    if (deferred.length) throw deferred.reduce((a, b) => (b.until < a.until ? b : a));
    throw (failures as BackedOff[]).reduce((a, b) => (b.until > a.until ? b : a));
  };
}
