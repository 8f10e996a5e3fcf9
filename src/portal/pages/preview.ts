/**
 * Review: a first sync held in preview, as the customer's admin decides on it — the counts, the
 * users that need a decision first (conflicts and addresses outside the domains, each with its
 * reason and a form: link to an account, create a new one, skip), every other user by outcome,
 * the groups with their members and grants, the CSV, then Approve and Discard.
 * @module
 */
import type { PreviewOutcome, PreviewReport, PreviewUser } from 'scimkit';
import { html, type SafeHtml } from '../html.js';
import { fill, type PortalStrings } from '../strings.js';
import { csrfField, layout, type PageView } from '../view.js';
import { when } from './when.js';

/** Rows a list shows before it sends the admin to the CSV (a first sync can be thousands of users). */
export const REVIEW_ROWS = 100;

/** What the page says besides the report: a decision saved, a refusal. */
export interface ReviewNotes {
  /** A change that went through. */
  notice?: string;
  /** Why a form was refused (approval's 409 detail, a link without an account, …). */
  error?: string;
}

/** The outcomes that hold approval back until an admin decides. */
export function needsDecision(u: PreviewUser): boolean {
  return u.outcome === 'conflict' || u.outcome === 'outsideDomain';
}

/** The words and tone of an outcome. */
function outcomeOf(outcome: PreviewOutcome, s: PortalStrings): { label: string; tone: string } {
  switch (outcome) {
    case 'new':
      return { label: s.outcomeNew, tone: '' };
    case 'link':
      return { label: s.outcomeLink, tone: 'ok' };
    case 'conflict':
      return { label: s.outcomeConflict, tone: 'bad' };
    case 'outsideDomain':
      return { label: s.outcomeOutsideDomain, tone: 'bad' };
    case 'deactivate':
      return { label: s.outcomeDeactivate, tone: 'warn' };
    default:
      return { label: s.outcomeSkip, tone: '' };
  }
}

/** How a user links: the account and by what. */
function accountOf(u: PreviewUser, s: PortalStrings): SafeHtml {
  if (u.account === undefined) return html`<span class="muted">${s.none}</span>`;
  const by = u.by === 'externalId' ? s.byExternalId : u.by === 'email' ? s.byEmail : u.by === 'host' ? s.byHost : '';
  return html`<code>${u.account}</code>${by ? html`<br><span class="help">${by}</span>` : ''}`;
}

/** An admin's decision in words. */
function decisionOf(u: PreviewUser, s: PortalStrings): string {
  const r = u.resolution;
  if (!r) return '';
  const action = r.action === 'link' ? `${s.outcomeLink} (${r.account ?? ''})` : r.action === 'create' ? s.outcomeNew : s.outcomeSkip;
  return fill(s.resolvedBy, { actor: r.actor, action });
}

/** The form that decides for `u` (`n`: its place on the page, for the input's id): link to an account, create, skip. */
function resolveForm(v: PageView, u: PreviewUser, n: number): SafeHtml {
  const { s } = v;
  const id = `account-${n}`;
  return html`<form method="post" action="${v.base}/review/resolve">${csrfField(v)}<input type="hidden" name="userId" value="${u.id}">
<fieldset><legend class="skip">${fill(s.resolveLegend, { user: u.userName })}</legend>
<div class="inline"><div><label for="${id}">${s.resolveAccount}</label><input type="text" id="${id}" name="account" value="${u.account ?? ''}" autocomplete="off"></div>
<button type="submit" name="action" value="link">${s.resolveLink}</button></div>
<p class="actions"><button type="submit" name="action" value="create" class="secondary">${s.resolveCreate}</button><button type="submit" name="action" value="skip" class="secondary">${s.resolveSkip}</button></p>
</fieldset></form>`;
}

/** A note that a list goes on in the CSV. */
function more(v: PageView, total: number): SafeHtml | '' {
  return total > REVIEW_ROWS
    ? html`<p class="help">${fill(v.s.reviewMore, { n: total - REVIEW_ROWS })} <a href="${v.base}/preview.csv">${v.s.reviewCsv}</a></p>`
    : '';
}

/** The users that need a decision, each in a card with its reason and form. */
function openUsers(v: PageView, users: readonly PreviewUser[], start: number): SafeHtml {
  const { s } = v;
  if (!users.length) return html`<p class="note ok">${s.reviewNothingOpen}</p>`;
  return html`${users.slice(0, REVIEW_ROWS).map((u, i) => {
    const o = outcomeOf(u.outcome, s);
    return html`<div class="card" data-user="${u.userName}"><p><strong>${u.userName}</strong> <span class="pill ${o.tone}">${o.label}</span></p>
${u.reason ? html`<p>${u.reason}</p>` : ''}${u.account !== undefined ? html`<p class="help">${fill(s.linksTo, { account: u.account })}</p>` : ''}
${resolveForm(v, u, start + i)}</div>`;
  })}${more(v, users.length)}`;
}

/** The users of one outcome as a table; a decided user's decision can be changed in place. */
function userTable(v: PageView, title: string, users: readonly PreviewUser[], start: number): SafeHtml | '' {
  const { s } = v;
  if (!users.length) return '';
  return html`<h3>${title} (${users.length})</h3><div class="tablewrap" tabindex="0"><table><caption class="skip">${title}</caption><thead><tr><th scope="col">${s.colUserName}</th><th scope="col">${s.colAccount}</th><th scope="col">${s.colDecision}</th></tr></thead>
<tbody>${users
    .slice(0, REVIEW_ROWS)
    .map(
      (u, i) =>
        html`<tr data-user="${u.userName}"><td>${u.userName}</td><td>${accountOf(u, s)}</td><td>${
          u.resolution ? html`${decisionOf(u, s)}<details><summary>${s.resolveChange}</summary>${resolveForm(v, u, start + i)}</details>` : ''
        }</td></tr>`,
    )}</tbody></table></div>${more(v, users.length)}`;
}

