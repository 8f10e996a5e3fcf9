// Organization settings → Security → SCIM: scimkit's admin portal (`scimkit/portal`) mounted in
// the app, behind the app's own admin sign-in (`authorize` reads the app's session), with the
// app's settings of a connection (workspace, default role, admin group) as its host fields.
import type { ScimServer } from 'scimkit';
import { type AdminPortal, adminPortal, type PortalChange, type PortalField } from 'scimkit/portal';
import { type Organization, ROLES } from './model.js';
import type { Sessions } from './session.js';

/** Where the portal is mounted: one path for every organization (the signed-in admin's session names the organization). */
export const PORTAL_PATH = '/scim-admin';

/** The app's look, shared by its own pages (pages.ts) and the portal's. */
export const APP_BRAND = { name: 'Workspace', accent: '#2f5bd3', scheme: 'light' } as const;

/** What {@link workspacePortal} needs of the app. */
export interface WorkspacePortalOptions {
  /** The organizations, by id (the portal's tenant is the organization's id). */
  orgs: ReadonlyMap<string, Organization>;
  /** The admins' sessions: a signed-in admin manages their own organization's connection. */
  sessions: Sessions;
  /** The origin IdPs reach the app at (`https://app.example.com`): the tenant URL is `{publicUrl}/scim/v2/{org}`. */
  publicUrl: string;
  /** Told of each change after the kit saved it: the app applies new settings and logs the change. */
  onChange: (change: PortalChange) => void;
}

/** The app's settings of a connection as the portal's host fields (saved in `connection.settings`, checked again by `checkSettings`). */
export function hostFields(orgs: ReadonlyMap<string, Organization>): PortalField[] {
  return [
    {
      name: 'workspace',
      label: 'Workspace to synchronise',
      help: 'Users and groups of your identity provider land in this workspace.',
      type: 'select',
      // loaded for the viewer's organization each time the form is shown
      options: (viewer) => (orgs.get(viewer.tenant)?.workspaces ?? []).map((w) => ({ value: w.id, label: w.name })),
    },
    {
      name: 'defaultRole',
      label: 'Default role for new users',
      help: 'Given when a user is created; a role changed in the app stays.',
      type: 'select',
      options: ROLES.map((r) => ({ value: r, label: r[0]!.toUpperCase() + r.slice(1) })),
    },
    {
      name: 'adminGroup',
      label: 'IdP group whose members are admins',
      help: 'Its members get the admin role, and leaving it restores the default role. Leave empty for none.',
      type: 'text',
      maxLength: 200,
    },
  ];
}

/** The portal of the app's SCIM server, for `app.use(portal.node)`. */
export function workspacePortal(scim: ScimServer, o: WorkspacePortalOptions): AdminPortal {
  return adminPortal(scim, {
    basePath: PORTAL_PATH,
    scimUrl: `${o.publicUrl.replace(/\/+$/, '')}/scim/v2/{tenant}`,
    // the app's session, read from the request's cookie: its admin manages their organization's connection
    authorize: (request) => {
      const session = o.sessions.ofCookieHeader(request.headers.get('cookie'));
      return session && o.orgs.has(session.org) ? { tenant: session.org, actor: session.email } : null;
    },
    fields: hostFields(o.orgs),
    connectionName: (viewer) => o.orgs.get(viewer.tenant)?.name ?? viewer.tenant,
    onChange: o.onChange,
    brand: APP_BRAND,
  });
}
