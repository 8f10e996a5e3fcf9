// Server-rendered pages: plain HTML and a few lines of script for Test connection.
import { type Organization, ROLES, TOKEN_LIFETIMES } from './model.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(org: Organization, title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)} · ${esc(org.name)}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;max-width:900px;color:#222}nav a{margin-right:1rem}code{background:#f3f3f3;padding:.2rem .4rem;border-radius:4px;word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}.ok{color:#0a7d2c}.err{color:#b00020}.box{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}button{padding:.4rem .9rem}</style></head>
<body><nav><a href="/orgs/${org.id}/settings/security/scim">Organization settings → Security → SCIM</a><a href="/orgs/${org.id}/users">Users</a><a href="/orgs/${org.id}/teams">Teams</a></nav><h1>${esc(title)}</h1>${body}</body></html>`;
}

export function scimSettingsPage(org: Organization, origin: string, opts: { token?: string; configuring?: boolean }): string {
  const tenantUrl = `${origin}/scim/v2/${org.id}`;
  const ws = org.workspaces.find((w) => w.id === org.scim?.workspaceId);
  const form = `<form method="post" action="/orgs/${org.id}/settings/security/scim" class="box" id="configure-form">
  <label>Workspace to synchronise <select name="workspace" id="workspace">${org.workspaces.map((w) => `<option value="${w.id}"${w.id === org.scim?.workspaceId ? ' selected' : ''}>${esc(w.name)}</option>`).join('')}</select></label><br><br>
  <label>Default role for new users <select name="role" id="role">${ROLES.map((r) => `<option${r === org.scim?.defaultRole ? ' selected' : ''}>${r}</option>`).join('')}</select></label><br><br>
  <label>Token lifetime <select name="lifetime" id="lifetime">${TOKEN_LIFETIMES.map((d) => `<option value="${d}"${d === 365 ? ' selected' : ''}>${d ? `${d} days` : 'never expires'}</option>`).join('')}</select></label><br><br>
  <button type="submit" id="save">Save changes</button></form>`;
  const status = org.scim
    ? `<div class="box"><p>SCIM is on for workspace <b id="synced-workspace">${esc(ws?.name ?? '')}</b>; new users get the role <b id="default-role">${esc(org.scim.defaultRole)}</b>.</p>
  <p>Tenant URL: <code id="tenant-url">${esc(tenantUrl)}</code></p>
  ${opts.token ? `<p>Secret token (shown once, copy it now): <code id="token">${esc(opts.token)}</code></p>` : '<p>Secret token: stored only as a hash. Regenerate to get a new one.</p>'}
  <p>Token expires: <span id="token-expires">${org.scim.tokenExpiresAt ? esc(org.scim.tokenExpiresAt.slice(0, 10)) : 'never'}</span> · Last used: <span id="token-last-used">${org.scim.tokenLastUsedAt ? esc(org.scim.tokenLastUsedAt.toISOString().slice(0, 16).replace('T', ' ')) + ' UTC' : 'never'}</span></p>
  <p><input id="test-token" placeholder="Secret token" size="48" value="${esc(opts.token ?? '')}"> <button type="button" id="test-connection">Test connection</button> <span id="test-result"></span></p>
  <form method="post" action="/orgs/${org.id}/settings/security/scim/regenerate"><button id="regenerate">Regenerate token</button></form>
  <p><a href="?configure=1" id="configure">Configure</a></p></div>`
    : `<p>SCIM is not set up.</p><p><a href="?configure=1" id="configure">Configure</a></p>`;
  const script = `<script>
document.getElementById('test-connection')?.addEventListener('click', async () => {
  const out = document.getElementById('test-result');
  out.textContent = 'Testing…'; out.className = '';
  // exactly what Entra ID's Test connection sends
  const r = await fetch(${JSON.stringify(`${tenantUrl}/Users`)} + '?filter=' + encodeURIComponent('userName eq "' + crypto.randomUUID() + '"'),
    { headers: { Authorization: 'Bearer ' + document.getElementById('test-token').value } });
  const body = await r.json().catch(() => ({}));
  if (r.ok && body.totalResults === 0) { out.textContent = 'Connection successful'; out.className = 'ok'; }
  else { out.textContent = 'Failed: ' + (body.detail || r.status); out.className = 'err'; }
});
</script>`;
  const log = `<h2>Event log</h2><ol id="events">${org.events.map((e) => `<li>${esc(e)}</li>`).join('')}</ol>`;
  return layout(org, 'SCIM provisioning', `${opts.configuring || !org.scim ? (opts.configuring ? form : '') : ''}${status}${log}${script}`);
}

export function usersPage(org: Organization): string {
  const rows = org.workspaces
    .flatMap((w) =>
      [...(org.members.get(w.id)?.values() ?? [])].map(
        (m) => `<tr data-user="${esc(m.userName)}"><td>${esc(m.displayName)}</td><td>${esc(m.userName)}</td><td>${esc(w.name)}</td>
<td class="role">${esc(m.role)}</td><td class="status">${m.active ? 'Active' : 'Deactivated'}</td>
<td><form method="post" action="/orgs/${org.id}/users/${m.scimId}/role"><select name="role">${ROLES.map((r) => `<option${r === m.role ? ' selected' : ''}>${r}</option>`).join('')}</select> <button>Change role</button></form></td></tr>`,
      ),
    )
    .join('');
  return layout(
    org,
    'Users',
    `<table id="users"><tr><th>Name</th><th>User name</th><th>Workspace</th><th>Role</th><th>Status</th><th></th></tr>${rows}</table>`,
  );
}

export function teamsPage(org: Organization): string {
  const rows = org.workspaces
    .flatMap((w) =>
      [...(org.teams.get(w.id)?.values() ?? [])].map(
        (t) => `<tr data-team="${esc(t.name)}"><td>${esc(t.name)}</td><td>${esc(w.name)}</td><td class="count">${t.members.size}</td></tr>`,
      ),
    )
    .join('');
  return layout(org, 'Teams', `<table id="teams"><tr><th>Team</th><th>Workspace</th><th>Members</th></tr>${rows}</table>`);
}
