// The admin portal over real HTTP: setup links (single use, expiry, tampering), the session
// cookie, CSRF and same-origin checks, the CSP with nonces, escaping of IdP-supplied values,
// tenant isolation, and the flow from setup to a provisioned user.
import { afterEach, describe, expect, it } from 'vitest';
import { browser, closeAll, idp, portalServer } from './harness.js';

afterEach(closeAll);
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('setup links', () => {
  it('open once and start a session on the overview; reuse, expiry and tampering are refused', async () => {
    const { portal, origin } = await portalServer();
    const link = await portal.link({ tenant: 'acme', actor: 'it@acme.io' });
    expect(link).toMatch(/^\/scim-admin\/link\/[\w-]+\.[\w-]+$/);
    const b = browser(origin);
    const opened = await b.get(link);
    expect(opened.res.status).toBe(303);
    expect(opened.res.headers.get('location')).toBe('/scim-admin/');
    const cookie = opened.res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^scimkit_portal=[^;]+; Path=\/scim-admin; Max-Age=3600; HttpOnly; SameSite=Lax$/);
    const home = await b.get('/scim-admin/');
    expect(home.res.status).toBe(200);
    expect(home.text).toContain('Signed in as it@acme.io');
    // single use
    const again = await browser(origin).get(link);
    expect(again.res.status).toBe(410);
    expect(again.res.headers.get('set-cookie')).toBeNull();
    expect(again.text).toContain('already used');
    // tampered: another tenant in the payload, the signature kept
    const [body, sig] = link.slice('/scim-admin/link/'.length).split('.');
    const forged = Buffer.from(Buffer.from(body!, 'base64url').toString().replace('acme', 'evil')).toString('base64url');
    const tampered = await browser(origin).get(`/scim-admin/link/${forged}.${sig}`);
    expect(tampered.res.status).toBe(400);
    expect(tampered.res.headers.get('set-cookie')).toBeNull();
    // expired
    const short = await portal.link({ tenant: 'acme', actor: 'it@acme.io', expiresIn: 0.001 });
    await new Promise((r) => setTimeout(r, 10));
    expect((await browser(origin).get(short)).res.status).toBe(410);
    // a forged session cookie is no session
    const c = browser(origin);
    c.setCookie(`scimkit_portal=${forged}.${sig}`);
    expect((await c.get('/scim-admin/')).res.status).toBe(401);
    await expect(portal.link({ tenant: '', actor: 'x' })).rejects.toThrow(TypeError);
  });

  it('an absolute link with baseUrl; Secure cookies over https are decided by the URL', async () => {
    const { portal } = await portalServer({ portal: { baseUrl: 'https://app.example.com' } });
    const link = await portal.link({ tenant: 'acme', actor: 'it@acme.io', expiresIn: 60 });
    expect(link).toMatch(/^https:\/\/app\.example\.com\/scim-admin\/link\//);
    const res = await portal.fetch(new Request(link));
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
  });
});

describe('pages', () => {
  it('send a CSP with a fresh nonce on every script and style, no inline handlers, no framing, no caching', async () => {
    const { portal, origin } = await portalServer();
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    for (const path of ['/', '/setup', '/setup?idp=entra', '/activity', '/directory']) {
      const { res, text } = await b.get(`/scim-admin${path}`);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      for (const tag of text.match(/<(script|style)\b[^>]*>/g) ?? []) expect(tag, path).toContain(`nonce="${nonce}"`);
      expect(text, path).not.toMatch(/\son[a-z]+\s*=/i);
      expect(text, path).not.toMatch(/javascript:/i);
    }
  });

  it('frame-ancestors from the host origins', async () => {
    const { portal, origin } = await portalServer({ portal: { frameAncestors: ['https://app.example.com'] } });
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const { res } = await b.get('/scim-admin/');
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors https://app.example.com');
    expect(res.headers.get('x-frame-options')).toBeNull();
  });

  it('without a session: 401, a page or a SCIM error', async () => {
    const { origin } = await portalServer();
    const page = await fetch(`${origin}/scim-admin/`);
    expect(page.status).toBe(401);
    const api = await fetch(`${origin}/scim-admin/api/connection`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ status: '401', detail: expect.stringContaining('Sign in') });
  });
});

