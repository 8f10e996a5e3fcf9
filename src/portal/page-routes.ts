/**
 * The portal's pages: GET renders, POST changes and then renders (a secret shown once is in
 * the POST's own answer, never in a URL) or redirects.
 * @module
 */

import type { ConnectionTestResult } from 'scimkit';
import type { SafeHtml } from './html.js';
import { activityPage } from './pages/activity.js';
import { credentialsPage, OVERLAP_HOURS } from './pages/credentials.js';
import { directoryPage } from './pages/directory.js';
import { messagePage } from './pages/message.js';
import { overviewPage } from './pages/overview.js';
import { settingsPage } from './pages/settings.js';
import { setupPage } from './pages/setup.js';
import { pageResponse, seeOther } from './responses.js';
import type { Route, RouteContext } from './route-context.js';
import { credentialIdOf, isPortalIdp, type ShownOnce } from './service.js';

const page = (c: RouteContext, body: SafeHtml, status = 200) => pageResponse(c.parts, c.v.nonce, status, body);

/** The overview, with a test's result when one just ran. */
async function overview(c: RouteContext, test?: ConnectionTestResult): Promise<Response> {
  const view = await c.service.view(c.viewer);
  const failures = view ? (await c.service.activity(c.viewer, 'error')).records.slice(0, 5) : [];
  return page(c, overviewPage(c.v, view, { failures, ...(test ? { test } : {}) }));
}

/** The setup page for the IdP of the query (else the connection's). */
async function setup(c: RouteContext, extra: { shown?: ShownOnce; error?: string; values?: Record<string, string>; status?: number } = {}): Promise<Response> {
  const connection = await c.service.connectionOf(c.viewer);
  const asked = c.url.searchParams.get('idp') ?? (typeof c.body.idp === 'string' ? c.body.idp : null);
  const idp = asked === '' ? undefined : isPortalIdp(asked) ? asked : isPortalIdp(connection?.idp) ? connection.idp : undefined;
  const fields = connection ? [] : await c.service.fields(c.viewer);
  return page(
    c,
    setupPage(c.v, {
      connection,
      idp,
      tenantUrl: c.service.tenantUrl(c.viewer.tenant),
      tokenEndpoint: c.service.tokenEndpoint(c.viewer.tenant),
      fields,
      setups: c.setups,
      canPreview: c.service.canPreview(),
      ...(extra.shown ? { shown: extra.shown } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      ...(extra.values ? { values: extra.values } : {}),
    }),
    extra.status,
  );
}

/** The form's text values (what a refused form shows again). */
function textValues(body: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  return out;
}

/** The credentials page, with a secret made just now. */
async function credentials(
  c: RouteContext,
  shown?: { token?: string; client?: { clientId: string; clientSecret: string } },
  error?: string,
): Promise<Response> {
  const view = await c.service.view(c.viewer);
  if (!view) return seeOther(c.parts, `${c.v.base}/setup`);
  return page(c, credentialsPage(c.v, view, { ...(shown ? { shown } : {}), ...(error ? { error } : {}) }), error ? 400 : 200);
}

/** The pages, by method and path. */
export const pageRoute: Route = async (c) => {
  const { method, path, service, viewer, body, v } = c;
  const get = method === 'GET' || method === 'HEAD';
  if (get && path === '/') return overview(c);
  if (path === '/setup') {
    if (get) return setup(c);
    if (method !== 'POST') return undefined;
    if (!isPortalIdp(body.idp)) return setup(c, { status: 400, error: v.s.chooseIdp });
    const existing = await service.connectionOf(viewer);
    if (existing) {
      await service.update(viewer, { idp: body.idp });
      return seeOther(c.parts, `${v.base}/setup?idp=${body.idp}`);
    }
    const checked = await service.settingsFrom(viewer, body);
    if (!checked.ok) return setup(c, { status: 400, error: checked.message, values: textValues(body) });
    // the box asks for a review of the first sync; unticked, the server's defaultMode decides
    const held = service.canPreview() && (body.preview === '1' || body.preview === 'on');
    const made = await service.create(viewer, body.idp, checked.settings, held ? 'preview' : undefined);
    return setup({ ...c, v: { ...v, review: made.connection.mode === 'preview' } }, { shown: made.shown });
  }
  // an OAuth client from the setup steps, for the IdPs that take one (Entra ID): shown there once
  if (path === '/setup/oauth-client' && method === 'POST') {
    const shown = await service.oauthClient(viewer);
    return setup(c, { shown });
  }
  if (path === '/settings') {
    const connection = await service.connectionOf(viewer);
    if (!connection) return seeOther(c.parts, `${v.base}/setup`);
    const fields = await service.fields(viewer);
    const domains = connection.domains ?? [];
    if (get) return page(c, settingsPage(v, fields, connection.settings, { domains }));
    if (method !== 'POST') return undefined;
    const checked = await service.settingsFrom(viewer, body, connection.settings);
    if (!checked.ok) return page(c, settingsPage(v, fields, textValues(body), { error: checked.message, domains }), 400);
    const saved = await service.update(viewer, { settings: checked.settings });
    return page(c, settingsPage(v, fields, saved.settings, { saved: true, domains }));
  }
  if (path === '/test' && method === 'POST') return overview(c, await service.test(viewer));
  if (get && path === '/activity')
    return page(c, activityPage(v, await service.activity(viewer, c.url.searchParams.get('status') ?? '', c.url.searchParams.get('before') ?? undefined)));
  if (get && path === '/directory') {
    const type = c.url.searchParams.get('type') === 'groups' ? 'groups' : 'users';
    return page(c, directoryPage(v, await service.directory(viewer, type, c.url.searchParams.get('q') ?? '', Number(c.url.searchParams.get('start') ?? '1'))));
  }
  if (get && path === '/credentials') return credentials(c);
  if (method !== 'POST') return undefined;
  if (path === '/credentials/rotate') {
    const hours = Number(body.overlap ?? 24);
    if (!(OVERLAP_HOURS as readonly number[]).includes(hours)) return credentials(c, undefined, v.s.overlap);
    return credentials(c, await service.rotate(viewer, hours));
  }
  if (path === '/credentials/oauth-client') return credentials(c, await service.oauthClient(viewer));
  const revoke = /^\/credentials\/([^/]+)\/revoke$/.exec(path);
  if (revoke) {
    await service.revoke(viewer, credentialIdOf(revoke[1]!));
    return seeOther(c.parts, `${v.base}/credentials`);
  }
  if (path === '/disable' || path === '/enable') {
    await service.setEnabled(viewer, path === '/enable');
    return seeOther(c.parts, `${v.base}/credentials`);
  }
  if (path === '/delete') {
    if (body.confirm !== viewer.tenant) return credentials(c, undefined, v.s.deleteMismatch);
    await service.delete(viewer, body.purge === '1' || body.purge === 'on');
    return page(c, messagePage(v, v.s.deleteConnection, v.s.deleted_done, 'ok'));
  }
  return undefined;
};
