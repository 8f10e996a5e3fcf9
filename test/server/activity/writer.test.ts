import { describe, expect, it } from 'vitest';
import { type ActivityLog, type ActivityRecord, bearerToken, createScimServer, MemoryActivityLog, silentLogger } from '../../../src/index.js';
import { ActivityWriter } from '../../../src/server/activity/writer.js';

const TOKEN = 'writer-test-token-0123456789-0123456789';
const get = { method: 'GET', path: '/Users', headers: { authorization: `Bearer ${TOKEN}` } };

describe('writing the activity log never fails or slows a request', () => {
  it('a log whose appends throw: every request still answers, the failures are counted and reported once', async () => {
    const errors: string[] = [];
    const failing: ActivityLog = {
      append: async () => {
        throw new Error('disk full');
      },
      list: async () => [],
      summary: (t, s) => new MemoryActivityLog().summary(t, s),
      prune: async () => 0,
    };
    const scim = createScimServer({
      authenticate: bearerToken(TOKEN),
      activity: { log: failing },
      logger: { ...silentLogger, error: (f, m) => void errors.push(`${m} ${String(f.error)}`) },
    });
    for (let i = 0; i < 20; i++) expect((await scim.handle(get)).status).toBe(200);
    await scim.activity.flush();
    expect(scim.activity.stats.failed).toBe(20);
    expect(scim.activity.stats.written).toBe(0);
    expect(errors).toEqual(['the activity log refused records; they are counted and dropped disk full']);
  });

  it('a log that hangs: requests still answer; beyond maxQueue the oldest records are dropped and counted', async () => {
    let appends = 0;
    const hanging: ActivityLog = {
      append: () => {
        appends++;
        return new Promise(() => {});
      },
      list: async () => [],
      summary: (t, s) => new MemoryActivityLog().summary(t, s),
      prune: async () => 0,
    };
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), activity: { log: hanging, maxQueue: 5 }, logger: silentLogger });
    expect((await scim.handle(get)).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 12; i++) expect((await scim.handle(get)).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(appends).toBe(1);
    expect(scim.activity.stats.dropped).toBe(7);
  });

  it('close() waits for a hanging log at most its timeout, and counts what is left as dropped', async () => {
    const hanging: ActivityLog = {
      append: () => new Promise(() => {}),
      list: async () => [],
      summary: (t, s) => new MemoryActivityLog().summary(t, s),
      prune: async () => 0,
    };
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), activity: { log: hanging }, logger: silentLogger });
    await scim.handle(get);
    await new Promise((r) => setImmediate(r));
    await scim.handle(get);
    await new Promise((r) => setImmediate(r));
    const started = Date.now();
    await scim.close();
    expect(Date.now() - started).toBeLessThan(8000);
    expect(scim.activity.stats.dropped).toBe(1);
  }, 15_000);

  it('a logger that throws costs the request nothing; it is counted', async () => {
    const boom = () => {
      throw new Error('logger down');
    };
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), logger: { info: boom, warn: boom, error: boom } });
    expect((await scim.handle(get)).status).toBe(200);
    await scim.activity.flush();
    expect(scim.activity.stats.logFailures).toBe(1);
    expect(await scim.activity.list({ tenant: 'default' })).toHaveLength(1);
  });

  it('records are written after the response, in one batch for requests answered together', async () => {
    const batches: number[] = [];
    const log = new MemoryActivityLog();
    const counting: ActivityLog = {
      append: async (rs) => {
        batches.push(rs.length);
        await log.append(rs);
      },
      list: (q) => log.list(q),
      summary: (t, s) => log.summary(t, s),
      prune: (r) => log.prune(r),
    };
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), activity: { log: counting }, logger: silentLogger });
    await Promise.all(Array.from({ length: 10 }, () => scim.handle(get)));
    // answered, and nothing written yet: the writing waits for the responses
    expect(batches).toEqual([]);
    await scim.activity.flush();
    expect(batches).toEqual([10]);
  });

  it('with no log and no request lines, a 5xx is still logged', async () => {
    const errors: unknown[] = [];
    const lines: unknown[] = [];
    const scim = createScimServer({
      authenticate: bearerToken(TOKEN),
      activity: { log: false, logRequests: false },
      logger: { info: (f) => void lines.push(f), warn: (f) => void lines.push(f), error: (f) => void errors.push(f) },
      store: {
        capabilities: { filter: true, sort: true, memberDeltas: false },
        get: async () => undefined,
        search: async () => {
          throw new Error('db down');
        },
        create: async () => {
          throw new Error('no');
        },
        replace: async () => {
          throw new Error('no');
        },
        delete: async () => undefined,
      },
    });
    expect((await scim.handle(get)).status).toBe(500);
    expect((await scim.handle({ ...get, path: '/Nothing' })).status).toBe(404);
    await scim.activity.flush();
    expect(await scim.activity.list({ tenant: 'default' })).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(lines).toEqual([]);
  });

  it('retention prunes in the background', async () => {
    const log = new MemoryActivityLog();
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), activity: { log, retention: { maxAgeMs: 1, pruneEveryMs: 20 } }, logger: silentLogger });
    await scim.handle(get);
    await scim.activity.flush();
    expect(await log.list({ tenant: 'default' })).toHaveLength(1);
    await expect.poll(async () => (await log.list({ tenant: 'default' })).length, { timeout: 2000 }).toBe(0);
    await scim.close();
  });
});

