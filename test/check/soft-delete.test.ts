// The whole `scimkit check` catalogue against a server that soft-deletes: to an IdP, a
// soft-deleted user is gone (404, out of filters and groups) and a re-created one is new enough.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, runChecks } from '../../src/check/index.js';
import { type BrokenServer, startBrokenServer, TOKEN } from './broken-server.js';

let server: BrokenServer;
beforeAll(async () => {
  server = await startBrokenServer({ deprovisioning: { onDelete: 'softDelete' } });
});
afterAll(() => server.close());

describe('scimkit check on a server with deprovisioning.onDelete softDelete', () => {
  it('passes every scenario, twice (the second run meets the first run’s soft-deleted users)', async () => {
    for (let run = 0; run < 2; run++) {
      const report = await runChecks({ baseUrl: server.baseUrl, token: TOKEN });
      expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status} ${r.reason}`)).toEqual([]);
      expect(report.summary.passed).toBe(CATALOGUE.length);
      const left = await fetch(`${server.baseUrl}/Users?count=0`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(((await left.json()) as { totalResults: number }).totalResults).toBe(0);
    }
  });
});
