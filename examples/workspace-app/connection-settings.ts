// What the app keeps in its SCIM connection's `settings` (the kit stores them, the app
// defines them): the workspace to synchronise, the default role, the admin group and the
// token lifetime. The kit puts `workspace` and `defaultRole` in every request's context
// (e.ctx.workspace, e.ctx.defaultRole), so the event handler needs no look-up for them.
import { type Connection, type JsonObject, ScimError } from 'scimkit';
import { ROLES, type ScimConnection, TOKEN_LIFETIMES } from './model.js';

/** The settings a connection is saved with. */
export function settingsOf(c: Omit<ScimConnection, 'connectionId'>): JsonObject {
  return {
    workspace: c.workspaceId,
    defaultRole: c.defaultRole,
    tokenLifetimeDays: c.tokenLifetimeDays,
    ...(c.adminGroup ? { adminGroup: c.adminGroup } : {}),
  };
}

/** The app's copy of a connection's settings (checked by {@link checkSettings} when saved). */
export function mirrorOf(connection: Connection): ScimConnection {
  const s = connection.settings;
  return {
    connectionId: connection.id,
    workspaceId: String(s.workspace),
    defaultRole: String(s.defaultRole),
    tokenLifetimeDays: Number(s.tokenLifetimeDays ?? 0),
    ...(typeof s.adminGroup === 'string' ? { adminGroup: s.adminGroup } : {}),
  };
}

/**
 * `connections.settings`: the kit calls it on every create and update, so no connection is
 * saved with settings the event handler cannot use (a 400 ScimError refuses them). Whether
 * the workspace is the organization's own the page checks before, knowing the organization.
 */
export function checkSettings(s: JsonObject): JsonObject {
  const lifetime = s.tokenLifetimeDays ?? 0;
  if (typeof s.workspace !== 'string' || s.workspace === '') throw ScimError.invalidValue('settings.workspace must name a workspace');
  if (typeof s.defaultRole !== 'string' || !(ROLES as readonly string[]).includes(s.defaultRole))
    throw ScimError.invalidValue(`settings.defaultRole must be one of ${ROLES.join(', ')}`);
  if (typeof lifetime !== 'number' || !(TOKEN_LIFETIMES as readonly number[]).includes(lifetime))
    throw ScimError.invalidValue(`settings.tokenLifetimeDays must be one of ${TOKEN_LIFETIMES.join(', ')}`);
  if (s.adminGroup !== undefined && (typeof s.adminGroup !== 'string' || s.adminGroup.length > 200))
    throw ScimError.invalidValue('settings.adminGroup must be a group name of at most 200 characters');
  return s;
}
