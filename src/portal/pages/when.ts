/**
 * Times as a person reads them: "3 min ago" in the portal's words, with the exact time in a
 * `<time>` element's `datetime` and `title`.
 * @module
 */
import { html, type SafeHtml } from '../html.js';
import { fill, type PortalStrings } from '../strings.js';

/** How long ago `iso` was, at `now`. */
export function ago(iso: string, now: number, s: PortalStrings): string {
  const sec = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (sec < 10) return s.justNow;
  if (sec < 60) return fill(s.secondsAgo, { n: sec });
  const min = Math.round(sec / 60);
  if (min < 60) return fill(s.minutesAgo, { n: min });
  const h = Math.round(min / 60);
  if (h < 48) return fill(s.hoursAgo, { n: h });
  return fill(s.daysAgo, { n: Math.round(h / 24) });
}

/** A `<time>` of `iso`: relative text, the exact time on hover; a time more than a minute ahead (an expiry) as it is; "never" for null. */
export function when(iso: string | null | undefined, now: number, s: PortalStrings): SafeHtml {
  if (!iso) return html`<span class="muted">${s.never}</span>`;
  const exact = iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return html`<time datetime="${iso}" title="${exact}">${Date.parse(iso) > now + 60_000 ? exact.slice(0, 16) : ago(iso, now, s)}</time>`;
}
