/**
 * Settings: the host's fields (the workspace to synchronise, the default role, …) with their
 * options, saved on the connection; the domains the host verified, read-only.
 * @module
 */
import type { JsonObject } from 'scimkit';
import { html, type SafeHtml } from '../html.js';
import type { PortalField, PortalFieldOption } from '../options.js';
import { csrfField, layout, type PageView } from '../view.js';

/** The inputs of the host fields, each with its label, help and current value. */
export function fieldInputs(
  v: PageView,
  fields: readonly { field: PortalField; options: readonly PortalFieldOption[] }[],
  values: Readonly<Record<string, unknown>>,
): SafeHtml {
  return html`${fields.map(({ field: f, options }) => {
    const id = `field-${f.name}`;
    const value = typeof values[f.name] === 'string' ? (values[f.name] as string) : '';
    const required = f.required ?? f.type === 'select';
    const help = f.help ? html`<p class="help" id="${id}-help">${f.help}</p>` : '';
    const described = f.help ? html` aria-describedby="${id}-help"` : '';
    const input =
      f.type === 'select'
        ? html`<select id="${id}" name="${f.name}"${required ? html` required` : ''}${described}><option value="">—</option>${options.map(
            (o) => html`<option value="${o.value}"${o.value === value ? html` selected` : ''}>${o.label}</option>`,
          )}</select>`
        : html`<input type="text" id="${id}" name="${f.name}" value="${value}" maxlength="${f.maxLength ?? 200}"${required ? html` required` : ''}${described}>`;
    return html`<label for="${id}">${f.label}${required ? html` <span class="muted">(${v.s.required})</span>` : ''}</label>${input}${help}`;
  })}`;
}

/** The settings page with the connection's `settings` (or the values of a refused form), and its allowed domains read-only. */
export function settingsPage(
  v: PageView,
  fields: readonly { field: PortalField; options: readonly PortalFieldOption[] }[],
  values: JsonObject | Readonly<Record<string, string>>,
  o: { saved?: boolean; error?: string; domains?: readonly string[] } = {},
): SafeHtml {
  const { s } = v;
  const domains = o.domains?.length
    ? html`<div class="card"><p class="label">${s.domainsLabel}</p><p id="allowed-domains">${o.domains.join(', ')}</p><p class="help">${s.domainsHelp}</p></div>`
    : '';
  const body = html`${o.saved ? html`<p class="note ok" role="status">${s.settingsSaved}</p>` : ''}${o.error ? html`<p class="note bad" role="alert" id="form-error">${o.error}</p>` : ''}${domains}
<form method="post" action="${v.base}/settings" class="card">${csrfField(v)}${fieldInputs(v, fields, values)}
<p><button type="submit" id="save-settings">${s.save}</button></p></form>`;
  return layout(v, { title: s.settingsTitle, tab: 'settings', body });
}
