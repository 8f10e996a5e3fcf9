/**
 * Overview: where the connection stands (live while it waits for the IdP's first request; a
 * first sync held for review, with the way to it), its figures of 24 hours, warnings
 * (credentials expiring or ended but still sent, entitlement), Test connection, and the newest
 * failures explained.
 * @module
 */
import { type ActivityRecord, CLIENT_NAMES, type ConnectionTestResult, type ScimClient } from 'scimkit';
import { explainFailure } from '../explain.js';
import { html, type SafeHtml } from '../html.js';
import type { ConnectionView } from '../service.js';
import { fill } from '../strings.js';
import { csrfField, layout, type PageView } from '../view.js';
import { stateLabel } from './state.js';
import { testMessage } from './test-result.js';
import { when } from './when.js';

/** The name of a client id (`entra` → Entra ID), or the id itself. */
export function clientName(client: string | null): string {
  return client ? (CLIENT_NAMES[client as ScimClient] ?? client) : '';
}

/** The Test connection form (posts without the script; the script shows the answer in place). */
export function testForm(v: PageView, result?: ConnectionTestResult): SafeHtml {
  const { s } = v;
  const tone = result ? (result.ok ? 'ok' : 'bad') : '';
  return html`<form method="post" action="${v.base}/test" data-test="${v.base}/api/test" data-running="${s.testRunning}" class="actions">${csrfField(v)}
<button type="submit" id="test-connection">${s.testButton}</button></form>
<p id="test-result" class="note ${tone}" role="status" aria-live="polite"${result ? '' : html` hidden`}>${result ? testMessage(result, s) : ''}</p>
${result ? html`<p class="help">${fill(s.testSent, { request: result.request })}</p>` : ''}`;
}

/** Failed records, explained (what happened, what to do). */
export function failureList(v: PageView, records: readonly ActivityRecord[]): SafeHtml {
  return html`<ul>${records.map((r) => {
    const e = explainFailure(r, v.s)!;
    return html`<li><strong>${r.method} ${r.path}</strong> → <span class="bad">${r.status}</span> ${when(r.startedAt, v.now, v.s)}<br>${e.what}<br><span class="muted">${e.todo}</span></li>`;
  })}</ul>`;
}

/** The overview of `view` (or the invitation to set up when there is no connection). */
export function overviewPage(v: PageView, view: ConnectionView | undefined, o: { failures: readonly ActivityRecord[]; test?: ConnectionTestResult }): SafeHtml {
  const { s } = v;
  if (!view)
    return layout(v, {
      title: s.navOverview,
      tab: 'overview',
      body: html`<div class="card"><p>${s.notSetUp}</p><p><a class="button" href="${v.base}/setup">${s.startSetup}</a></p></div>`,
    });
  const { connection: c, health: h } = view;
  const st = stateLabel(c.state, s);
  const warnings: SafeHtml[] = [];
  if (h.entitled !== true) warnings.push(html`<p class="note bad" role="alert">${fill(s.notEntitled, { message: h.entitled.message })}</p>`);
  for (const e of h.endedCredentialsInUse)
    warnings.push(html`<p class="note bad" role="alert">${fill(s.endedInUse, { id: e.id, from: e.lastUsedFrom ?? '?' })}</p>`);
  for (const e of h.credentialsExpiringSoon)
    warnings.push(html`<p class="note warn">${s.expiringSoon}: <code>${e.id}</code> ${fill(s.expiresOn, { when: e.expiresAt ?? '' })}</p>`);
  const last = h.lastRequestAt
    ? html`${when(h.lastRequestAt, v.now, s)}${h.client ? html` · ${clientName(h.client)}` : ''}`
    : html`<span class="muted">${s.never}</span>`;
  const held = c.mode === 'preview' ? html`<p class="note warn" id="review-held">${s.reviewHeld} <a href="${v.base}/review">${s.reviewTitle}</a></p>` : '';
  const body = html`${held}${warnings}
<div class="card"><p class="label">${s.stateLabel}</p>
<p><span class="pill ${st.tone}" id="connection-state" data-live="${v.base}/api/status" data-state="${c.state}" role="status" aria-live="polite">${st.label}</span></p>
<div class="grid">
<div><p class="label">${s.lastRequest}</p><p>${last}</p></div>
<div><p class="label">${s.requests24h}</p><p class="stat">${h.requests24h}</p></div>
<div><p class="label">${s.failures24h}</p><p class="stat${h.failures24h ? ' bad' : ''}">${h.failures24h}</p></div>
<div><p class="label">${s.eventsPending}</p><p class="stat">${h.events.pending + h.events.retrying}</p></div>
${h.events.dead ? html`<div><p class="label">${s.eventsDead}</p><p class="stat bad">${h.events.dead}</p></div>` : ''}
</div>
${h.events.retrying || h.events.dead ? html`<p class="note warn">${s.eventsFailing}</p>` : ''}
</div>
<h2>${s.testTitle}</h2><div class="card">${testForm(v, o.test)}</div>
${o.failures.length ? html`<h2>${s.failuresFirst}</h2><div class="card">${failureList(v, o.failures)}<p><a href="${v.base}/activity?status=error">${s.navActivity}</a></p></div>` : ''}`;
  return layout(v, { title: s.navOverview, tab: 'overview', body });
}
