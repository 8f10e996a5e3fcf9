/**
 * Setup text (setup-text.ts's markup) as HTML: each token escaped, placeholders filled with the
 * connection's values (the tenant URL, a secret shown once) or their words when unknown.
 * @module
 */
import { html, type SafeHtml } from '../html.js';
import { parseSetupText, SETUP_PLACEHOLDER_TEXT, type SetupPlaceholder } from '../setup-text.js';

/** `text` as markup with `values` in its placeholders. */
export function setupHtml(text: string, values: Partial<Record<SetupPlaceholder, string>>): SafeHtml {
  return html`${parseSetupText(text).map((t) => {
    switch (t.kind) {
      case 'strong':
        return html`<strong>${t.value}</strong>`;
      case 'em':
        return html`<em>${t.value}</em>`;
      case 'code':
        return html`<code>${t.value}</code>`;
      case 'placeholder': {
        const v = values[t.name];
        return v ? html`<code>${v}</code>` : html`<em>${SETUP_PLACEHOLDER_TEXT[t.name]}</em>`;
      }
      default:
        return html`${t.value}`;
    }
  })}`;
}
