// The Review of a first sync in Debian's Chromium: a setup link opened by the customer's IT
// admin, Entra ID set up with "Review the first sync" ticked, an Entra-style first cycle into an
// app that already has accounts, the overview's notice leading to the report, the CSV
// downloaded, Approve disabled while a conflict and a user outside the domains are open, each
// resolved through its form, approval delivering the held events to the host (nothing before),
// the tab gone once live; a second tenant's review discarded; screenshots at desktop and phone
// width under test-results/portal/, and axe-core on every state of the page.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type LifecycleEvent, linkAccounts } from 'scimkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, portalServer } from '../portal/harness.js';
import { axeViolations, launchChromium } from './chromium.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTRA = 'Microsoft Azure AD SCIM provisioning 1.0.0';
const shots = join(import.meta.dirname, '../../test-results/portal');

/** The app's accounts before SCIM: by e-mail (bob's is a local account it does not adopt) and by externalId. */
const BY_EMAIL: Record<string, string> = { 'ann@acme.io': 'acct-ann', 'bob@acme.io': 'acct-bob', 'cy@acme.io': 'acct-cy' };
const BY_EXTERNAL_ID: Record<string, string> = { 'aad-dee': 'acct-dee' };

/** The page's width in the browser: written inside the function, since Playwright sends its source to the page. */
const pageWidth = () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth;

