// Server-rendered pages: plain HTML and a few lines of script for Test connection. Every value
// is escaped for where it goes: text and attributes (`html`), URL path segments (`seg`); no
// server value is written inside a <script> (the script reads them from data attributes).
import {
  type ActivityRecord,
  type ActivitySummary,
  CLIENT_NAMES,
  type Connection,
  type ConnectionHealth,
  type CredentialSummary,
  type ScimClient,
} from 'scimkit';
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

/** The organization's connection as the settings page shows it. */
export interface ConnectionView {
  /** The kit's record (state, settings, who changed it). */
  connection: Connection;
  /** `scim.connections.health(id)`. */
  health: ConnectionHealth;
  /** Its bearer tokens, newest first (revoked and expired ones too). */
  tokens: CredentialSummary[];
}

/** What the settings page shows besides the organization. */
export interface SettingsOptions {
  /** A secret just issued: shown once. */
  token?: string;
  /** The configure form is open. */
  configuring?: boolean;
  activity?: ActivityView;
  connection?: ConnectionView;
}

/** Overlaps a rotation offers, in hours: how long the token before keeps working. */
export const OVERLAPS = [
  [0, 'none (the old token stops now)'],
  [1, '1 hour'],
  [24, '24 hours'],
  [168, '7 days'],
] as const;

/** An ISO time as "2025-01-31 14:02 UTC", or `never`. */
const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'never');

/** A client's name as people know it ("Entra ID"), or what the connection recorded. */
const clientName = (c: ScimClient | string | null) => (c === null ? 'none yet' : ((CLIENT_NAMES as Record<string, string>)[c] ?? c));

/** Where a token stands at `now`. */
function tokenState(t: CredentialSummary, now: number): string {
  if (t.revokedAt) return `revoked ${minute(t.revokedAt)}`;
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return `expired ${minute(t.expiresAt)}`;
  return 'in force';
}

/** Health, state, the switch and the tokens of the connection (its record is the kit's). */
function connectionSection(org: Organization, v: ConnectionView, csrf: string): string {
  const o = seg(org.id);
  const { health: h, connection: c } = v;
  const now = Date.now();
  const failure = h.lastFailure
    ? `<span class="err">${html(minute(h.lastFailure.at))}: ${h.lastFailure.status}${h.lastFailure.detail ? ` ${html(h.lastFailure.detail)}` : ''}</span>`
    : 'none';
  const events = h.events;
  const delivery =
    events.dead || events.retrying
      ? `<span class="err">users are not reaching the app: ${events.retrying} retrying, ${events.dead} failed for good${events.lastError ? ` (${html(events.lastError)})` : ''}</span>`
      : `<span class="ok">${events.pending} waiting, none failing</span>`;
  const expiring = h.credentialsExpiringSoon.length
    ? `<p class="err" id="expiring-soon">${h.credentialsExpiringSoon.length} token(s) expire within 14 days: rotate before ${html(minute(h.credentialsExpiringSoon[0]!.expiresAt))}</p>`
    : '';
  const entitled = h.entitled === true ? '' : `<p class="err" id="not-entitled">${html(h.entitled.message)}</p>`;
  const toggle = c.state === 'disabled' ? 'enable' : 'disable';
  const rows = v.tokens
    .slice(0, 5)
    .map((t) => {
      const state = tokenState(t, now);
      const revoke =
        state === 'in force'
          ? `<form method="post" action="/orgs/${o}/settings/security/scim/tokens/${seg(t.id)}/revoke">${csrfField(csrf)}<button class="revoke">Revoke</button></form>`
          : '';
      return `<tr data-token="${html(t.id)}"><td>${html(minute(t.createdAt))}<br><small>${html(t.createdBy)}</small></td><td class="expires">${html(t.expiresAt ? t.expiresAt.slice(0, 10) : 'never')}</td>
<td class="last-used">${html(minute(t.lastUsedAt))}${t.lastUsedFrom ? `<br><small>from ${html(t.lastUsedFrom)}</small>` : ''}</td><td class="state">${html(state)}</td><td>${revoke}</td></tr>`;
    })
    .join('');
  return `<div class="box" id="health"><h2>Connection health</h2>
  <p>State: <b id="connection-state" class="${c.state === 'failing' || c.state === 'disabled' ? 'err' : 'ok'}">${html(c.state)}</b> · Client: <span id="health-client">${html(clientName(h.client))}</span></p>
  ${entitled}<p>Last request: <span id="health-last-request">${html(minute(h.lastRequestAt))}</span> · Last success: <span id="health-last-success">${html(minute(h.lastSuccessAt))}</span> · Last failure: <span id="health-last-failure">${failure}</span></p>
  <p>Last 24 h: <span id="health-requests">${h.requests24h}</span> requests, <span id="health-failures">${h.failures24h}</span> failed · Delivery to the app: <span id="health-events">${delivery}</span></p>${expiring}
  <form method="post" action="/orgs/${o}/settings/security/scim/${toggle}">${csrfField(csrf)}<button id="${toggle}">${toggle === 'disable' ? 'Disable SCIM (the IdP’s requests are refused)' : 'Enable SCIM'}</button></form></div>
<div class="box"><h2>Tokens</h2>
  <table id="tokens"><tr><th>Created</th><th>Expires</th><th>Last used</th><th>State</th><th></th></tr>${rows}</table>
  <form method="post" action="/orgs/${o}/settings/security/scim/rotate">${csrfField(csrf)}<label>The current token keeps working for <select name="overlap" id="overlap">${OVERLAPS.map(([h, label]) => `<option value="${h}"${h === 24 ? ' selected' : ''}>${label}</option>`).join('')}</select></label> <button id="rotate">Rotate token</button></form>
  <p><small>Rotate, paste the new token into the IdP, and the old one ends after the overlap (or revoke it once the IdP has the new one).</small></p></div>`;
}

