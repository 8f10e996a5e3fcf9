// The workspace app's settings page as an attacker meets it: sign-in, CSRF, escaping.
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceApp } from '../../examples/workspace-app/app.js';
import { generateToken, hashToken, type LifecycleEvent, silentLogger } from '../../src/index.js';

const PASSWORD = 'correct horse battery staple';
let server: Server;
let origin: string;

beforeAll(async () => {
  const { app } = createWorkspaceApp({ adminPassword: PASSWORD, logger: silentLogger });
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
  return { cookie, csrf, token: /id="token">([^<]+)</.exec(page.text)![1]! };
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
    const { orgs, scim, onEvent } = createWorkspaceApp({ logger: silentLogger, observe: (e) => void seen.push(e) });
    const token = generateToken();
    const org = orgs.get('acme')!;
    org.scim = { workspaceId: 'ws-eng', defaultRole: 'member', tokenHash: hashToken(token), tokenLifetimeDays: 0, adminGroup: 'Admins' };
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
