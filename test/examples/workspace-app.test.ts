// The workspace app's settings page as an attacker meets it: sign-in, CSRF, escaping.
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceApp } from '../../examples/workspace-app/app.js';
import { LoginThrottle } from '../../examples/workspace-app/login-throttle.js';
import { type LifecycleEvent, silentLogger } from '../../src/index.js';

const PASSWORD = 'correct horse battery staple';
let server: Server;
let origin: string;

beforeAll(async () => {
  // the members' sign-in stand-in on: the deprovisioning test signs a member in through it
  const { app } = createWorkspaceApp({ adminPassword: PASSWORD, logger: silentLogger, ssoStandIn: true });
  server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A raw request, so the test controls every header (Host included). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, origin);
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

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const r = await raw('POST', '/login', FORM, form({ email: 'admin@acme.io', password: PASSWORD, next: '/orgs/acme/settings/security/scim' }));
  expect(r.status).toBe(302);
  const cookie = String(r.headers['set-cookie']).split(';')[0]!;
  expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly/i);
  expect(String(r.headers['set-cookie'])).toMatch(/SameSite=Lax/i);
  const page = await raw('GET', '/orgs/acme/settings/security/scim', { cookie });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
  return { cookie, csrf };
}

/** Signs in as the admin and saves the SCIM settings for the Engineering workspace: the session and the new token. */
async function connectScim(fields: Record<string, string>): Promise<{ cookie: string; csrf: string; token: string }> {
  const { cookie, csrf } = await signIn();
  const page = await raw('POST', '/orgs/acme/settings/security/scim', { ...FORM, cookie }, form({ workspace: 'ws-eng', ...fields, csrf }));
  // the first save makes the connection with its token; a later one changes the settings only: rotate for a token
  const shown = /id="token">([^<]+)</.exec(page.text) ?? /id="token">([^<]+)</.exec((await rotate(cookie, csrf, '0')).text);
  return { cookie, csrf, token: shown![1]! };
}

/** Rotates the connection's token on the settings page, the current one working `overlap` hours more. */
function rotate(cookie: string, csrf: string, overlap: string) {
  return raw('POST', '/orgs/acme/settings/security/scim/rotate', { ...FORM, cookie }, form({ overlap, csrf }));
}

describe('workspace app: sign-in', () => {
  it('the settings, users and teams pages need the organization’s admin', async () => {
    for (const path of ['/orgs/acme/settings/security/scim', '/orgs/acme/users', '/orgs/acme/teams']) {
      const r = await raw('GET', path);
      expect([path, r.status, r.headers.location]).toEqual([path, 302, `/login?next=${encodeURIComponent(path)}`]);
    }
    const post = await raw('POST', '/orgs/acme/settings/security/scim', FORM, form({ workspace: 'ws-eng', role: 'admin', lifetime: '90' }));
    expect(post.status).toBe(403);
  });

  it('a wrong password is refused; the right one opens a session and goes back to a local page only', async () => {
    expect((await raw('POST', '/login', FORM, form({ email: 'admin@acme.io', password: 'nope' }))).status).toBe(401);
    const evil = await raw('POST', '/login', FORM, form({ email: 'admin@acme.io', password: PASSWORD, next: '//evil.example/phish' }));
    expect(evil.headers.location).toBe('/orgs/acme/settings/security/scim');
    const { cookie } = await signIn();
    expect((await raw('GET', '/orgs/acme/users', { cookie })).status).toBe(200);
  });
});

