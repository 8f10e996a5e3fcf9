// The workspace app as an attacker meets it (sign-in, CSRF, escaping), and its SCIM settings:
// scimkit's admin portal mounted in the app, behind the app's admin sign-in, with the app's
// settings as its host fields.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceApp } from '../../examples/workspace-app/app.js';
import { LoginThrottle } from '../../examples/workspace-app/login-throttle.js';
import { newAdmin, newOrganization } from '../../examples/workspace-app/model.js';
import { type LifecycleEvent, silentLogger } from '../../src/index.js';

const PASSWORD = 'correct horse battery staple';

/**
 * An app of its own on a free port, told its origin (the tenant URL the portal shows is
 * configured, not taken from the Host header); `close` stops it.
 */
async function ownApp(options: Parameters<typeof createWorkspaceApp>[0] = {}) {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const made = createWorkspaceApp({ adminPassword: PASSWORD, logger: silentLogger, publicUrl: origin, ...options });
  server.on('request', made.app);
  return {
    ...made,
    origin,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let shared: Awaited<ReturnType<typeof ownApp>>;
let origin: string;

beforeAll(async () => {
  // the members' sign-in stand-in on: the deprovisioning test signs a member in through it
  shared = await ownApp({ ssoStandIn: true });
  origin = shared.origin;
});
afterAll(() => shared.close());

/** A raw request, so the test controls every header (Host included). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  to = origin,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, to);
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** The secret a portal page shows once. */
const secretOf = (page: string) => /id="secret-token"[^>]*>([^<]+)</.exec(page)?.[1];

/** A signed-in admin: the session cookie, the CSRF token of the app's own forms and the portal's (each checks its own). */
interface SignedIn {
  cookie: string;
  csrf: string;
  portalCsrf: string;
}

async function signIn(email = 'admin@acme.io', to = origin): Promise<SignedIn> {
  const r = await raw('POST', '/login', FORM, form({ email, password: PASSWORD, next: '/scim-admin/' }), to);
  expect([r.status, r.headers.location]).toEqual([302, '/scim-admin/']);
  const cookie = String(r.headers['set-cookie']).split(';')[0]!;
  expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly/i);
  expect(String(r.headers['set-cookie'])).toMatch(/SameSite=Lax/i);
  const users = await raw('GET', '/orgs/acme/users', { cookie }, undefined, to);
  const portal = await raw('GET', '/scim-admin/', { cookie }, undefined, to);
  return {
    cookie,
    csrf: /name="csrf" value="([^"]+)"/.exec(users.text)?.[1] ?? '',
    portalCsrf: /<meta name="csrf-token" content="([^"]+)"/.exec(portal.text)![1]!,
  };
}

/** A form posted to the portal (as the browser posts it: with the session and the portal's CSRF token). */
function portalPost(a: SignedIn, path: string, fields: Record<string, string>, to = origin) {
  return raw('POST', `/scim-admin${path}`, { ...FORM, cookie: a.cookie }, form({ ...fields, _csrf: a.portalCsrf }), to);
}

/**
 * Signs in as the admin and sets SCIM up in the portal for the Engineering workspace with
 * Entra ID: the session and a secret token. The first setup makes the connection and its
 * secret; later, the settings are saved and the secret rotated (the old one ends at once).
 */
async function connectScim(fields: { defaultRole: string; adminGroup?: string }): Promise<SignedIn & { token: string }> {
  const a = await signIn();
  const settings = { workspace: 'ws-eng', adminGroup: '', ...fields };
  const made = await portalPost(a, '/setup', { idp: 'entra', ...settings });
  let token = secretOf(made.text);
  if (!token) {
    expect((await portalPost(a, '/settings', settings)).status).toBe(200);
    token = secretOf((await portalPost(a, '/credentials/rotate', { overlap: '0' })).text);
  }
  return { ...a, token: token! };
}

