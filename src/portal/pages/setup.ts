/**
 * Setup: pick the IdP, then its steps in order with the tenant URL and the secret (shown once,
 * right after it was made) and copy buttons, the credential it supports, the attribute
 * mappings it needs, and what to check when it fails. Without a connection, the same page
 * makes one with the host's fields.
 * @module
 */
import type { Connection } from 'scimkit';
import { html, type SafeHtml } from '../html.js';
import { type IdpSetup, PORTAL_IDPS, type PortalIdp } from '../idp-setup.js';
import type { PortalField, PortalFieldOption } from '../options.js';
import type { ShownOnce } from '../service.js';
import type { SetupPlaceholder } from '../setup-text.js';
import { fill } from '../strings.js';
import { csrfField, layout, type PageView } from '../view.js';
import { fieldInputs } from './settings.js';
import { setupHtml } from './setup-markup.js';

/** What the setup page shows. */
export interface SetupPageData {
  /** The connection, when there is one. */
  connection: Connection | undefined;
  /** The IdP chosen (the query's, else the connection's). */
  idp: PortalIdp | undefined;
  /** The tenant's SCIM base URL. */
  tenantUrl: string;
  /** The OAuth token endpoint. */
  tokenEndpoint: string;
  /** A secret made just now (shown once). */
  shown?: ShownOnce;
  /** The host fields with their options, for a new connection. */
  fields: readonly { field: PortalField; options: readonly PortalFieldOption[] }[];
  /** Values already typed (a refused form shows them again). */
  values?: Readonly<Record<string, string>>;
  /** Why the form was refused. */
  error?: string;
  /** The IdP setups in force (the host's translations over the defaults). */
  setups: Readonly<Record<PortalIdp, IdpSetup>>;
  /** Whether a new connection can hold its first sync for review (the form offers it then). */
  canPreview?: boolean;
}

/** A value with a copy button (the button appears with the script). */
export function copyable(v: PageView, id: string, label: string, value: string, secret = false): SafeHtml {
  return html`<div><p class="label" id="${id}-label">${label}</p><div class="copyrow"><code id="${id}" class="${secret ? 'secret' : ''}" aria-labelledby="${id}-label">${value}</code>
<button type="button" class="secondary" data-copy="${id}" data-copied="${v.s.copied}" hidden>${v.s.copy}</button></div></div>`;
}

/** The IdP picker: radio buttons that post nowhere (a GET of the same page). */
function picker(v: PageView, d: SetupPageData): SafeHtml {
  return html`<form method="get" action="${v.base}/setup" class="card"><fieldset><legend><strong>${v.s.chooseIdp}</strong></legend>
<div class="idps">${PORTAL_IDPS.map(
    (id) => html`<label><input type="radio" name="idp" value="${id}"${d.idp === id ? html` checked` : ''}> ${d.setups[id].name}</label>`,
  )}</div></fieldset><p><button type="submit">${v.s.continue}</button></p></form>`;
}

/** The form that makes the connection: the IdP chosen, the host's fields, and whether its first sync is held for review. */
function createForm(v: PageView, d: SetupPageData, idp: PortalIdp): SafeHtml {
  return html`<form method="post" action="${v.base}/setup" class="card">${csrfField(v)}<input type="hidden" name="idp" value="${idp}">
<p>${v.s.settingsFirst}</p>${d.error ? html`<p class="note bad" role="alert" id="form-error">${d.error}</p>` : ''}
${fieldInputs(v, d.fields, d.values ?? {})}
${
  d.canPreview
    ? html`<label><input type="checkbox" name="preview" value="1" aria-describedby="preview-help"${d.values?.preview ? html` checked` : ''}> ${v.s.setupPreview}</label><p class="help" id="preview-help">${v.s.setupPreviewHelp}</p>`
    : ''
}
<p><button type="submit" id="create-connection">${v.s.createConnection}</button></p></form>`;
}