describe('log levels', () => {
  it('info below 400, warn for 4xx and 501 (a feature not offered), error for the other 5xx', async () => {
    const { levelOf } = await import('../../../src/server/activity/writer.js');
    expect([200, 304, 400, 404, 429, 501, 500, 503].map(levelOf)).toEqual(['info', 'info', 'warn', 'warn', 'warn', 'warn', 'error', 'error']);
  });
});

describe("a log's appendEveryMs", () => {
  it('the first record after a quiet spell goes at once; under load appends are spaced and gather what came meanwhile; flush() does not wait', async () => {
    const batches: number[] = [];
    const spaced: ActivityLog = {
      appendEveryMs: 200,
      append: async (records) => void batches.push(records.length),
      list: async () => [],
      summary: (t, s) => new MemoryActivityLog().summary(t, s),
      prune: async () => 0,
    };
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), activity: { log: spaced }, logger: silentLogger });
    expect((await scim.handle(get)).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([1]);
    // within the interval: held, not appended one by one
    for (let i = 0; i < 30; i++) await scim.handle(get);
    await new Promise((r) => setTimeout(r, 50));
    expect(batches).toEqual([1]);
    // after it: the 30 in one append
    await expect.poll(() => batches, { timeout: 1000 }).toEqual([1, 30]);
    // flush() writes at once what is held, whatever the interval
    for (let i = 0; i < 5; i++) await scim.handle(get);
    const t0 = performance.now();
    await scim.activity.flush();
    expect(batches).toEqual([1, 30, 5]);
    expect(performance.now() - t0).toBeLessThan(150);
    expect(scim.activity.stats.written).toBe(36);
  });
  it('a sustained rate above a batch per interval is written whole: a full batch does not wait', async () => {
    let appended = 0;
    const slow: ActivityLog = {
      appendEveryMs: 100,
      // a database append: ~5 ms
      append: async (records) => {
        await new Promise((r) => setTimeout(r, 5));
        appended += records.length;
      },
      list: async () => [],
      summary: (t, s) => new MemoryActivityLog().summary(t, s),
      prune: async () => 0,
    };
    const writer = new ActivityWriter<number>((n) => ({ record: { tenant: 't', status: 200, n } as unknown as ActivityRecord }), slow, silentLogger, {
      logRequests: false,
    });
    // 20,000 records a second for 1.5 s: four times what one batch of 500 per 100 ms would take
    for (let tick = 0; tick < 150; tick++) {
      for (let i = 0; i < 200; i++) writer.push(i);
      await new Promise((r) => setTimeout(r, 10));
    }
    await writer.flush();
    expect(writer.stats.dropped).toBe(0);
    expect(appended).toBe(30_000);
  });
});
