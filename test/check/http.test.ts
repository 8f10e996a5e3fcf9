// The checker's client against a rate-limited server: 429 + Retry-After is waited out and sent
// again, as an IdP does; without Retry-After (or past the retries) the 429 is the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckClient, MAX_RESPONSE_BYTES } from '../../src/check/http.js';
import { runChecks } from '../../src/check/index.js';
import { type BrokenServer, scimJson, startBrokenServer, TOKEN } from './broken-server.js';

let server: BrokenServer;
beforeAll(async () => {
  server = await startBrokenServer();
});
afterAll(() => server.close());

const limited = (times: number, headers: Record<string, string>) => {
  let left = times;
  return { before: () => (left-- > 0 ? scimJson(429, { status: '429', detail: 'slow down' }, headers) : undefined) };
};

describe('the checker on a server answering too much', () => {
  it('reads a response body only up to MAX_RESPONSE_BYTES', async () => {
    const huge = 'x'.repeat(MAX_RESPONSE_BYTES + 1024);
    server.use({
      before: (_r, url) =>
        url.pathname.endsWith('/Users/none') ? new Response(huge, { status: 200, headers: { 'content-type': 'application/scim+json' } }) : undefined,
    });
    try {
      const client = new CheckClient({ baseUrl: server.baseUrl, token: TOKEN, timeoutMs: 10_000, fetch: (i, init) => fetch(i, init), record: () => undefined });
      const r = await client.send('GET', '/Users/none');
      expect(r.text.length).toBeLessThan(MAX_RESPONSE_BYTES + 100);
      expect(r.text).toContain('(cut: the body is over');
      expect(r.json).toBeUndefined();
    } finally {
      server.use(undefined);
    }
  });
});

describe('the checker on a rate-limited server', () => {
  it('waits out 429 with Retry-After and sends again', async () => {
    server.use(limited(3, { 'retry-after': '0' }));
    const report = await runChecks({ baseUrl: server.baseUrl, token: TOKEN, only: ['users.get'] });
    expect(report.results[0]).toMatchObject({ status: 'pass' });
    expect(report.problems).toEqual([]);
  });

  it('takes a 429 without Retry-After as the answer', async () => {
    server.use(limited(100, {}));
    const report = await runChecks({ baseUrl: server.baseUrl, token: TOKEN, only: ['users.get'] });
    expect(report.problems).toContain('GET /ServiceProviderConfig answered 429');
    expect(report.results[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('answered 429 "slow down", expected 201') });
    server.use(undefined);
  });
});
