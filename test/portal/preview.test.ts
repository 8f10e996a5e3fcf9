// The Review of a first sync held in preview, over real HTTP: the setup box that asks for it,
// the overview's notice and the Review tab, the report (conflicts and outside-domain users
// first, with their reason), the CSV, resolving each conflict, approval refused with the users
// named and then delivering the held events, discard, the same through the JSON API, CSRF on
// every write, and one tenant's review never reaching another's.
import { type LifecycleEvent, linkAccounts, type ScimServer } from 'scimkit';
import { adminPortal, type PortalViewer } from 'scimkit/portal';
import { afterEach, describe, expect, it } from 'vitest';
import { browser, closeAll, idp, portalServer } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const servers: ScimServer[] = [];
afterEach(async () => {
  await closeAll();
  for (const s of servers.splice(0)) await s.close();
});

/** True once `test` holds, polling for `ms`. */
async function eventually(test: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (test()) return true;
  return test();
}

/** The host's sign-in stand-in: `x-host-user: tenant/actor`. */
const authorize = (req: Request): PortalViewer | null => {
  const [tenant, actor] = (req.headers.get('x-host-user') ?? '').split('/');
  return tenant && actor ? { tenant, actor } : null;
};

/** The app's accounts by e-mail. */
const ACCOUNTS: Record<string, string> = { 'ann@acme.io': 'acct-ann', 'bob@acme.io': 'acct-bob' };

/**
 * A server whose app has accounts: ann@acme.io adoptable by e-mail, bob@acme.io owned by a local
 * account that is not adopted (a conflict), externalId ext-cy; users outside acme.io kept for
 * review; the host hears its events in `heard`.
 */
async function reviewServer() {
  const heard: LifecycleEvent[] = [];
  const server = await portalServer({
    scim: {
      connections: {
        account: ({ tenant }, id) => tenant === 'acme' && Object.values(ACCOUNTS).includes(id),
        outsideDomains: 'review',
        previewGroup: ({ group }) => ({ team: `team ${String(group.displayName)}`, grants: ['member'] }),
      },
      hooks: {
        linkUser: linkAccounts({
          byEmail: (_ctx, email) => ACCOUNTS[email],
          byExternalId: (_ctx, id) => (id === 'ext-cy' ? 'acct-cy' : undefined),
          adoptByEmail: (_ctx, account) => account !== 'acct-bob',
        }),
        onEvent: (e) => void heard.push(e),
      },
      // held events have no delivery to wait for: background delivery, polled often
      events: { pollMs: 20, retryBaseMs: 10 },
    },
    portal: { authorize, domains: () => ['acme.io'] },
  });
  servers.push(server.scim);
  return { ...server, heard };
}

/** The IdP's first cycle for `tenant` with `token`: five users (one outside acme.io) and a group of two; their ids by userName. */
async function firstCycle(origin: string, tenant: string, token: string, prefix = '') {
  const ids = new Map<string, string>();
  const users = [
    { userName: `${prefix}ann@acme.io` },
    { userName: `${prefix}bob@acme.io` },
    { userName: `${prefix}cy@acme.io`, externalId: 'ext-cy' },
    { userName: `${prefix}dee@acme.io` },
    { userName: `${prefix}eve@evil.example` },
  ];
  for (const u of users) {
    const res = await idp(origin, 'POST', `/${tenant}/Users`, token, { schemas: [U], ...u, emails: [{ value: u.userName, primary: true }], active: true });
    expect(res.status, u.userName).toBe(201);
    ids.set(u.userName, res.body!.id as string);
  }
  const members = [ids.get(`${prefix}ann@acme.io`), ids.get(`${prefix}bob@acme.io`)].map((value) => ({ value }));
  expect((await idp(origin, 'POST', `/${tenant}/Groups`, token, { schemas: [G], displayName: 'Engineering', members })).status).toBe(201);
  return ids;
}

