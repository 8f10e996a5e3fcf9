// The checker's client against a rate-limited server: 429 + Retry-After is waited out and sent
// again, as an IdP does; without Retry-After (or past the retries) the 429 is the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
