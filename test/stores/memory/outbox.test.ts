// MemoryOutbox claims what is due, in order per resource, however many events wait backed off:
// a claim looks at due events, not at every pending one (a hanging webhook target's thousands
// of backed-off events made every write's claim walk them all, bench/RESULTS.md, Containment).
import { describe, expect, it } from 'vitest';
import { MemoryOutbox } from '../../../src/stores/memory/outbox.js';

const ctx = (tenant: string) => ({ tenant, requestId: 'r' });
const draft = (id: string, resourceId: string) => ({ id, type: 'user.created' as const, resourceType: 'User', resourceId });

describe('MemoryOutbox', () => {
  it('behind 20,000 backed-off events, a new event of another resource is claimed at once, and the backed-off ones when due', async () => {
    let now = 1_000;
    const outbox = new MemoryOutbox(() => now);
    for (let i = 0; i < 20_000; i++) outbox.append(ctx('acme'), [draft(`a${i}`, `u${i}`)] as never);
    const first = await outbox.claim({ limit: 20_000, leaseMs: 10_000 });
    expect(first).toHaveLength(20_000);
    for (const e of first) await outbox.fail(e.id, { error: 'hangs', retryAt: new Date(now + 60_000) });
    outbox.append(ctx('globex'), [draft('g1', 'v1')] as never);
    expect((await outbox.claim({ limit: 10, leaseMs: 10_000 })).map((e) => e.id)).toEqual(['g1']);
    await outbox.acknowledge(['g1']);
    expect(await outbox.claim({ limit: 10, leaseMs: 10_000 })).toEqual([]);
    now += 60_000;
    const retried = await outbox.claim({ limit: 5, leaseMs: 10_000 });
    expect(retried.map((e) => [e.id, e.attempts])).toEqual([
      ['a0', 2],
      ['a1', 2],
      ['a2', 2],
      ['a3', 2],
      ['a4', 2],
    ]);
  });

  it('one resource at a time: the next event of a resource is claimable once the one before is delivered or dead', async () => {
    const now = 1_000;
    const outbox = new MemoryOutbox(() => now);
    outbox.append(ctx('t'), [draft('e1', 'u'), draft('e2', 'u'), draft('e3', 'u'), draft('f1', 'w')] as never);
    expect((await outbox.claim({ limit: 10, leaseMs: 0 })).map((e) => e.id)).toEqual(['e1', 'f1']);
    // a lease of 0 ms makes them due again at once, but never twice in one claim
    expect((await outbox.claim({ limit: 10, leaseMs: 0 })).map((e) => e.id)).toEqual(['e1', 'f1']);
    await outbox.acknowledge(['e1']);
    await outbox.fail('f1', { error: 'gone', dead: true });
    expect((await outbox.claim({ limit: 10, leaseMs: 1_000 })).map((e) => e.id)).toEqual(['e2']);
    await outbox.release(['e2']);
    expect((await outbox.claim({ limit: 10, leaseMs: 1_000 })).map((e) => e.id)).toEqual(['e2']);
    await outbox.acknowledge(['e2']);
    expect((await outbox.claim({ limit: 10, leaseMs: 1_000 })).map((e) => e.id)).toEqual(['e3']);
    expect(await outbox.replay(['f1'])).toBe(1);
    expect((await outbox.claim({ limit: 10, leaseMs: 1_000 })).map((e) => e.id)).toEqual(['f1']);
  });
});