describe('workspace app: sign-in', () => {
  it('the SCIM settings (the portal), users, teams and event log need the organization’s admin', async () => {
    for (const path of [
      '/scim-admin/',
      '/scim-admin/credentials',
      '/orgs/acme/settings/security/scim',
      '/orgs/acme/users',
      '/orgs/acme/teams',
      '/orgs/acme/events',
    ]) {
      const r = await raw('GET', path);
      expect([path, r.status, r.headers.location]).toEqual([path, 302, `/login?next=${encodeURIComponent(path)}`]);
    }
    // a form post or an API call without the session: the portal's 401
    const post = await raw('POST', '/scim-admin/setup', FORM, form({ idp: 'entra', workspace: 'ws-eng', defaultRole: 'admin' }));
    expect(post.status).toBe(401);
    expect((await raw('GET', '/scim-admin/api/status', { accept: 'application/json' })).status).toBe(302);
    expect((await raw('POST', '/scim-admin/api/test')).status).toBe(401);
  });

  it('a wrong password is refused; the right one opens a session and goes back to a local page only', async () => {
    expect((await raw('POST', '/login', FORM, form({ email: 'admin@acme.io', password: 'nope' }))).status).toBe(401);
    const evil = await raw('POST', '/login', FORM, form({ email: 'admin@acme.io', password: PASSWORD, next: '//evil.example/phish' }));
    expect(evil.headers.location).toBe('/scim-admin/');
    const { cookie } = await signIn();
    expect((await raw('GET', '/orgs/acme/users', { cookie })).status).toBe(200);
    // the nav's Organization settings → Security → SCIM, and the page's old address, lead to the portal
    const users = await raw('GET', '/orgs/acme/users', { cookie });
    expect(users.text).toContain('<a href="/scim-admin/" id="nav-scim">Organization settings → Security → SCIM</a>');
    const old = await raw('GET', '/orgs/acme/settings/security/scim', { cookie });
    expect([old.status, old.headers.location]).toEqual([302, '/scim-admin/']);
    const portal = await raw('GET', '/scim-admin/', { cookie });
    expect(portal.status).toBe(200);
    expect(portal.text).toContain('Signed in as admin@acme.io');
    // signed out: the portal needs a sign-in again
    const { cookie: other, csrf } = await signIn();
    const out = await raw('POST', '/logout', { ...FORM, cookie: other }, form({ csrf }));
    expect([out.status, out.headers.location]).toEqual([302, '/login']);
    expect((await raw('GET', '/scim-admin/', { cookie: other })).status).toBe(302);
    expect((await raw('POST', '/scim-admin/test', { cookie: other })).status).toBe(401);
  });

  it('an organization’s admin manages that organization’s connection, with its own workspaces', async () => {
    const own = await ownApp();
    try {
      own.orgs.set('globex', newOrganization('globex', 'Globex', [{ id: 'ws-ops', name: 'Operations' }], [newAdmin('admin@globex.io', PASSWORD)]));
      const r = await raw('POST', '/login', FORM, form({ email: 'admin@globex.io', password: PASSWORD, next: '/scim-admin/' }), own.origin);
      const cookie = String(r.headers['set-cookie']).split(';')[0]!;
      const setup = await raw('GET', '/scim-admin/setup?idp=entra', { cookie }, undefined, own.origin);
      // the workspace options are Globex's, loaded for the signed-in admin's organization
      expect(/<select id="field-workspace".*?<\/select>/s.exec(setup.text)?.[0]).toMatch(/value="ws-ops"[^>]*>Operations</);
      expect(setup.text).not.toContain('ws-eng');
      const a = { cookie, csrf: '', portalCsrf: /<meta name="csrf-token" content="([^"]+)"/.exec(setup.text)![1]! };
      // Acme's workspace is not one of Globex's options
      const refused = await portalPost(a, '/setup', { idp: 'entra', workspace: 'ws-eng', defaultRole: 'member' }, own.origin);
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('Choose one of the options for Workspace to synchronise.');
      const made = await portalPost(a, '/setup', { idp: 'entra', workspace: 'ws-ops', defaultRole: 'member' }, own.origin);
      expect(made.text).toContain(`${own.origin}/scim/v2/globex`);
      const [c] = await own.scim.connections!.list({ tenant: 'globex' });
      expect(c).toMatchObject({ name: 'Globex', createdBy: 'admin@globex.io', settings: { workspace: 'ws-ops', defaultRole: 'member' } });
      expect(await own.scim.connections!.list({ tenant: 'acme' })).toEqual([]);
      expect(own.orgs.get('globex')!.scim).toMatchObject({ connectionId: c!.id, workspaceId: 'ws-ops' });
    } finally {
      await own.close();
    }
  });
});

