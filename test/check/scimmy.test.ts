// `scimkit check` against a peer: SCIMMY 1.3 on Express (scimmy-routers), with correct
// handlers (uniqueness and 404 done as SCIMMY asks of its host). What fails is SCIMMY's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckReport, runChecks } from '../../src/check/index.js';
import { SCIMMY_TOKEN, startScimmy } from '../peers/scimmy.js';

let scimmy: Awaited<ReturnType<typeof startScimmy>>;
let report: CheckReport;
beforeAll(async () => {
  scimmy = await startScimmy();
  report = await runChecks({ baseUrl: scimmy.baseUrl, token: SCIMMY_TOKEN });
});
afterAll(() => scimmy.close());

const result = (id: string) => report.results.find((r) => r.id === id)!;

describe('scimkit check on SCIMMY', () => {
  it('reports the PATCH data loss with ?attributes=: the projected resource is what SCIMMY stores', () => {
    expect(result('attributes.patch-keeps-data')).toMatchObject({ status: 'fail', reason: expect.stringContaining('were lost from the stored user') });
  });

  it('reports the missing ETags: SCIMMY does not claim them, so the ETag scenarios are skipped, saying why', () => {
    for (const id of ['etag.headers', 'etag.if-none-match', 'etag.if-match']) {
      expect(result(id)).toMatchObject({ status: 'skip', reason: expect.stringContaining('does not claim ETags') });
    }
  });

  it('reports its filter and paging defects with the request that showed each', () => {
    expect(result('filter.invalid')).toMatchObject({ status: 'fail', reason: expect.stringContaining('answered 200, expected 400') });
    expect(result('filter.datetime')).toMatchObject({ status: 'fail', reason: expect.stringContaining('lastModified lt 2000') });
    expect(result('paging.count-zero')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/count=0 answered \d+ resources/) });
    expect(result('users.create')).toMatchObject({ status: 'fail', reason: expect.stringContaining('the Location header undefined is not meta.location') });
    expect(result('filter.operators')).toMatchObject({ status: 'fail', reason: expect.stringContaining('userName ew "-beta" found') });
    for (const r of report.results.filter((x) => x.status === 'fail')) {
      expect(r.exchanges.length, r.id).toBeGreaterThan(0);
      expect(r.exchanges.at(-1)!.request.url, r.id).toContain(scimmy.baseUrl);
    }
  });

  it('passes what SCIMMY does right, so the failures are not the checker talking to itself', () => {
    for (const id of ['users.get', 'users.duplicate', 'users.filter-case', 'users.put', 'groups.remove-member', 'auth.missing-token', 'users.not-found']) {
      expect(result(id), `${id}: ${result(id).reason}`).toMatchObject({ status: 'pass' });
    }
    expect(report.summary.failed).toBeGreaterThan(0);
  });
});
