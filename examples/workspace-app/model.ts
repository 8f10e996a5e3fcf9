// The host app's own model: organizations, workspaces, teams, members with roles.
// SCIM provisions into it through hooks; roles are managed here, never by the IdP.
export interface Workspace {
  id: string;
  name: string;
}
export interface Member {
  scimId: string;
  userName: string;
  displayName: string;
  role: string;
  active: boolean;
}
export interface Team {
  scimId: string;
  name: string;
  members: Set<string>;
}
export interface ScimConnection {
  workspaceId: string;
  defaultRole: string;
  tokenHash: string;
  /** The lifetime chosen for its tokens, in days (0: never expires). */
  tokenLifetimeDays: number;
  /** When the token stops working (ISO 8601); never, when absent. */
  tokenExpiresAt?: string;
  /** When the token last authenticated a SCIM request (to the minute). */
  tokenLastUsedAt?: Date;
}

/** Token lifetimes an admin can pick, in days (0: never expires). */
export const TOKEN_LIFETIMES = [90, 365, 0] as const;

/** The expiry of a token made now with a lifetime of `days` (undefined: never). */
export function expiryIn(days: number, now = Date.now()): string | undefined {
  return days > 0 ? new Date(now + days * 86_400_000).toISOString() : undefined;
}
export interface Organization {
  id: string;
  name: string;
  workspaces: Workspace[];
  scim?: ScimConnection;
  /** Members and teams per workspace id. */
  members: Map<string, Map<string, Member>>;
  teams: Map<string, Map<string, Team>>;
  events: string[];
}

export const ROLES = ['viewer', 'member', 'admin'] as const;

export function newOrganization(id: string, name: string, workspaces: Workspace[]): Organization {
  return {
    id,
    name,
    workspaces,
    members: new Map(workspaces.map((w) => [w.id, new Map()])),
    teams: new Map(workspaces.map((w) => [w.id, new Map()])),
    events: [],
  };
}