describe('workspace app: sign-in under attack', () => {
  it('a malformed session cookie is no session (a redirect to sign in), not a 500', async () => {
    const r = await raw('GET', '/orgs/acme/users', { cookie: 'workspace_session=%E0' });
    expect([r.status, r.headers.location]).toEqual([302, '/login?next=%2Forgs%2Facme%2Fusers']);
  });

  it('guessing passwords is cut off after 10 failures a minute from one address', async () => {
    // an app of its own: the cut-off would lock the other tests out too
    const own = await ownApp();
    try {
      const url = `${own.origin}/login`;
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push(
          (
            await fetch(url, {
              method: 'POST',
              headers: FORM,
              body: form({ email: i % 2 ? 'admin@acme.io' : `nobody${i}@acme.io`, password: 'guess' }),
              redirect: 'manual',
            })
          ).status,
        );
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
    } finally {
      await own.close();
    }
  });
});

/** A sign-in attempt sent from `localAddress` (any 127.x.y.z on loopback), with `headers`: its status. */
function loginFrom(origin: string, localAddress: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL('/login', origin);
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path: url.pathname, localAddress, headers: { ...FORM, ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(form(fields));
  });
}

describe('workspace app: sign-in limits', () => {
  it('guessing one account’s password from many addresses is cut off after 10 failures a minute', async () => {
    const own = await ownApp();
    try {
      const statuses: number[] = [];
      // one address per guess: the limit per address alone gave each new address 10 more
      for (let i = 0; i < 12; i++) statuses.push(await loginFrom(own.origin, `127.0.1.${i + 1}`, { email: 'admin@acme.io', password: `guess${i}` }));
      expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
      // the right password waits too while the account is cut off (a real app adds a second factor or an unlock e-mail)
      expect(await loginFrom(own.origin, '127.0.1.50', { email: 'admin@acme.io', password: PASSWORD })).toBe(429);
      // another account is not
      expect(await loginFrom(own.origin, '127.0.1.51', { email: 'someone@acme.io', password: 'guess' })).toBe(401);
    } finally {
      await own.close();
    }
  });

  it('behind a proxy (trustProxy), each client address has its own limit', async () => {
    const own = await ownApp({ trustProxy: 'loopback' });
    try {
      const from = (client: string, i: number) =>
        loginFrom(own.origin, '127.0.0.1', { email: `nobody${i}@acme.io`, password: 'guess' }, { 'x-forwarded-for': client });
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push(await from('203.0.113.7', i));
      expect(statuses).toEqual([...Array(10).fill(401), 429]);
      // another admin behind the same proxy signs in
      expect(await loginFrom(own.origin, '127.0.0.1', { email: 'admin@acme.io', password: PASSWORD }, { 'x-forwarded-for': '198.51.100.9' })).toBe(302);
    } finally {
      await own.close();
    }
  });

  it('password checks run off the event loop: a page asked for during 5 failed sign-ins is answered first', async () => {
    const own = await ownApp();
    try {
      const answered: string[] = [];
      const signIns = Array.from({ length: 5 }, (_, i) =>
        loginFrom(own.origin, `127.0.2.${i + 1}`, { email: 'admin@acme.io', password: `wrong${i}` }).then((status) => {
          answered.push('sign-in');
          return status;
        }),
      );
      await new Promise((r) => setTimeout(r, 5));
      const page = fetch(`${own.origin}/login`).then(async (r) => {
        await r.text();
        answered.push('page');
        return r.status;
      });
      expect(await Promise.all([page, ...signIns])).toEqual([200, 401, 401, 401, 401, 401]);
      // scryptSync held the event loop for a whole check (~50 ms) per sign-in: the page waited for them
      expect(answered[0]).toBe('page');
    } finally {
      await own.close();
    }
  });
});

