/**
 * A page that only says something: an expired link, a refused form, an error.
 * @module
 */
import { html } from '../html.js';
import { layout, type PageView } from '../view.js';

/** A message page titled `title` saying `text`, with a link back when signed in. */
export function messagePage(v: PageView, title: string, text: string, tone: 'bad' | 'ok' | 'warn' = 'bad') {
  const back = v.viewer ? html`<p><a href="${v.base}/">${v.s.navOverview}</a></p>` : '';
  return layout(v, { title, body: html`<p class="note ${tone}" role="alert">${text}</p>${back}` });
}