describe('writes', () => {
  it('need the CSRF token and the same origin; the budget of actions runs out with a 429', async () => {
    const { portal, origin, connections } = await portalServer({ portal: { actionsPerMinute: 4 } });
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const page = await b.get('/scim-admin/setup?idp=okta');
    const csrf = b.csrfOf(page.text);
    expect(csrf).toMatch(/^[\w-]{32}$/);
    const form = { idp: 'okta', workspace: 'acme-main', defaultRole: 'member' };
    expect((await b.post('/scim-admin/setup', form)).res.status).toBe(403);
    expect((await b.post('/scim-admin/setup', { ...form, _csrf: 'x'.repeat(32) })).res.status).toBe(403);
    expect((await b.post('/scim-admin/setup', { ...form, _csrf: csrf }, { origin: 'https://evil.example' })).res.status).toBe(403);
    expect((await b.post('/scim-admin/setup', { ...form, _csrf: csrf }, { origin: '', 'sec-fetch-site': 'cross-site' })).res.status).toBe(403);
    expect(await connections.list({ tenant: 'acme' })).toEqual([]);
    const made = await b.post('/scim-admin/setup', { ...form, _csrf: csrf });
    expect(made.res.status).toBe(200);
    expect((await connections.list({ tenant: 'acme' }))[0]).toMatchObject({
      idp: 'okta',
      settings: { workspace: 'acme-main', defaultRole: 'member' },
      createdBy: 'it@acme.io',
    });
    for (let i = 0; i < 3; i++) await b.post('/scim-admin/test', { _csrf: csrf });
    const limited = await b.post('/scim-admin/test', { _csrf: csrf });
    expect(limited.res.status).toBe(429);
    expect(limited.res.headers.get('retry-after')).toBe('60');
  });

  it('a field outside its options or too long is refused with the field named; nothing saved', async () => {
    const { portal, origin, connections } = await portalServer();
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const csrf = b.csrfOf((await b.get('/scim-admin/setup?idp=entra')).text);
    const other = await b.post('/scim-admin/setup', { idp: 'entra', workspace: 'globex-main', defaultRole: 'member', _csrf: csrf });
    expect(other.res.status).toBe(400);
    expect(other.text).toContain('Choose one of the options for Workspace.');
    const long = await b.post('/scim-admin/setup', { idp: 'entra', workspace: 'acme-main', defaultRole: 'member', adminGroup: 'x'.repeat(51), _csrf: csrf });
    expect(long.text).toContain('Admin group must be at most 50 characters.');
    expect(await connections.list({ tenant: 'acme' })).toEqual([]);
  });
});