async function api(origin: string, who: string, method: string, path: string, body?: unknown, csrf?: string) {
  const res = await fetch(`${origin}/scim-admin/api${path}`, {
    method,
    headers: {
      'x-host-user': who,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(csrf ? { 'x-csrf-token': csrf } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json') && text ? JSON.parse(text) : undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field in the assertions
  return { status: res.status, headers: res.headers, text, body: json as any };
}

describe('reviewing the first sync in the pages', () => {
  it('setup asks for a review; the report, CSV, resolutions, a refused and then a granted approval; the host hears nothing before it', async () => {
    const { portal, origin, connections, heard } = await reviewServer();
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const form = await b.get('/scim-admin/setup?idp=entra');
    expect(form.text).toContain('<input type="checkbox" name="preview" value="1"');
    expect(form.text).toContain('Review the first sync before the app applies it');
    const csrf = b.csrfOf(form.text);
    const made = await b.post('/scim-admin/setup', { idp: 'entra', workspace: 'acme-main', defaultRole: 'member', preview: '1', _csrf: csrf });
    expect(made.res.status).toBe(200);
    // the Review tab shows at once in the answer that made the connection
    expect(made.text).toContain('href="/scim-admin/review"');
    const token = /<code id="secret-token"[^>]*>([^<]+)<\/code>/.exec(made.text)![1]!;
    const [c] = await connections.list({ tenant: 'acme' });
    expect(c).toMatchObject({ mode: 'preview', domains: ['acme.io'], createdBy: 'it@acme.io' });
    // Settings shows the host's verified domains, read-only
    const settings = await b.get('/scim-admin/settings');
    expect(settings.text).toContain('<p id="allowed-domains">acme.io</p>');
    expect(settings.text).not.toMatch(/name="domains"/);

    const ids = await firstCycle(origin, 'acme', token);
    const overview = await b.get('/scim-admin/');
    expect(overview.text).toContain('Held for review: the app has not applied anything yet.');
    expect(overview.text).toContain('<a href="/scim-admin/review">Review the first sync</a>');

    const review = await b.get('/scim-admin/review');
    expect(review.res.status).toBe(200);
    const text = review.text;
    expect(text).toContain('aria-current="page">Review</a>');
    // conflicts and outside-domain users first, each with its reason and a form; the others after
    const at = (s: string) => text.indexOf(s);
    expect(at('data-user="bob@acme.io"')).toBeGreaterThan(0);
    expect(at('data-user="eve@evil.example"')).toBeGreaterThan(0);
    for (const other of ['ann@acme.io', 'cy@acme.io', 'dee@acme.io'])
      expect(at(`data-user="${other}"`), other).toBeGreaterThan(Math.max(at('data-user="bob@acme.io"'), at('data-user="eve@evil.example"')));
    expect(text).toContain('outside the connection’s allowed domains: &quot;eve@evil.example&quot; is not in acme.io');
    expect(text).toMatch(/bob@acme\.io/);
    expect(text).toContain(`<input type="hidden" name="userId" value="${ids.get('bob@acme.io')}">`);
    expect(text.match(/action="\/scim-admin\/review\/resolve"/g)).toHaveLength(2);
    // each user by outcome with the account it links to and how
    expect(text).toMatch(/<tr data-user="ann@acme\.io"><td>ann@acme\.io<\/td><td><code>acct-ann<\/code><br><span class="help">by e-mail<\/span>/);
    expect(text).toMatch(/<tr data-user="cy@acme\.io"><td>cy@acme\.io<\/td><td><code>acct-cy<\/code><br><span class="help">by external ID<\/span>/);
    // the group, its members and grants
    expect(text).toMatch(/<td>Engineering<\/td><td>team Engineering <span class="pill ">new<\/span><\/td>\s*<td>2<\/td><td>member<\/td>/);
    // counts: 1 conflict, 1 outside, 2 linked, 1 new, 1 group
    expect(text).toMatch(/Conflicts<\/p><p class="stat bad">1</);
    expect(text).toMatch(/Outside your domains<\/p><p class="stat bad">1</);
    expect(text).toMatch(/Linked to existing accounts<\/p><p class="stat">2</);
    expect(text).toMatch(/New accounts<\/p><p class="stat">1</);
    expect(text).toContain('Approve is available once every conflict and every user outside your domains has a decision (2 left).');
    expect(text).toContain('<button type="submit" id="approve" disabled');
    expect(text).toContain('Pause provisioning in your identity provider first');

    const csv = await b.get('/scim-admin/preview.csv');
    expect(csv.res.status).toBe(200);
    expect(csv.res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.res.headers.get('content-disposition')).toBe('attachment; filename="scim-review-acme.csv"');
    const rows = csv.text.split('\r\n');
    expect(rows[0]).toBe('id,userName,outcome,account,by,reason,resolvedBy');
    expect(rows).toContain(`${ids.get('ann@acme.io')},ann@acme.io,link,acct-ann,email,,`);
    expect(rows.find((r) => r.startsWith(`${ids.get('bob@acme.io')},bob@acme.io,conflict,`))).toBeDefined();

    // approval with users open: 409, the page names them; nothing delivered
    const refused = await b.post('/scim-admin/review/approve', { _csrf: csrf });
    expect(refused.res.status).toBe(409);
    expect(refused.text).toMatch(/Approval was refused: 2 user\(s\) need a decision before approval[^<]*&quot;bob@acme\.io&quot; \(conflict\)/);
    expect(refused.text).toContain('&quot;eve@evil.example&quot; (outsideDomain)');

    // a link needs an account; then bob linked to his account by hand and eve skipped
    const noAccount = await b.post('/scim-admin/review/resolve', { userId: ids.get('bob@acme.io')!, action: 'link', account: ' ', _csrf: csrf });
    expect(noAccount.res.status).toBe(400);
    expect(noAccount.text).toContain('Enter the account ID to link bob@acme.io to.');
    const unknown = await b.post('/scim-admin/review/resolve', { userId: 'nobody', action: 'skip', _csrf: csrf });
    expect(unknown.res.status).toBe(404);
    expect(unknown.text).toContain('There is no such user in the sync.');
    const linked = await b.post('/scim-admin/review/resolve', { userId: ids.get('bob@acme.io')!, action: 'link', account: 'acct-bob', _csrf: csrf });
    expect(linked.res.status).toBe(200);
    expect(linked.text).toContain('Decision saved for bob@acme.io.');
    expect(linked.text).toContain('Decided by it@acme.io: links to an existing account (acct-bob)');
    const skipped = await b.post('/scim-admin/review/resolve', { userId: ids.get('eve@evil.example')!, action: 'skip', _csrf: csrf });
    expect(skipped.text).toContain('Nothing needs a decision.');
    expect(skipped.text).toContain('<button type="submit" id="approve">');
    expect((await connections.list({ tenant: 'acme' }))[0]!.resolutions).toMatchObject({
      [ids.get('bob@acme.io')!]: { action: 'link', account: 'acct-bob', actor: 'it@acme.io' },
      [ids.get('eve@evil.example')!]: { action: 'skip', actor: 'it@acme.io' },
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(heard).toEqual([]);

    const approved = await b.post('/scim-admin/review/approve', { _csrf: csrf });
    expect(approved.res.status).toBe(200);
    expect(approved.text).toContain('The first sync was approved');
    expect((await connections.list({ tenant: 'acme' }))[0]!.mode).toBe('live');
    // the held events reach the host after approval, with the decisions; none of the skipped user's
    const created = () => new Map(heard.flatMap((e) => (e.type === 'user.created' ? [[e.resource.userName as string, e.link] as const] : [])));
    expect(await eventually(() => created().size === 4 && heard.some((e) => e.type === 'group.created'))).toBe(true);
    expect(created().get('ann@acme.io')).toEqual({ by: 'email', accountId: 'acct-ann' });
    expect(created().get('bob@acme.io')).toEqual({ by: 'admin', accountId: 'acct-bob', decidedBy: expect.any(String) });
    expect(created().get('cy@acme.io')).toEqual({ by: 'externalId', accountId: 'acct-cy' });
    expect(created().get('dee@acme.io')).toEqual({ by: 'new' });
    expect(heard.some((e) => e.id === ids.get('eve@evil.example'))).toBe(false);

    // live: no Review tab, no notice; the review page says so
    const after = await b.get('/scim-admin/');
    expect(after.text).not.toContain('Held for review');
    expect(after.text).not.toContain('href="/scim-admin/review"');
    const gone = await b.get('/scim-admin/review');
    expect(gone.text).toContain('This connection is live: there is no sync held for review.');
  });

  it('discard needs the identifier typed, deletes what the IdP sent and its held changes, and stays in review', async () => {
    const { portal, origin, connections, scim, heard } = await reviewServer();
    const c = await connections.create({ tenant: 'acme', mode: 'preview', settings: {}, actor: 'host' });
    const { token } = await connections.issueToken(c.id, { actor: 'host' });
    await firstCycle(origin, 'acme', token);
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const csrf = b.csrfOf((await b.get('/scim-admin/review')).text);
    const wrong = await b.post('/scim-admin/review/discard', { confirm: 'acme-typo', _csrf: csrf });
    expect(wrong.res.status).toBe(400);
    expect(wrong.text).toContain('The identifier you typed does not match.');
    expect((await scim.events.list({ tenant: 'acme' })).filter((e) => e.state === 'pending').length).toBeGreaterThan(5);
    const done = await b.post('/scim-admin/review/discard', { confirm: 'acme', _csrf: csrf });
    expect(done.res.status).toBe(200);
    expect(done.text).toContain('The first sync was discarded.');
    expect(done.text).toContain('Your identity provider has not sent any users yet.');
    expect((await idp(origin, 'GET', '/acme/Users', token)).body).toMatchObject({ totalResults: 0 });
    expect((await scim.events.list({ tenant: 'acme' })).filter((e) => e.state === 'pending')).toEqual([]);
    expect((await connections.get(c.id)).mode).toBe('preview');
    await new Promise((r) => setTimeout(r, 150));
    expect(heard).toEqual([]);
  });

  it('domains must be a function of the viewer', async () => {
    const { scim } = await reviewServer();
    expect(() => adminPortal(scim, { basePath: '/x', scimUrl: 'https://app.example.com/scim/{tenant}', domains: ['acme.io'] as never })).toThrow(
      'adminPortal: domains must be a function of the viewer',
    );
  });

  it('an unticked box leaves the server’s default (live); with no session the review is a sign-in', async () => {
    const { portal, origin, connections } = await reviewServer();
    expect((await fetch(`${origin}/scim-admin/review`)).status).toBe(401);
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    // no connection yet: to setup
    expect((await b.get('/scim-admin/review')).res.headers.get('location')).toBe('/scim-admin/setup');
    const csrf = b.csrfOf((await b.get('/scim-admin/setup?idp=okta')).text);
    const made = await b.post('/scim-admin/setup', { idp: 'okta', workspace: 'acme-main', defaultRole: 'member', _csrf: csrf });
    expect(made.text).not.toContain('href="/scim-admin/review"');
    expect((await connections.list({ tenant: 'acme' }))[0]).toMatchObject({ mode: 'live', domains: ['acme.io'] });
    expect((await b.get('/scim-admin/review')).text).toContain('This connection is live');
  });
});

describe('reviewing through the JSON API', () => {
  it('report, CSV, resolve (bad input named), approve refused with the users named, then approved and delivered', async () => {
    const { origin, connections, heard } = await reviewServer();
    const who = 'acme/admin@acme.io';
    const csrf = (await api(origin, who, 'GET', '/session')).body.csrf as string;
    expect((await api(origin, who, 'GET', '/preview')).status).toBe(404);
    const c = await connections.create({ tenant: 'acme', mode: 'preview', domains: ['acme.io'], settings: {}, actor: 'host' });
    const { token } = await connections.issueToken(c.id, { actor: 'host' });
    const ids = await firstCycle(origin, 'acme', token);

    const report = await api(origin, who, 'GET', '/preview');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ tenant: 'acme', mode: 'preview', ready: false, counts: { new: 1, link: 2, conflict: 1, outsideDomain: 1, groups: 1 } });
    expect(report.body.users.find((u: { userName: string }) => u.userName === 'bob@acme.io')).toMatchObject({
      outcome: 'conflict',
      reason: expect.any(String),
    });
    expect(report.body.groups[0]).toMatchObject({ displayName: 'Engineering', team: 'team Engineering', grants: ['member'] });
    const csv = await api(origin, who, 'GET', '/preview.csv');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="scim-review-acme\.csv"$/);
    expect(csv.text.split('\r\n')).toHaveLength(1 + 5 + 1);

    const bob = ids.get('bob@acme.io')!;
    expect((await api(origin, who, 'POST', '/preview/resolve', { action: 'skip' }, csrf)).body.detail).toMatch(/^userId must be/);
    expect((await api(origin, who, 'POST', '/preview/resolve', { userId: bob, action: 'merge' }, csrf)).body.detail).toMatch(/^action must be/);
    expect((await api(origin, who, 'POST', '/preview/resolve', { userId: bob, action: 'link' }, csrf)).body).toMatchObject({
      status: '400',
      scimType: 'invalidValue',
    });
    expect((await api(origin, who, 'POST', '/preview/resolve', { userId: 'nobody', action: 'skip' }, csrf)).status).toBe(404);

    const refused = await api(origin, who, 'POST', '/preview/approve', undefined, csrf);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('"bob@acme.io" (conflict)');
    expect(refused.body.detail).toContain('"eve@evil.example" (outsideDomain)');

    const resolved = await api(origin, who, 'POST', '/preview/resolve', { userId: bob, action: 'create' }, csrf);
    expect(resolved.status).toBe(200);
    expect(resolved.body.resolutions[bob]).toMatchObject({ action: 'create', actor: 'admin@acme.io' });
    await api(origin, who, 'POST', '/preview/resolve', { userId: ids.get('eve@evil.example'), action: 'skip' }, csrf);
    expect((await api(origin, who, 'GET', '/preview')).body.ready).toBe(true);
    expect(heard).toEqual([]);
    const approved = await api(origin, who, 'POST', '/preview/approve', undefined, csrf);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ mode: 'live', resolutions: {} });
    expect(await eventually(() => heard.filter((e) => e.type === 'user.created').length === 4)).toBe(true);
    expect(heard.find((e) => e.type === 'user.created' && e.resource.userName === 'bob@acme.io')).toMatchObject({ link: { by: 'new' } });
    // once live, another approval or discard is a 409
    expect((await api(origin, who, 'POST', '/preview/approve', undefined, csrf)).status).toBe(409);
    expect((await api(origin, who, 'POST', '/preview/discard', undefined, csrf)).status).toBe(409);
  });

  it('discard through the API deletes what the IdP sent', async () => {
    const { origin, connections } = await reviewServer();
    const who = 'acme/admin@acme.io';
    const csrf = (await api(origin, who, 'GET', '/session')).body.csrf as string;
    const c = await connections.create({ tenant: 'acme', mode: 'preview', settings: {}, actor: 'host' });
    const { token } = await connections.issueToken(c.id, { actor: 'host' });
    await firstCycle(origin, 'acme', token);
    const discarded = await api(origin, who, 'POST', '/preview/discard', undefined, csrf);
    expect(discarded.body).toMatchObject({ mode: 'preview', resolutions: {} });
    expect((await api(origin, who, 'GET', '/preview')).body.counts).toMatchObject({ new: 0, link: 0, conflict: 0, groups: 0, heldEvents: 0 });
  });
});

describe('review writes', () => {
  it('each needs the CSRF token: without it, 403 and nothing changes', async () => {
    const { portal, origin, connections, heard } = await reviewServer();
    const c = await connections.create({ tenant: 'acme', mode: 'preview', settings: {}, actor: 'host' });
    const { token } = await connections.issueToken(c.id, { actor: 'host' });
    const ids = await firstCycle(origin, 'acme', token);
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const csrf = b.csrfOf((await b.get('/scim-admin/review')).text);
    const who = 'acme/admin@acme.io';
    const writes: [string, Record<string, string>][] = [
      ['/review/resolve', { userId: ids.get('bob@acme.io')!, action: 'create' }],
      ['/review/approve', {}],
      ['/review/discard', { confirm: 'acme' }],
    ];
    for (const [path, form] of writes) {
      expect((await b.post(`/scim-admin${path}`, form)).res.status, path).toBe(403);
      expect((await b.post(`/scim-admin${path}`, { ...form, _csrf: 'x'.repeat(32) })).res.status, path).toBe(403);
      expect((await b.post(`/scim-admin${path}`, { ...form, _csrf: csrf }, { origin: 'https://evil.example' })).res.status, path).toBe(403);
    }
    for (const path of ['/preview/resolve', '/preview/approve', '/preview/discard'])
      expect((await api(origin, who, 'POST', path, { userId: ids.get('bob@acme.io'), action: 'create' })).status, path).toBe(403);
    const now = await connections.get(c.id);
    expect(now).toMatchObject({ mode: 'preview', resolutions: {} });
    expect((await idp(origin, 'GET', '/acme/Users', token)).body).toMatchObject({ totalResults: 5 });
    expect(heard).toEqual([]);
  });
});

describe('tenants', () => {
  it('one tenant’s review never shows, resolves, approves or discards another’s', async () => {
    const { portal, origin, connections } = await reviewServer();
    const globex = await connections.create({ tenant: 'globex', mode: 'preview', settings: {}, actor: 'host' });
    const g = await connections.issueToken(globex.id, { actor: 'host' });
    const globexIds = await firstCycle(origin, 'globex', g.token, 'gx-');
    const acme = await connections.create({ tenant: 'acme', mode: 'preview', settings: {}, actor: 'host' });
    const a = await connections.issueToken(acme.id, { actor: 'host' });
    await firstCycle(origin, 'acme', a.token);
    const b = browser(origin);
    await b.get(await portal.link({ tenant: 'acme', actor: 'it@acme.io' }));
    const page = await b.get('/scim-admin/review?tenant=globex');
    expect(page.text).not.toContain('gx-');
    expect((await b.get('/scim-admin/preview.csv')).text).not.toContain('gx-');
    const csrf = b.csrfOf(page.text);
    const other = await b.post('/scim-admin/review/resolve', { userId: globexIds.get('gx-bob@acme.io')!, action: 'create', _csrf: csrf });
    expect(other.res.status).toBe(404);
    const who = 'acme/admin@acme.io';
    const apiCsrf = (await api(origin, who, 'GET', '/session')).body.csrf as string;
    expect((await api(origin, who, 'POST', '/preview/resolve', { userId: globexIds.get('gx-ann@acme.io'), action: 'skip' }, apiCsrf)).status).toBe(404);
    expect(JSON.stringify((await api(origin, who, 'GET', '/preview')).body)).not.toContain('gx-');
    // acme discards its own: globex's sync and review are untouched
    expect((await b.post('/scim-admin/review/discard', { confirm: 'acme', _csrf: csrf })).res.status).toBe(200);
    expect(await connections.get(globex.id)).toMatchObject({ mode: 'preview', resolutions: {} });
    expect((await idp(origin, 'GET', '/globex/Users', g.token)).body).toMatchObject({ totalResults: 5 });
    expect((await idp(origin, 'GET', '/acme/Users', a.token)).body).toMatchObject({ totalResults: 0 });
  });
});
