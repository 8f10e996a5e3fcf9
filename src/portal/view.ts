/**
 * What every page is rendered with, and the layout around it: the header with the host's logo
 * and the viewer, the tabs, the stylesheet and script with this response's nonce.
 * @module
 */
import { brandCss, type PortalBrand } from './brand.js';
import { PORTAL_SCRIPT } from './client-script.js';
import { html, type SafeHtml } from './html.js';
import type { PortalSession } from './session.js';
import { fill, type PortalStrings } from './strings.js';
import { PORTAL_CSS } from './styles.js';

/** The tabs of the portal, by path below the base. */
export type PortalTab = 'overview' | 'review' | 'setup' | 'settings' | 'activity' | 'directory' | 'credentials';

/** What a page is rendered with. */
export interface PageView {
  /** The portal's base path. */
  readonly base: string;
  /** The words. */
  readonly s: PortalStrings;
  /** This response's nonce. */
  readonly nonce: string;
  /** The host's look. */
  readonly brand: PortalBrand | undefined;
  /** The viewer, when signed in. */
  readonly viewer: PortalSession | undefined;
  /** The time the page is made at (epoch ms). */
  readonly now: number;
  /** Whether the tenant's connection holds its first sync for review (the Review tab shows then). */
  readonly review?: boolean;
}

const TABS: readonly [PortalTab, string, keyof PortalStrings][] = [
  ['overview', '', 'navOverview'],
  ['review', '/review', 'navReview'],
  ['setup', '/setup', 'navSetup'],
  ['settings', '/settings', 'navSettings'],
  ['activity', '/activity', 'navActivity'],
  ['directory', '/directory', 'navDirectory'],
  ['credentials', '/credentials', 'navCredentials'],
];

/** What the review page needs beyond styles.ts: a disabled button that looks disabled, a decision to change behind a summary, counts two abreast on a phone. */
const REVIEW_CSS =
  'button:disabled{opacity:.55;cursor:not-allowed}summary{cursor:pointer;color:var(--sk-accent);margin:.3rem 0}' +
  '.grid.counts{grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.25rem 1rem}.counts p{margin:.25rem 0}';

/** The hidden field every form carries. */
export function csrfField(v: PageView): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${v.viewer?.csrf ?? ''}">`;
}

/** A page: `title`, the tab it belongs to (none for messages), and its body. */
export function layout(v: PageView, o: { title: string; tab?: PortalTab; body: SafeHtml }): SafeHtml {
  const { s, brand } = v;
  const scheme = brand?.scheme ?? 'auto';
  const nav =
    v.viewer && o.tab
      ? html`<nav aria-label="${s.title}"><ul>${TABS.filter(([tab]) => tab !== 'review' || v.review || o.tab === 'review').map(
          ([tab, path, key]) => html`<li><a href="${v.base}${path || '/'}"${tab === o.tab ? html` aria-current="page"` : ''}>${s[key]}</a></li>`,
        )}</ul></nav>`
      : '';
  const who = v.viewer
    ? html`<span class="muted">${fill(s.signedInAs, { actor: v.viewer.actor })}</span>${
        v.viewer.via === 'link'
          ? html`<form method="post" action="${v.base}/signout">${csrfField(v)}<button class="secondary" type="submit">${s.signOut}</button></form>`
          : ''
      }`
    : '';
  return html`<!doctype html>
<html lang="${s.lang}" class="${scheme}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="csrf-token" content="${v.viewer?.csrf ?? ''}"><title>${o.title} · ${s.title}</title>
<style nonce="${v.nonce}">${unescapedCss(PORTAL_CSS + REVIEW_CSS + brandCss(brand))}</style></head>
<body><a class="skip" href="#main">${s.skipToContent}</a>
<header>${brandMark(v)}${who}</header>
${nav}<main id="main"><h1>${o.title}</h1>${o.body}</main>
<script nonce="${v.nonce}">${unescapedScript(PORTAL_SCRIPT)}</script></body></html>`;
}

/** The logo and name, a link back to the host's app when it has a `homeUrl`. */
function brandMark(v: PageView): SafeHtml {
  const b = v.brand;
  const mark = html`${b?.logoUrl ? html`<img src="${b.logoUrl}" alt="">` : ''}<span>${b?.name ?? v.s.title}</span>`;
  return b?.homeUrl ? html`<a class="brand" href="${b.homeUrl}">${mark}</a>` : html`<div class="brand">${mark}</div>`;
}

/** The stylesheet as markup: it is the portal's own constant plus brand values checked by checkBrand (no `<` can be in either). */
function unescapedCss(css: string): SafeHtml {
  if (css.includes('<')) throw new Error('the portal stylesheet must not contain <');
  return trusted(css);
}

/** The script as markup: the portal's own constant, with no server value in it. */
function unescapedScript(js: string): SafeHtml {
  if (js.includes('</')) throw new Error('the portal script must not contain </');
  return trusted(js);
}

/** Markup from the portal's own constants: an html template with one raw part. */
function trusted(text: string): SafeHtml {
  const strings = Object.assign([text], { raw: [text] }) as unknown as TemplateStringsArray;
  return html(strings);
}
