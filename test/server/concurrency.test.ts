import { describe, expect, it, vi } from 'vitest';
import { ConcurrencyLimit } from '../../src/server/concurrency.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ConcurrencyLimit', () => {
  it('a free slot is given at once, without a promise; a full lane makes the caller wait its turn, first come first served', async () => {
    const c = new ConcurrencyLimit(2, 1000, 10);
    const a = c.acquire('t');
    const b = c.acquire('t');
    expect(typeof a).toBe('function');
    expect(typeof b).toBe('function');
    const order: string[] = [];
    const w1 = Promise.resolve(c.acquire('t')).then((r) => {
      order.push('w1');
      return r;
    });
    const w2 = Promise.resolve(c.acquire('t')).then((r) => {
      order.push('w2');
      return r;
    });
    // another key is not held up
    expect(typeof c.acquire('u')).toBe('function');
    await sleep(5);
    expect(order).toEqual([]);
    (a as () => void)();
    const r1 = await w1;
    expect(order).toEqual(['w1']);
    (b as () => void)();
    const r2 = await w2;
    expect(order).toEqual(['w1', 'w2']);
    expect([typeof r1, typeof r2]).toEqual(['function', 'function']);
  });

  it('a waiter past maxWaitMs gets undefined and never takes a slot; one that came later still waits its own time', async () => {
    const c = new ConcurrencyLimit(1, 60, 10);
    const held = c.acquire('t') as () => void;
    const t0 = Date.now();
    const first = Promise.resolve(c.acquire('t'));
    await sleep(30);
    const second = Promise.resolve(c.acquire('t'));
    expect(await first).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    held();
    // the slot goes to the second (still in time), not to the one that gave up
    const r = await second;
    expect(typeof r).toBe('function');
    (r as () => void)();
    expect(typeof c.acquire('t')).toBe('function');
  });

  it('past maxQueued waiting, the answer is undefined at once', async () => {
    const c = new ConcurrencyLimit(1, 1000, 1);
    const held = c.acquire('t') as () => void;
    const waiting = Promise.resolve(c.acquire('t'));
    expect(c.acquire('t')).toBeUndefined();
    held();
    const r = (await waiting) as () => void;
    r();
  });

  it('a wait longer than setTimeout can hold arms one timer and does not spin; a wall-clock step does not expire a waiter', async () => {
    const c = new ConcurrencyLimit(1, 2 ** 31 + 60_000, 10);
    const held = c.acquire('t') as () => void;
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const real = Date.now.bind(Date);
    const waiting = Promise.resolve(c.acquire('t'));
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => real() + 2 ** 32);
    await sleep(20);
    // every timer armed meanwhile but this test's own sleep(20)
    const calls = spy.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms !== 20);
    clock.mockRestore();
    spy.mockRestore();
    expect(calls.length).toBe(1);
    held();
    expect(typeof (await waiting)).toBe('function');
  });
});
