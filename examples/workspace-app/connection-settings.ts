// What the app keeps in its SCIM connection's `settings` (the kit stores them, the app
// defines them, the SCIM portal shows them as its host fields): the workspace to synchronise,
// the default role and the admin group. The kit puts `workspace` and `defaultRole` in every
// request's context (e.ctx.workspace, e.ctx.defaultRole), so the event handler needs no
// look-up for them.
import { type Connection, type JsonObject, ScimError } from 'scimkit';
import { ROLES, type ScimConnection } from './model.js';

/** The settings a connection is saved with (the portal saves the same keys from its fields). */
export function settingsOf(c: Omit<ScimConnection, 'connectionId'>): JsonObject {
  return { workspace: c.workspaceId, defaultRole: c.defaultRole, ...(c.adminGroup ? { adminGroup: c.adminGroup } : {}) };
}

/** The app's copy of a connection's settings (checked by {@link checkSettings} when saved). */
export function mirrorOf(connection: Connection): ScimConnection {
  const s = connection.settings;
  return {
    connectionId: connection.id,
    workspaceId: String(s.workspace),
    defaultRole: String(s.defaultRole),
    ...(typeof s.adminGroup === 'string' ? { adminGroup: s.adminGroup } : {}),
  };
}

/**
 * `connections.settings`: the kit calls it on every create and update, whoever makes it (the
 * portal, its JSON API, the app's own code), so no connection is saved with settings the event
 * handler cannot use (a 400 ScimError refuses them). Whether the workspace is the organization's
 * own the portal checks before, from the options the app loads for that organization.
 */
export function checkSettings(s: JsonObject): JsonObject {
  if (typeof s.workspace !== 'string' || s.workspace === '') throw ScimError.invalidValue('settings.workspace must name a workspace');
  if (typeof s.defaultRole !== 'string' || !(ROLES as readonly string[]).includes(s.defaultRole))
    throw ScimError.invalidValue(`settings.defaultRole must be one of ${ROLES.join(', ')}`);
  if (s.adminGroup !== undefined && (typeof s.adminGroup !== 'string' || s.adminGroup.length > 200))
    throw ScimError.invalidValue('settings.adminGroup must be a group name of at most 200 characters');
  return s;
}
