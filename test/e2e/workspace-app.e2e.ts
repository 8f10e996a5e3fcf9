// The SaaS flow end to end in a real browser: configure SCIM on the settings page, read the
// token from the page, replay an Entra ID provisioning run over HTTP, and check users,
// roles, teams and statuses through the pages.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceApp } from '../../examples/workspace-app/app.js';
import { silentLogger } from '../../src/index.js';

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
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // the members' sign-in stand-in on: the run checks that a deactivated member cannot sign in
    const { app } = createWorkspaceApp({ adminPassword: ADMIN_PASSWORD, logger: silentLogger, ssoStandIn: true });
    server = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('configures SCIM, provisions an Entra ID run, and shows the result', async () => {
    // The settings page sits behind the admin's sign-in
    await page.goto(`${origin}/orgs/acme/settings/security/scim`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#email', 'admin@acme.io');
    await page.fill('#password', 'wrong');
    await page.click('#sign-in');
    expect(await page.textContent('#login-error')).toBe('Wrong e-mail or password');
    await page.fill('#email', 'admin@acme.io');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('#sign-in');
    expect(new URL(page.url()).pathname).toBe('/orgs/acme/settings/security/scim');

    // Configure → workspace and default role → Save changes
    await page.click('#configure');
    await page.selectOption('#workspace', 'ws-eng');
    await page.selectOption('#role', 'viewer');
    await page.selectOption('#lifetime', '90');
    await page.click('#save');
    const tenantUrl = (await page.textContent('#tenant-url'))!;
    const token = (await page.textContent('#token'))!;
    expect(tenantUrl).toBe(`${origin}/scim/v2/acme`);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(await page.textContent('#synced-workspace')).toBe('Engineering');
    await page.click('#test-connection');
    await page.waitForSelector('#test-result.ok');
    expect(await page.textContent('#test-result')).toBe('Connection successful');
    // the token expires in 90 days, and the settings page shows when it was last used
    const inNinetyDays = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    expect(await page.textContent('#token-expires')).toBe(inNinetyDays);
    expect(await page.textContent('#token-last-used')).toBe('never');
    await page.goto(`${origin}/orgs/acme/settings/security/scim`);
    expect(await page.textContent('#token-last-used')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await page.textContent('#token-expires')).toBe(inNinetyDays);
    await page.fill('#test-token', token);
    await page.screenshot({ path: join(shots, 'settings.png'), fullPage: true });

    // A wrong token makes Test connection show the SCIM error's detail
    await page.fill('#test-token', 'not-the-token');
    await page.click('#test-connection');
    await page.waitForSelector('#test-result.err');
    expect(await page.textContent('#test-result')).toBe('Failed: The bearer token is not valid');

    // Entra ID's provisioning run, over HTTP with the token read from the page
    const scim = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${tenantUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'user-agent': ENTRA },
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

    // Check through the pages
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

    // The event log shows each lifecycle event
    await page.goto(`${origin}/orgs/acme/settings/security/scim`);
    const events = await page.$$eval('#events li', (lis) => lis.map((li) => li.textContent));
    expect(events.filter((e) => e?.startsWith('user.created'))).toHaveLength(20);
    expect(events).toContain('user.deactivated user5@acme.io');
    expect(events).toContain('user.deleted user7@acme.io');
    expect(events).toContain('role.changed user3@acme.io admin');

    // The activity panel: what the IdP did, its failures with their detail, the rejected tokens
    const bad = await scim('GET', `/Users?filter=${encodeURIComponent('userName xx "nobody"')}`);
    expect(bad.status).toBe(400);
    await page.goto(`${origin}/orgs/acme/settings/security/scim`);
    // the bad filter is Entra's error; the wrong token of Test connection is a rejected token, kept apart
    expect(await page.textContent('#activity-status')).toBe('Last request from Entra ID, just now — 1 error, 1 rejected token in 24 h');
    const activity = await page.$$eval('#activity tr[data-status]', (trs) =>
      trs.map((tr) => ({
        status: tr.getAttribute('data-status'),
        failure: tr.classList.contains('failure'),
        detail: tr.querySelector('.detail')!.textContent,
      })),
    );
    expect(activity[0]).toEqual({ status: '400', failure: true, detail: bad.body.detail });
    // the newest 50 of the run's 61 requests: the DELETE (204) and the last creates among them
    expect(activity).toHaveLength(50);
    expect(activity.filter((r) => r.status === '204').length).toBeGreaterThan(0);
    expect(activity.filter((r) => r.status === '201').length).toBeGreaterThan(10);
    expect(activity.every((r) => r.failure === Number(r.status) >= 400)).toBe(true);
    const failureColour = await page.$eval(
      '#activity tr.failure',
      (tr) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(tr).backgroundColor,
    );
    expect(failureColour).toBe('rgb(253, 236, 238)');
    expect(await page.$$eval('#rejected tr[data-request-id]', (trs) => trs.map((tr) => tr.querySelectorAll('td')[4]!.textContent))).toEqual(['401']);
    await page.screenshot({ path: join(shots, 'activity.png'), fullPage: true });
    // filtered to failures: the one; to rejected tokens: the refused Test connection
    await page.selectOption('#activity-status-filter', 'error');
    await page.click('#apply-filter');
    expect(await page.$$eval('#activity tr[data-status]', (trs) => trs.map((tr) => tr.getAttribute('data-status')))).toEqual(['400']);
    await page.selectOption('#activity-status-filter', 'rejected');
    await page.click('#apply-filter');
    expect(await page.$$eval('#activity tr[data-status]', (trs) => trs.map((tr) => tr.getAttribute('data-status')))).toEqual(['401']);
    await page.screenshot({ path: join(shots, 'activity-failures.png'), fullPage: true });

    // Connection health: the run's requests, the failure with its detail, the client seen
    expect(await page.textContent('#connection-state')).toBe('active');
    expect(await page.textContent('#health-client')).toBe('Entra ID');
    expect(Number(await page.textContent('#health-requests'))).toBeGreaterThan(50);
    expect(await page.textContent('#health-last-failure')).toContain(String(bad.body.detail));

    // Rotate with the default overlap (24 h): a new token, and the old one goes on working
    await page.click('#rotate');
    const fresh = (await page.textContent('#token'))!;
    expect(fresh).not.toBe(token);
    expect((await scim('GET', '/Users?count=1')).status).toBe(200);
    const tokens = () => page.$$eval('#tokens tr[data-token] td.state', (tds) => tds.map((td) => td.textContent));
    expect(await tokens()).toEqual(['in force', 'in force']);
    await page.screenshot({ path: join(shots, 'rotated.png'), fullPage: true });
    // the IdP has the new one: the admin revokes the old one (the older row), which ends at once
    await page.click('#tokens tr[data-token]:nth-child(3) button.revoke');
    expect((await tokens())[0]).toBe('in force');
    expect((await tokens())[1]).toMatch(/^revoked /);
    expect((await scim('GET', '/Users')).status).toBe(401);
    const withFresh = await fetch(`${tenantUrl}/Users?count=1`, { headers: { authorization: `Bearer ${fresh}` } });
    expect(withFresh.status).toBe(200);

    // The switch: disabled, the IdP's requests are refused; enabled, they go through again
    await page.click('#disable');
    expect(await page.textContent('#connection-state')).toBe('disabled');
    const refused = await fetch(`${tenantUrl}/Users?count=1`, { headers: { authorization: `Bearer ${fresh}` } });
    expect([refused.status, ((await refused.json()) as { detail: string }).detail]).toEqual([401, 'The connection is disabled']);
    await page.click('#enable');
    expect(await page.textContent('#connection-state')).toBe('active');
    expect((await fetch(`${tenantUrl}/Users?count=1`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);
    const log = await page.$$eval('#events li', (lis) => lis.map((li) => li.textContent));
    expect(log).toEqual(expect.arrayContaining(['scim.token.rotated overlap 24 h', 'scim.token.revoked', 'scim.disabled', 'scim.enabled']));

    // Sign out: the pages need a sign-in again
    await page.click('#sign-out');
    await page.goto(`${origin}/orgs/acme/users`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});