/** The groups: the team each becomes, its members, the grants membership gives. */
function groupTable(v: PageView, report: PreviewReport): SafeHtml {
  const { s } = v;
  if (!report.groups.length) return html`<p class="muted">${s.noResults}</p>`;
  return html`<div class="tablewrap" tabindex="0"><table><caption class="skip">${s.countGroups}</caption><thead><tr><th scope="col">${s.colName}</th><th scope="col">${s.colTeam}</th><th scope="col">${s.colMembers}</th><th scope="col">${s.colGrants}</th></tr></thead>
<tbody>${report.groups.slice(0, REVIEW_ROWS).map(
    (g) =>
      html`<tr><td>${g.displayName}</td><td>${g.team ? html`${g.team} <span class="pill ${g.existing ? 'ok' : ''}">${g.existing ? s.teamExisting : s.teamNew}</span>` : html`<span class="muted">${s.none}</span>`}</td>
<td>${g.members.length}</td><td>${g.grants?.length ? g.grants.join(', ') : html`<span class="muted">${s.none}</span>`}</td></tr>`,
  )}</tbody></table></div>${more(v, report.groups.length)}`;
}

/** The review page of `report`. */
export function previewPage(v: PageView, report: PreviewReport, o: ReviewNotes = {}): SafeHtml {
  const { s } = v;
  const c = report.counts;
  const stat = (label: string, n: number, bad = false) => html`<div><p class="label">${label}</p><p class="stat${bad && n ? ' bad' : ''}">${n}</p></div>`;
  const open = report.users.filter(needsDecision);
  const of = (outcome: PreviewOutcome) => report.users.filter((u) => u.outcome === outcome);
  const groups: [string, PreviewUser[]][] = [
    [s.countLink, of('link')],
    [s.countDeactivate, of('deactivate')],
    [s.countNew, of('new')],
    [s.countSkip, of('skip')],
  ];
  let start = open.length;
  const tables = groups.map(([title, users]) => {
    const t = userTable(v, title, users, start);
    start += users.length;
    return t;
  });
  const refused = report.refused.length
    ? html`<h3>${s.reviewRefused} (${report.refused.length})</h3><p class="help">${s.reviewRefusedHelp}</p><div class="tablewrap" tabindex="0"><table><caption class="skip">${s.reviewRefused}</caption><thead><tr><th scope="col">${s.colAddress}</th><th scope="col">${s.colReason}</th><th scope="col" class="wide">${s.colTime}</th></tr></thead>
<tbody>${report.refused.slice(0, REVIEW_ROWS).map((r) => html`<tr><td>${r.address}</td><td>${r.reason}</td><td class="wide">${when(r.at, v.now, s)}</td></tr>`)}</tbody></table></div>`
    : '';
  const empty = !report.users.length && !report.groups.length && !report.refused.length;
  const body = html`${o.notice ? html`<p class="note ok" role="status">${o.notice}</p>` : ''}${o.error ? html`<p class="note bad" role="alert" id="form-error">${o.error}</p>` : ''}
<div class="card"><p>${s.reviewIntro}</p>
<div class="grid counts">${stat(s.countConflict, c.conflict, true)}${stat(s.countOutsideDomain, c.outsideDomain, true)}${stat(s.countLink, c.link)}${stat(s.countNew, c.new)}${stat(s.countDeactivate, c.deactivate)}${stat(s.countSkip, c.skip)}${stat(s.countGroups, c.groups)}${stat(s.countHeld, c.heldEvents)}</div>
<p><a class="button secondary" id="review-csv" href="${v.base}/preview.csv">${s.reviewCsv}</a></p></div>
${
  empty
    ? html`<p class="note">${s.reviewEmpty}</p>`
    : html`<h2>${s.reviewNeedsDecision}</h2>${openUsers(v, open, 0)}${refused}
<h2>${s.users}</h2>${tables}
<h2>${s.groups}</h2>${groupTable(v, report)}`
}
<h2>${s.approve}</h2><form method="post" action="${v.base}/review/approve" class="card">${csrfField(v)}
${
  report.ready
    ? html`<p class="help">${fill(s.approveHelp, { held: c.heldEvents })}</p><p><button type="submit" id="approve">${s.approve}</button></p>`
    : html`<p class="help" id="approve-blocked">${fill(s.approveBlocked, { n: open.length })}</p><p><button type="submit" id="approve" disabled aria-describedby="approve-blocked">${s.approve}</button></p>`
}</form>
<h2>${s.discard}</h2><form method="post" action="${v.base}/review/discard" class="card">${csrfField(v)}<p class="help">${s.discardHelp}</p>
<p class="note warn">${s.discardPause}</p>
<label for="confirm-discard">${fill(s.deleteConfirm, { tenant: report.tenant })}</label><input type="text" id="confirm-discard" name="confirm" autocomplete="off" required>
<p><button type="submit" class="danger" id="discard">${s.discard}</button></p></form>`;
  return layout(v, { title: s.reviewTitle, tab: 'review', body });
}
