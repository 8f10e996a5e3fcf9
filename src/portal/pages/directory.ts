/**
 * Directory: the tenant's users and groups as provisioned, searched by name or e-mail, paged;
 * read-only (the IdP manages them).
 * @module
 */
import { html, type SafeHtml } from '../html.js';
import type { DirectoryPage } from '../service.js';
import { fill } from '../strings.js';
import { layout, type PageView } from '../view.js';
import { when } from './when.js';

/** The directory page. */
export function directoryPage(v: PageView, d: DirectoryPage): SafeHtml {
  const { s } = v;
  const tab = (type: 'users' | 'groups', label: string) =>
    html`<a href="${v.base}/directory?type=${type}"${d.type === type ? html` aria-current="page"` : ''}>${label}</a>`;
  const link = (start: number) => `${v.base}/directory?type=${d.type}&q=${encodeURIComponent(d.q)}&start=${start}`;
  const head =
    d.type === 'users'
      ? html`<th scope="col">${s.colUserName}</th><th scope="col" class="wide">${s.colName}</th><th scope="col">${s.colActive}</th><th scope="col" class="wide">${s.colChanged}</th>`
      : html`<th scope="col">${s.colName}</th><th scope="col" class="wide">${s.colChanged}</th>`;
  const rows = d.rows.map((r) =>
    d.type === 'users'
      ? html`<tr><td>${r.name}</td><td class="wide">${r.detail}</td><td>${r.deletedAt ? s.deleted : r.active ? s.yes : s.no}</td><td class="wide">${when(r.lastModified, v.now, s)}</td></tr>`
      : html`<tr><td>${r.name}</td><td class="wide">${when(r.lastModified, v.now, s)}</td></tr>`,
  );
  const pages = html`<p class="actions">${d.startIndex > 1 ? html`<a href="${link(Math.max(1, d.startIndex - 50))}">${s.previous}</a>` : ''}${
    d.startIndex + d.rows.length <= d.total ? html`<a href="${link(d.startIndex + 50)}">${s.next}</a>` : ''
  }</p>`;
  const body = html`<p class="help">${s.readOnly}</p><p class="actions">${tab('users', s.users)} · ${tab('groups', s.groups)}</p>
<form method="get" action="${v.base}/directory" class="inline card" role="search"><input type="hidden" name="type" value="${d.type}">
<div><label for="q">${s.searchLabel}</label><input type="search" id="q" name="q" value="${d.q}"></div><button type="submit">${s.search}</button></form>
<p>${fill(s.countOf, { count: d.total })}</p>
${d.rows.length ? html`<div class="tablewrap" tabindex="0"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>${pages}` : html`<p class="muted">${s.noResults}</p>`}`;
  return layout(v, { title: s.directoryTitle, tab: 'directory', body });
}