describe('workspace app: sign-in under attack', () => {
  it('a malformed session cookie is no session (a redirect to sign in), not a 500', async () => {
    const r = await raw('GET', '/orgs/acme/users', { cookie: 'workspace_session=%E0' });
    expect([r.status, r.headers.location]).toEqual([302, '/login?next=%2Forgs%2Facme%2Fusers']);
  });

  it('guessing passwords is cut off after 10 failures a minute from one address', async () => {
    // an app of its own: the cut-off would lock the other tests out too
    const { app } = createWorkspaceApp({ adminPassword: PASSWORD, logger: silentLogger });
    const own = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    try {
      const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}/login`;
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
      await new Promise<void>((r) => own.close(() => r()));
    }
  });
});

/** An app of its own (a cut-off would lock the other tests out) and its origin; `close` stops it. */
async function ownApp(options: Parameters<typeof createWorkspaceApp>[0] = {}) {
  const made = createWorkspaceApp({ adminPassword: PASSWORD, logger: silentLogger, ...options });
  const own = await new Promise<Server>((r) => {
    const s = made.app.listen(0, '127.0.0.1', () => r(s));
  });
  return { ...made, origin: `http://127.0.0.1:${(own.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => own.close(() => r())) };
}

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
  it('a form post without the session’s token, or from another origin, is refused', async () => {
    const { cookie, csrf } = await signIn();
    const fields = { workspace: 'ws-eng', role: 'admin', lifetime: '90' };
    expect((await raw('POST', '/orgs/acme/settings/security/scim', { ...FORM, cookie }, form(fields))).status).toBe(403);
    expect((await raw('POST', '/orgs/acme/settings/security/scim', { ...FORM, cookie }, form({ ...fields, csrf: 'x'.repeat(43) }))).status).toBe(403);
    expect(
      (await raw('POST', '/orgs/acme/settings/security/scim', { ...FORM, cookie, origin: 'https://evil.example' }, form({ ...fields, csrf }))).status,
    ).toBe(403);
    const ok = await raw('POST', '/orgs/acme/settings/security/scim', { ...FORM, cookie, origin }, form({ ...fields, csrf }));
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('id="token"');
  });
});

describe('workspace app: escaping', () => {
  it('a hostile Host header reaches no script and no markup', async () => {
    const { cookie, csrf } = await signIn();
    await raw('POST', '/orgs/acme/settings/security/scim', { ...FORM, cookie }, form({ workspace: 'ws-eng', role: 'viewer', lifetime: '90', csrf }));
    const host = `x"></code></script><script>alert(1)</script>`;
    const r = await raw('GET', '/orgs/acme/settings/security/scim', { cookie, host });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain('<script>alert(1)');
    expect(r.text).not.toContain('"></code>');
    // one script, the page's own
    expect(r.text.match(/<script>/g)).toHaveLength(1);
  });

  it('what an IdP sends (paths, filters, details) is escaped in the activity table', async () => {
    const { cookie, token } = await connectScim({ role: 'viewer', lifetime: '90' });
    await fetch(`${origin}/scim/v2/acme/Users?filter=${encodeURIComponent('userName eq "<img src=x onerror=alert(2)>"')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await fetch(`${origin}/scim/v2/acme/Users/%3Cscript%3Ealert(3)%3C%2Fscript%3E`, { headers: { authorization: `Bearer ${token}` } });
    const r = await raw('GET', '/orgs/acme/settings/security/scim', { cookie });
    expect(r.text).toContain('&#60;img src=x onerror=alert(2)&#62;');
    expect(r.text).not.toContain('<img src=x');
    expect(r.text).not.toContain('<script>alert(3)');
  });
});

describe('workspace app: groups to roles', () => {
  it('members of the group that grants admin are admins; leaving it restores the default role; a role changed here survives', async () => {
    const { cookie, csrf, token } = await connectScim({ role: 'member', lifetime: '90', adminGroup: 'Platform Admins' });
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
    // until the settings name it: then its members are admins at once, without waiting for an event
    await raw(
      'POST',
      '/orgs/acme/settings/security/scim',
      { ...FORM, cookie },
      form({ workspace: 'ws-eng', role: 'member', lifetime: '90', adminGroup: 'everyone', csrf }),
    );
    expect(await roleOf('ann@acme.io')).toBe('admin');
    expect(await roleOf('bob@acme.io')).toBe('viewer');
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
    const { cookie, csrf, token } = await connectScim({ role: 'member', lifetime: '90' });
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

describe('workspace app: the connection on the settings page', () => {
  it('rotates with an overlap, revokes the old token, switches SCIM off and on, and shows health; bad input is a 4xx', async () => {
    const own = await ownApp();
    try {
      const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
        fetch(`${own.origin}${path}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) });
      const login = await send('POST', '/login', FORM, form({ email: 'admin@acme.io', password: PASSWORD }));
      const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
      const page = async () => (await send('GET', '/orgs/acme/settings/security/scim', { cookie })).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(await page())![1]!;
      const post = (path: string, fields: Record<string, string> = {}) =>
        send('POST', `/orgs/acme/settings/security/scim${path}`, { ...FORM, cookie }, form({ ...fields, csrf }));
      const users = (token: string) => fetch(`${own.origin}/scim/v2/acme/Users?count=0`, { headers: { authorization: `Bearer ${token}` } });
      const tokenOf = (html: string) => /id="token">([^<]+)</.exec(html)?.[1];

      const first = tokenOf(await (await post('', { workspace: 'ws-eng', role: 'member', lifetime: '90' })).text())!;
      // the kit's record: the settings the app saved, pending until the IdP's first request
      const [c] = await own.scim.connections!.list({ tenant: 'acme' });
      expect(c).toMatchObject({
        state: 'pending',
        createdBy: 'admin@acme.io',
        settings: { workspace: 'ws-eng', defaultRole: 'member', tokenLifetimeDays: 90 },
      });
      expect((await users(first)).status).toBe(200);
      expect(await page()).toMatch(/id="connection-state"[^>]*>active</);

      // saving again changes the settings, not the token
      expect(tokenOf(await (await post('', { workspace: 'ws-sales', role: 'viewer', lifetime: '90' })).text())).toBeUndefined();
      expect((await own.scim.connections!.get(c!.id)).settings).toMatchObject({ workspace: 'ws-sales', defaultRole: 'viewer' });
      expect((await users(first)).status).toBe(200);

      // rotate with a 1 h overlap: both work; the new one has the organization's lifetime
      const rotated = await post('/rotate', { overlap: '1' });
      const second = tokenOf(await rotated.text())!;
      expect([(await users(first)).status, (await users(second)).status]).toEqual([200, 200]);
      const tokens = await own.scim.connections!.credentials(c!.id);
      const inNinetyDays = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
      expect(tokens.map((t) => t.expiresAt?.slice(0, 10))).toEqual([expect.any(String), inNinetyDays]);
      expect(Date.parse(tokens[0]!.expiresAt!) - Date.now()).toBeLessThanOrEqual(3600_000);
      expect(tokens.map((t) => [t.kind, t.inForce])).toEqual([
        ['bearer', true],
        ['bearer', true],
      ]);

      // the old one revoked: refused at once; the new one goes on
      expect((await post(`/tokens/${tokens[0]!.id}/revoke`)).status).toBe(302);
      expect([(await users(first)).status, (await users(second)).status]).toEqual([401, 200]);

      // disabled: every token refused, as a token the IdP has to look at; enabled: back
      await post('/disable');
      const refused = await users(second);
      expect([refused.status, ((await refused.json()) as { detail: string }).detail]).toEqual([401, 'The connection is disabled']);
      expect(await page()).toMatch(/id="connection-state"[^>]*>disabled</);
      await post('/enable');
      expect((await users(second)).status).toBe(200);

      // health on the page counts the requests its tokens were accepted for (6, none failed); the
      // refused ones (revoked token, disabled) are in the rejected-token table, with their reason
      const shown = await page();
      expect([/id="health-requests">(\d+)</.exec(shown)?.[1], /id="health-failures">(\d+)</.exec(shown)?.[1]]).toEqual(['6', '0']);
      const rejected = shown.slice(shown.indexOf('id="rejected"'));
      expect(rejected).toContain('The connection is disabled');
      expect(rejected).toContain('The token has been revoked');

      // unknown token, unknown overlap: a 4xx with the reason, never a 500
      const unknown = await post('/tokens/cred_nothing/revoke');
      expect([unknown.status, await unknown.text()]).toEqual([404, 'Credential "cred_nothing" not found']);
      expect((await post('/rotate', { overlap: '5' })).status).toBe(400);
      // the lifecycle is in the tenant's activity log with its actor
      const log = await own.scim.activity.list({ tenant: 'acme', limit: 100 });
      expect(log.filter((r) => r.operation === 'connection').map((r) => [r.connection?.action, r.actor])).toEqual(
        expect.arrayContaining([
          ['create', 'admin@acme.io'],
          ['rotate', 'admin@acme.io'],
          ['revoke', 'admin@acme.io'],
          ['disable', 'admin@acme.io'],
        ]),
      );
    } finally {
      await own.close();
    }
  });
});
