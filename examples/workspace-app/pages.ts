// Server-rendered pages: plain HTML and a few lines of script for Test connection. Every value
// is escaped for where it goes: text and attributes (`html`), URL path segments (`seg`); no
// server value is written inside a <script> (the script reads them from data attributes).
import { type ActivityRecord, type ActivitySummary, CLIENT_NAMES } from 'scimkit';
import { type Organization, ROLES, TOKEN_LIFETIMES } from './model.js';

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
  return `<!doctype html><html><head><meta charset="utf-8"><title>${html(title)}${org ? ` · ${html(org.name)}` : ''}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;max-width:1000px;color:#222}nav a{margin-right:1rem}code{background:#f3f3f3;padding:.2rem .4rem;border-radius:4px;word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}.ok{color:#0a7d2c}.err{color:#b00020}.box{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}button{padding:.4rem .9rem}
tr.failure{background:#fdecee}tr.failure td.status{color:#b00020;font-weight:600}small{color:#666}.who{float:right}</style></head>
<body>${who}${org ? `<nav><a href="/orgs/${o}/settings/security/scim">Organization settings → Security → SCIM</a><a href="/orgs/${o}/users">Users</a><a href="/orgs/${o}/teams">Teams</a></nav>` : ''}<h1>${html(title)}</h1>${body}</body></html>`;
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

/** "2 minutes ago", "just now". */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} seconds ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'} ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** The status line: "Last request from Entra ID, 2 minutes ago — 0 errors in 24 h". */
export function statusLine(s: ActivitySummary): string {
  if (!s.lastRequest)
    return s.rejectedTokens ? `No accepted request yet — ${s.rejectedTokens} rejected tokens in 24 h` : 'No request from an identity provider yet';
  const rejected = s.rejectedTokens ? `, ${s.rejectedTokens} rejected token${s.rejectedTokens === 1 ? '' : 's'}` : '';
  const errors = `${s.errors} error${s.errors === 1 ? '' : 's'}${rejected} in 24 h`;
  return `Last request from ${CLIENT_NAMES[s.lastRequest.client]}, ${ago(s.lastRequest.startedAt)} — ${errors}`;
}

/** Status filters the activity table offers. */
export const ACTIVITY_FILTERS = [
  ['', 'All requests'],
  ['error', 'Failures'],
  ['4xx', '4xx'],
  ['5xx', '5xx'],
  ['2xx', 'Successes'],
  ['rejected', 'Rejected tokens'],
] as const;

