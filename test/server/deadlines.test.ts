import { describe, expect, it, vi } from 'vitest';
import { createScimServer, MemoryStore, type ProvisioningStore, ScimError } from '../../src/index.js';
import { Deadlines } from '../../src/server/deadlines.js';
import { U } from './helpers.js';

const never = () => new Promise<never>(() => {});
const settle = () => new Promise((r) => setImmediate(r));

describe('Deadlines: one timer for every request in flight', () => {
  it('work that settles in time gives its result or its error, and nobody is told it was late', async () => {
    const d = new Deadlines();
    let late = 0;
    await expect(d.race(Promise.resolve(7), Date.now() + 1000, () => late++)).resolves.toBe(7);
    await expect(d.race(Promise.reject(new Error('boom')), Date.now() + 1000, () => late++)).rejects.toThrow('boom');
    expect(late).toBe(0);
    expect(d.size).toBe(0);
  });

  it('work past its deadline is answered 503 with Retry-After, and onLate runs once', async () => {
    const d = new Deadlines();
    let late = 0;
    const t0 = Date.now();
    const err = await d.race(never(), t0 + 30, () => late++).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScimError);
    expect([(err as ScimError).status, (err as ScimError).retryAfter]).toEqual([503, 1]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(29);
    expect(late).toBe(1);
    expect(d.size).toBe(0);
  });

  it('a deadline earlier than one already waiting fires at its own time, not the other one', async () => {
    const d = new Deadlines();
    const order: string[] = [];
    const t0 = Date.now();
    let finish!: () => void;
    const slow = d.race(new Promise<void>((r) => (finish = r)), t0 + 5000, () => order.push('slow'));
    await d.race(never(), t0 + 20, () => order.push('fast')).catch(() => undefined);
    expect(order).toEqual(['fast']);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(d.size).toBe(1);
    finish();
    await slow;
    expect([order, d.size]).toEqual([['fast'], 0]);
  });

  it('settled work leaves nothing behind: a thousand requests keep no entry', async () => {
    const d = new Deadlines();
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        d.race(
          settle().then(() => i),
          Date.now() + 60_000,
          () => undefined,
        ),
      ),
    );
    expect(d.size).toBe(0);
  });

  it('work that settles just after it was answered 503 is not told twice', async () => {
    const d = new Deadlines();
    let late = 0;
    let finish!: () => void;
    const work = new Promise<void>((r) => {
      finish = r;
    });
    await expect(d.race(work, Date.now() + 10, () => late++)).rejects.toBeInstanceOf(ScimError);
    finish();
    await settle();
    expect(late).toBe(1);
  });
});

describe('Deadlines: limits and clocks it must survive', () => {
  it('a deadline past what setTimeout can hold (2^31 ms) arms one timer and does not spin', async () => {
    const d = new Deadlines();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    let finish!: () => void;
    const work = d.race(new Promise<void>((r) => (finish = r)), Date.now() + 2 ** 31 + 60_000, () => undefined);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const armed = spy.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms > 1000).length;
    const spun = spy.mock.calls.filter(([, ms]) => ms === undefined || (typeof ms === 'number' && ms <= 1)).length;
    spy.mockRestore();
    finish();
    await work;
    expect([armed, spun]).toEqual([1, 0]);
  });

  it('an Infinity deadline never answers 503 and arms no timer', async () => {
    const d = new Deadlines();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    let finish!: (v: string) => void;
    const work = d.race(new Promise<string>((r) => (finish = r)), Number.POSITIVE_INFINITY, () => undefined);
    await new Promise((r) => setImmediate(r));
    const armed = spy.mock.calls.length;
    spy.mockRestore();
    expect([armed, d.size]).toEqual([0, 1]);
    finish('done');
    await expect(work).resolves.toBe('done');
  });

  it('the wall clock stepping back does not delay a deadline', async () => {
    const d = new Deadlines();
    const t0 = Date.now();
    const real = Date.now.bind(Date);
    const race = d.race(never(), t0 + 40, () => undefined).catch((e: unknown) => e);
    // NTP or a resumed VM moves the clock back a minute once the request waits
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => real() - 60_000);
    const got = await Promise.race([race, new Promise((r) => setTimeout(() => r('late'), 1000))]);
    spy.mockRestore();
    expect(got).toBeInstanceOf(ScimError);
  });

  it('an onLate that throws does not keep the other late work waiting', async () => {
    const d = new Deadlines();
    const at = Date.now() + 20;
    const first = d.race(never(), at, () => {
      throw new Error('listener failed');
    });
    const second = d.race(never(), at, () => undefined);
    const results = await Promise.allSettled([first, second]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as ScimError).status)).toEqual([503, 503]);
    expect(d.size).toBe(0);
  });
});

describe('the request deadline through the server', () => {
  it('a store that never answers: 503 Retry-After 1 at requestTimeoutMs, and the next request is served', async () => {
    let hang = true;
    const hanging = new (class extends MemoryStore {
      override get(...a: Parameters<ProvisioningStore['get']>) {
        return hang ? never() : super.get(...a);
      }
    })();
    const scim = createScimServer({ authenticate: () => ({ tenant: 't' }), store: hanging, limits: { requestTimeoutMs: 80 } });
    const created = await scim.handle({ method: 'POST', path: '/Users', headers: {}, body: JSON.stringify({ schemas: [U], userName: 'a' }) });
    const id = (created.body as { id: string }).id;
    const t0 = Date.now();
    const r = await scim.handle({ method: 'GET', path: `/Users/${id}`, headers: {} });
    expect([r.status, r.headers['retry-after']]).toEqual([503, '1']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    hang = false;
    expect((await scim.handle({ method: 'GET', path: `/Users/${id}`, headers: {} })).status).toBe(200);
    await scim.close();
  });

  it('a limit given as undefined keeps its default', () => {
    const scim = createScimServer({ authenticate: () => ({ tenant: 't' }), limits: { requestTimeoutMs: undefined, maxConcurrencyWaitMs: 500 } });
    expect([scim.limits.requestTimeoutMs, scim.limits.maxConcurrencyWaitMs]).toEqual([10_000, 500]);
  });
});
