/**
 * Credentials: the secret tokens and OAuth clients with their expiry and last use, rotate with
 * an overlap, revoke, a new OAuth client; Disable and Delete, each saying what happens to the
 * users already provisioned.
 * @module
 */
import { html, type SafeHtml } from '../html.js';
import type { ConnectionView, ShownOnce } from '../service.js';
import { fill } from '../strings.js';
import { csrfField, layout, type PageView } from '../view.js';
import { copyable } from './setup.js';
import { when } from './when.js';

/** The overlaps a rotation offers, in hours. */
export const OVERLAP_HOURS = [0, 1, 24, 72, 168] as const;

/** The credentials page (with a secret made just now, shown once). */
export function credentialsPage(v: PageView, view: ConnectionView, o: { shown?: ShownOnce; error?: string } = {}): SafeHtml {
  const { s } = v;
  const c = view.connection;
  const rows = view.credentials.map((x) => {
    const state = x.inForce
      ? html`<span class="pill ok">${s.inForce}</span>`
      : x.revokedAt
        ? html`<span class="pill">${s.revoked}</span>`
        : html`<span class="pill">${s.expired}</span>`;
    const revoke = x.inForce
      ? html`<form method="post" action="${v.base}/credentials/${encodeURIComponent(x.id)}/revoke" data-confirm="${s.revokeConfirm}">${csrfField(v)}<button type="submit" class="secondary" aria-label="${s.revoke} ${x.id}">${s.revoke}</button></form>`
      : '';
    return html`<tr><td><code>${x.kind === 'oauthClient' ? (x.clientId ?? x.id) : x.id}</code><br><span class="help">${x.kind === 'bearer' ? s.credentialBearer : s.credentialOauth}</span></td>
<td class="wide">${when(x.createdAt, v.now, s)}<br><span class="help">${x.createdBy}</span></td><td>${x.expiresAt ? when(x.expiresAt, v.now, s) : html`<span class="muted">${s.never}</span>`}</td>
<td class="wide">${when(x.lastUsedAt, v.now, s)}${x.lastUsedFrom ? html`<br><span class="help">${x.lastUsedFrom}</span>` : ''}</td><td>${state}</td><td>${revoke}</td></tr>`;
  });
  const shown = o.shown?.token
    ? html`<p class="note warn" role="alert">${s.secretOnce}</p>${copyable(v, 'secret-token', s.secretToken, o.shown.token, true)}`
    : o.shown?.client
      ? html`<p class="note warn" role="alert">${s.secretOnce}</p>${copyable(v, 'client-id', s.clientId, o.shown.client.clientId)}${copyable(v, 'client-secret', s.clientSecret, o.shown.client.clientSecret, true)}`
      : '';
  const disabled = c.state === 'disabled';
  const body = html`${o.error ? html`<p class="note bad" role="alert">${o.error}</p>` : ''}${shown ? html`<div class="card">${shown}</div>` : ''}
<div class="tablewrap" tabindex="0"><table><thead><tr><th scope="col">${s.colCredential}</th><th scope="col" class="wide">${s.colCreated}</th><th scope="col">${s.colExpires}</th><th scope="col" class="wide">${s.colLastUsed}</th><th scope="col">${s.colState}</th><th scope="col"><span class="skip">${s.revoke}</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>
<h2>${s.rotate}</h2><form method="post" action="${v.base}/credentials/rotate" class="card">${csrfField(v)}<p class="help">${s.rotateHelp}</p>
<div class="inline"><div><label for="overlap">${s.overlap}</label><select id="overlap" name="overlap">${OVERLAP_HOURS.map(
    (h) => html`<option value="${h}"${h === 24 ? html` selected` : ''}>${h === 0 ? s.overlapNone : fill(s.overlapHours, { n: h })}</option>`,
  )}</select></div><button type="submit" id="rotate">${s.rotate}</button></div></form>
<h2>${s.newClient}</h2><form method="post" action="${v.base}/credentials/oauth-client" class="card">${csrfField(v)}<p class="help">${s.newClientHelp}</p><button type="submit" class="secondary" id="new-client">${s.newClient}</button></form>
<h2>${disabled ? s.enable : s.disable}</h2><form method="post" action="${v.base}/${disabled ? 'enable' : 'disable'}" class="card">${csrfField(v)}<p class="help">${s.disableHelp}</p>
<button type="submit" id="${disabled ? 'enable' : 'disable'}" class="${disabled ? '' : 'danger'}">${disabled ? s.enable : s.disable}</button></form>
<h2>${s.deleteConnection}</h2><form method="post" action="${v.base}/delete" class="card">${csrfField(v)}<p class="help">${s.deleteHelp}</p>
<label><input type="checkbox" name="purge" value="1"> ${s.deletePurge}</label>
<label for="confirm-tenant">${fill(s.deleteConfirm, { tenant: c.tenant })}</label><input type="text" id="confirm-tenant" name="confirm" autocomplete="off" required>
<p><button type="submit" class="danger" id="delete">${s.deleteConnection}</button></p></form>`;
  return layout(v, { title: s.credentialsTitle, tab: 'credentials', body });
}
