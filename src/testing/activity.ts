/**
 * `describeActivityLog`: what a store's `activity` log must do (stores/activity-log.ts), run by
 * `describeStoreContract` for every store that has one: the same answers as the core's rules
 * (`matchesQuery`, `summarise`) on the same records. Each test uses tenants of its own.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ActivityRecord } from 'scimkit';
import { matchesQuery, summarise } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import type { StoreFactory } from './store-factory.js';

/** Makes a fresh, empty store for each test: the same as {@link StoreFactory}. */
export type ActivityStoreFactory = StoreFactory;

/** Why the suite is skipped for a store without an activity log. */
const NO_LOG = 'the store has no activity log: the server keeps a bounded ring in memory';

/** Registers the activity-log suite for a store under `name` (skipped when the store has no log). */
export function describeActivityLog(name: string, makeStore: ActivityStoreFactory): void {
  const record = (tenant: string, status: number, at: number, extra: Partial<ActivityRecord> = {}): ActivityRecord => ({
    startedAt: new Date(at).toISOString(),
    requestId: randomUUID(),
    tenant,
    authenticated: status !== 401,
    client: 'entra',
    method: 'GET',
    path: '/Users',
    operation: 'list',
    status,
    ms: 2.5,
    ...(status === 401 ? { rejectedToken: true as const } : {}),
    ...extra,
  });

  describe(`ActivityLog: ${name}`, () => {
    it('keeps each record as appended and lists a tenant’s newest first, answering queries as the core’s rule does', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      const t = `act-${randomUUID()}`;
      const t0 = Date.parse('2026-11-30T12:00:00.000Z');
      const statuses = [200, 201, 404, 401, 500, 204, 409, 200, 403, 429];
      const records = statuses.map((s, i) =>
        record(
          t,
          s,
          t0 + i * 1000,
          s === 403
            ? { authenticated: true, rejectedToken: true }
            : { filter: `userName eq "u${i}"`, bulk: i === 1 ? [{ method: 'POST', path: '/Users', status: 201 }] : undefined },
        ),
      );
      const clean = records.map((r) => JSON.parse(JSON.stringify(r)) as ActivityRecord);
      await log.append(clean);
      await log.append([record(`${t}-other`, 200, t0)]);
      expect(await log.list({ tenant: t })).toEqual([...clean].reverse());
      const queries = [
        { status: 'error' as const },
        { status: '2xx' as const },
        { status: [404, '5xx'] as const },
        { status: 429 },
        { rejectedTokens: true },
        { since: new Date(t0 + 3000), before: new Date(t0 + 7000) },
        { since: new Date(t0 + 3000).toISOString(), status: 'error' as const, limit: 2 },
        { limit: 3 },
      ];
      for (const q of queries) {
        const query = { tenant: t, ...q };
        const expected = [...clean]
          .reverse()
          .filter((r) => matchesQuery(r, query))
          .slice(0, q.limit ?? 100);
        expect(await log.list(query), JSON.stringify(q)).toEqual(expected);
      }
    });

    it('summarises a tenant as the core’s rule does', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      const t = `act-${randomUUID()}`;
      const now = Date.now();
      const records = [
        record(t, 500, now - 30 * 3600_000),
        record(t, 200, now - 5000),
        record(t, 401, now - 4000),
        record(t, 204, now - 3000),
        record(t, 404, now - 2000),
      ];
      await log.append(records);
      const since = new Date(now - 24 * 3600_000);
      expect(await log.summary(t, since)).toEqual(summarise(records, since));
      const none = await log.summary(`act-${randomUUID()}`, since);
      expect([none.total, none.lastRequest, none.byStatus]).toEqual([0, undefined, {}]);
    });

    it('summarises SCIM requests only: an admin’s lifecycle record (operation `connection`) is no request', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      const t = `act-${randomUUID()}`;
      const now = Date.now();
      const request = record(t, 409, now - 5000);
      const change: ActivityRecord = {
        ...record(t, 200, now - 1000),
        operation: 'connection',
        actor: 'admin@acme.io',
        connection: { action: 'rotate', connectionId: 'c1' },
      };
      await log.append([request, change]);
      const s = await log.summary(t, new Date(now - 3600_000));
      expect([s.total, s.errors, s.byStatus, s.lastRequest?.requestId, s.lastSuccess, s.lastFailure?.requestId]).toEqual([
        1,
        1,
        { 409: 1 },
        request.requestId,
        undefined,
        request.requestId,
      ]);
      expect(s).toEqual(summarise([request, change], new Date(now - 3600_000)));
    });

    it('prunes by age and keeps at most maxPerTenant per tenant, the newest', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      const a = `act-${randomUUID()}`;
      const b = `act-${randomUUID()}`;
      const now = Date.now();
      await log.append([
        record(a, 200, now - 100 * 24 * 3600_000),
        ...[5, 4, 3, 2, 1].map((s) => record(a, 200, now - s * 1000, { requestId: `a${s}` })),
        record(b, 200, now),
      ]);
      await log.prune({ maxAgeMs: 90 * 24 * 3600_000, maxPerTenant: 3 });
      const left = await log.list({ tenant: a });
      // a ring (MemoryActivityLog) bounds the count when appending; a table when pruning
      expect(left.length).toBeLessThanOrEqual(3);
      expect(left.map((r) => r.requestId)).toEqual(['a1', 'a2', 'a3'].slice(0, left.length));
      expect(await log.list({ tenant: b })).toHaveLength(1);
    });

    it('keeps refused requests apart from the tenant they named: they never show as its own, only as rejected tokens', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      const t = `act-${randomUUID()}`;
      const now = Date.now();
      const own = record(t, 201, now - 3000);
      const refused = [1, 2, 3].map((i) => {
        const r = record(t, 401, now - 1000 + i);
        delete r.tenant;
        r.tenantHint = t;
        return r;
      });
      await log.append([own, ...refused]);
      expect(await log.list({ tenant: t })).toEqual([own]);
      expect((await log.list({ tenant: t, refused: true })).map((r) => r.requestId)).toEqual(refused.map((r) => r.requestId).reverse());
      const s = await log.summary(t, new Date(now - 3600_000));
      expect(s).toEqual(summarise([own], new Date(now - 3600_000), refused));
      expect([s.lastRequest?.status, s.rejectedTokens, s.total, s.lastRejected?.requestId]).toEqual([201, 3, 1, refused[2]!.requestId]);
      await log.prune({ maxRefusedPerTenant: 1 });
      expect(await log.list({ tenant: t, refused: true })).toHaveLength(1);
      expect(await log.list({ tenant: t })).toEqual([own]);
    });

    it('refused requests naming other tenants, 1,000 names, never evict the refused records of a tenant with records of its own', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      const t = `act-${randomUUID()}`;
      const now = Date.now();
      const refusedNaming = (name: string, at: number): ActivityRecord => {
        const r = record(name, 401, at);
        delete r.tenant;
        r.tenantHint = name;
        return r;
      };
      await log.append([record(t, 201, now - 10_000)]);
      const own = [1, 2, 3, 4, 5].map((i) => refusedNaming(t, now - 9000 + i));
      await log.append(own);
      // a stranger: every request a new tenant name, all after the tenant's refused records
      for (let b = 0; b < 10; b++) await log.append(Array.from({ length: 100 }, (_, i) => refusedNaming(`stranger-${randomUUID()}`, now - 5000 + b * 100 + i)));
      // the bound on refused records of all the names together (a log in memory bounds them as they come)
      await log.prune({ maxRefused: 100, maxRefusedPerTenant: 100 });
      expect((await log.list({ tenant: t, refused: true })).map((r) => r.requestId)).toEqual(own.map((r) => r.requestId).reverse());
      expect((await log.summary(t, new Date(now - 3600_000))).rejectedTokens).toBe(5);
      // a flood naming the tenant itself stays within its own quota
      await log.append(Array.from({ length: 300 }, (_, i) => refusedNaming(t, now - 1000 + i)));
      await log.prune({ maxRefusedPerTenant: 100 });
      expect(await log.list({ tenant: t, refused: true, limit: 1000 })).toHaveLength(100);
      expect(await log.list({ tenant: t })).toHaveLength(1);
    });

    it('lists by arrival time whatever the order records were appended in', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      const t = `act-${randomUUID()}`;
      const t0 = Date.parse('2026-12-02T00:00:00.000Z');
      await log.append([record(t, 200, t0 + 50, { requestId: 'fast-later' })]);
      await log.append([record(t, 200, t0, { requestId: 'slow-earlier' })]);
      expect((await log.list({ tenant: t, limit: 1 })).map((r) => r.requestId)).toEqual(['fast-later']);
      expect((await log.list({ tenant: t })).map((r) => r.requestId)).toEqual(['fast-later', 'slow-earlier']);
    });

    it('refuses the same bad queries as every log: a TypeError', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      for (const q of [{ limit: Number.NaN }, { status: 'abc' as never }, { status: 40000 }, { since: 'garbage' }])
        await expect(log.list({ tenant: 't', ...q }), JSON.stringify(q)).rejects.toThrow(TypeError);
    });

    it('stores what clients send: NUL, lone surrogates, long text', async ({ skip }) => {
      const log = (await makeStore()).activity;
      if (!log) return skip(NO_LOG);
      const t = `act-${randomUUID()}`;
      await log.append([
        record(t, 400, Date.now(), { path: '/Users/a\u0000b', filter: 'x\uD800y', userAgent: 'é'.repeat(200), requestBody: { 'k\u0000': 'v\uDC00' } }),
      ]);
      const [r] = await log.list({ tenant: t });
      expect(r?.status).toBe(400);
      expect(r?.path.startsWith('/Users/a')).toBe(true);
      expect(r?.userAgent).toBe('é'.repeat(200));
    });
  });
}
