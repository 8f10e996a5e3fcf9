// The Next.js route handler example: its exports, called as Next.js calls them (the export
// named after the method, with the web Request), behind a real server on 127.0.0.1, pass the
// scimkit check catalogue. Next.js itself is not run here.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/check/index.js';

const TOKEN = 'nextjs-token-0123456789-0123456789-0123456789';
let server: Server;
let baseUrl: string;
type Route = Record<string, unknown> & Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', (r: Request) => Promise<Response>>>;

beforeAll(async () => {
  process.env.SCIM_TOKEN = TOKEN;
  const route = (await import('../../examples/nextjs/app/scim/v2/[...path]/route.js')) as Route;
  // what Next.js does for app/scim/v2/[...path]/route.ts: the method's export, or 405
  const fetch = (request: Request) => {
    const handler = route[request.method as 'GET'];
    return handler ? handler(request) : Promise.resolve(new Response(null, { status: 405 }));
  };
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as unknown as Server));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('examples/nextjs route handler', () => {
  it('exports a handler per SCIM method, and is dynamic', async () => {
    const route = (await import('../../examples/nextjs/app/scim/v2/[...path]/route.js')) as Route;
    for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) expect(typeof route[m], m).toBe('function');
    expect(route.dynamic).toBe('force-dynamic');
  });

  it('passes the scimkit check catalogue', async () => {
    const report = await runChecks({ baseUrl, token: TOKEN });
    expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    expect(report.summary.passed).toBeGreaterThan(40);
  });
});
