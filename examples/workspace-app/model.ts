// The host app's own model: organizations, workspaces, teams, members with roles.
// SCIM provisions into it through hooks; roles are managed here, never by the IdP.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
export interface Workspace {
  id: string;
  name: string;
}
export interface Member {
  scimId: string;
  userName: string;
  displayName: string;
  role: string;
  /** Who set the role: the connection's default, the group that grants admin, or an admin here (then the IdP never changes it). */
  roleSource: 'default' | 'group' | 'local';
  active: boolean;
  /** Deleted by the IdP and kept (soft delete): hidden and signed out until the IdP creates it again. */
  removed?: boolean;
}
export interface Team {
  scimId: string;
  name: string;
  members: Set<string>;
}
/**
 * The organization's SCIM connection as the app's pages and event handler read it: the kit's
 * connection id (scim.connections keeps the record, its credentials and its state) and a copy
 * of the settings saved in it (through the SCIM portal's fields), so the event handler decides
 * roles without a look-up (connection-settings.ts makes one from the other).
 */
export interface ScimConnection {
  /** The id of the kit's connection (`scim.connections.get(id)`). */
  connectionId: string;
  workspaceId: string;
  defaultRole: string;
  /** The IdP group (its displayName, any case) whose members get the admin role. */
  adminGroup?: string;
}

/** Whether a team is the connection's admin group. */
export function grantsAdmin(connection: ScimConnection | undefined, teamName: string): boolean {
  return connection?.adminGroup !== undefined && connection.adminGroup.toLowerCase() === teamName.toLowerCase();
}

/** The expiry of a token made now with a lifetime of `days` (undefined: never). */
export function expiryIn(days: number, now = Date.now()): string | undefined {
  return days > 0 ? new Date(now + days * 86_400_000).toISOString() : undefined;
}
/** An admin who may open the organization's settings (the password kept as a scrypt hash). */
export interface Admin {
  email: string;
  salt: string;
  passwordHash: string;
}

/** An admin record for `password`. At start-up only: scryptSync holds the event loop (about 50 ms). */
export function newAdmin(email: string, password: string): Admin {
  const salt = randomBytes(16).toString('base64url');
  return { email, salt, passwordHash: scryptSync(password, salt, 32).toString('base64url') };
}

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;

/**
 * Whether `password` is the admin's. scrypt is slow on purpose (about 50 ms): it runs on
 * libuv's thread pool, so SCIM requests and pages go on while sign-ins are checked.
 */
export async function checkPassword(admin: Admin, password: string): Promise<boolean> {
  const given = await scryptAsync(password, admin.salt, 32);
  const kept = Buffer.from(admin.passwordHash, 'base64url');
  return given.length === kept.length && timingSafeEqual(given, kept);
}

export interface Organization {
  id: string;
  name: string;
  admins: Admin[];
  workspaces: Workspace[];
  scim?: ScimConnection;
  /** Members and teams per workspace id. */
  members: Map<string, Map<string, Member>>;
  teams: Map<string, Map<string, Team>>;
  events: string[];
}

export const ROLES = ['viewer', 'member', 'admin'] as const;

export function newOrganization(id: string, name: string, workspaces: Workspace[], admins: Admin[] = []): Organization {
  return {
    id,
    name,
    admins,
    workspaces,
    members: new Map(workspaces.map((w) => [w.id, new Map()])),
    teams: new Map(workspaces.map((w) => [w.id, new Map()])),
    events: [],
  };
}
