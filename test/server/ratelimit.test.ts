// The in-memory limiter is bounded in bytes, not only in keys: a key of any length costs the
// same (long ones are kept as their digest), and buckets that refilled go away as requests go on.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const budget = { burst: 2, perSecond: 1 };

describe('MemoryRateLimiter', () => {
  it('5,000 keys of 15,000 characters hold under 4 MB (kept whole, they held 75 MB)', () => {
    const limiter = new MemoryRateLimiter();
    gc();
    const before = getHeapStatistics().used_heap_size;
    // flat strings, as a path read from a socket is ('x'.repeat makes a tree that shares its parts)
    for (let i = 0; i < 5000; i++) limiter.take(Buffer.alloc(15_000, 120).toString('latin1') + String(i), budget);
    gc();
    expect(getHeapStatistics().used_heap_size - before).toBeLessThan(4 * 1024 * 1024);
    expect(limiter.size).toBe(5000);
  });

  it('a long key is still its own bucket: the same key is refused past its burst, another is not', () => {
    const limiter = new MemoryRateLimiter({ now: () => 0 });
    const a = `a${'x'.repeat(1000)}`;
    const b = `b${'x'.repeat(1000)}`;
    expect([limiter.take(a, budget).allowed, limiter.take(a, budget).allowed, limiter.take(a, budget).allowed]).toEqual([true, true, false]);
    expect(limiter.take(b, budget).allowed).toBe(true);
  });

  it('buckets that have refilled are dropped as later requests come: after a flood of new keys, the map shrinks again', () => {
    let clock = 0;
    const limiter = new MemoryRateLimiter({ now: () => clock });
    for (let i = 0; i < 1000; i++) limiter.take(`flood-${i}`, budget);
    expect(limiter.size).toBe(1000);
    // one token refills in a second: every flood bucket is full again after it
    clock += 1001;
    for (let i = 0; i < 600; i++) limiter.take('steady', { burst: 1000, perSecond: 1000 });
    expect(limiter.size).toBe(1);
    // a bucket that has not refilled stays, with what it had taken
    limiter.take('held', { burst: 1, perSecond: 0.001 });
    clock += 10;
    for (let i = 0; i < 10; i++) limiter.take('steady', { burst: 1000, perSecond: 1000 });
    expect(limiter.take('held', { burst: 1, perSecond: 0.001 }).allowed).toBe(false);
  });
});
