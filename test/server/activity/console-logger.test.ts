import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bearerToken, consoleLogger, createScimServer } from '../../../src/index.js';

const TOKEN = 'logger-test-token-0123456789-0123456789';

/** A server whose logger writes to `lines`, and a GET that fails 404. */
async function twoRequests(logger: Parameters<typeof createScimServer>[0]['logger']) {
  const scim = createScimServer({ authenticate: bearerToken(TOKEN), logger });
  await scim.handle({ method: 'GET', path: '/Users', headers: { authorization: `Bearer ${TOKEN}`, 'x-request-id': 'r-1' } });
  await scim.handle({ method: 'GET', path: '/Users/missing', headers: { authorization: `Bearer ${TOKEN}`, 'x-request-id': 'r-2' } });
  await scim.activity.flush();
}

describe('loggers in pino’s shape', () => {
  it('pino itself: one JSON line per request with method, path, status, ms, tenant, requestId; 4xx at warn', async () => {
    const out: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        out.push(String(chunk));
        done();
      },
    });
    await twoRequests(pino({ level: 'info' }, stream));
    const lines = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      method: 'GET',
      path: '/Users',
      status: 200,
      tenant: 'default',
      requestId: 'r-1',
      msg: expect.stringMatching(/^GET \/Users 200/),
    });
    expect(typeof lines[0]!.ms).toBe('number');
    expect(lines[1]).toMatchObject({ level: 40, status: 404, requestId: 'r-2', resourceId: 'missing', detail: expect.any(String) });
  });

  it('consoleLogger json: the same fields, pino’s level numbers', async () => {
    const out: string[] = [];
    await twoRequests(consoleLogger({ format: 'json', write: (l) => void out.push(l) }));
    const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.level, l.status])).toEqual([
      [30, 200],
      [40, 404],
    ]);
    for (const l of lines) for (const k of ['method', 'path', 'status', 'ms', 'tenant', 'requestId', 'time', 'msg']) expect(l, k).toHaveProperty(k);
  });

  it('consoleLogger pretty: one readable line, no colour when asked, below-level lines dropped', async () => {
    const out: string[] = [];
    await twoRequests(consoleLogger({ level: 'warn', color: false, write: (l) => void out.push(l) }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}GET \/Users\/missing 404 [\d.]+ms tenant=default client=unknown resourceId=missing detail=".+" requestId=r-2$/,
    );
  });
});

describe('what a log line must not carry', () => {
  it('no second `time` key: the record’s arrival is startedAt, pino’s time stays the log time', async () => {
    const out: string[] = [];
    await twoRequests(consoleLogger({ format: 'json', write: (l) => void out.push(l) }));
    for (const l of out) expect(l.match(/"time":/g)).toHaveLength(1);
    expect(typeof (JSON.parse(out[0]!) as { time: unknown }).time).toBe('number');
    expect(JSON.parse(out[0]!)).toHaveProperty('startedAt');
  });

  it('no terminal control sequences in pretty lines, whatever the path or filter holds', async () => {
    const out: string[] = [];
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), logger: consoleLogger({ color: false, write: (l) => void out.push(l) }) });
    await scim.handle({ method: 'GET', path: '/Users/%1B%5B2J%1B%5B31mFAKE', headers: { authorization: `Bearer ${TOKEN}` } });
    await scim.handle({
      method: 'GET',
      path: '/Users',
      query: `filter=${encodeURIComponent('userName eq "\u001b[31m\u009b"')}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await scim.activity.flush();
    // any C0 or C1 control character but the newline before a stack
    const controls = [...out.join('')].filter((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f)));
    expect(controls).toEqual([]);
  });
});
