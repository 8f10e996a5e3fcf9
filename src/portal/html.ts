/**
 * HTML escaped by construction: every page is written with the {@link html} tag, which escapes
 * each interpolated value for text and for a quoted attribute value, unless it is HTML the
 * portal made itself ({@link SafeHtml}, only ever produced by this tag). There is no function
 * that turns a string into SafeHtml without escaping it, so an IdP-supplied `displayName`
 * cannot become markup anywhere. Templates always quote attribute values with `"`.
 * @module
 */

/** Markup the {@link html} tag produced: interpolating it into another template does not escape it again. */
export class SafeHtml {
  /** The markup. */
  readonly text: string;
  /** @internal */
  constructor(text: string, key: symbol) {
    if (key !== MADE_HERE) throw new TypeError('SafeHtml is made by the html tag only');
    this.text = text;
  }
  /** The markup, for a response body. */
  toString(): string {
    return this.text;
  }
}

/** Only this module can make SafeHtml. */
const MADE_HERE = Symbol('SafeHtml');

/** What a template may interpolate: text (escaped), numbers, markup it made, lists of them; nothing for null, undefined and false. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text escaped for an element's content and for a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function markupOf(v: HtmlValue): string {
  if (v instanceof SafeHtml) return v.text;
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(markupOf).join('');
  return escapeHtml(String(v));
}

/** The tag every page is written with: each `${value}` is escaped unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += markupOf(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out, MADE_HERE);
}

/** A list of markup joined with nothing between. */
export function join(parts: readonly SafeHtml[]): SafeHtml {
  return html`${parts}`;
}
