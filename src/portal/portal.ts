/**
 * `adminPortal(scim, options)`: the customer's SCIM settings as a mountable handler — who is
 * asking (a setup link's session or the host's `authorize`), the checks every write passes
 * (same origin, CSRF token, the viewer's action budget), then a page or the JSON API.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScimError, type ScimServer } from 'scimkit';
import { ActionBudget } from './action-budget.js';
import { apiRoute } from './api-routes.js';
import { IDP_SETUPS } from './idp-setup.js';
import { type LinkRedemptions, linkClaims, linkToken, MemoryLinkRedemptions, type PortalLinkOptions } from './links.js';
import { BadRequestUrl, clientAddress, nodeRequest, writeNodeResponse } from './node-bridge.js';
import { type AdminPortalOptions, checkPortalOptions, type PortalViewer } from './options.js';
import { pageRoute } from './page-routes.js';
import { messagePage } from './pages/message.js';
import { previewRoute } from './preview-routes.js';
import { BadBody, bodyOf } from './request-body.js';
import { jsonError, pageResponse, type ResponseParts, seeOther } from './responses.js';
import type { RouteContext } from './route-context.js';
import { newNonce } from './security-headers.js';
import { type PortalServer, PortalService } from './service.js';
import { hostSession, linkSessionOf, type PortalSession, sessionCookie, sessionCookieValue } from './session.js';
import { sameSecret } from './signed.js';
import { stringsOf } from './strings.js';
import type { PageView } from './view.js';

/** The admin portal of one server: a fetch handler, a node handler, and setup links. */
export interface AdminPortal {
  /** The web-standard handler (Hono, Bun, Deno, Next.js route handlers, …); `remoteAddress` bounds link openings per address. */
  fetch(request: Request, info?: { remoteAddress?: string }): Promise<Response>;
  /**
   * The node:http handler, for Express (`app.use(portal.node)`), Koa (`ctx.respond = false`),
   * Fastify (`reply.hijack()`) and `http.createServer`. A path outside `basePath` goes to
   * `next` when given (Express), else gets a 404.
   */
  node(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): Promise<void>;
  /** A setup link: opened once within `expiresIn` seconds (default 300), it starts a session for `actor` on `tenant`'s connection. */
  link(options: PortalLinkOptions): Promise<string>;
  /** The path it is mounted at. */
  readonly basePath: string;
}

/** Writes that must carry the viewer's CSRF token and come from the portal's own origin. */
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The viewer the host's `authorize` gave, when it is one. */
function hostViewer(v: PortalViewer | null | undefined): PortalViewer | undefined {
  return v && typeof v.tenant === 'string' && v.tenant !== '' && typeof v.actor === 'string' && v.actor !== ''
    ? { tenant: v.tenant, actor: v.actor }
    : undefined;
}

/** Whether a write came from the portal's own origin (`Origin`, else `Sec-Fetch-Site`; a client sending neither is not a browser on another site). */
function sameOrigin(request: Request, url: URL): boolean {
  const origin = request.headers.get('origin');
  if (origin && origin !== 'null') {
    try {
      return new URL(origin).host === url.host;
    } catch {
      return false;
    }
  }
  if (origin === 'null') return false;
  const site = request.headers.get('sec-fetch-site');
  return site === null || site === 'same-origin' || site === 'none';
}

/**
 * The admin portal for `scim` (made with `connections`): the customer's *Organization settings →
 * Security → SCIM* — setup per IdP, the host's settings, Test connection, status and activity,
 * the directory, credentials — as pages that work without JavaScript and a JSON API.
 *
 * @example
 * ```ts
 * import { adminPortal } from 'scimkit/portal';
 * const portal = adminPortal(scim, {
 *   basePath: '/scim-admin',
 *   scimUrl: 'https://app.example.com/scim/v2/{tenant}',
 *   secret: process.env.PORTAL_SECRET,
 *   authorize: async (req) => { const u = await currentUser(req); return u?.isAdmin ? { tenant: u.orgId, actor: u.email } : null; },
 *   fields: [{ name: 'defaultRole', label: 'Default role', type: 'select', options: [{ value: 'member', label: 'Member' }] }],
 * });
 * app.use(portal.node); // Express
 * const url = await portal.link({ tenant: 'acme', actor: 'it@acme.io', expiresIn: 300 });
 * ```
 */
