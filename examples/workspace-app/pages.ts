// Server-rendered pages: plain HTML. Every value is escaped for where it goes: text and
// attributes (`html`), URL path segments (`seg`). The SCIM settings are the portal's pages
// (scim-portal.ts); these share its look (APP_BRAND) so that the two read as one app.
import { type Organization, ROLES } from './model.js';
import { APP_BRAND, PORTAL_PATH } from './scim-portal.js';

/** Text or an attribute value (always quoted with "). */
export const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** A URL path segment inside an attribute. */
const seg = (s: string) => html(encodeURIComponent(s));

/** The CSRF field every form carries. */
const csrfField = (csrf: string) => `<input type="hidden" name="csrf" value="${html(csrf)}">`;

/** What every signed-in page knows about its viewer. */
export interface Viewer {
  email: string;
  csrf: string;
}

function layout(org: Organization | undefined, title: string, body: string, viewer?: Viewer): string {
  const o = org ? seg(org.id) : '';
  const who = viewer
    ? `<form method="post" action="/logout" class="who">${html(viewer.email)} ${csrfField(viewer.csrf)}<button id="sign-out">Sign out</button></form>`
    : '';
  const link = (href: string, label: string) => `<a href="${href}"${label === title ? ' aria-current="page"' : ''}>${label}</a>`;
  const nav = org
    ? `<nav><a href="${PORTAL_PATH}/" id="nav-scim">Organization settings → Security → SCIM</a>${link(`/orgs/${o}/users`, 'Users')}${link(`/orgs/${o}/teams`, 'Teams')}${link(`/orgs/${o}/events`, 'Event log')}</nav>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(title)}${org ? ` · ${html(org.name)}` : ''}</title>
<style>*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f7f8fa;color:#1b1f24}a{color:${APP_BRAND.accent}}
header{display:flex;align-items:center;gap:1rem;padding:.8rem 1.5rem;background:#fff;border-bottom:1px solid #d6dbe1}header b{margin-right:auto}header form{margin:0}
nav{padding:0 1.5rem;background:#fff;border-bottom:1px solid #d6dbe1}nav a{display:inline-block;padding:.6rem .8rem;color:#59636e;text-decoration:none;border-bottom:2px solid transparent}
nav a[aria-current=page]{color:#1b1f24;font-weight:600;border-bottom-color:${APP_BRAND.accent}}
main{max-width:1040px;margin:0 auto;padding:1.5rem}h1{font-size:1.5rem;margin:.2rem 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff}td,th{border-bottom:1px solid #d6dbe1;padding:.4rem;text-align:left;vertical-align:top}
.err{color:#b3261e}.box{background:#fff;border:1px solid #d6dbe1;border-radius:8px;padding:1rem;margin:1rem 0}button{padding:.4rem .9rem}</style></head>
<body><header><b>${html(APP_BRAND.name)}${org ? ` · ${html(org.name)}` : ''}</b>${who}</header>${nav}<main><h1>${html(title)}</h1>${body}</main></body></html>`;
}

export function loginPage(opts: { error?: string; next?: string }): string {
  return layout(
    undefined,
    'Sign in as your organization’s admin',
    `<form method="post" action="/login" class="box" id="login-form">
  ${opts.error ? `<p class="err" id="login-error">${html(opts.error)}</p>` : ''}
  <input type="hidden" name="next" value="${html(opts.next ?? '')}">
  <label>E-mail <input name="email" id="email" autocomplete="username"></label><br><br>
  <label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label><br><br>
  <button type="submit" id="sign-in">Sign in</button></form>`,
  );
}

/** The organization's event log: each lifecycle event the app applied, and each change of its SCIM connection. */
export function eventsPage(org: Organization, viewer: Viewer): string {
  return layout(org, 'Event log', `<ol id="events">${org.events.map((e) => `<li>${html(e)}</li>`).join('')}</ol>`, viewer);
}

export function usersPage(org: Organization, viewer: Viewer): string {
  const rows = org.workspaces
    .flatMap((w) =>
      [...(org.members.get(w.id)?.values() ?? [])]
        .filter((m) => !m.removed)
        .map(
          (m) => `<tr data-user="${html(m.userName)}"><td>${html(m.displayName)}</td><td>${html(m.userName)}</td><td>${html(w.name)}</td>
<td class="role">${html(m.role)}</td><td class="status">${m.active ? 'Active' : 'Deactivated'}</td>
<td><form method="post" action="/orgs/${seg(org.id)}/users/${seg(m.scimId)}/role">${csrfField(viewer.csrf)}<select name="role">${ROLES.map((r) => `<option${r === m.role ? ' selected' : ''}>${r}</option>`).join('')}</select> <button>Change role</button></form></td></tr>`,
        ),
    )
    .join('');
  return layout(
    org,
    'Users',
    `<table id="users"><tr><th>Name</th><th>User name</th><th>Workspace</th><th>Role</th><th>Status</th><th></th></tr>${rows}</table>`,
    viewer,
  );
}

export function teamsPage(org: Organization, viewer: Viewer): string {
  const rows = org.workspaces
    .flatMap((w) =>
      [...(org.teams.get(w.id)?.values() ?? [])].map(
        (t) => `<tr data-team="${html(t.name)}"><td>${html(t.name)}</td><td>${html(w.name)}</td><td class="count">${t.members.size}</td></tr>`,
      ),
    )
    .join('');
  return layout(org, 'Teams', `<table id="teams"><tr><th>Team</th><th>Workspace</th><th>Members</th></tr>${rows}</table>`, viewer);
}
