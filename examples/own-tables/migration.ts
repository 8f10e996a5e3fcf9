import type { Sql } from './database.js';

/**
 * The app's own tables, created when missing: `users`, `teams` and `team_members` with the
 * app's column names, plus what SCIM needs beside them (the `scim_*` columns and two derived
 * keys per name). Every statement is idempotent, so this runs on every start.
 */
export async function migrate(db: Sql): Promise<void> {
  for (const statement of STATEMENTS) await db.query(statement);
}

const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS users (
    id            uuid PRIMARY KEY,
    org_id        text NOT NULL,                 -- the tenant: StoreContext.tenant
    email         text NOT NULL,                 -- userName
    first_name    text,                          -- name.givenName
    last_name     text,                          -- name.familyName
    active        boolean NOT NULL DEFAULT true, -- active
    external_ref  text,                          -- externalId
    deleted_at    timestamptz,                   -- set by deprovisioning.onDelete: 'softDelete'
    email_folded  text NOT NULL,                 -- foldCase(email): answers userName eq
    email_key     text NOT NULL,                 -- identityKey(email): keeps userName unique
    scim_extra    jsonb NOT NULL DEFAULT '{}',   -- the attributes without a column of their own
    scim_version  integer NOT NULL DEFAULT 1,    -- meta.version
    created_at    timestamptz NOT NULL,          -- meta.created
    updated_at    timestamptz NOT NULL           -- meta.lastModified
  )`,
  'CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (org_id, email_key)',
  'CREATE UNIQUE INDEX IF NOT EXISTS users_external_ref ON users (org_id, external_ref)',
  'CREATE INDEX IF NOT EXISTS users_email_folded ON users (org_id, email_folded)',
  'CREATE INDEX IF NOT EXISTS users_org ON users (org_id, id)',
  `CREATE TABLE IF NOT EXISTS teams (
    id            uuid PRIMARY KEY,
    org_id        text NOT NULL,
    name          text NOT NULL,                 -- displayName
    external_ref  text,                          -- externalId
    name_folded   text NOT NULL,                 -- foldCase(name): answers displayName eq
    name_key      text,                          -- identityKey(name) when team names are unique
    scim_extra    jsonb NOT NULL DEFAULT '{}',
    scim_version  integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
  )`,
  'CREATE UNIQUE INDEX IF NOT EXISTS teams_name_key ON teams (org_id, name_key)',
  'CREATE UNIQUE INDEX IF NOT EXISTS teams_external_ref ON teams (org_id, external_ref)',
  'CREATE INDEX IF NOT EXISTS teams_name_folded ON teams (org_id, name_folded)',
  'CREATE INDEX IF NOT EXISTS teams_org ON teams (org_id, id)',
  // a member is a user or a team (teams in teams); position keeps the order a client gave
  `CREATE TABLE IF NOT EXISTS team_members (
    team_id        uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id        uuid REFERENCES users (id) ON DELETE CASCADE,
    member_team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    CHECK ((user_id IS NULL) <> (member_team_id IS NULL)),
    UNIQUE (team_id, user_id),
    UNIQUE (team_id, member_team_id)
  )`,
  'CREATE INDEX IF NOT EXISTS team_members_order ON team_members (team_id, position)',
  'CREATE INDEX IF NOT EXISTS team_members_user ON team_members (user_id)',
  'CREATE INDEX IF NOT EXISTS team_members_team ON team_members (member_team_id)',
];
