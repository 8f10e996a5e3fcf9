// Servers that answer differently from scimkit where the RFC lets them: the checker must pass
// each (a false failure on a compliant server is the worst a checker can do).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/check/index.js';
import { type Break, type BrokenServer, editJson, pathOf, scimJson, startBrokenServer, TOKEN } from './broken-server.js';

let server: BrokenServer;
beforeAll(async () => {
  server = await startBrokenServer();
});
afterAll(() => server.close());

const ONE_GROUP = /^\/Groups\/[^/.]+$/;

const VARIANTS: Record<string, Break> = {
  // RFC 7644 §3.5.2: 204 No Content instead of 200 with the resource
  'PATCH answers 204': {
    after: (r, res) =>
      r.method === 'PATCH' && res.status === 200 ? new Response(null, { status: 204, headers: { etag: res.headers.get('etag') ?? '' } }) : undefined,
  },
  // RFC 7644 §3.5.1: what a PUT leaves out may keep a value or get a default
  'PUT keeps what it was not sent': {
    before: async (r, url, inner) => {
      if (r.method !== 'PUT' || !/^\/Users\/[^/.]+$/.test(pathOf(url))) return undefined;
      const now = (await (await inner(new Request(r.url, { headers: r.headers }))).json()) as Record<string, unknown>;
      const { meta: _, ...kept } = now;
      return new Request(r.url, { method: 'PUT', headers: r.headers, body: JSON.stringify({ ...kept, ...((await r.json()) as object) }) });
    },
  },
  // RFC 7643 §7 returned "request": members only when asked for by name
  'members returned only on request': {
    after: (r, res, url) =>
      r.method === 'GET' && ONE_GROUP.test(pathOf(url)) && !(url.searchParams.get('attributes') ?? '').includes('members') && res.status === 200
        ? editJson(res, (b) => void delete b.members)
        : undefined,
  },
  // RFC 7644 §3.4.3: POST /.search is optional
  'no /.search': {
    before: (r, url) =>
      r.method === 'POST' && pathOf(url).endsWith('/.search')
        ? scimJson(404, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: 'no search' })
        : undefined,
  },
  // RFC 7644 §3.12: scimType is OPTIONAL except where a section requires one
  'errors without scimType (where optional)': {
    after: (r, res, url) =>
      res.status === 400 && r.method === 'POST' && pathOf(url) === '/Users'
        ? editJson(res, (b) => {
            if (b.scimType === 'invalidSyntax' || b.scimType === 'invalidValue') delete b.scimType;
          })
        : undefined,
  },
  // RFC 9865: a cursor page may hold fewer than count
  'cursor pages of one': {
    before: (r, url) => {
      if (!url.searchParams.has('cursor') || url.searchParams.get('count') !== '2') return undefined;
      const u = new URL(url);
      u.searchParams.set('count', '1');
      return new Request(String(u), { headers: r.headers });
    },
  },
};

describe.each(Object.keys(VARIANTS))('scimkit check on a compliant variant: %s', (name) => {
  it('passes every scenario', async () => {
    server.use(VARIANTS[name]);
    try {
      const report = await runChecks({ baseUrl: server.baseUrl, token: TOKEN });
      const notPassed = report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.reason}`);
      expect(notPassed).toEqual([]);
      expect(report.summary.passed).toBeGreaterThan(50);
    } finally {
      server.use(undefined);
    }
  });
});