function activityRow(r: ActivityRecord): string {
  const what = [
    r.filter ? `filter ${r.filter}` : '',
    r.patch ?? '',
    r.bulk ? `${r.bulk.length} operations, ${r.bulk.filter((b) => b.status >= 400).length} failed` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return `<tr class="${r.status >= 400 ? 'failure' : 'success'}" data-status="${r.status}" data-request-id="${html(r.requestId)}">
<td>${html(r.startedAt.slice(0, 19).replace('T', ' '))}</td><td>${html(CLIENT_NAMES[r.client])}</td>
<td>${html(r.method)} ${html(r.path)}${what ? `<br><small>${html(what)}</small>` : ''}</td>
<td class="status">${r.status}${r.scimType ? ` ${html(r.scimType)}` : ''}</td><td class="detail">${html(r.detail ?? '')}</td><td>${r.ms}</td></tr>`;
}

export interface ActivityView {
  summary: ActivitySummary;
  records: ActivityRecord[];
  rejected: ActivityRecord[];
  filter: string;
}

function activitySection(org: Organization, a: ActivityView): string {
  const options = ACTIVITY_FILTERS.map(([v, label]) => `<option value="${v}"${v === a.filter ? ' selected' : ''}>${label}</option>`).join('');
  const rows = a.records.map(activityRow).join('');
  const rejected = a.rejected
    .map(
      (r) =>
        `<tr data-request-id="${html(r.requestId)}"><td>${html(r.startedAt.slice(0, 19).replace('T', ' '))}</td><td>${html(CLIENT_NAMES[r.client])}</td><td>${html(r.remoteAddress ?? '')}</td><td>${html(r.method)} ${html(r.path)}</td><td>${r.status}</td><td>${html(r.detail ?? '')}</td></tr>`,
    )
    .join('');
  return `<h2>Provisioning activity</h2>
<p id="activity-status" class="${a.summary.errors ? 'err' : 'ok'}">${html(statusLine(a.summary))}</p>
<form method="get" action="/orgs/${seg(org.id)}/settings/security/scim" id="activity-filter"><label>Show <select name="status" id="activity-status-filter">${options}</select></label> <button id="apply-filter">Filter</button></form>
<table id="activity"><tr><th>Time (UTC)</th><th>Client</th><th>Request</th><th>Status</th><th>Detail</th><th>ms</th></tr>${rows || '<tr><td colspan="6">Nothing yet</td></tr>'}</table>
<h3>Rejected tokens</h3>
<table id="rejected"><tr><th>Time (UTC)</th><th>Client</th><th>Address</th><th>Request</th><th>Status</th><th>Detail</th></tr>${rejected || '<tr><td colspan="6">None</td></tr>'}</table>`;
}

export function scimSettingsPage(
  org: Organization,
  origin: string,
  viewer: Viewer,
  opts: { token?: string; configuring?: boolean; activity?: ActivityView },
): string {
  const tenantUrl = `${origin}/scim/v2/${encodeURIComponent(org.id)}`;
  const o = seg(org.id);
  const ws = org.workspaces.find((w) => w.id === org.scim?.workspaceId);
  const form = `<form method="post" action="/orgs/${o}/settings/security/scim" class="box" id="configure-form">${csrfField(viewer.csrf)}
  <label>Workspace to synchronise <select name="workspace" id="workspace">${org.workspaces.map((w) => `<option value="${html(w.id)}"${w.id === org.scim?.workspaceId ? ' selected' : ''}>${html(w.name)}</option>`).join('')}</select></label><br><br>
  <label>Default role for new users <select name="role" id="role">${ROLES.map((r) => `<option${r === org.scim?.defaultRole ? ' selected' : ''}>${r}</option>`).join('')}</select></label><br><br>
  <label>IdP group whose members are admins <input name="adminGroup" id="admin-group" size="30" value="${html(org.scim?.adminGroup ?? '')}" placeholder="none"></label><br><br>
  <label>Token lifetime <select name="lifetime" id="lifetime">${TOKEN_LIFETIMES.map((d) => `<option value="${d}"${d === 365 ? ' selected' : ''}>${d ? `${d} days` : 'never expires'}</option>`).join('')}</select></label><br><br>
  <button type="submit" id="save">Save changes</button></form>`;
  const lastUsed = org.scim?.tokenLastUsedAt ? `${org.scim.tokenLastUsedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'never';
  const status = org.scim
    ? `<div class="box"><p>SCIM is on for workspace <b id="synced-workspace">${html(ws?.name ?? '')}</b>; new users get the role <b id="default-role">${html(org.scim.defaultRole)}</b>.</p>
  <p>Tenant URL: <code id="tenant-url" data-url="${html(tenantUrl)}">${html(tenantUrl)}</code></p>
  ${opts.token ? `<p>Secret token (shown once, copy it now): <code id="token">${html(opts.token)}</code></p>` : '<p>Secret token: stored only as a hash. Regenerate to get a new one.</p>'}
  <p>Token expires: <span id="token-expires">${org.scim.tokenExpiresAt ? html(org.scim.tokenExpiresAt.slice(0, 10)) : 'never'}</span> · Last used: <span id="token-last-used">${html(lastUsed)}</span></p>
  <p><input id="test-token" placeholder="Secret token" size="48" value="${html(opts.token ?? '')}"> <button type="button" id="test-connection">Test connection</button> <span id="test-result"></span></p>
  <form method="post" action="/orgs/${o}/settings/security/scim/regenerate">${csrfField(viewer.csrf)}<button id="regenerate">Regenerate token</button></form>
  <p><a href="?configure=1" id="configure">Configure</a></p></div>`
    : `<p>SCIM is not set up.</p><p><a href="?configure=1" id="configure">Configure</a></p>`;
  // no server value inside the script: the tenant URL comes from the page's data attribute
  const script = `<script>
document.getElementById('test-connection')?.addEventListener('click', async () => {
  const out = document.getElementById('test-result');
  out.textContent = 'Testing…'; out.className = '';
  // exactly what Entra ID's Test connection sends
  const url = document.getElementById('tenant-url').dataset.url;
  const r = await fetch(url + '/Users?filter=' + encodeURIComponent('userName eq "' + crypto.randomUUID() + '"'),
    { headers: { Authorization: 'Bearer ' + document.getElementById('test-token').value } });
  const body = await r.json().catch(() => ({}));
  if (r.ok && body.totalResults === 0) { out.textContent = 'Connection successful'; out.className = 'ok'; }
  else { out.textContent = 'Failed: ' + (body.detail || r.status); out.className = 'err'; }
});
</script>`;
  const log = `<h2>Event log</h2><ol id="events">${org.events.map((e) => `<li>${html(e)}</li>`).join('')}</ol>`;
  const activity = org.scim && opts.activity ? activitySection(org, opts.activity) : '';
  return layout(org, 'SCIM provisioning', `${opts.configuring ? form : ''}${status}${activity}${log}${script}`, viewer);
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