export function scimSettingsPage(org: Organization, origin: string, viewer: Viewer, opts: SettingsOptions): string {
  const tenantUrl = `${origin}/scim/v2/${encodeURIComponent(org.id)}`;
  const o = seg(org.id);
  const ws = org.workspaces.find((w) => w.id === org.scim?.workspaceId);
  const lifetime = org.scim?.tokenLifetimeDays ?? 365;
  const form = `<form method="post" action="/orgs/${o}/settings/security/scim" class="box" id="configure-form">${csrfField(viewer.csrf)}
  <label>Workspace to synchronise <select name="workspace" id="workspace">${org.workspaces.map((w) => `<option value="${html(w.id)}"${w.id === org.scim?.workspaceId ? ' selected' : ''}>${html(w.name)}</option>`).join('')}</select></label><br><br>
  <label>Default role for new users <select name="role" id="role">${ROLES.map((r) => `<option${r === org.scim?.defaultRole ? ' selected' : ''}>${r}</option>`).join('')}</select></label><br><br>
  <label>IdP group whose members are admins <input name="adminGroup" id="admin-group" size="30" value="${html(org.scim?.adminGroup ?? '')}" placeholder="none"></label><br><br>
  <label>Token lifetime <select name="lifetime" id="lifetime">${TOKEN_LIFETIMES.map((d) => `<option value="${d}"${d === lifetime ? ' selected' : ''}>${d ? `${d} days` : 'never expires'}</option>`).join('')}</select></label><br><br>
  <button type="submit" id="save">Save changes</button></form>`;
  // the newest token in force: the one the IdP should have
  const now = Date.now();
  const current = opts.connection?.tokens.find((t) => tokenState(t, now) === 'in force');
  const status = org.scim
    ? `<div class="box"><p>SCIM is on for workspace <b id="synced-workspace">${html(ws?.name ?? '')}</b>; new users get the role <b id="default-role">${html(org.scim.defaultRole)}</b>.</p>
  <p>Tenant URL: <code id="tenant-url" data-url="${html(tenantUrl)}">${html(tenantUrl)}</code></p>
  ${opts.token ? `<p>Secret token (shown once, copy it now): <code id="token">${html(opts.token)}</code></p>` : '<p>Secret token: stored only as a hash. Rotate to get a new one.</p>'}
  <p>Token expires: <span id="token-expires">${current?.expiresAt ? html(current.expiresAt.slice(0, 10)) : current ? 'never' : 'no token in force'}</span> · Last used: <span id="token-last-used">${html(minute(current?.lastUsedAt ?? null))}</span></p>
  <p><input id="test-token" placeholder="Secret token" size="48" value="${html(opts.token ?? '')}"> <button type="button" id="test-connection">Test connection</button> <span id="test-result"></span></p>
  <p><a href="?configure=1" id="configure">Configure</a></p></div>${opts.connection ? connectionSection(org, opts.connection, viewer.csrf) : ''}`
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
