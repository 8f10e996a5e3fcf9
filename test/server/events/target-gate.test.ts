// The gate of one consumer for one tenant, on a clock of the test's: the circuit opens after
// failures in a row, refuses without calling the consumer, lets one trial through after the
// cool-down and closes on its success; places beyond the cap wait a little, then are deferred.
import { describe, expect, it } from 'vitest';
import { BackedOff, DeliveryDeferred } from '../../../src/server/events/postponed.js';
import { type GateChange, type GateLimits, TargetGate } from '../../../src/server/events/target-gate.js';

const limits: GateLimits = { concurrency: 2, queue: 1, maxWaitMs: 50, breakAfter: 3, cooldownBaseMs: 1000, cooldownMaxMs: 8000, deferMs: 100 };
const signal = new AbortController().signal;
const fail = () => Promise.reject(new Error('answered 500'));
const ok = () => Promise.resolve();

describe('TargetGate', () => {
  it('opens after failures in a row, refuses while open, lets one trial through after the cool-down, closes on success', async () => {
    let now = 0;
    const changes: GateChange['state'][] = [];
    const gate = new TargetGate(
      'webhook http://h/x for tenant acme',
      limits,
      (c) => changes.push(c.state),
      () => now,
    );
    let calls = 0;
    const counted = () => {
      calls++;
      return fail();
    };
    for (let i = 0; i < 3; i++) await expect(gate.run(counted, signal)).rejects.toThrow('answered 500');
    expect(changes).toEqual(['open']);
    // open: refused without a call, until the cool-down (500 to 1,000 ms with jitter) ends
    const refused = await gate.run(counted, signal).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackedOff);
    expect((refused as BackedOff).until).toBeGreaterThanOrEqual(500);
    expect((refused as BackedOff).message).toMatch(/webhook http:\/\/h\/x for tenant acme is backed off after 3 failures in a row.*answered 500/);
    expect(calls).toBe(3);
    // the trial fails: open again, for longer (1,000 to 2,000 ms)
    now = (refused as BackedOff).until;
    await expect(gate.run(counted, signal)).rejects.toThrow('answered 500');
    expect(calls).toBe(4);
    const again = (await gate.run(counted, signal).catch((e: unknown) => e)) as BackedOff;
    expect(again.until - now).toBeGreaterThanOrEqual(1000);
    // while a trial is in flight, the others are refused
    now = again.until;
    let finish: () => void = () => undefined;
    const trial = gate.run(() => new Promise<void>((r) => (finish = r)), signal);
    await expect(gate.run(ok, signal)).rejects.toBeInstanceOf(BackedOff);
    finish();
    await trial;
    expect(changes).toEqual(['open', 'open', 'closed']);
    expect(gate.idle).toBe(true);
  });

  it('a success between failures keeps it closed', async () => {
    const gate = new TargetGate(
      'onEvent for tenant acme',
      limits,
      () => undefined,
      () => 0,
    );
    let calls = 0;
    // two failures, a success, two failures…: never three in a row
    for (let i = 0; i < 12; i++)
      await gate
        .run(() => {
          calls++;
          return i % 3 === 2 ? ok() : fail();
        }, signal)
        .catch(() => undefined);
    expect(calls).toBe(12);
  });

  it('beyond the cap: a few wait for a place, the rest are deferred at once, later each time nothing finishes', async () => {
    let now = 0;
    const gate = new TargetGate(
      'webhook http://h/x for tenant acme',
      { ...limits, maxWaitMs: 5000 },
      () => undefined,
      () => now,
    );
    const hanging: (() => void)[] = [];
    const hang = () => new Promise<void>((r) => hanging.push(r));
    const running = [gate.run(hang, signal), gate.run(hang, signal)];
    // the queue's one place: it waits, and gets the first place that frees
    let waited = false;
    const waiting = gate.run(async () => void (waited = true), signal);
    const first = (await gate.run(hang, signal).catch((e: unknown) => e)) as DeliveryDeferred;
    expect(first).toBeInstanceOf(DeliveryDeferred);
    expect(first.until).toBe(100);
    // deferred again in the same window: the same due time; in the next, twice as far
    expect(((await gate.run(hang, signal).catch((e: unknown) => e)) as DeliveryDeferred).until).toBe(100);
    now = 100;
    expect(((await gate.run(hang, signal).catch((e: unknown) => e)) as DeliveryDeferred).until).toBe(300);
    hanging[0]!();
    await waiting;
    expect(waited).toBe(true);
    hanging[1]!();
    await Promise.all(running);
    expect(gate.idle).toBe(true);
  });

  it('a wait that lasts too long, or a dispatcher that closes, defers the delivery without calling the consumer', async () => {
    const gate = new TargetGate('webhook http://h/x for tenant acme', limits, () => undefined);
    const hanging: (() => void)[] = [];
    const busy = [gate.run(() => new Promise<void>((r) => hanging.push(r)), signal), gate.run(() => new Promise<void>((r) => hanging.push(r)), signal)];
    let called = false;
    await expect(gate.run(async () => void (called = true), signal)).rejects.toBeInstanceOf(DeliveryDeferred);
    const stop = new AbortController();
    const waiting = gate.run(async () => void (called = true), stop.signal);
    stop.abort();
    await expect(waiting).rejects.toBeInstanceOf(DeliveryDeferred);
    expect(called).toBe(false);
    for (const h of hanging) h();
    await Promise.all(busy);
  });
});
