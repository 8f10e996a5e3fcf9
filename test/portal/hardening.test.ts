// Findings of a security review of the portal, each as the request that showed it: a link
// cookie must not take a host-signed-in admin out of their tenant; a HEAD spends no link; junk
// links cannot use up the real ones' budget; a store of used links that fails is a 503 with
// no token in the log; a failing onChange still shows the secret once; the host's delivery
// error is not shown to its customer; percent-encoding that is none is a 404, not a 500.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { browser, closeAll, portalServer } from './harness.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});

const authorize = (req: Request) => {
  const [tenant, actor] = (req.headers.get('x-host-user') ?? '').split('/');
  return tenant && actor ? { tenant, actor } : null;
};

describe('portal hardening', () => {
  it('the host’s sign-in wins over a link cookie of another tenant (login CSRF)', async () => {
    const { portal, origin } = await portalServer({ portal: { authorize } });
    const b = browser(origin);
    // an attacker's genuine link, opened in the victim's browser
    await b.get(await portal.link({ tenant: 'attacker', actor: 'mallory@evil.example' }));
    const session = await fetch(`${origin}/scim-admin/api/session`, { headers: { cookie: b.cookie(), 'x-host-user': 'victim/bob@victim.example' } });
    expect(await session.json()).toMatchObject({ tenant: 'victim', actor: 'bob@victim.example', via: 'host' });
  });

  it('a HEAD of a link spends nothing; junk links do not use up the real ones’ budget', async () => {
    const { portal } = await portalServer();
    const link = `http://app.example.com${await portal.link({ tenant: 'acme', actor: 'it@acme.io' })}`;
    const head = await portal.fetch(new Request(link, { method: 'HEAD' }));
    expect([head.status, head.headers.get('set-cookie')]).toEqual([200, null]);
    for (let i = 0; i < 40; i++) await portal.fetch(new Request(`http://app.example.com/scim-admin/link/junk${i}.x`));
    const opened = await portal.fetch(new Request(link));
    expect(opened.status).toBe(303);
  });

  it('a store of used links that fails: 503, the link still unused, its token in no log line', async () => {
    let down = true;
    const used = new Set<string>();
    const { portal } = await portalServer({
      portal: {
        linkRedemptions: {
          redeem: (id) => {
            if (down) throw new Error('database down');
            if (used.has(id)) return false;
            used.add(id);
            return true;
          },
        },
      },
    });
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(' ')));
    const path = await portal.link({ tenant: 'acme', actor: 'it@acme.io' });
    const failed = await portal.fetch(new Request(`http://app.example.com${path}`));
    expect(failed.status).toBe(503);
    const token = path.split('/').pop()!;
    expect(errors.join('\n')).not.toContain(token);
    down = false;
    expect((await portal.fetch(new Request(`http://app.example.com${path}`))).status).toBe(303);
  });

  it('an onChange that throws: the secret is still shown once, the change saved', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { origin, connections } = await portalServer({
      portal: {
        authorize,
        onChange: () => {
          throw new Error('the host is down');
        },
      },
    });
    const who = { 'x-host-user': 'acme/a@acme.io', 'content-type': 'application/json' };
    const csrf = ((await (await fetch(`${origin}/scim-admin/api/session`, { headers: who })).json()) as { csrf: string }).csrf;
    const made = await fetch(`${origin}/scim-admin/api/connection`, {
      method: 'POST',
      headers: { ...who, 'x-csrf-token': csrf },
      body: JSON.stringify({ idp: 'okta', settings: { workspace: 'acme-main', defaultRole: 'member' } }),
    });
    expect(made.status).toBe(201);
    expect(((await made.json()) as { token: string }).token).toMatch(/^scimkit_/);
    const rotated = await fetch(`${origin}/scim-admin/api/credentials/rotate`, {
      method: 'POST',
      headers: { ...who, 'x-csrf-token': csrf },
      body: '{"overlapHours":0}',
    });
    expect([rotated.status, ((await rotated.json()) as { token: string }).token]).toEqual([200, expect.stringMatching(/^scimkit_/)]);
    expect((await connections.list({ tenant: 'acme' })).length).toBe(1);
  });

  it('the host’s delivery error stays the host’s: not in the overview nor the API', async () => {
    const secret = 'connect ECONNREFUSED 10.0.3.7:5432 (internal-db.acme.local)';
    const { portal, origin, connections } = await portalServer({
      scim: {
        hooks: {
          onEvent: () => {
            throw new Error(secret);
          },
        },
        events: { maxAttempts: 3, retryBaseMs: 60_000, retryMaxMs: 60_000, pollMs: 20 },
      },
    });
    const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: 'host' });
    const { token } = await connections.issueToken(c.id, { actor: 'host' });
    const res = await fetch(`${origin}/scim/v2/acme/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ann@acme.io' }),
    });
    expect(res.status).toBe(201);
    for (let i = 0; i < 50 && (await connections.health(c.id)).events.lastError === null; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await connections.health(c.id)).events.lastError).toContain('ECONNREFUSED');
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const page = await b.get('/scim-admin/');
    expect(page.text).toContain('The app could not apply some changes yet');
    expect(page.text).not.toContain('ECONNREFUSED');
    expect((await b.get('/scim-admin/api/connection')).text).not.toContain('ECONNREFUSED');
  });

  it('a credential segment that is no percent-encoding is a 404; a search cut inside an emoji is no 400', async () => {
    const { portal, origin } = await portalServer();
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const csrf = b.csrfOf((await b.get('/scim-admin/setup?idp=okta')).text);
    await b.post('/scim-admin/setup', { idp: 'okta', workspace: 'acme-main', defaultRole: 'member', _csrf: csrf });
    expect((await b.post('/scim-admin/credentials/%E0%A4%A/revoke', { _csrf: csrf })).res.status).toBe(404);
    expect((await b.get(`/scim-admin/directory?q=${encodeURIComponent(`${'a'.repeat(99)}😀`)}`)).res.status).toBe(200);
  });
});
