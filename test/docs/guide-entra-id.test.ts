// The Entra ID guide's troubleshooting rows about the tenant URL, checked against the workspace app as it runs.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspaceApp } from '../../examples/workspace-app/app.js';
import { silentLogger } from '../../src/index.js';

// table cells are padded by the formatter: compared with runs of spaces as one
const guide = readFileSync(join(import.meta.dirname, '../../docs/guide-entra-id.md'), 'utf8').replace(/ +/g, ' ');

describe('docs/guide-entra-id.md, troubleshooting', () => {
  it('a wrong token is a 401 "The bearer token is not valid"; a tenant URL without the tenant, "… for this tenant"; without /scim/v2, an HTML 404', async () => {
    expect(guide).toContain('| 401 `The bearer token is not valid` | the secret token does not match');
    expect(guide).toContain('| 401 `The bearer token is not valid for this tenant` | the tenant URL lacks the tenant');
    expect(guide).toContain('| 404 with an HTML page, not a SCIM error | the tenant URL lacks the `/scim/v2` part');
    const { app, orgs, connect } = createWorkspaceApp({ logger: silentLogger });
    // the settings page's first save: the organization's connection and its token
    const token = (await connect(orgs.get('acme')!, { workspaceId: 'ws-eng', defaultRole: 'member', tokenLifetimeDays: 0 }, 'admin@acme.io'))!;
    const server = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get('/scim/v2/acme/Users')).status).toBe(200);
      const noTenant = await get('/scim/v2/Users');
      expect([noTenant.status, ((await noTenant.json()) as { detail: string }).detail]).toEqual([401, 'The bearer token is not valid for this tenant']);
      const wrong = await fetch(`${base}/scim/v2/acme/Users`, { headers: { authorization: 'Bearer not-the-token-0123456789-0123456789' } });
      expect([wrong.status, ((await wrong.json()) as { detail: string }).detail]).toEqual([401, 'The bearer token is not valid']);
      const noBase = await get('/acme/Users');
      expect([noBase.status, noBase.headers.get('content-type')]).toEqual([404, expect.stringContaining('text/html')]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