export function adminPortal(scim: ScimServer, options: AdminPortalOptions): AdminPortal {
  checkPortalOptions(options);
  if (!scim?.connections) throw new TypeError('adminPortal: the server must be made with the `connections` option');
  const base = options.basePath;
  const key = options.secret ?? randomBytes(32).toString('base64url');
  const strings = stringsOf(options.strings);
  const service = new PortalService(scim as PortalServer, options, strings);
  const setups = { ...IDP_SETUPS, ...(options.idps ?? {}) };
  const redemptions: LinkRedemptions = options.linkRedemptions ?? new MemoryLinkRedemptions();
  const actions = new ActionBudget(options.actionsPerMinute ?? 60);
  const openings = new ActionBudget(30);
  const junkOpenings = new ActionBudget(30);
  const logo = options.brand?.logoUrl;
  const parts: ResponseParts = { frameAncestors: options.frameAncestors ?? [], imgOrigin: logo?.startsWith('https://') ? new URL(logo).origin : undefined };
  const sessionMs = options.sessionMs ?? 3600_000;

  const viewOf = (nonce: string, viewer: PortalSession | undefined, now: number): PageView => ({ base, s: strings, nonce, brand: options.brand, viewer, now });
  const message = (v: PageView, status: number, title: string, text: string, headers: Record<string, string> = {}) =>
    pageResponse(parts, v.nonce, status, messagePage(v, title, text), headers);

  /**
   * GET /link/:token: a valid link, opened once, becomes a session cookie; then the overview.
   * Only a link whose signature checks out counts against its address's budget (a stranger's
   * junk cannot use up the real ones'), and a HEAD (link checkers, unfurlers) spends nothing.
   */
  async function openLink(token: string, url: URL, v: PageView, address: string, head: boolean): Promise<Response> {
    const claims = linkClaims(key, token, v.now);
    if (claims === 'invalid') {
      if (!junkOpenings.take(address, v.now)) return message(v, 429, strings.errorTitle, strings.errorRate, { 'retry-after': '60' });
      return message(v, 400, strings.errorTitle, strings.errorLinkInvalid);
    }
    if (claims === 'expired') return message(v, 410, strings.errorTitle, strings.errorLinkExpired);
    if (head) return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } });
    if (!openings.take(address, v.now)) return message(v, 429, strings.errorTitle, strings.errorRate, { 'retry-after': '60' });
    let fresh: boolean;
    try {
      fresh = await redemptions.redeem(claims.id, new Date(claims.expiresAt));
    } catch (e) {
      // the link stays unused: it can be opened once the store of used links answers again
      console.error('scimkit portal: a setup link could not be marked used', e);
      return message(v, 503, strings.errorTitle, strings.errorServer.replace('{requestId}', 'link'), { 'retry-after': '5' });
    }
    if (!fresh) return message(v, 410, strings.errorTitle, strings.errorLinkUsed);
    const value = sessionCookieValue(key, claims, v.now + sessionMs);
    const cookie = sessionCookie(value, { path: base, secure: url.protocol === 'https:', maxAgeMs: sessionMs });
    return seeOther(parts, `${base}/`, { 'set-cookie': cookie });
  }

  async function handle(request: Request, info: { remoteAddress?: string } = {}): Promise<Response> {
    const now = Date.now();
    const nonce = newNonce();
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const anonymous = viewOf(nonce, undefined, now);
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return message(anonymous, 404, strings.errorTitle, strings.errorNotFound);
    const path = url.pathname.slice(base.length) || '/';
    const api = path === '/api' || path.startsWith('/api/');
    const fail = (v: PageView, status: number, text: string, scimType?: string, headers: Record<string, string> = {}) =>
      api ? jsonError(parts, status, text, scimType) : message(v, status, strings.errorTitle, text, headers);
    let v = anonymous;
    try {
      if (path.startsWith('/link/') && (method === 'GET' || method === 'HEAD'))
        return await openLink(path.slice('/link/'.length), url, anonymous, info.remoteAddress ?? 'unknown', method === 'HEAD');
      // the host's own sign-in first: a link opened in a signed-in admin's browser (an
      // attacker's link, say) never takes them out of their own tenant
      const viewer =
        sessionOfHost(options.authorize ? hostViewer(await options.authorize(request)) : undefined) ?? linkSessionOf(key, request.headers.get('cookie'), now);
      if (!viewer) {
        // a page asked for without a session: to the host's sign-in, back here after it
        if (options.signInUrl && !api && (method === 'GET' || method === 'HEAD'))
          return seeOther(parts, `${options.signInUrl}${options.signInUrl.includes('?') ? '&' : '?'}next=${encodeURIComponent(url.pathname + url.search)}`);
        return fail(anonymous, 401, strings.errorSignIn);
      }
      v = viewOf(nonce, viewer, now);
      let body: Record<string, unknown> = {};
      if (UNSAFE.has(method)) {
        if (!sameOrigin(request, url)) return fail(v, 403, strings.errorCsrf);
        body = await bodyOf(request);
        const token = request.headers.get('x-csrf-token') ?? (typeof body._csrf === 'string' ? body._csrf : '');
        if (!sameSecret(token, viewer.csrf)) return fail(v, 403, strings.errorCsrf);
        if (!actions.take(`${viewer.tenant}\n${viewer.actor}`, now)) return fail(v, 429, strings.errorRate, undefined, { 'retry-after': '60' });
      }
      if (path === '/signout' && method === 'POST') {
        const ended = sessionCookie('', { path: base, secure: url.protocol === 'https:', maxAgeMs: 0 });
        return message(viewOf(nonce, undefined, now), 200, strings.signOut, strings.signedOut, { 'set-cookie': ended });
      }
      // a page's tabs include Review while the connection holds its first sync
      if (!api) v = { ...v, review: await service.inPreview(viewer) };
      const context: RouteContext = { request, url, path, method, viewer, body, v, service, parts, setups };
      return (await previewRoute(context)) ?? (await (api ? apiRoute : pageRoute)(context)) ?? fail(v, 404, strings.errorNotFound);
    } catch (e) {
      if (e instanceof BadBody) return fail(v, e.status, e.message);
      if (e instanceof ScimError) return fail(v, e.status, e.detail ?? e.message, e.scimType);
      const ref = randomBytes(6).toString('hex');
      // a setup link's token is a credential: never in a log line
      const logged = path.startsWith('/link/') ? `${base}/link/…` : url.pathname;
      console.error(`scimkit portal: ${method} ${logged} failed (reference ${ref})`, e);
      return fail(v, 500, strings.errorServer.replace('{requestId}', ref));
    }
  }

  function sessionOfHost(viewer: PortalViewer | undefined): PortalSession | undefined {
    return viewer ? hostSession(key, viewer) : undefined;
  }

  return {
    basePath: base,
    fetch: handle,
    async node(req, res, next) {
      const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
      const pathname = url.split('?')[0]!;
      if (next && pathname !== base && !pathname.startsWith(`${base}/`)) return next();
      try {
        let request: Request;
        try {
          request = nodeRequest(req, url, options.trustProxy === true);
        } catch (e) {
          if (!(e instanceof BadRequestUrl)) throw e;
          res.statusCode = e.status;
          res.setHeader('content-type', 'text/plain; charset=utf-8');
          return void res.end(e.message);
        }
        await writeNodeResponse(res, await handle(request, { remoteAddress: clientAddress(req, options.trustProxy === true) }));
      } catch (e) {
        if (next) next(e);
        else if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        }
      }
    },
    async link(o) {
      const { token } = linkToken(key, o, Date.now());
      return `${options.baseUrl ?? ''}${base}/link/${token}`;
    },
  };
}