describe('the flow', () => {
  it('setup shows the secret once; the IdP provisions with it; IdP values render inert; status turns active', async () => {
    const { portal, origin, connections } = await portalServer();
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const csrf = b.csrfOf((await b.get('/scim-admin/setup?idp=entra')).text);
    const made = await b.post('/scim-admin/setup', { idp: 'entra', workspace: 'acme-main', defaultRole: 'member', _csrf: csrf });
    const token = /<code id="secret-token"[^>]*>([^<]+)<\/code>/.exec(made.text)?.[1];
    expect(token).toMatch(/^scimkit_/);
    expect(made.text).toContain(`${origin}/scim/v2/acme`);
    // never again
    expect((await b.get('/scim-admin/setup')).text).not.toContain(token!);
    expect((await b.get('/scim-admin/credentials')).text).not.toContain(token!);
    const status = async () => (await (await fetch(`${origin}/scim-admin/api/status`, { headers: { cookie: b.cookie() } })).json()) as { state: string };
    expect((await status()).state).toBe('pending');
    const evil = '<img src=x onerror=alert(1)>';
    expect((await idp(origin, 'POST', '/acme/Users', token!, { schemas: [U], userName: 'ann@acme.io', displayName: evil })).status).toBe(201);
    expect((await idp(origin, 'POST', '/acme/Users', token!, { schemas: [U], userName: 'ann@acme.io' })).status).toBe(409);
    expect((await status()).state).toBe('active');
    const dir = await b.get('/scim-admin/directory?q=ann');
    expect(dir.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(dir.text).not.toContain('<img src=x');
    expect(dir.text).toContain('1 in all');
    const act = await b.get('/scim-admin/activity');
    expect(act.text).toContain('A user or group with the same name already exists');
    expect(act.text).not.toContain('<img src=x');
    // the activity's admin changes carry the actor
    const c = (await connections.list({ tenant: 'acme' }))[0]!;
    expect(c.createdBy).toBe('it@acme.io');
  });
});

describe('tenants', () => {
  it('a session of one tenant never reaches another: its pages, its credentials, its API', async () => {
    const { portal, origin, connections } = await portalServer();
    const globex = await connections.create({ tenant: 'globex', name: 'Globex', settings: {}, actor: 'host' });
    const { credential, token } = await connections.issueToken(globex.id, { actor: 'host' });
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const csrf = b.csrfOf((await b.get('/scim-admin/setup?idp=okta')).text);
    await b.post('/scim-admin/setup', { idp: 'okta', workspace: 'acme-main', defaultRole: 'member', _csrf: csrf });
    for (const path of ['/', '/credentials', '/activity', '/directory']) expect((await b.get(`/scim-admin${path}`)).text).not.toContain(globex.id);
    const revoke = await b.post(`/scim-admin/credentials/${credential.id}/revoke`, { _csrf: csrf });
    expect(revoke.res.status).toBe(404);
    expect((await connections.credentials(globex.id))[0]!.inForce).toBe(true);
    expect((await idp(origin, 'GET', '/globex/Users', token)).status).toBe(200);
    // a query naming another tenant changes nothing
    const api = (await (await fetch(`${origin}/scim-admin/api/connection?tenant=globex`, { headers: { cookie: b.cookie() } })).json()) as {
      connection: { tenant: string };
    };
    expect(api.connection.tenant).toBe('acme');
  });
});

describe('host integration', () => {
  it('signInUrl sends a page without a session to the host sign-in with next; homeUrl links back; tokenLifetimeMs dates the secret', async () => {
    const changes: { kind: string; credentialId?: string }[] = [];
    const { portal, origin, connections } = await portalServer({
      portal: { signInUrl: '/login', brand: { name: 'Acme', homeUrl: '/app' }, tokenLifetimeMs: 90 * 24 * 3600_000, onChange: (c) => void changes.push(c) },
    });
    const page = await fetch(`${origin}/scim-admin/activity?status=error`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/scim-admin/activity?status=error')}`);
    expect((await fetch(`${origin}/scim-admin/api/status`, { redirect: 'manual' })).status).toBe(401);
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const home = await b.get('/scim-admin/');
    expect(home.text).toContain('<a class="brand" href="/app">');
    const csrf = b.csrfOf((await b.get('/scim-admin/setup?idp=okta')).text);
    await b.post('/scim-admin/setup', { idp: 'okta', workspace: 'acme-main', defaultRole: 'member', _csrf: csrf });
    const [c] = await connections.list({ tenant: 'acme' });
    const [credential] = await connections.credentials(c!.id);
    expect(Date.parse(credential!.expiresAt!) - Date.now()).toBeGreaterThan(89 * 24 * 3600_000);
    expect(changes).toEqual([expect.objectContaining({ kind: 'created', credentialId: credential!.id })]);
  });

  it('a Host header that makes no URL is a 400, not a 500', async () => {
    const { origin } = await portalServer();
    const { request } = await import('node:http');
    const url = new URL(origin);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/scim-admin/', headers: { host: 'bad host:99999' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });
});

describe('bad input', () => {
  it('gets a 4xx naming what was wrong, never a 500', async () => {
    const { portal, origin } = await portalServer();
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const before = await b.get('/scim-admin/activity?before=garbage');
    expect(before.res.status).toBe(400);
    expect(before.text).toContain('before must be a time (ISO 8601), not &quot;garbage&quot;');
    const api = await fetch(`${origin}/scim-admin/api/activity?before=2026-13-45`, { headers: { cookie: b.cookie() } });
    expect([api.status, ((await api.json()) as { scimType: string }).scimType]).toEqual([400, 'invalidValue']);
    for (const path of [`/directory?start=-5&q=${'x'.repeat(500)}`, '/directory?type=groups&q=%22%29', '/setup?idp=%00', '/activity?status=%3Cscript%3E'])
      expect((await b.get(`/scim-admin${path}`)).res.status, path).toBe(200);
    expect((await b.get('/scim-admin/credentials/x/revoke')).res.status).toBe(404);
    expect((await b.get('/scim-admin/nowhere')).res.status).toBe(404);
  });
});

describe('setup with OAuth', () => {
  it('an IdP that takes OAuth client credentials gets its client on the setup page, shown once', async () => {
    const { portal, origin, connections } = await portalServer();
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const csrf = b.csrfOf((await b.get('/scim-admin/setup?idp=entra')).text);
    await b.post('/scim-admin/setup', { idp: 'entra', workspace: 'acme-main', defaultRole: 'member', _csrf: csrf });
    const steps = await b.get('/scim-admin/setup?idp=entra');
    expect(steps.text).toContain('id="setup-oauth-client"');
    // Okta takes no OAuth client: no such button
    expect((await b.get('/scim-admin/setup?idp=okta')).text).not.toContain('id="setup-oauth-client"');
    const made = await b.post('/scim-admin/setup/oauth-client?idp=entra', { _csrf: csrf });
    const clientId = /<code id="client-id"[^>]*>([^<]+)<\/code>/.exec(made.text)?.[1];
    const secret = /<code id="client-secret"[^>]*>([^<]+)<\/code>/.exec(made.text)?.[1];
    expect(clientId).toBeTruthy();
    expect(secret).toBeTruthy();
    // the steps carry them where Entra asks for them
    expect(made.text).toContain(`<code>${clientId}</code>`);
    const [c] = await connections.list({ tenant: 'acme' });
    expect((await connections.credentials(c!.id)).map((x) => x.kind)).toEqual(['bearer', 'oauthClient']);
    expect((await b.get('/scim-admin/setup?idp=entra')).text).not.toContain(secret!);
  });
});
