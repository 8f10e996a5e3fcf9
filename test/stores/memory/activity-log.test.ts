import { describe, expect, it } from 'vitest';
import { type ActivityRecord, MemoryActivityLog } from '../../../src/index.js';

let n = 0;
const rec = (tenant: string, status: number, at: number, extra: Partial<ActivityRecord> = {}): ActivityRecord => ({
  startedAt: new Date(at).toISOString(),
  requestId: `r${++n}`,
  tenant,
  authenticated: status !== 401,
  client: 'okta',
  method: 'GET',
  path: '/Users',
  operation: 'list',
  status,
  ms: 1,
  ...(status === 401 ? { rejectedToken: true as const } : {}),
  ...extra,
});

describe('MemoryActivityLog', () => {
  it('keeps a bounded ring per tenant, newest first, tenants apart', async () => {
    const log = new MemoryActivityLog({ maxPerTenant: 3 });
    const now = Date.now();
    await log.append([1, 2, 3, 4, 5].map((i) => rec('a', 200, now + i, { requestId: `a${i}` })));
    await log.append([rec('b', 200, now, { requestId: 'b1' })]);
    expect((await log.list({ tenant: 'a' })).map((r) => r.requestId)).toEqual(['a5', 'a4', 'a3']);
    expect((await log.list({ tenant: 'b' })).map((r) => r.requestId)).toEqual(['b1']);
    expect(await log.list({ tenant: 'c' })).toEqual([]);
  });

  it('bounds the tenants too: refused requests can name any tenant', async () => {
    const log = new MemoryActivityLog({ maxTenants: 2 });
    for (const t of ['x', 'y', 'z']) await log.append([rec(t, 401, Date.now())]);
    expect(await log.list({ tenant: 'x' })).toEqual([]);
    expect(await log.list({ tenant: 'z' })).toHaveLength(1);
  });

  it('refused requests naming a tenant with records of its own are its quota; naming others, a pool that evicts among itself', async () => {
    const log = new MemoryActivityLog({ maxTenants: 2, maxRefusedPerTenant: 3 });
    const now = Date.now();
    const refused = (named: string, id: string): ActivityRecord => {
      const r = rec(named, 401, now, { requestId: id });
      delete r.tenant;
      r.tenantHint = named;
      return r;
    };
    const refusedIds = async (tenant: string) => (await log.list({ tenant, refused: true })).map((r) => r.requestId);
    // refused before the tenant has records of its own: in the pool, then adopted by its first record
    await log.append([refused('a', 'a-r1'), rec('a', 200, now), refused('a', 'a-r2')]);
    await log.append(['s1', 's2', 's3', 's4', 's5'].map((s) => refused(s, `${s}-r`)));
    expect(await refusedIds('a')).toEqual(['a-r2', 'a-r1']);
    // the pool holds 2 names: the older strangers went
    expect([await refusedIds('s3'), await refusedIds('s5')]).toEqual([[], ['s5-r']]);
    // its own flood keeps to its quota
    await log.append(['a-r3', 'a-r4', 'a-r5'].map((id) => refused('a', id)));
    expect(await refusedIds('a')).toEqual(['a-r5', 'a-r4', 'a-r3']);
    // a tenant dropped for room (2 tenants kept): what named it is a stranger's again, and goes like one
    await log.append([rec('b', 200, now), rec('c', 200, now)]);
    expect(await log.list({ tenant: 'a' })).toEqual([]);
    expect(await refusedIds('a')).toEqual(['a-r5', 'a-r4', 'a-r3']);
    await log.append([refused('s6', 's6-r'), refused('s7', 's7-r')]);
    expect(await refusedIds('a')).toEqual([]);
    // a tenant whose own records all aged out likewise
    await log.append([rec('d', 200, now - 10 * 86_400_000), refused('d', 'd-r'), refused('s8', 's8-r')]);
    await log.append([refused('s9', 's9-r'), refused('s10', 's10-r')]);
    expect(await refusedIds('d')).toEqual(['d-r']);
    await log.prune({ maxAgeMs: 86_400_000 });
    await log.append([refused('s11', 's11-r'), refused('s12', 's12-r')]);
    expect(await refusedIds('d')).toEqual([]);
  });

  it('filters by status (code, class, error, lists), by time, by rejected tokens, with a limit', async () => {
    const log = new MemoryActivityLog();
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    await log.append([rec('a', 200, t0), rec('a', 404, t0 + 1000), rec('a', 401, t0 + 2000), rec('a', 500, t0 + 3000), rec('a', 201, t0 + 4000)]);
    const statuses = async (q: Parameters<MemoryActivityLog['list']>[0]) => (await log.list(q)).map((r) => r.status);
    expect(await statuses({ tenant: 'a', status: 'error' })).toEqual([500, 401, 404]);
    expect(await statuses({ tenant: 'a', status: '2xx' })).toEqual([201, 200]);
    expect(await statuses({ tenant: 'a', status: [404, '5xx'] })).toEqual([500, 404]);
    expect(await statuses({ tenant: 'a', rejectedTokens: true })).toEqual([401]);
    expect(await statuses({ tenant: 'a', since: new Date(t0 + 2000), before: new Date(t0 + 4000) })).toEqual([500, 401]);
    expect(await statuses({ tenant: 'a', limit: 2 })).toEqual([201, 500]);
  });

  it('summarises a tenant: last request, success and failure, counts by status in the window', async () => {
    const log = new MemoryActivityLog();
    const now = Date.now();
    const old = rec('a', 500, now - 48 * 3600_000);
    await log.append([old, rec('a', 200, now - 3000), rec('a', 401, now - 2000), rec('a', 204, now - 1000)]);
    const s = await log.summary('a');
    expect(s.total).toBe(3);
    expect(s.errors).toBe(1);
    expect(s.rejectedTokens).toBe(1);
    expect(s.byStatus).toEqual({ 200: 1, 401: 1, 204: 1 });
    expect(s.lastRequest?.status).toBe(204);
    expect(s.lastSuccess?.status).toBe(204);
    expect(s.lastFailure?.status).toBe(401);
    const empty = await log.summary('none');
    expect([empty.total, empty.lastRequest]).toEqual([0, undefined]);
  });

  it('prunes by age', async () => {
    const log = new MemoryActivityLog();
    const now = Date.now();
    await log.append([rec('a', 200, now - 10_000), rec('a', 200, now - 5000), rec('a', 200, now)]);
    expect(await log.prune({ maxAgeMs: 7000 })).toBe(1);
    expect(await log.list({ tenant: 'a' })).toHaveLength(2);
  });
});

describe('MemoryActivityLog ordering and bad input', () => {
  it('lists by arrival time even when a slow request was appended after a fast later one', async () => {
    const log = new MemoryActivityLog();
    const t0 = Date.parse('2026-12-02T00:00:00Z');
    await log.append([rec('a', 200, t0 + 50, { requestId: 'fast-later' })]);
    await log.append([rec('a', 200, t0, { requestId: 'slow-earlier' })]);
    expect((await log.list({ tenant: 'a', limit: 1 })).map((r) => r.requestId)).toEqual(['fast-later']);
    expect((await log.list({ tenant: 'a' })).map((r) => r.requestId)).toEqual(['fast-later', 'slow-earlier']);
  });

  it('refuses a query with a bad limit, status or time, as every log does', async () => {
    const log = new MemoryActivityLog();
    for (const q of [{ limit: Number.NaN }, { status: 'abc' as never }, { status: 40000 }, { since: 'garbage' }])
      await expect(log.list({ tenant: 'a', ...q }), JSON.stringify(q)).rejects.toThrow(TypeError);
  });
});