/** The IdP's first cycle as `token` at `tenantUrl`: 12 users (bob's e-mail is a local account, eve is outside acme.io) and two groups; ids by userName. */
async function firstCycle(tenantUrl: string, token: string): Promise<Map<string, string>> {
  const scim = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${tenantUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'user-agent': ENTRA },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const names = ['ann', 'bob', 'cy', 'dee', 'eve', ...Array.from({ length: 7 }, (_, i) => `new${i + 1}`)];
  const ids = new Map<string, string>();
  for (const n of names) {
    const userName = n === 'eve' ? 'eve@contractor.example' : `${n}@acme.io`;
    expect((await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.totalResults).toBe(0);
    const made = await scim('POST', '/Users', {
      schemas: [U],
      userName,
      externalId: `aad-${n}`,
      active: true,
      emails: [{ value: userName, type: 'work', primary: true }],
    });
    expect(made.status, userName).toBe(201);
    ids.set(userName, made.body.id as string);
  }
  const groups: [string, string[]][] = [
    ['Engineering', ['ann@acme.io', 'bob@acme.io', 'new1@acme.io']],
    ['<img src=x onerror=alert(1)>', ['cy@acme.io']],
  ];
  for (const [displayName, members] of groups)
    expect((await scim('POST', '/Groups', { schemas: [G], displayName, members: members.map((m) => ({ value: ids.get(m) })) })).status).toBe(201);
  return ids;
}

describe('reviewing the first sync in Chromium', () => {
  let b: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let server: Awaited<ReturnType<typeof portalServer>>;
  const heard: LifecycleEvent[] = [];
  const cspViolations: string[] = [];
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    server = await portalServer({
      scim: {
        connections: {
          account: ({ tenant }, id) => tenant === 'acme' && Object.values(BY_EMAIL).includes(id),
          outsideDomains: 'review',
          previewGroup: ({ group }) => ({ team: String(group.displayName), existing: group.displayName === 'Engineering', grants: ['member'] }),
        },
        hooks: {
          linkUser: linkAccounts({
            byEmail: (_ctx, email) => BY_EMAIL[email],
            byExternalId: (_ctx, id) => BY_EXTERNAL_ID[id],
            adoptByEmail: (_ctx, account) => account !== 'acct-bob',
          }),
          onEvent: (e) => void heard.push(e),
        },
        events: { pollMs: 20, retryBaseMs: 10 },
      },
      portal: { domains: () => ['acme.io'] },
    });
    b = await launchChromium();
    ctx = await b.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await ctx.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
  });
  afterAll(async () => {
    await b?.close();
    await closeAll();
    await server?.scim.close();
  });

  it('sets up with a review, reads the report and CSV, resolves each conflict, approves; the host hears the sync only then', async () => {
    const { origin, portal, connections } = server;
    await page.goto(`${origin}${await portal.link({ tenant: 'acme', actor: 'it@acme.io', expiresIn: 300 })}`);
    await page.click('text=Set up provisioning');
    await page.check('input[name=idp][value=entra]');
    await page.click('button:has-text("Continue")');
    await page.selectOption('#field-workspace', 'acme-main');
    await page.selectOption('#field-defaultRole', 'member');
    await page.check('input[name=preview]');
    await page.screenshot({ path: join(shots, 'review-setup-checkbox.png'), fullPage: true });
    await page.click('#create-connection');
    const tenantUrl = (await page.textContent('#tenant-url'))!.trim();
    const token = (await page.textContent('#secret-token'))!.trim();
    expect((await connections.list({ tenant: 'acme' }))[0]).toMatchObject({ mode: 'preview', domains: ['acme.io'] });
    // the Settings page shows the host's verified domains
    await page.click('nav >> text=Settings');
    expect((await page.textContent('#allowed-domains'))!.trim()).toBe('acme.io');

    const ids = await firstCycle(tenantUrl, token);
    await page.click('nav >> text=Overview');
    expect(await page.textContent('#review-held')).toContain('Held for review: the app has not applied anything yet.');
    await page.screenshot({ path: join(shots, 'review-overview-held.png'), fullPage: true });
    await page.click('#review-held >> text=Review the first sync');
    expect(new URL(page.url()).pathname).toBe('/scim-admin/review');
    expect(await page.getAttribute('nav a[aria-current=page]', 'href')).toBe('/scim-admin/review');
    await page.screenshot({ path: join(shots, 'review-open.png'), fullPage: true });
    // conflicts first: bob (a local account not adopted by e-mail) and eve (outside acme.io), each with its reason
    const open = await Promise.all((await page.locator('main .card[data-user]').all()).map((card) => card.getAttribute('data-user')));
    expect(open.sort()).toEqual(['bob@acme.io', 'eve@contractor.example']);
    expect(await page.textContent('[data-user="eve@contractor.example"]')).toContain('is not in acme.io');
    expect(await page.isDisabled('#approve')).toBe(true);
    expect(await page.textContent('main')).toContain('(2 left)');
    // the IdP's group name is text
    expect(await page.locator('img[src=x]').count()).toBe(0);
    expect(await page.textContent('main')).toContain('<img src=x onerror=alert(1)>');
    expect(await page.textContent('tr[data-user="dee@acme.io"]')).toContain('acct-dee');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#review-csv')]);
    expect(download.suggestedFilename()).toBe('scim-review-acme.csv');
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toBe('id,userName,outcome,account,by,reason,resolvedBy');
    expect(csv).toContain(`${ids.get('ann@acme.io')},ann@acme.io,link,acct-ann,email,,`);

    // bob: link without an account is refused; linked to his account; eve skipped
    await page.click('[data-user="bob@acme.io"] button[value=link]');
    expect(await page.textContent('#form-error')).toBe('Enter the account ID to link bob@acme.io to.');
    await page.fill('[data-user="bob@acme.io"] input[name=account]', 'acct-bob');
    await page.click('[data-user="bob@acme.io"] button[value=link]');
    expect(await page.textContent('main .note.ok')).toBe('Decision saved for bob@acme.io.');
    expect(await page.textContent('tr[data-user="bob@acme.io"]')).toContain('Decided by it@acme.io');
    await page.click('[data-user="eve@contractor.example"] button[value=skip]');
    expect(await page.textContent('main')).toContain('Nothing needs a decision.');
    expect(await page.isDisabled('#approve')).toBe(false);
    await page.screenshot({ path: join(shots, 'review-resolved.png'), fullPage: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toEqual([]);

    await page.click('#approve');
    expect(await page.textContent('main')).toContain('The first sync was approved');
    await page.screenshot({ path: join(shots, 'review-approved.png'), fullPage: true });
    const created = () => new Map(heard.flatMap((e) => (e.type === 'user.created' ? [[e.resource.userName as string, e.link] as const] : [])));
    for (let i = 0; i < 250 && created().size < 11; i++) await new Promise((r) => setTimeout(r, 20));
    expect(created().size).toBe(11);
    expect(created().get('bob@acme.io')).toEqual({ by: 'admin', accountId: 'acct-bob', decidedBy: expect.any(String) });
    expect(created().get('dee@acme.io')).toEqual({ by: 'externalId', accountId: 'acct-dee' });
    expect(created().has('eve@contractor.example')).toBe(false);
    await page.goto(`${origin}/scim-admin/`);
    expect(await page.locator('#review-held').count()).toBe(0);
    expect(await page.locator('nav a[href="/scim-admin/review"]').count()).toBe(0);
    expect(cspViolations).toEqual([]);
  });

  it('the review at desktop and phone width, light and dark, passes axe-core; a second tenant discards its sync', async () => {
    const { origin, portal, connections } = server;
    const c = await connections.create({ tenant: 'globex', mode: 'preview', domains: ['acme.io'], settings: {}, actor: 'host' });
    const { token } = await connections.issueToken(c.id, { actor: 'host' });
    await firstCycle(`${origin}/scim/v2/globex`, token);
    for (const [name, viewport, colorScheme] of [
      ['desktop', { width: 1280, height: 900 }, 'light'],
      ['phone', { width: 390, height: 844 }, 'light'],
      ['desktop-dark', { width: 1280, height: 900 }, 'dark'],
    ] as const) {
      // axe is injected into the page: a context that bypasses the CSP for it
      const x = await b.newContext({ viewport, colorScheme, bypassCSP: true, isMobile: name === 'phone' });
      const p = await x.newPage();
      await p.goto(`${origin}${await portal.link({ tenant: 'globex', actor: 'it@globex.io' })}`);
      const states: [string, () => Promise<unknown>][] = [
        ['overview', () => p.goto(`${origin}/scim-admin/`)],
        ['review', () => p.goto(`${origin}/scim-admin/review`)],
        // approval refused: the page with its 409 detail (the button is disabled, so the form is posted as a stale page would)
        [
          'review-refused',
          async () => {
            await p.goto(`${origin}/scim-admin/review`);
            await p.evaluate(() => {
              const d = (globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean; click(): void } } }).document;
              const button = d.querySelector('#approve');
              button.disabled = false;
              button.click();
            });
            await p.waitForSelector('#form-error');
          },
        ],
        ['settings', () => p.goto(`${origin}/scim-admin/settings`)],
        // a tenant with no connection yet: the setup form with the box
        [
          'setup',
          async () => {
            await p.goto(`${origin}${await portal.link({ tenant: 'initech', actor: 'it@initech.io' })}`);
            await p.goto(`${origin}/scim-admin/setup?idp=okta`);
          },
        ],
      ];
      for (const [state, open] of states) {
        await open();
        await p.screenshot({ path: join(shots, `${name}-review-${state}.png`), fullPage: true });
        expect(await axeViolations(p), `${name} ${state}`).toEqual([]);
        if (name === 'phone') expect(await p.evaluate(pageWidth), state).toBeLessThanOrEqual(390);
      }
      await x.close();
    }
    // the refusal named the users still open
    const q = await ctx.newPage();
    await q.goto(`${origin}${await portal.link({ tenant: 'globex', actor: 'it@globex.io' })}`);
    await q.goto(`${origin}/scim-admin/review`);
    await q.evaluate(() => {
      const d = (globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean; click(): void } } }).document;
      const button = d.querySelector('#approve');
      button.disabled = false;
      button.click();
    });
    await q.waitForSelector('#form-error');
    expect(await q.textContent('#form-error')).toMatch(/^Approval was refused: 2 user\(s\) need a decision/);
    // discard: the identifier typed, then nothing left and the review still open for the next cycle
    await q.fill('#confirm-discard', 'globex');
    await q.click('#discard');
    expect(await q.textContent('main .note.ok')).toContain('The first sync was discarded.');
    expect(await q.textContent('main')).toContain('Your identity provider has not sent any users yet.');
    await q.screenshot({ path: join(shots, 'review-discarded.png'), fullPage: true });
    expect((await connections.get(c.id)).mode).toBe('preview');
    expect(heard.filter((e) => e.ctx.tenant === 'globex')).toEqual([]);
    await q.close();
  });
});
