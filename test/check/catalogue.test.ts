// Every scenario of the catalogue against the real server (it passes) and against a server
// broken in exactly the rule the scenario checks (it fails, with a reason).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, runChecks } from '../../src/check/index.js';
import { BREAKS } from './breaks.js';
import { type BrokenServer, startBrokenServer, TOKEN } from './broken-server.js';

let server: BrokenServer;
beforeAll(async () => {
  server = await startBrokenServer();
});
afterAll(() => server.close());

describe('the catalogue', () => {
  it('has a deliberately broken server for every scenario, and ids that are unique and name their group', () => {
    const ids = CATALOGUE.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(BREAKS).sort()).toEqual([...ids].sort());
    for (const s of CATALOGUE) {
      expect(s.id.startsWith(`${s.group}.`), s.id).toBe(true);
      expect(s.source, s.id).toMatch(/RFC \d+|Microsoft|Okta|Entra|Google/);
    }
  });

  it('passes every scenario on the real server, skips none, and leaves no data behind', async () => {
    server.use(undefined);
    const report = await runChecks({ baseUrl: server.baseUrl, token: TOKEN });
    const notPassed = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status} ${r.reason}`);
    expect(notPassed).toEqual([]);
    expect(report.summary).toEqual({ passed: CATALOGUE.length, failed: 0, skipped: 0 });
    expect(report.results.filter((r) => r.leftovers)).toEqual([]);
    for (const endpoint of ['Users', 'Groups']) {
      const left = await fetch(`${server.baseUrl}/${endpoint}?count=0`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(((await left.json()) as { totalResults: number }).totalResults, endpoint).toBe(0);
    }
  });

  it('passes on a live server whose other users are bare (no name, no e-mails): it checks only its own', async () => {
    server.use(undefined);
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
    const bare = await fetch(`${server.baseUrl}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'aaa-bare' }),
    });
    const { id } = (await bare.json()) as { id: string };
    try {
      const report = await runChecks({ baseUrl: server.baseUrl, token: TOKEN });
      expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    } finally {
      await fetch(`${server.baseUrl}/Users/${id}`, { method: 'DELETE', headers });
    }
  });

  describe.each(CATALOGUE.map((s) => [s.id]))('%s', (id) => {
    it('fails on a server that breaks its rule, with a reason and the exchanges', async () => {
      server.use(BREAKS[id]);
      try {
        const report = await runChecks({ baseUrl: server.baseUrl, token: TOKEN, only: [id] });
        expect(report.results).toHaveLength(1);
        const [result] = report.results;
        expect(result).toMatchObject({ id, status: 'fail' });
        expect(result!.reason).toMatch(/\w{3}/);
        expect(result!.exchanges.length).toBeGreaterThan(0);
      } finally {
        server.use(undefined);
      }
    });
  });
});
