// The checker on a live server must do no harm: it deletes only what it made under the base
// URL, does not repeat a POST that may have been applied, hides secrets, follows no redirect,
// and sweeps up what its cleanup missed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/check/index.js';
import { main } from '../../src/cli/index.js';
import { type BrokenServer, pathOf, scimJson, startBrokenServer, TOKEN } from './broken-server.js';

let server: BrokenServer;
let other: BrokenServer;
beforeAll(async () => {
  server = await startBrokenServer();
  other = await startBrokenServer();
});
afterAll(async () => {
  await server.close();
  await other.close();
});

const countUsers = async (s: BrokenServer) =>
  ((await (await fetch(`${s.baseUrl}/Users?count=0`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { totalResults: number }).totalResults;

describe('scimkit check on a live server', () => {
  it('never deletes what a Location names outside the base URL, or a collection', async () => {
    const deletes: string[] = [];
    other.use({ before: (r, url) => void (r.method === 'DELETE' && deletes.push(pathOf(url))) });
    server.use({
      before: async (r, url, inner) => {
        if (r.method === 'DELETE') deletes.push(`own ${pathOf(url)}`);
        if (pathOf(url) !== '/Bulk') return undefined;
        // a server that reports locations elsewhere: another origin, and its own collection
        await inner(r);
        return scimJson(200, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'],
          Operations: [
            { method: 'POST', bulkId: 'u1', status: '201', location: `${other.baseUrl}/Users/victim` },
            { method: 'POST', bulkId: 'g1', status: '201', location: `${server.baseUrl}/Users` },
          ],
        });
      },
    });
    try {
      await runChecks({ baseUrl: server.baseUrl, token: TOKEN, only: ['bulk.bulk-id'] });
      expect(deletes.filter((d) => !d.startsWith('own '))).toEqual([]);
      expect(deletes).not.toContain('own /Users');
    } finally {
      server.use(undefined);
      other.use(undefined);
    }
  });

  it('does not send a POST again after a 503 (it may have been applied), and waits out a 429 only with Retry-After', async () => {
    let posts = 0;
    server.use({
      before: (r, url) => {
        if (r.method !== 'POST' || pathOf(url) !== '/Users') return undefined;
        posts++;
        return scimJson(503, { status: '503', detail: 'busy' }, { 'retry-after': '0' });
      },
    });
    try {
      await runChecks({ baseUrl: server.baseUrl, token: TOKEN, only: ['users.get'] });
      expect(posts).toBe(1);
    } finally {
      server.use(undefined);
    }
  });

  it('sweeps up, by its run prefix, what a create made without saying its id, and says so', async () => {
    server.use({
      after: async (r, res, url) => {
        if (r.method !== 'POST' || pathOf(url) !== '/Users' || res.status !== 201) return undefined;
        const { id: _, meta: __, ...rest } = (await res.json()) as Record<string, unknown>;
        return scimJson(201, rest);
      },
    });
    try {
      const report = await runChecks({ baseUrl: server.baseUrl, token: TOKEN, only: ['users.get'] });
      expect(report.results[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('answered 201 without an id') });
      expect(report.swept).toBe(1);
      expect(await countUsers(server)).toBe(0);
    } finally {
      server.use(undefined);
    }
  });

  it('keeps every --header value and the token out of the output and the JSON report', async () => {
    server.use({ before: (r, url) => (pathOf(url).startsWith('/Users/') && r.method === 'GET' ? scimJson(500, { detail: 'x' }) : undefined) });
    let out = '';
    try {
      const json = join(mkdtempSync(join(tmpdir(), 'scimkit-safety-')), 'report.json');
      const code = await main(
        [
          'check',
          server.baseUrl,
          '--only',
          'users.get',
          '--verbose',
          '--json',
          json,
          '--header',
          'X-Gateway: gateway-secret-value',
          '--header',
          'X-Api-Key: key-secret-value',
        ],
        {
          out: (t) => void (out += t),
          err: (t) => void (out += t),
          env: { SCIM_TOKEN: TOKEN },
        },
      );
      expect(code).toBe(1);
      expect(out).toContain('> x-gateway: …');
      const report = readFileSync(json, 'utf8');
      expect(report).toContain('"x-gateway": "…"');
      for (const secret of ['gateway-secret-value', 'key-secret-value', TOKEN]) {
        expect(out).not.toContain(secret);
        expect(report).not.toContain(secret);
      }
    } finally {
      server.use(undefined);
    }
  });

  it("sends the base URL's query (Entra ID's ?aadOptscim062020) with every request, and follows no redirect", async () => {
    const seen = new Set<string>();
    server.use({ before: (_r, url) => void seen.add(url.search) });
    try {
      const report = await runChecks({ baseUrl: `${server.baseUrl}?aadOptscim062020`, token: TOKEN, only: ['users.get', 'users.filter-existing'] });
      expect(report.summary.failed).toBe(0);
      for (const q of seen) expect(q).toContain('aadOptscim062020');
      server.use({ before: () => new Response(null, { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }) });
      const moved = await runChecks({ baseUrl: server.baseUrl, token: TOKEN, only: ['users.get'] });
      expect(moved.results[0]!.reason).toContain('redirected (302) to http://127.0.0.1:1/elsewhere');
    } finally {
      server.use(undefined);
    }
  });

  it('exits 1 when the discovery documents cannot be read, even if every chosen scenario skipped', async () => {
    server.use({ before: (_r, url) => (pathOf(url) === '/ServiceProviderConfig' ? scimJson(500, {}) : undefined) });
    try {
      const code = await main(['check', server.baseUrl, '--only', 'etag', '--token', TOKEN], { out: () => undefined, err: () => undefined });
      expect(code).toBe(1);
    } finally {
      server.use(undefined);
    }
  });
});
