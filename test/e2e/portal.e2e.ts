// The admin portal in Debian's Chromium: a setup link opened by the customer's IT admin, Entra
// ID picked, the tenant URL and secret copied from the page, settings saved, an Entra-style
// run replayed with that secret, the status turning green live, a failing request explained,
// Test connection, rotation with an overlap (the old secret works until the overlap ends),
// disable (the IdP gets 401), link reuse and expiry refused; screenshots of every page at
// desktop and phone width under test-results/portal/, and axe-core on every page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, browser as httpClient, portalServer } from '../portal/harness.js';
import { axeViolations, launchChromium } from './chromium.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTRA = 'Microsoft Azure AD SCIM provisioning 1.0.0';
const shots = join(import.meta.dirname, '../../test-results/portal');
const PAGES = ['/', '/setup', '/setup?idp=entra', '/settings', '/activity', '/activity?status=error', '/directory', '/directory?type=groups', '/credentials'];

/** The little of a page's globals these tests read in the browser (they compile without the DOM library; a function run in the page can call nothing of this file). */
interface Browserish {
  document: { querySelector(s: string): { textContent: string | null } | null; documentElement: { scrollWidth: number } };
}

describe('admin portal in Chromium', () => {
  let b: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let clock = Date.now();
  let server: Awaited<ReturnType<typeof portalServer>>;
  const cspViolations: string[] = [];
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // the connections' clock: the test moves it past a rotation's overlap
    server = await portalServer({ scim: { connections: { now: () => clock, cacheMs: 0 } } });
    b = await launchChromium();
    ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    page = await ctx.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
  });
  afterAll(async () => {
    await b?.close();
    await closeAll();
  });

  it('sets up Entra ID from a link, provisions, explains a failure, rotates, disables', async () => {
    const { origin, portal } = server;
    const link = await portal.link({ tenant: 'acme', actor: 'it@acme.io', expiresIn: 300 });
    await page.goto(`${origin}${link}`);
    expect(new URL(page.url()).pathname).toBe('/scim-admin/');
    await page.screenshot({ path: join(shots, 'overview-not-set-up.png'), fullPage: true });
    await page.click('text=Set up provisioning');
    await page.check('input[name=idp][value=entra]');
    await page.click('button:has-text("Continue")');
    await page.selectOption('#field-workspace', 'acme-main');
    await page.selectOption('#field-defaultRole', 'member');
    await page.fill('#field-adminGroup', 'SCIM Admins');
    await page.screenshot({ path: join(shots, 'setup-new-connection.png'), fullPage: true });
    await page.click('#create-connection');
    const tenantUrl = (await page.textContent('#tenant-url'))!.trim();
    expect(tenantUrl).toBe(`${origin}/scim/v2/acme`);
    // the copy button puts the secret on the clipboard
    await page.click('button[data-copy="secret-token"]');
    const token = await page.evaluate(() =>
      (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText(),
    );
    expect(token).toBe((await page.textContent('#secret-token'))!.trim());
    expect(token).toMatch(/^scimkit_/);
    await page.screenshot({ path: join(shots, 'setup-entra-secret-once.png'), fullPage: true });

    // the overview waits for the IdP: the pill turns green without a reload
    await page.click('nav >> text=Overview');
    expect((await page.textContent('#connection-state'))!.trim()).toBe('Waiting for your identity provider…');
    await page.click('#test-connection');
    await page.waitForSelector('#test-result.ok');
    expect(await page.textContent('#test-result')).toMatch(/^Success/);
    const scim = async (method: string, path: string, body?: unknown, bearer = token) => {
      const r = await fetch(`${tenantUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/scim+json', 'user-agent': ENTRA },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };
    const ids: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const userName = `user${i}@acme.io`;
      expect((await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.totalResults).toBe(0);
      const c = await scim('POST', '/Users', {
        schemas: [U],
        userName,
        displayName: i === 3 ? '<img src=x onerror=alert(1)>' : `User ${i}`,
        active: true,
        externalId: `aad-${i}`,
      });
      expect(c.status).toBe(201);
      ids.push(c.body.id as string);
    }
    // a function, not a string: the portal's CSP refuses eval, which a string would need
    await page.waitForFunction(
      () => (globalThis as unknown as Browserish).document.querySelector('#connection-state')?.textContent?.trim() === 'Connected',
      undefined,
      {
        timeout: 15_000,
      },
    );
    const g = await scim('POST', '/Groups', { schemas: [G], displayName: 'Platform', members: [] });
    expect(
      (
        await scim('PATCH', `/Groups/${g.body.id}`, {
          schemas: [PATCH],
          Operations: [{ op: 'Add', path: 'members', value: ids.slice(0, 4).map((value) => ({ value })) }],
        })
      ).status,
    ).toBe(204);
    // a deliberately failing request: the same userName again
    expect((await scim('POST', '/Users', { schemas: [U], userName: 'user1@acme.io' })).status).toBe(409);
    await page.reload();
    await page.screenshot({ path: join(shots, 'overview-connected.png'), fullPage: true });
    expect(await page.textContent('main')).toContain('A user or group with the same name already exists');
    await page.click('nav >> text=Activity');
    await page.selectOption('#status', 'error');
    await page.click('button:has-text("Apply")');
    expect(await page.textContent('main')).toContain('Check for a duplicate in your identity provider');
    // the IdP's value is text, not markup
    await page.goto(`${origin}/scim-admin/directory?q=user3`);
    expect(await page.locator('img[src=x]').count()).toBe(0);
    expect(await page.textContent('main')).toContain('<img src=x onerror=alert(1)>');

    // rotate with a 1-hour overlap: the old secret works until it ends, then 401
    await page.goto(`${origin}/scim-admin/credentials`);
    await page.selectOption('#overlap', '1');
    await page.click('#rotate');
    const rotated = (await page.textContent('#secret-token'))!.trim();
    expect(rotated).not.toBe(token);
    await page.screenshot({ path: join(shots, 'credentials-rotated.png'), fullPage: true });
    expect((await scim('GET', '/Users?count=1')).status).toBe(200);
    expect((await scim('GET', '/Users?count=1', undefined, rotated)).status).toBe(200);
    clock += 3600_000 + 1000;
    const old = await scim('GET', '/Users?count=1');
    expect(old.status).toBe(401);
    expect((await scim('GET', '/Users?count=1', undefined, rotated)).status).toBe(200);
    clock = Date.now();

    // disable: the IdP gets 401; enable: it works again
    await page.goto(`${origin}/scim-admin/credentials`);
    await page.click('#disable');
    expect((await scim('GET', '/Users?count=1', undefined, rotated)).status).toBe(401);
    await page.goto(`${origin}/scim-admin/`);
    expect((await page.textContent('#connection-state'))!.trim()).toBe('Disabled');
    await page.goto(`${origin}/scim-admin/credentials`);
    await page.click('#enable');
    expect((await scim('GET', '/Users?count=1', undefined, rotated)).status).toBe(200);

    // the link is spent; an expired one is refused
    const reuse = await page.goto(`${origin}${link}`);
    expect(reuse!.status()).toBe(410);
    const short = await portal.link({ tenant: 'acme', actor: 'it@acme.io', expiresIn: 0.001 });
    await new Promise((r) => setTimeout(r, 10));
    const expired = await page.goto(`${origin}${short}`);
    expect(expired!.status()).toBe(410);
    expect(await page.textContent('main')).toContain('expired');
    expect(cspViolations).toEqual([]);
  });

  it('every page at desktop and phone width, light and dark, passes axe-core (no serious or critical violations)', async () => {
    const { origin, portal } = server;
    // axe is injected into the page: a context that bypasses the CSP for it
    for (const [name, viewport, colorScheme] of [
      ['desktop', { width: 1280, height: 900 }, 'light'],
      ['phone', { width: 390, height: 844 }, 'light'],
      ['desktop-dark', { width: 1280, height: 900 }, 'dark'],
    ] as const) {
      const c = await b.newContext({ viewport, colorScheme, bypassCSP: true, isMobile: name === 'phone' });
      const p = await c.newPage();
      await p.goto(`${origin}${await portal.link({ tenant: 'acme', actor: 'it@acme.io' })}`);
      for (const path of PAGES) {
        await p.goto(`${origin}/scim-admin${path}`);
        const file = `${name}-${path.replace(/[/?=&]+/g, '-').replace(/^-|-$/g, '') || 'overview'}.png`;
        await p.screenshot({ path: join(shots, file), fullPage: true });
        expect(await axeViolations(p), `${name} ${path}`).toEqual([]);
        // nothing wider than the screen at phone width
        if (name === 'phone')
          expect(await p.evaluate(() => (globalThis as unknown as Browserish).document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
      }
      await c.close();
    }
    // the error page too
    const anon = await b.newContext({ bypassCSP: true });
    const p = await anon.newPage();
    await p.goto(`${origin}/scim-admin/`);
    expect(await axeViolations(p)).toEqual([]);
    await anon.close();
    // and pages open without JavaScript: a form post works
    const noJs = await b.newContext({ javaScriptEnabled: false });
    const q = await noJs.newPage();
    await q.goto(`${origin}${await portal.link({ tenant: 'acme', actor: 'it@acme.io' })}`);
    await q.click('#test-connection');
    expect(await q.textContent('#test-result')).toMatch(/^Success/);
    await noJs.close();
    expect(httpClient).toBeTypeOf('function');
  });
});