/** The steps of `setup` with the connection's values. */
function steps(v: PageView, d: SetupPageData, setup: IdpSetup): SafeHtml {
  const { s } = v;
  const values: Partial<Record<SetupPlaceholder, string>> = { tenantUrl: d.tenantUrl };
  if (d.shown?.token) values.secret = d.shown.token;
  if (setup.credentials.includes('oauthClient')) values.tokenEndpoint = d.tokenEndpoint;
  if (d.shown?.client) Object.assign(values, { clientId: d.shown.client.clientId, clientSecret: d.shown.client.clientSecret });
  const kinds = setup.credentials.map((k) => (k === 'bearer' ? s.credentialBearer : s.credentialOauth)).join(' · ');
  const secrets = d.shown?.token
    ? html`<p class="note warn" role="alert">${s.secretOnce}</p>${copyable(v, 'secret-token', s.secretToken, d.shown.token, true)}`
    : d.shown?.client
      ? html`<p class="note warn" role="alert">${s.secretOnce}</p>${copyable(v, 'client-id', s.clientId, d.shown.client.clientId)}${copyable(v, 'client-secret', s.clientSecret, d.shown.client.clientSecret, true)}`
      : html`<p class="help">${s.secretHidden}</p>`;
  // where the IdP takes OAuth client credentials, the client is made here, shown once like a secret
  const oauth =
    setup.credentials.includes('oauthClient') && !d.shown?.client && d.connection
      ? html`<form method="post" action="${v.base}/setup/oauth-client?idp=${setup.id}" class="actions">${csrfField(v)}<button type="submit" class="secondary" id="setup-oauth-client">${s.newClient}</button><span class="help">${s.setupOauthHelp}</span></form>`
      : '';
  return html`<div class="card">${copyable(v, 'tenant-url', s.tenantUrl, d.tenantUrl)}
${setup.credentials.includes('oauthClient') ? copyable(v, 'token-endpoint', s.tokenEndpoint, d.tokenEndpoint) : ''}
${secrets}<p><span class="label">${s.credentialKinds}:</span> ${kinds}</p>${oauth}</div>
<h2>${fill(s.steps, { idp: setup.name })}</h2>
<div class="card"><ol class="steps">${setup.steps.map((st) => html`<li><strong>${st.title}</strong><br>${setupHtml(st.text, values)}</li>`)}</ol></div>
${
  setup.mappings.length
    ? html`<h2>${s.mappings}</h2><div class="tablewrap" tabindex="0"><table><thead><tr><th scope="col">${s.mappingScim}</th><th scope="col">${fill(s.mappingIdp, { idp: setup.name })}</th></tr></thead><tbody>${setup.mappings.map(
        (m) =>
          html`<tr><td><code>${m.attribute}</code></td><td>${setupHtml(m.source, values)}${m.note ? html`<br><span class="help">${setupHtml(m.note, values)}</span>` : ''}</td></tr>`,
      )}</tbody></table></div>`
    : ''
}
${
  setup.troubleshooting.length
    ? html`<h2>${s.troubleshooting}</h2><div class="card"><ul>${setup.troubleshooting.map((t) => html`<li><strong>${setupHtml(t.symptom, values)}</strong><br>${setupHtml(t.fix, values)}</li>`)}</ul></div>`
    : ''
}`;
}

/** The setup page. */
export function setupPage(v: PageView, d: SetupPageData): SafeHtml {
  const idp = d.idp;
  let body: SafeHtml;
  if (!idp) body = picker(v, d);
  else if (!d.connection) body = html`<p><a href="${v.base}/setup">${v.s.changeIdp}</a></p><h2>${d.setups[idp].name}</h2>${createForm(v, d, idp)}`;
  else
    body = html`${
      d.connection.idp === idp
        ? ''
        : html`<form method="post" action="${v.base}/setup" class="actions">${csrfField(v)}<input type="hidden" name="idp" value="${idp}"><button type="submit" class="secondary">${v.s.save}: ${d.setups[idp].name}</button></form>`
    }<p><a href="${v.base}/setup?idp=">${v.s.changeIdp}</a></p>${steps(v, d, d.setups[idp])}`;
  return layout(v, { title: v.s.setupTitle, tab: 'setup', body });
}
