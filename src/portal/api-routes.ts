/**
 * The headless JSON API under `{basePath}/api`: the pages' operations for a host with its own
 * UI, with the same viewer, CSRF and rate rules. Errors are SCIM error objects.
 * @module
 */
import { ScimError } from 'scimkit';
import { OVERLAP_HOURS } from './pages/credentials.js';
import { stateLabel } from './pages/state.js';
import { testMessage } from './pages/test-result.js';
import { jsonAnswer } from './responses.js';
import type { Route } from './route-context.js';
import { credentialIdOf, isPortalIdp } from './service.js';

/** The body's `settings` object: each host field checked (400 otherwise). */
function settingsInput(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const s = body.settings ?? {};
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw ScimError.invalidValue('settings must be an object of the host fields');
  return s as Record<string, unknown>;
}

/** The API, by method and path (`/api/…`). */
export const apiRoute: Route = async (c) => {
  const { method, service, viewer, body, parts } = c;
  const path = c.path.slice('/api'.length);
  const json = (status: number, value: unknown) => jsonAnswer(parts, status, value);
  if (method === 'GET' && path === '/session') return json(200, { tenant: viewer.tenant, actor: viewer.actor, via: viewer.via, csrf: viewer.csrf });
  if (method === 'GET' && path === '/status') {
    const state = await service.status(viewer);
    return json(200, { state, ...stateLabel(state, c.v.s) });
  }
  if (method === 'GET' && path === '/fields')
    return json(
      200,
      (await service.fields(viewer)).map(({ field, options }) => ({
        name: field.name,
        label: field.label,
        type: field.type,
        help: field.help ?? null,
        required: field.required ?? field.type === 'select',
        options,
      })),
    );
  if (path === '/connection') {
    if (method === 'GET') {
      const view = await service.view(viewer);
      if (!view) throw ScimError.notFound(c.v.s.errorNoConnection);
      return json(200, { ...view, tenantUrl: service.tenantUrl(viewer.tenant), tokenEndpoint: service.tokenEndpoint(viewer.tenant) });
    }
    if (method === 'POST') {
      if (!isPortalIdp(body.idp)) throw ScimError.invalidValue('idp must be one of entra, okta, google, onelogin, jumpcloud, ping, other');
      const checked = await service.settingsFrom(viewer, settingsInput(body));
      if (!checked.ok) throw ScimError.invalidValue(checked.message);
      const made = await service.create(viewer, body.idp, checked.settings);
      return json(201, { connection: made.connection, token: made.shown.token, tenantUrl: service.tenantUrl(viewer.tenant) });
    }
    if (method === 'PATCH') {
      const current = await service.connectionOf(viewer);
      if (!current) throw ScimError.notFound(c.v.s.errorNoConnection);
      if (body.idp !== undefined && !isPortalIdp(body.idp))
        throw ScimError.invalidValue('idp must be one of entra, okta, google, onelogin, jumpcloud, ping, other');
      let settings: Record<string, unknown> | undefined;
      if (body.settings !== undefined) {
        const checked = await service.settingsFrom(viewer, settingsInput(body), current.settings);
        if (!checked.ok) throw ScimError.invalidValue(checked.message);
        settings = checked.settings as Record<string, unknown>;
      }
      const next = await service.update(viewer, {
        ...(isPortalIdp(body.idp) ? { idp: body.idp } : {}),
        ...(settings ? { settings: settings as never } : {}),
      });
      return json(200, next);
    }
    if (method === 'DELETE') {
      const purge = c.url.searchParams.get('purge');
      await service.delete(viewer, purge === 'true' || purge === '1');
      return json(204, undefined);
    }
    return undefined;
  }
  if (method === 'POST' && path === '/test') {
    const r = await service.test(viewer);
    return json(200, { ...r, message: testMessage(r, c.v.s) });
  }
  if (method === 'GET' && path === '/activity')
    return json(200, await service.activity(viewer, c.url.searchParams.get('status') ?? '', c.url.searchParams.get('before') ?? undefined));
  if (method === 'GET' && path === '/directory') {
    const type = c.url.searchParams.get('type') === 'groups' ? 'groups' : 'users';
    return json(200, await service.directory(viewer, type, c.url.searchParams.get('q') ?? '', Number(c.url.searchParams.get('start') ?? '1')));
  }
  if (method !== 'POST') return undefined;
  if (path === '/credentials/rotate') {
    const hours = body.overlapHours === undefined ? 24 : body.overlapHours;
    if (typeof hours !== 'number' || !(OVERLAP_HOURS as readonly number[]).includes(hours))
      throw ScimError.invalidValue(`overlapHours must be one of ${OVERLAP_HOURS.join(', ')}`);
    return json(200, await service.rotate(viewer, hours));
  }
  if (path === '/credentials/oauth-client') return json(200, await service.oauthClient(viewer));
  const revoke = /^\/credentials\/([^/]+)\/revoke$/.exec(path);
  if (revoke) {
    await service.revoke(viewer, credentialIdOf(revoke[1]!));
    return json(204, undefined);
  }
  if (path === '/disable' || path === '/enable') return json(200, await service.setEnabled(viewer, path === '/enable'));
  return undefined;
};
