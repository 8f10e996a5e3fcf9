/**
 * One delivery of an event to every consumer (onEvent, each webhook). A retry goes only to
 * the consumers that have not taken the event yet in this process (after a restart, to all:
 * consumers de-duplicate by event id).
 * @module
 */
import { Lru } from '../lru.js';
import type { OutboxEvent } from '../store/outbox.js';

/** A delivery to all of `consumers` that throws the first failure once every one was tried. */
export function fanOut(consumers: readonly ((e: OutboxEvent) => Promise<void>)[]): (e: OutboxEvent) => Promise<void> {
  const took = new Lru<string, Set<number>>(10_000);
  return async (e) => {
    const done = took.get(e.id) ?? new Set<number>();
    const failures: unknown[] = [];
    await Promise.all(
      consumers.map(async (consume, i) => {
        if (done.has(i)) return;
        try {
          await consume(e);
          done.add(i);
        } catch (err) {
          failures.push(err);
        }
      }),
    );
    if (failures.length) {
      took.set(e.id, done);
      throw failures[0];
    }
  };
}
