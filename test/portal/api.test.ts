// The headless JSON API behind the host's own sign-in (`authorize`): the same operations as
// the pages, the same CSRF and origin rules, SCIM errors for bad input, the host told of each
// change, and the tenant's audit trail carrying the actor.
import type { PortalChange } from 'scimkit/portal';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, idp, portalServer } from './harness.js';

afterEach(closeAll);

/** The host's sign-in stand-in: `x-host-user: tenant/actor`. */
const authorize = (req: Request) => {
  const [tenant, actor] = (req.headers.get('x-host-user') ?? '').split('/');
  return tenant && actor ? { tenant, actor } : null;
};

async function api(origin: string, who: string, method: string, path: string, body?: unknown, csrf?: string) {
  const res = await fetch(`${origin}/scim-admin/api${path}`, {
    method,
    headers: {
      'x-host-user': who,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(csrf ? { 'x-csrf-token': csrf } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field in the assertions
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

describe('the JSON API', () => {
  it('runs the whole lifecycle for a host-signed-in admin', async () => {
    const changes: PortalChange['kind'][] = [];
    const { origin, scim, connections } = await portalServer({ portal: { authorize, onChange: (c) => void changes.push(c.kind) } });
    const who = 'acme/admin@acme.io';
    expect((await api(origin, '', 'GET', '/session')).status).toBe(401);
    const session = await api(origin, who, 'GET', '/session');
    expect(session.body).toMatchObject({ tenant: 'acme', actor: 'admin@acme.io', via: 'host' });
    const csrf = session.body.csrf as string;
    expect((await api(origin, who, 'GET', '/connection')).status).toBe(404);
    expect((await api(origin, who, 'GET', '/fields')).body.map((f: { name: string }) => f.name)).toEqual(['workspace', 'defaultRole', 'adminGroup']);
    // without the CSRF header: refused, nothing made
    expect((await api(origin, who, 'POST', '/connection', { idp: 'okta', settings: { workspace: 'acme-main', defaultRole: 'member' } })).status).toBe(403);
    const bad = await api(origin, who, 'POST', '/connection', { idp: 'okta', settings: { workspace: 'acme-main' } }, csrf);
    expect(bad).toMatchObject({ status: 400, body: { scimType: 'invalidValue', detail: 'Default role is required.' } });
    expect((await api(origin, who, 'POST', '/connection', { idp: 'nope', settings: {} }, csrf)).body.detail).toMatch(/^idp must be one of/);
    expect((await api(origin, who, 'POST', '/connection', { idp: 'okta', settings: [] }, csrf)).body.detail).toMatch(/^settings must be an object/);
    const made = await api(origin, who, 'POST', '/connection', { idp: 'okta', settings: { workspace: 'acme-main', defaultRole: 'member' } }, csrf);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ connection: { tenant: 'acme', idp: 'okta', createdBy: 'admin@acme.io' }, tenantUrl: `${origin}/scim/v2/acme` });
    const token = made.body.token as string;
    expect((await idp(origin, 'GET', '/acme/Users', token)).status).toBe(200);
    const patched = await api(origin, who, 'PATCH', '/connection', { settings: { workspace: 'acme-main', defaultRole: 'admin', adminGroup: 'Admins' } }, csrf);
    expect(patched.body.settings).toEqual({ workspace: 'acme-main', defaultRole: 'admin', adminGroup: 'Admins' });
    const tested = await api(origin, who, 'POST', '/test', undefined, csrf);
    expect(tested.body).toMatchObject({ ok: true, status: 200, message: expect.stringMatching(/^Success/) });
    const rotated = await api(origin, who, 'POST', '/credentials/rotate', { overlapHours: 1 }, csrf);
    expect(rotated.body.token).toMatch(/^scimkit_/);
    expect((await api(origin, who, 'POST', '/credentials/rotate', { overlapHours: 5 }, csrf)).body.detail).toMatch(/^overlapHours must be one of/);
    const client = await api(origin, who, 'POST', '/credentials/oauth-client', undefined, csrf);
    expect(client.body.client).toMatchObject({ clientId: expect.any(String), clientSecret: expect.any(String) });
    const view = await api(origin, who, 'GET', '/connection');
    expect(view.body.credentials.map((c: { kind: string }) => c.kind)).toEqual(['oauthClient', 'bearer', 'bearer']);
    expect(JSON.stringify(view.body)).not.toContain(token);
    expect(JSON.stringify(view.body)).not.toMatch(/"hash"/);
    const first = view.body.credentials[2].id as string;
    expect((await api(origin, who, 'POST', `/credentials/${first}/revoke`, undefined, csrf)).status).toBe(204);
    expect((await idp(origin, 'GET', '/acme/Users', token)).status).toBe(401);
    expect((await api(origin, who, 'POST', '/disable', undefined, csrf)).body.state).toBe('disabled');
    expect((await api(origin, who, 'GET', '/status')).body).toMatchObject({ state: 'disabled', label: 'Disabled' });
    expect((await api(origin, who, 'POST', '/enable', undefined, csrf)).body.state).not.toBe('disabled');
    const activity = await api(origin, who, 'GET', '/activity?status=error');
    expect(activity.body.records.some((r: { status: number }) => r.status === 401)).toBe(false); // refused before auth: kept apart
    expect((await api(origin, who, 'GET', '/activity?status=rejected')).body.records.length).toBeGreaterThan(0);
    const dir = await api(origin, who, 'GET', '/directory?type=users');
    expect(dir.body).toMatchObject({ type: 'users', total: 0, rows: [] });
    expect((await api(origin, who, 'DELETE', '/connection?purge=1', undefined, csrf)).status).toBe(204);
    expect(await connections.list({ tenant: 'acme' })).toEqual([]);
    expect(changes).toEqual(['created', 'settings', 'rotated', 'oauthClient', 'revoked', 'disabled', 'enabled', 'deleted']);
    // every change in the tenant's audit trail, with its actor
    await scim.activity.flush();
    const trail = (await scim.activity.list({ tenant: 'acme', limit: 100 })).filter((r) => r.operation === 'connection');
    expect(trail.map((r) => r.connection!.action).reverse()).toEqual([
      'create',
      'issueToken',
      'update',
      'rotate',
      'oauthClient',
      'revoke',
      'disable',
      'enable',
      'delete',
    ]);
    expect(new Set(trail.map((r) => r.actor))).toEqual(new Set(['admin@acme.io']));
  });

  it('a host viewer of one tenant reaches only its own; a CSRF token of another viewer is refused', async () => {
    const { origin, connections } = await portalServer({ portal: { authorize } });
    const globex = await connections.create({ tenant: 'globex', name: 'Globex', settings: {}, actor: 'host' });
    const acmeCsrf = (await api(origin, 'acme/a@acme.io', 'GET', '/session')).body.csrf;
    const globexCsrf = (await api(origin, 'globex/g@globex.io', 'GET', '/session')).body.csrf;
    expect(acmeCsrf).not.toBe(globexCsrf);
    expect((await api(origin, 'globex/g@globex.io', 'POST', '/disable', undefined, acmeCsrf)).status).toBe(403);
    expect((await api(origin, 'acme/a@acme.io', 'POST', '/disable', undefined, acmeCsrf)).status).toBe(404);
    expect((await connections.get(globex.id)).state).toBe('pending');
  });

  it('refuses oversized and malformed bodies with SCIM errors, never a 500', async () => {
    const { origin } = await portalServer({ portal: { authorize } });
    const who = 'acme/a@acme.io';
    const csrf = (await api(origin, who, 'GET', '/session')).body.csrf;
    const big = await fetch(`${origin}/scim-admin/api/connection`, {
      method: 'POST',
      headers: { 'x-host-user': who, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ idp: 'okta', settings: { adminGroup: 'x'.repeat(70_000) } }),
    });
    expect(big.status).toBe(413);
    const broken = await fetch(`${origin}/scim-admin/api/connection`, {
      method: 'POST',
      headers: { 'x-host-user': who, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: '{"idp":',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { detail: string }).detail).toMatch(/^The body is not JSON/);
    expect((await api(origin, who, 'GET', '/nope')).status).toBe(404);
  });
});
