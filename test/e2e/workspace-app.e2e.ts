// The SaaS flow end to end in a real browser: the admin signs in to the app, opens
// Organization settings → Security → SCIM (scimkit's admin portal, mounted in the app), sets
// up Entra ID with the app's workspace and default role, reads the tenant URL and secret from
// the page, replays an Entra ID provisioning run over HTTP, and checks users, roles, teams and
// statuses through the app's pages and the connection through the portal's.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceApp } from '../../examples/workspace-app/app.js';
import { silentLogger } from '../../src/index.js';
import { launchChromium } from './chromium.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const shots = join(import.meta.dirname, '../../test-results/workspace-app');
const ADMIN_PASSWORD = 'e2e-admin-password-0123456789';
const ENTRA = 'Microsoft Azure AD SCIM provisioning 1.0.0';

describe('workspace app: Organization settings → Security → SCIM', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // listening first: the app is told its origin (the tenant URL the portal shows is configured, not read from Host)
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // the members' sign-in stand-in on: the run checks that a deactivated member cannot sign in
    const { app } = createWorkspaceApp({ adminPassword: ADMIN_PASSWORD, logger: silentLogger, ssoStandIn: true, publicUrl: origin });
    server.on('request', app);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    // Revoke asks before it acts: the admin confirms
    page.on('dialog', (d) => void d.accept());
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sets SCIM up in the portal, provisions an Entra ID run, and shows the result', async () => {
    const text = async (selector: string) => (await page.textContent(selector))?.trim();
    /** The cells of the credentials table, row by row (newest first). */
    const credentialRows = () =>
      page.$$eval('main table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));

    // The app's pages and the SCIM settings sit behind the admin's sign-in
    await page.goto(`${origin}/orgs/acme/users`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#email', 'admin@acme.io');
    await page.fill('#password', 'wrong');
    await page.click('#sign-in');
    expect(await page.textContent('#login-error')).toBe('Wrong e-mail or password');
    await page.fill('#email', 'admin@acme.io');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('#sign-in');
    expect(new URL(page.url()).pathname).toBe('/orgs/acme/users');
    // the page's old address leads to the portal as well
    await page.goto(`${origin}/orgs/acme/settings/security/scim`);
    expect(new URL(page.url()).pathname).toBe('/scim-admin/');

    // Organization settings → Security → SCIM, from the app's nav: the portal, in the app's name, for the signed-in admin
    await page.goto(`${origin}/orgs/acme/teams`);
    await page.click('#nav-scim');
    expect(new URL(page.url()).pathname).toBe('/scim-admin/');
    expect(await text('header .brand')).toBe('Workspace');
    expect(await text('header')).toContain('Signed in as admin@acme.io');
    expect(await text('main')).toContain('SCIM provisioning is not set up for this organization yet.');
    await page.screenshot({ path: join(shots, 'portal-not-set-up.png'), fullPage: true });

    // Set up: Entra ID, then the app's fields: the workspace and the default role
    await page.click('text=Set up provisioning');
    await page.check('input[name=idp][value=entra]');
    await page.click('button:has-text("Continue")');
    // the workspaces are the organization's own
    expect(await page.$$eval('#field-workspace option', (os) => os.map((o) => [o.getAttribute('value'), o.textContent]))).toEqual([
      ['', '—'],
      ['ws-eng', 'Engineering'],
      ['ws-sales', 'Sales'],
    ]);
    await page.selectOption('#field-workspace', 'ws-eng');
    await page.selectOption('#field-defaultRole', 'viewer');
    await page.screenshot({ path: join(shots, 'setup.png'), fullPage: true });
    await page.click('#create-connection');
    const tenantUrl = (await text('#tenant-url'))!;
    const token = (await text('#secret-token'))!;
    expect(tenantUrl).toBe(`${origin}/scim/v2/acme`);
    expect(token).toMatch(/^scimkit_/);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(await text('main')).toContain('Steps in Entra ID');
    await page.screenshot({ path: join(shots, 'settings.png'), fullPage: true });
    // the settings saved are the app's: Engineering, viewer
    await page.click('nav >> text=Settings');
    expect(await page.$eval('#field-workspace', (s) => (s as unknown as { selectedOptions: { textContent: string }[] }).selectedOptions[0]!.textContent)).toBe(
      'Engineering',
    );
    expect(await page.inputValue('#field-defaultRole')).toBe('viewer');

    // Test connection: Entra's first request, run by the app as the connection
    await page.click('nav >> text=Overview');
    expect(await text('#connection-state')).toBe('Waiting for your identity provider…');
    await page.click('#test-connection');
    await page.waitForSelector('#test-result.ok');
    expect(await text('#test-result')).toMatch(/^Success/);
    // the secret was not used yet
    await page.click('nav >> text=Credentials');
    const [fresh] = await credentialRows();
    expect(fresh![3]).toBe('never');
    expect(fresh![4]).toBe('in force');
    await page.click('nav >> text=Overview');

    // An IdP with a stale secret is refused with the SCIM error's detail
    const stale = await fetch(`${tenantUrl}/Users?count=1`, { headers: { authorization: 'Bearer not-the-token', 'user-agent': ENTRA } });
    expect([stale.status, ((await stale.json()) as { detail: string }).detail]).toEqual([401, 'The bearer token is not valid']);

    // Entra ID's provisioning run, over HTTP with the secret read from the page
    const scim = async (method: string, path: string, body?: unknown, bearer = token) => {
      const r = await fetch(`${tenantUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/scim+json', 'user-agent': ENTRA },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "5a3b7f0e-test"')}`)).body.totalResults).toBe(0);
    const ids: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const userName = `user${i}@acme.io`;
      expect((await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.totalResults).toBe(0);
      const c = await scim('POST', '/Users', {
        schemas: [U],
        userName,
        displayName: `User ${i}`,
        active: true,
        externalId: `aad-${i}`,
        emails: [{ primary: true, type: 'work', value: userName }],
      });
      expect(c.status).toBe(201);
      ids.push(c.body.id as string);
    }
    // the overview, open all along, turned green without a reload
    // a function, not a string: the portal's CSP has no 'unsafe-eval'
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document
          .querySelector('#connection-state')
          ?.textContent?.trim() === 'Connected',
      undefined,
      { timeout: 15_000 },
    );
    const groups: string[] = [];
    for (const [g, name] of ['Platform', 'Design', 'Support'].entries()) {
      expect((await scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.totalResults).toBe(0);
      const c = await scim('POST', '/Groups', { schemas: [G], displayName: name, members: [] });
      groups.push(c.body.id as string);
      const members = ids.filter((_, k) => k % 3 === g);
      expect(
        (
          await scim('PATCH', `/Groups/${c.body.id}`, {
            schemas: [PATCH],
            Operations: [{ op: 'Add', path: 'members', value: members.map((value) => ({ value })) }],
          })
        ).status,
      ).toBe(204);
    }

    // A role changed in the app
    await page.goto(`${origin}/orgs/acme/users`);
    await page.selectOption('tr[data-user="user3@acme.io"] select', 'admin');
    await page.click('tr[data-user="user3@acme.io"] button');
    await page.waitForSelector('tr[data-user="user3@acme.io"] td.role:has-text("admin")');

    // Later IdP changes: an update of that user, a deactivation, a deletion
    expect(
      (await scim('PATCH', `/Users/${ids[2]}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: 'User Three' }] })).status,
    ).toBe(200);
    expect((await scim('PUT', `/Users/${ids[2]}`, { schemas: [U], userName: 'user3@acme.io', displayName: 'User Three', active: true })).status).toBe(200);
    expect((await scim('PATCH', `/Users/${ids[4]}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] })).body.active).toBe(
      false,
    );
    expect((await scim('DELETE', `/Users/${ids[6]}`)).status).toBe(204);

    // Check through the app's pages
    await page.goto(`${origin}/orgs/acme/users`);
    const rows = await page.$$eval('#users tr[data-user]', (trs) =>
      trs.map((tr) => ({
        user: tr.getAttribute('data-user'),
        role: tr.querySelector('.role')!.textContent,
        status: tr.querySelector('.status')!.textContent,
        name: tr.querySelector('td')!.textContent,
      })),
    );
    expect(rows).toHaveLength(19);
    expect(rows.find((r) => r.user === 'user3@acme.io')).toEqual({ user: 'user3@acme.io', role: 'admin', status: 'Active', name: 'User Three' });
    expect(rows.find((r) => r.user === 'user5@acme.io')).toMatchObject({ role: 'viewer', status: 'Deactivated' });
    expect(rows.find((r) => r.user === 'user7@acme.io')).toBeUndefined();
    expect(rows.filter((r) => r.role === 'viewer')).toHaveLength(18);
    await page.screenshot({ path: join(shots, 'users.png'), fullPage: true });
    expect((await fetch(`${origin}/orgs/acme/login/user5@acme.io`)).status).toBe(403);
    expect((await fetch(`${origin}/orgs/acme/login/user1@acme.io`)).status).toBe(200);

    await page.goto(`${origin}/orgs/acme/teams`);
    const teams = await page.$$eval('#teams tr[data-team]', (trs) =>
      Object.fromEntries(trs.map((tr) => [tr.getAttribute('data-team'), Number(tr.querySelector('.count')!.textContent)])),
    );
    // user7 (index 6, group 0) was deleted from Platform
    expect(teams).toEqual({ Platform: 6, Design: 7, Support: 6 });

    // The event log shows each lifecycle event, and the settings the portal saved
    await page.click('nav >> text=Event log');
    const events = await page.$$eval('#events li', (lis) => lis.map((li) => li.textContent));
    expect(events[0]).toBe('scim.configured ws-eng viewer');
    expect(events.filter((e) => e?.startsWith('user.created'))).toHaveLength(20);
    expect(events).toContain('user.deactivated user5@acme.io');
    expect(events).toContain('user.deleted user7@acme.io');
    expect(events).toContain('role.changed user3@acme.io admin');

    // The portal's activity: what the IdP did, its failure explained, the rejected secret kept apart
    const bad = await scim('GET', `/Users?filter=${encodeURIComponent('userName xx "nobody"')}`);
    expect(bad.status).toBe(400);
    await page.click('#nav-scim');
    await page.click('nav >> text=Activity');
    /** The rows of each table of the page, by the heading above it. */
    const tables = (): Promise<Record<string, { failure: boolean; cells: (string | null)[] }[]>> =>
      page.$$eval('main h2', (hs) =>
        Object.fromEntries(
          hs.map((h) => {
            const rows = [...(h.nextElementSibling?.querySelectorAll('tbody tr') ?? [])];
            return [
              h.textContent,
              rows.map((tr) => ({ failure: tr.classList.contains('failure'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) })),
            ];
          }),
        ),
      );
    const activity = await tables();
    // failures first: the bad filter, explained with Entra's detail
    expect(activity.Failures).toHaveLength(1);
    expect(activity.Failures![0]!.cells[2]).toBe('400');
    expect(activity.Failures![0]!.cells[4]).toContain(`Your identity provider searched with a filter the app cannot read: ${bad.body.detail}`);
    // then the newest of the run's successes: the DELETE (204) and the last creates among them
    const recent = activity['Recent requests']!;
    expect(recent.length).toBeGreaterThan(40);
    expect(recent.every((r) => !r.failure && Number(r.cells[2] || 200) < 400)).toBe(true);
    expect(recent.filter((r) => r.cells[2] === '204').length).toBeGreaterThan(0);
    expect(recent.filter((r) => r.cells[2] === '201').length).toBeGreaterThan(10);
    expect(recent.some((r) => r.cells[3] === 'Entra ID')).toBe(true);
    // the stale secret: a rejected credential, with the address it came from
    expect(activity['Rejected credentials']!.map((r) => r.cells[3])).toEqual(['Your identity provider sent a secret that is not valid.']);
    expect(activity['Rejected credentials']![0]!.cells[2]).toMatch(/127\.0\.0\.1/);
    // a failure is marked in red (the portal's border on its first cell)
    const failureMark = await page.$eval(
      'main tr.failure td',
      (td) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderLeftColor: string } }).getComputedStyle(td).borderLeftColor,
    );
    expect(failureMark).toBe('rgb(179, 38, 30)');
    await page.screenshot({ path: join(shots, 'activity.png'), fullPage: true });
    // filtered to failures: the one; to rejected credentials: the stale secret
    await page.selectOption('#status', 'error');
    await page.click('button:has-text("Apply")');
    expect((await tables())['Recent requests']!.map((r) => r.cells[2])).toEqual(['400']);
    await page.selectOption('#status', 'rejected');
    await page.click('button:has-text("Apply")');
    expect((await tables())['Recent requests']!.map((r) => r.cells[2])).toEqual(['401']);
    await page.screenshot({ path: join(shots, 'activity-failures.png'), fullPage: true });

    // The overview: connected, the client seen, the run's requests, the failure with its detail
    await page.click('nav >> text=Overview');
    expect(await text('#connection-state')).toBe('Connected');
    const overview = (await text('main'))!;
    expect(overview).toMatch(/Last request\s*just now · Entra ID/);
    expect(Number(/Requests in 24 h\s*(\d+)/.exec(overview)?.[1])).toBeGreaterThan(50);
    expect(Number(/Failures in 24 h\s*(\d+)/.exec(overview)?.[1])).toBe(1);
    expect(overview).toContain(String(bad.body.detail));
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });

    // The secret was used, from this machine
    await page.click('nav >> text=Credentials');
    const [used] = await credentialRows();
    expect(used![3]).toMatch(/^just now\s*127\.0\.0\.1/);

    // Rotate with the default overlap (24 h): a new secret, and the old one goes on working
    expect(await page.inputValue('#overlap')).toBe('24');
    await page.click('#rotate');
    const rotated = (await text('#secret-token'))!;
    expect(rotated).not.toBe(token);
    expect((await scim('GET', '/Users?count=1')).status).toBe(200);
    expect((await credentialRows()).map((r) => r[4])).toEqual(['in force', 'in force']);
    await page.screenshot({ path: join(shots, 'rotated.png'), fullPage: true });
    // the IdP has the new one: the admin revokes the old one (the older row), which ends at once
    await page.click('main table tbody tr:nth-child(2) button:has-text("Revoke")');
    expect(new URL(page.url()).pathname).toBe('/scim-admin/credentials');
    expect((await credentialRows()).map((r) => r[4])).toEqual(['in force', 'revoked']);
    expect((await scim('GET', '/Users')).status).toBe(401);
    expect((await scim('GET', '/Users?count=1', undefined, rotated)).status).toBe(200);

    // The switch: disabled, the IdP's requests are refused; enabled, they go through again
    await page.click('#disable');
    const refused = await fetch(`${tenantUrl}/Users?count=1`, { headers: { authorization: `Bearer ${rotated}` } });
    expect([refused.status, ((await refused.json()) as { detail: string }).detail]).toEqual([401, 'The connection is disabled']);
    await page.click('nav >> text=Overview');
    expect(await text('#connection-state')).toBe('Disabled');
    await page.click('nav >> text=Credentials');
    await page.click('#enable');
    expect((await scim('GET', '/Users?count=1', undefined, rotated)).status).toBe(200);
    await page.click('nav >> text=Overview');
    expect(await text('#connection-state')).toBe('Connected');
    // the app heard of each change
    await page.goto(`${origin}/orgs/acme/events`);
    const log = await page.$$eval('#events li', (lis) => lis.map((li) => li.textContent));
    expect(log).toEqual(expect.arrayContaining(['scim.token.rotated', 'scim.credential.revoked', 'scim.disabled', 'scim.enabled']));
    expect(cspViolations).toEqual([]);

    // Sign out in the app: the app's pages and the SCIM settings need a sign-in again
    await page.click('#sign-out');
    await page.goto(`${origin}/orgs/acme/users`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${origin}/scim-admin/credentials`);
    expect(`${new URL(page.url()).pathname}${new URL(page.url()).search}`).toBe(`/login?next=${encodeURIComponent('/scim-admin/credentials')}`);
  });
});
