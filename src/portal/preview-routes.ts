/**
 * The Review of a first sync held in preview: its page (`/review`, with the forms that resolve a
 * user, approve and discard), the report as CSV (`/preview.csv`), and the same operations in
 * the JSON API (`/api/preview…`), for a host with its own UI. Same viewer, CSRF and rate rules
 * as every other route (portal.ts checks them before any route runs).
 * @module
 */
import { type PreviewReport, previewReportCsv, ScimError } from 'scimkit';
import type { SafeHtml } from './html.js';
import { messagePage } from './pages/message.js';
import { previewPage, type ReviewNotes } from './pages/preview.js';
import { jsonAnswer, pageResponse, seeOther } from './responses.js';
import type { Route, RouteContext } from './route-context.js';
import { securityHeaders } from './security-headers.js';
import { fill } from './strings.js';

/** The decisions a user of the report can get. */
const ACTIONS = ['link', 'create', 'skip'] as const;

/** One of {@link ACTIONS}. */
type ReviewAction = (typeof ACTIONS)[number];

/** Whether `a` is a decision. */
function isAction(a: unknown): a is ReviewAction {
  return typeof a === 'string' && (ACTIONS as readonly string[]).includes(a);
}

const page = (c: RouteContext, body: SafeHtml, status = 200) => pageResponse(c.parts, c.v.nonce, status, body);

/** The report as a CSV download (the file named after the tenant, its characters kept to a safe few). */
async function csv(c: RouteContext): Promise<Response> {
  const report = await c.service.preview(c.viewer);
  const name = `scim-review-${c.viewer.tenant.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)}.csv`;
  return new Response(previewReportCsv(report), {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      ...securityHeaders('-', c.parts.frameAncestors, c.parts.imgOrigin),
    },
  });
}

/**
 * The review page with a notice or a refusal (`notes`, or what the report makes of them); set
 * up first without a connection; a message once it is live.
 */
async function review(c: RouteContext, notes: ReviewNotes | ((report: PreviewReport) => ReviewNotes) = {}, status = 200): Promise<Response> {
  const connection = await c.service.connectionOf(c.viewer);
  if (!connection) return seeOther(c.parts, `${c.v.base}/setup`);
  if (connection.mode !== 'preview') return page(c, messagePage(c.v, c.v.s.reviewTitle, c.v.s.reviewLive, 'ok'), status);
  const report = await c.service.preview(c.viewer);
  return page(c, previewPage(c.v, report, typeof notes === 'function' ? notes(report) : notes), status);
}

/** The userName of user `id` in `report`, for the page's words (the id itself when it is not there). */
function userNameOf(report: PreviewReport, id: string): string {
  return report.users.find((u) => u.id === id)?.userName ?? id;
}

/** POST /review/resolve: the decision saved and the page again, or the page with why not. */
async function resolvePage(c: RouteContext): Promise<Response> {
  const { body, v } = c;
  const userId = typeof body.userId === 'string' ? body.userId : '';
  if (!userId || !isAction(body.action)) return review(c, { error: v.s.resolveUnknown }, 400);
  const account = typeof body.account === 'string' ? body.account.trim() : '';
  if (body.action === 'link' && !account) return review(c, (r) => ({ error: fill(v.s.resolveNeedAccount, { user: userNameOf(r, userId) }) }), 400);
  try {
    await c.service.resolve(c.viewer, userId, body.action === 'link' ? { action: 'link', account } : { action: body.action });
  } catch (e) {
    if (e instanceof ScimError && e.status === 404) return review(c, { error: v.s.resolveUnknown }, 404);
    if (e instanceof ScimError && e.status === 400) return review(c, { error: e.detail ?? e.message }, 400);
    throw e;
  }
  return review(c, (r) => ({ notice: fill(v.s.resolveSaved, { user: userNameOf(r, userId) }) }));
}

/** POST /review/approve: the message that it went live, or the page with approval's refusal (409: the users still open). */
async function approvePage(c: RouteContext): Promise<Response> {
  const { v } = c;
  if (!(await c.service.inPreview(c.viewer))) return review(c, {}, 409);
  try {
    await c.service.approve(c.viewer);
  } catch (e) {
    if (e instanceof ScimError && e.status === 409) return review(c, { error: fill(v.s.approveRefused, { detail: e.detail ?? e.message }) }, 409);
    throw e;
  }
  return page(c, messagePage(v, v.s.reviewTitle, v.s.approved, 'ok'));
}

/** POST /review/discard: the tenant's identifier typed to confirm, then the (empty) review again. */
async function discardPage(c: RouteContext): Promise<Response> {
  const { v } = c;
  if (c.body.confirm !== c.viewer.tenant) return review(c, { error: v.s.deleteMismatch }, 400);
  if (!(await c.service.inPreview(c.viewer))) return review(c, {}, 409);
  await c.service.discard(c.viewer);
  return review(c, { notice: v.s.discarded });
}

/** The API's resolve body: `{ userId, action, account? }` (400 naming what is wrong). */
function resolveInput(body: Readonly<Record<string, unknown>>): { userId: string; decision: { action: ReviewAction; account?: string } } {
  if (typeof body.userId !== 'string' || body.userId === '') throw ScimError.invalidValue('userId must be the id of a user of the report');
  if (!isAction(body.action)) throw ScimError.invalidValue('action must be "link", "create" or "skip"');
  if (body.account !== undefined && typeof body.account !== 'string') throw ScimError.invalidValue('account must be a string');
  return { userId: body.userId, decision: { action: body.action, ...(body.account === undefined ? {} : { account: body.account }) } };
}

/** The review's pages and API, by method and path; undefined for any other route. */
export const previewRoute: Route = async (c) => {
  const { method, service, viewer } = c;
  const get = method === 'GET' || method === 'HEAD';
  const api = c.path.startsWith('/api/');
  const path = api ? c.path.slice('/api'.length) : c.path;
  if (get && path === '/preview.csv') return csv(c);
  if (api) {
    const json = (value: unknown) => jsonAnswer(c.parts, 200, value);
    if (get && path === '/preview') return json(await service.preview(viewer));
    if (method !== 'POST') return undefined;
    if (path === '/preview/resolve') {
      const { userId, decision } = resolveInput(c.body);
      return json(await service.resolve(viewer, userId, decision));
    }
    if (path === '/preview/approve') return json(await service.approve(viewer));
    if (path === '/preview/discard') return json(await service.discard(viewer));
    return undefined;
  }
  if (get && path === '/review') return review(c);
  if (method !== 'POST') return undefined;
  if (path === '/review/resolve') return resolvePage(c);
  if (path === '/review/approve') return approvePage(c);
  if (path === '/review/discard') return discardPage(c);
  return undefined;
};