describe('workspace app: LoginThrottle', () => {
  it('counts attempts per key over a sliding window, all keys or none, and says when to retry', () => {
    let now = 0;
    const t = new LoginThrottle({ limit: 2, windowMs: 1000, now: () => now });
    expect(t.take(['a', 'x'])).toEqual({ taken: true });
    now = 400;
    expect(t.take(['a', 'y'])).toEqual({ taken: true });
    // `a` is spent: nothing is taken for `z` either
    expect(t.take(['a', 'z'])).toEqual({ taken: false, retryAfterMs: 600 });
    expect(t.take(['z'])).toEqual({ taken: true });
    // the first attempt leaves the window
    now = 1000;
    expect(t.take(['a'])).toEqual({ taken: true });
    // a right password gives its attempt back
    t.giveBack(['a']);
    expect(t.take(['a'])).toEqual({ taken: true });
    expect(t.take(['a'])).toEqual({ taken: false, retryAfterMs: 400 });
  });

  it('forgets keys once their window passed, and keeps at most maxKeys', () => {
    let now = 0;
    const t = new LoginThrottle({ limit: 1, windowMs: 1000, maxKeys: 100, now: () => now });
    for (let i = 0; i < 1000; i++) t.take([`made-up-${i}@x.io`]);
    expect(t.size).toBe(100);
    // the newest stay (made-up-999 is spent), the oldest were forgotten
    expect(t.take(['made-up-999@x.io']).taken).toBe(false);
    expect(t.take(['made-up-0@x.io']).taken).toBe(true);
    now = 1001;
    t.take(['late@x.io']);
    expect(t.size).toBe(1);
  });
});

describe('workspace app: the members’ sign-in stand-in', () => {
  it('is off unless the app is made with ssoStandIn: no session or API token for a userName alone', async () => {
    const own = await ownApp();
    try {
      const org = own.orgs.get('acme')!;
      org.members.get('ws-eng')!.set('dave-id', {
        scimId: 'dave-id',
        userName: 'dave@acme.io',
        displayName: 'Dave',
        role: 'member',
        roleSource: 'default',
        active: true,
      });
      const signIn = await fetch(`${own.origin}/orgs/acme/login/dave@acme.io`, { method: 'POST' });
      expect(signIn.status).toBe(404);
      expect(await signIn.text()).not.toMatch(/session|token/);
      // nor does anyone learn who is a member, or which members are deactivated
      expect((await fetch(`${own.origin}/orgs/acme/login/dave@acme.io`)).status).toBe(404);
    } finally {
      await own.close();
    }
  });
});

describe('workspace app: CSRF', () => {
  it('a form post without the session’s token, or from another origin, is refused: the portal’s and the app’s own', async () => {
    const own = await ownApp();
    try {
      const a = await signIn('admin@acme.io', own.origin);
      const fields = form({ idp: 'entra', workspace: 'ws-eng', defaultRole: 'admin' });
      const post = (headers: Record<string, string>, body: string) =>
        raw('POST', '/scim-admin/setup', { ...FORM, cookie: a.cookie, ...headers }, body, own.origin);
      expect((await post({}, fields)).status).toBe(403);
      expect((await post({}, `${fields}&_csrf=${'x'.repeat(43)}`)).status).toBe(403);
      // the app's own token is not the portal's
      expect((await post({}, `${fields}&_csrf=${a.csrf}`)).status).toBe(403);
      expect((await post({ origin: 'https://evil.example' }, `${fields}&_csrf=${a.portalCsrf}`)).status).toBe(403);
      expect(await own.scim.connections!.list({ tenant: 'acme' })).toEqual([]);
      const ok = await post({ origin: own.origin }, `${fields}&_csrf=${a.portalCsrf}`);
      expect(ok.status).toBe(200);
      expect(secretOf(ok.text)).toMatch(/^scimkit_/);
      // the app's role form checks the app's token
      const role = (body: Record<string, string>, headers: Record<string, string> = {}) =>
        raw('POST', '/orgs/acme/users/nobody/role', { ...FORM, cookie: a.cookie, ...headers }, form(body), own.origin);
      expect((await role({ role: 'admin' })).status).toBe(403);
      expect((await role({ role: 'admin', csrf: a.portalCsrf })).status).toBe(403);
      expect((await role({ role: 'admin', csrf: a.csrf }, { origin: 'https://evil.example' })).status).toBe(403);
      expect((await role({ role: 'admin', csrf: a.csrf }, { origin: own.origin })).status).toBe(302);
    } finally {
      await own.close();
    }
  });
});

