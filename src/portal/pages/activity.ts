/**
 * Activity: the tenant's recent requests (failures first, each explained), filters by status,
 * the admins' changes, and the rejected-credential attempts with their source address.
 * @module
 */
import type { ActivityRecord } from 'scimkit';
import { explainFailure } from '../explain.js';
import { html, type SafeHtml } from '../html.js';
import type { ActivityView } from '../service.js';
import { fill } from '../strings.js';
import { layout, type PageView } from '../view.js';
import { clientName } from './overview.js';
import { when } from './when.js';

/** The words of a record's request: `POST /Users` (`filter`/`patch` beside it), or an admin's change. */
function requestOf(v: PageView, r: ActivityRecord): SafeHtml {
  if (r.operation === 'connection' && r.connection) return html`${fill(v.s.adminAction, { actor: r.actor ?? '?', action: r.connection.action })}`;
  const extra = r.filter ? html`<br><code>${r.filter}</code>` : r.patch ? html`<br><code>${r.patch}</code>` : '';
  return html`<strong>${r.method}</strong> ${r.path}${extra}`;
}

/** One row: the explanation of a failure under its detail. */
function row(v: PageView, r: ActivityRecord): SafeHtml {
  const e = explainFailure(r, v.s);
  const what = e ? html`${e.what}<br><span class="muted">${e.todo}</span>` : r.detail ? html`${r.detail}` : '';
  return html`<tr class="${e ? 'failure' : ''}"><td>${when(r.startedAt, v.now, v.s)}</td><td>${requestOf(v, r)}</td>
<td class="${e ? 'bad' : 'ok'}">${r.operation === 'connection' ? '' : r.status}</td><td class="wide">${r.operation === 'connection' ? '' : clientName(r.client)}</td><td>${what}</td></tr>`;
}

/** A table of records. */
function table(v: PageView, records: readonly ActivityRecord[], caption: string): SafeHtml {
  const { s } = v;
  return html`<div class="tablewrap" tabindex="0"><table><caption class="skip">${caption}</caption><thead><tr><th scope="col">${s.colTime}</th><th scope="col">${s.colRequest}</th><th scope="col">${s.colStatus}</th><th scope="col" class="wide">${s.colClient}</th><th scope="col">${s.colWhat}</th></tr></thead>
<tbody>${records.map((r) => row(v, r))}</tbody></table></div>`;
}

/** The activity page. */
export function activityPage(v: PageView, a: ActivityView): SafeHtml {
  const { s } = v;
  const filters: [string, string][] = [
    ['', s.filterAll],
    ['error', s.filterFailures],
    ['4xx', '4xx'],
    ['5xx', '5xx'],
    ['rejected', s.filterRejected],
  ];
  const picker = html`<form method="get" action="${v.base}/activity" class="inline card"><div><label for="status">${s.filter}</label>
<select id="status" name="status">${filters.map(([value, label]) => html`<option value="${value}"${a.filter === value ? html` selected` : ''}>${label}</option>`)}</select></div>
<button type="submit">${s.apply}</button></form>`;
  // failures first: the newest failures of the page above the rest
  const failures = a.filter === '' ? a.records.filter((r) => r.status >= 400) : [];
  const rest = a.filter === '' ? a.records.filter((r) => r.status < 400) : a.records;
  const older = a.records.length ? a.records[a.records.length - 1]!.startedAt : undefined;
  const rejected = a.rejected.length
    ? html`<h2>${s.rejectedAttempts}</h2><div class="tablewrap" tabindex="0"><table><thead><tr><th scope="col">${s.colTime}</th><th scope="col">${s.colRequest}</th><th scope="col">${s.colFrom}</th><th scope="col">${s.colWhat}</th></tr></thead><tbody>${a.rejected.map(
        (r) =>
          html`<tr class="failure"><td>${when(r.startedAt, v.now, v.s)}</td><td><strong>${r.method}</strong> ${r.path}</td><td>${r.remoteAddress ?? ''}</td><td>${explainFailure(r, s)?.what ?? ''}</td></tr>`,
      )}</tbody></table></div>`
    : '';
  const body = html`${picker}
${failures.length ? html`<h2>${s.failuresFirst}</h2>${table(v, failures, s.failuresFirst)}` : ''}
<h2>${s.allRecent}</h2>${rest.length ? table(v, rest, s.allRecent) : html`<p class="muted">${s.noActivity}</p>`}
${older && a.records.length >= 50 ? html`<p><a href="${v.base}/activity?status=${a.filter}&amp;before=${older}">${s.olderActivity}</a></p>` : ''}
${rejected}`;
  return layout(v, { title: s.activityTitle, tab: 'activity', body });
}