describe('workspace app: escaping', () => {
  it('a hostile Host header reaches no markup, and the tenant URL is the configured one', async () => {
    const { cookie } = await connectScim({ defaultRole: 'viewer' });
    const host = `x"></code></script><script>alert(1)</script>`;
    // the portal is refused such a Host (it makes a URL of it); the app's pages never write it
    for (const [path, status] of [
      ['/scim-admin/setup?idp=entra', 400],
      ['/scim-admin/api/test', 400],
      ['/orgs/acme/users', 200],
    ] as const) {
      const r = await raw('GET', path, { cookie, host });
      expect([path, r.status]).toEqual([path, status]);
      expect(r.text).not.toContain('<script>alert(1)');
      expect(r.text).not.toContain('"></code>');
    }
    // another host name: the tenant URL is still the configured one
    const setup = await raw('GET', '/scim-admin/setup?idp=entra', { cookie, host: 'evil.example' });
    expect(/<code id="tenant-url"[^>]*>([^<]+)</.exec(setup.text)?.[1]).toBe(`${origin}/scim/v2/acme`);
    // the portal's one script, with its nonce; none on the app's pages
    expect(setup.text.match(/<script/g)).toHaveLength(1);
    expect((await raw('GET', '/orgs/acme/users', { cookie })).text).not.toContain('<script');
  });

  it('what an IdP sends (names, paths, filters) is escaped in the portal and the app’s pages', async () => {
    const { cookie, token } = await connectScim({ defaultRole: 'viewer' });
    await fetch(`${origin}/scim/v2/acme/Users?filter=${encodeURIComponent('userName eq "<img src=x onerror=alert(2)>"')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await fetch(`${origin}/scim/v2/acme/Users/%3Cscript%3Ealert(3)%3C%2Fscript%3E`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${origin}/scim/v2/acme/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'eve@acme.io', displayName: '<img src=y onerror=alert(4)>' }),
    });
    const activity = await raw('GET', '/scim-admin/activity', { cookie });
    expect(activity.text).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(activity.text).not.toContain('<img src=x');
    expect(activity.text).not.toContain('<script>alert(3)');
    for (const path of ['/scim-admin/directory?q=eve', '/orgs/acme/users']) {
      const r = await raw('GET', path, { cookie });
      expect(r.text, path).not.toContain('<img src=y');
      expect(r.text, path).toMatch(/&(lt|#60);img src=y onerror=alert\(4\)&(gt|#62);/);
    }
  });
});

describe('workspace app: groups to roles', () => {
  it('members of the group that grants admin are admins; leaving it restores the default role; a role changed here survives', async () => {
    const a = await connectScim({ defaultRole: 'member', adminGroup: 'Platform Admins' });
    const { cookie, csrf, token } = a;
    const scim = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${origin}/scim/v2/acme${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (r.status === 204 ? {} : await r.json()) as { id: string };
    };
    const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
    const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
    const P = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
    const ann = await scim('POST', '/Users', { schemas: [U], userName: 'ann@acme.io' });
    const bob = await scim('POST', '/Users', { schemas: [U], userName: 'bob@acme.io' });
    const roleOf = async (userName: string) => {
      const users = await raw('GET', '/orgs/acme/users', { cookie });
      return new RegExp(`${userName.replace('.', '\\.')}</td>.*?<td class="role">(\\w+)</td>`, 's').exec(users.text)?.[1];
    };
    // JumpCloud creates groups with their members (never empty): the members are the team's, and get admin
    const admins = await scim('POST', '/Groups', { schemas: [G], displayName: 'Platform Admins', members: [{ value: ann.id }] });
    const teams = await raw('GET', '/orgs/acme/teams', { cookie });
    expect(teams.text).toMatch(/data-team="Platform Admins">.*?<td class="count">1<\/td>/s);
    expect(await roleOf('ann@acme.io')).toBe('admin');
    await scim('PATCH', `/Groups/${admins.id}`, { schemas: [P], Operations: [{ op: 'add', path: 'members', value: [{ value: bob.id }] }] });
    expect(await roleOf('bob@acme.io')).toBe('admin');
    // the organization's admin sets bob's role here: the IdP's group no longer decides it
    await raw('POST', `/orgs/acme/users/${bob.id}/role`, { ...FORM, cookie }, form({ role: 'viewer', csrf }));
    expect(await roleOf('bob@acme.io')).toBe('viewer');
    for (const id of [ann.id, bob.id])
      await scim('PATCH', `/Groups/${admins.id}`, { schemas: [P], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });
    expect(await roleOf('ann@acme.io')).toBe('member');
    expect(await roleOf('bob@acme.io')).toBe('viewer');
    // another group grants nothing
    await scim('POST', '/Groups', { schemas: [G], displayName: 'Everyone', members: [{ value: ann.id }] });
    expect(await roleOf('ann@acme.io')).toBe('member');
    // until the portal's settings name it: the app hears of it (onChange) and its members are
    // admins at once, without waiting for an event
    const saved = await portalPost(a, '/settings', { workspace: 'ws-eng', defaultRole: 'member', adminGroup: 'everyone' });
    expect(saved.text).toContain('Settings saved.');
    expect(await roleOf('ann@acme.io')).toBe('admin');
    expect(await roleOf('bob@acme.io')).toBe('viewer');
    // no admin group: ann is back to the default role
    await portalPost(a, '/settings', { workspace: 'ws-eng', defaultRole: 'member', adminGroup: '' });
    expect(await roleOf('ann@acme.io')).toBe('member');
    expect((await raw('GET', '/orgs/acme/events', { cookie })).text).toContain('<li>scim.configured ws-eng member</li>');
  });
});

describe('workspace app: events delivered again', () => {
  it('a repeated user.created or group.created changes nothing; a new admin group applies at once', async () => {
    const seen: LifecycleEvent[] = [];
    const { orgs, scim, onEvent, connect } = createWorkspaceApp({ logger: silentLogger, observe: (e) => void seen.push(e) });
    const org = orgs.get('acme')!;
    const token = (await connect(org, { workspaceId: 'ws-eng', defaultRole: 'member', tokenLifetimeDays: 0, adminGroup: 'Admins' }, 'admin@acme.io'))!;
    const call = async (method: string, path: string, body: unknown) =>
      (
        await scim.handle({
          method,
          path: `/acme${path}`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
          body: JSON.stringify(body),
        })
      ).body as { id: string };
    const ann = await call('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ann@acme.io' });
    const group = await call('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Admins',
      members: [{ value: ann.id }],
    });
    const member = () => org.members.get('ws-eng')!.get(ann.id)!;
    expect(member().role).toBe('admin');
    // ann leaves the group; then the old creates are delivered again
    await call('PATCH', `/Groups/${group.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: `members[value eq "${ann.id}"]` }],
    });
    expect(member().role).toBe('member');
    member().role = 'viewer';
    member().roleSource = 'local';
    for (const e of seen.filter((x) => x.type === 'user.created' || x.type === 'group.created')) onEvent(e);
    expect(member()).toMatchObject({ role: 'viewer', roleSource: 'local' });
    expect(org.teams.get('ws-eng')!.get(group.id)!.members.size).toBe(0);
    // back to the group's rule: joining again grants admin again
    member().roleSource = 'default';
    await call('PATCH', `/Groups/${group.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ann.id }] }],
    });
    expect(member().role).toBe('admin');
  });
});

describe('workspace app: deprovisioning', () => {
  it('a deactivated member’s session and API token stop working; a deleted one is kept, signed out and hidden, and comes back with its role', async () => {
    const { cookie, csrf, token } = await connectScim({ defaultRole: 'member' });
    const scim = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${origin}/scim/v2/acme${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: r.status, body: (r.status === 204 ? {} : await r.json()) as { id: string } };
    };
    const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
    const P = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
    const active = (value: boolean) => ({ schemas: [P], Operations: [{ op: 'replace', path: 'active', value }] });
    const signInMember = async () => {
      const r = await raw('POST', '/orgs/acme/login/carol@acme.io');
      return { status: r.status, ...(r.status === 200 ? (JSON.parse(r.text) as { session: string; token: string }) : {}) };
    };
    const me = async (credential: { session?: string; token?: string }) =>
      (await raw('GET', '/orgs/acme/api/me', credential.token ? { authorization: `Bearer ${credential.token}` } : { 'x-session': credential.session! })).status;

    const carol = (await scim('POST', '/Users', { schemas: [U], userName: 'carol@acme.io' })).body;
    const first = await signInMember();
    expect(first.status).toBe(200);
    expect([await me({ token: first.token! }), await me({ session: first.session! })]).toEqual([200, 200]);

    // the IdP deactivates her: what she already holds stops working, and she cannot sign in
    await scim('PATCH', `/Users/${carol.id}`, active(false));
    expect([await me({ token: first.token! }), await me({ session: first.session! })]).toEqual([401, 401]);
    expect((await signInMember()).status).toBe(403);

    // reactivated: she signs in again, and the old credentials stay revoked
    await scim('PATCH', `/Users/${carol.id}`, active(true));
    const second = await signInMember();
    expect(second.status).toBe(200);
    expect([await me({ token: first.token! }), await me({ token: second.token! })]).toEqual([401, 200]);

    // an admin gives her a role here; then the IdP deletes her: signed out, hidden, 404 to the IdP
    await raw('POST', `/orgs/acme/users/${carol.id}/role`, { ...FORM, cookie }, form({ role: 'viewer', csrf }));
    expect((await scim('DELETE', `/Users/${carol.id}`)).status).toBe(204);
    expect([await me({ token: second.token! }), await me({ session: second.session! })]).toEqual([401, 401]);
    expect((await signInMember()).status).toBe(403);
    expect((await scim('GET', `/Users/${carol.id}`)).status).toBe(404);
    expect((await raw('GET', '/orgs/acme/users', { cookie })).text).not.toContain('carol@acme.io');

    // re-hired: the IdP creates her again; she is the same user, with the role she had
    const back = await scim('POST', '/Users', { schemas: [U], userName: 'carol@acme.io' });
    expect([back.status, back.body.id]).toEqual([201, carol.id]);
    const users = (await raw('GET', '/orgs/acme/users', { cookie })).text;
    expect(/carol@acme\.io<\/td>.*?<td class="role">(\w+)<\/td>/s.exec(users)?.[1]).toBe('viewer');
    const third = await signInMember();
    expect(third.status).toBe(200);
    expect([await me({ token: second.token! }), await me({ token: third.token! })]).toEqual([401, 200]);
  });
});

describe('workspace app: the connection in the portal', () => {
  it('setup, settings, rotation with an overlap, revocation, the switch and deletion reach the kit and the app; bad input is a 4xx', async () => {
    const own = await ownApp();
    try {
      const a = await signIn('admin@acme.io', own.origin);
      const post = (path: string, fields: Record<string, string> = {}) => portalPost(a, path, fields, own.origin);
      const get = async (path: string) => (await raw('GET', path, { cookie: a.cookie }, undefined, own.origin)).text;
      const users = (token: string) => fetch(`${own.origin}/scim/v2/acme/Users?count=0`, { headers: { authorization: `Bearer ${token}` } });
      const acme = own.orgs.get('acme')!;
      const stateOf = async () => /id="connection-state"[^>]*data-state="(\w+)"/.exec(await get('/scim-admin/'))?.[1];

      // a refused form makes nothing; a field left out is required
      const missing = await post('/setup', { idp: 'entra', workspace: 'ws-eng' });
      expect([missing.status, missing.text.includes('Default role for new users is required.')]).toEqual([400, true]);
      const first = secretOf((await post('/setup', { idp: 'entra', workspace: 'ws-eng', defaultRole: 'member' })).text)!;
      // the kit's record: the settings the portal saved from the app's fields, pending until the IdP's first request
      const [c] = await own.scim.connections!.list({ tenant: 'acme' });
      expect(c).toMatchObject({
        state: 'pending',
        name: 'Acme Corp',
        idp: 'entra',
        createdBy: 'admin@acme.io',
        settings: { workspace: 'ws-eng', defaultRole: 'member' },
      });
      // the app heard of it: its copy of the settings, and its event log
      expect(acme.scim).toEqual({ connectionId: c!.id, workspaceId: 'ws-eng', defaultRole: 'member' });
      expect((await users(first)).status).toBe(200);
      expect(await stateOf()).toBe('active');

      // saving again changes the settings, not the secret
      const saved = await post('/settings', { workspace: 'ws-sales', defaultRole: 'viewer', adminGroup: 'Sales Leads' });
      expect([saved.status, secretOf(saved.text)]).toEqual([200, undefined]);
      expect((await own.scim.connections!.get(c!.id)).settings).toEqual({ workspace: 'ws-sales', defaultRole: 'viewer', adminGroup: 'Sales Leads' });
      expect(acme.scim).toEqual({ connectionId: c!.id, workspaceId: 'ws-sales', defaultRole: 'viewer', adminGroup: 'Sales Leads' });
      // a workspace the organization does not have, or a role the app does not know: refused, nothing saved
      expect((await post('/settings', { workspace: 'ws-nope', defaultRole: 'viewer' })).status).toBe(400);
      expect((await post('/settings', { workspace: 'ws-eng', defaultRole: 'owner' })).status).toBe(400);
      expect(acme.scim?.workspaceId).toBe('ws-sales');
      expect((await users(first)).status).toBe(200);

      // rotate with a 1 h overlap: both work
      const second = secretOf((await post('/credentials/rotate', { overlap: '1' })).text)!;
      expect([(await users(first)).status, (await users(second)).status]).toEqual([200, 200]);
      const tokens = await own.scim.connections!.credentials(c!.id);
      expect(tokens.map((t) => [t.kind, t.inForce])).toEqual([
        ['bearer', true],
        ['bearer', true],
      ]);
      expect(Date.parse(tokens[0]!.expiresAt!) - Date.now()).toBeLessThanOrEqual(3600_000);
      // no token lifetime setting any more: the new secret does not expire
      expect(tokens[1]!.expiresAt).toBeNull();

      // the old one revoked: refused at once; the new one goes on
      const revoked = await post(`/credentials/${tokens[0]!.id}/revoke`);
      expect([revoked.status, revoked.headers.location]).toEqual([303, '/scim-admin/credentials']);
      expect([(await users(first)).status, (await users(second)).status]).toEqual([401, 200]);

      // disabled: every secret refused, as a secret the IdP has to look at; enabled: back
      await post('/disable');
      const refused = await users(second);
      expect([refused.status, ((await refused.json()) as { detail: string }).detail]).toEqual([401, 'The connection is disabled']);
      expect(await stateOf()).toBe('disabled');
      await post('/enable');
      expect((await users(second)).status).toBe(200);

      // the overview counts the requests its secrets were accepted for (6, none failed); the
      // refused ones (revoked secret, disabled) are the activity's rejected credentials, explained
      const overview = await get('/scim-admin/');
      const stat = (label: string) => new RegExp(`${label}</p><p class="stat[^"]*">(\\d+)<`).exec(overview)?.[1];
      expect([stat('Requests in 24 h'), stat('Failures in 24 h')]).toEqual(['6', '0']);
      const activity = await get('/scim-admin/activity?status=rejected');
      expect(activity).toContain('Provisioning is disabled, so the request was refused.');
      expect(activity).toContain('Your identity provider sent a secret that was rotated or revoked');

      // an unknown credential, an unknown overlap: a 4xx with the reason, never a 500
      const unknown = await post('/credentials/cred_nothing/revoke');
      expect([unknown.status, unknown.text.includes('Credential &quot;cred_nothing&quot; not found')]).toEqual([404, true]);
      expect((await post('/credentials/rotate', { overlap: '5' })).status).toBe(400);

      // the app's event log has each change; the kit's activity log has them with their actor
      const events = await get('/orgs/acme/events');
      for (const line of [
        'scim.configured ws-eng member',
        'scim.configured ws-sales viewer',
        'scim.token.rotated',
        'scim.credential.revoked',
        'scim.disabled',
        'scim.enabled',
      ])
        expect(events).toContain(`<li>${line}</li>`);
      const log = await own.scim.activity.list({ tenant: 'acme', limit: 100 });
      expect(log.filter((r) => r.operation === 'connection').map((r) => [r.connection?.action, r.actor])).toEqual(
        expect.arrayContaining([
          ['create', 'admin@acme.io'],
          ['rotate', 'admin@acme.io'],
          ['revoke', 'admin@acme.io'],
          ['disable', 'admin@acme.io'],
        ]),
      );

      // deleted: the app forgets the connection; a new setup makes another
      expect((await post('/delete', { confirm: 'acme' })).status).toBe(200);
      expect(acme.scim).toBeUndefined();
      expect(await get('/orgs/acme/events')).toContain('<li>scim.deleted</li>');
      expect((await users(second)).status).toBe(401);
    } finally {
      await own.close();
    }
  });
});
