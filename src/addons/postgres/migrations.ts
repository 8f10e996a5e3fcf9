/**
 * The SQL schema of PostgresStore, applied in order by `migrate()`.
 * @module
 */
import { countsScript } from './counts.js';
import { refold } from './folded.js';
import type { SqlQueryable } from './sql.js';
import { dollarQuoted, EMAILS_TRIGRAM_INDEX, foldedEmailsJson, quoteIdentifier, type TableNames, TRIGRAM_INDEXED, UNQUALIFIED } from './tables.js';

/** A step of a migration: a script run as a whole in one transaction. */
export interface ScriptStep {
  /** The script: several statements, function bodies with semicolons. */
  sql: string;
}

/**
 * A step of a migration: one index build outside any transaction, so the table takes reads
 * and writes while it builds and instances of the previous version keep serving. An invalid
 * index left by an interrupted build is dropped and built again.
 */
export interface ConcurrentIndexStep {
  /** One `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS name …`. */
  concurrently: string;
}

/**
 * A step of a migration that the store's code runs: what only the core computes (the case
 * fold, identity keys), written in batches of one transaction each; safe to run again.
 */
export interface CodeStep {
  /** Runs the step on the migrating session. */
  run(q: SqlQueryable): Promise<unknown>;
}

/** One step of a migration. */
export type MigrationStep = ScriptStep | ConcurrentIndexStep | CodeStep;

/**
 * One migration: an id and its steps. Every step can run again (a crash between steps
 * reruns the migration from its first step); the migration is recorded after its last.
 */
export interface Migration {
  /** Applied in this order, recorded in scim_migrations. */
  id: number;
  /** What it does. */
  name: string;
  /** The script of a migration of one transactional step (when `steps` is absent). */
  sql?: string;
  /** The steps, in order. */
  steps?: readonly MigrationStep[];
}

/** The steps of a migration. */
export function stepsOf(m: Migration): readonly MigrationStep[] {
  return m.steps ?? (m.sql === undefined ? [] : [{ sql: m.sql }]);
}

/**
 * The schema of pg_trgm, installed now if the server offers it and the role may; undefined when
 * it cannot be had (not offered, as on PGlite without its module, or no privilege): then no
 * trigram index is built and `co`, `sw` and `ew` read the rows they test (the fallback).
 */
async function trigramSchema(q: SqlQueryable): Promise<string | undefined> {
  const installed = async () =>
    (await q.query("SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")).rows[0]
      ?.schema as string | undefined;
  const before = await installed();
  if (before !== undefined) return before;
  try {
    // on its own, outside a transaction: a refusal leaves the session as it was
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  } catch {
    return undefined;
  }
  return installed();
}

/**
 * `CREATE INDEX CONCURRENTLY IF NOT EXISTS name …` as a concurrent step of the runner
 * (addons/postgres/migrate.ts) builds it: an invalid index of that name, left by an interrupted
 * build, is dropped and built again. Here because these builds depend on what the server has.
 */
async function buildConcurrently(q: SqlQueryable, t: TableNames, name: string, definition: string): Promise<void> {
  const invalid = await q.query('SELECT 1 FROM pg_index i WHERE i.indexrelid = to_regclass($1) AND NOT i.indisvalid', [t.relation(name)]);
  if (invalid.rows.length) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${t.relation(name)}`);
  await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${t.resources} ${definition}`);
}

/** The trigram indexes of migration 9, built one at a time outside any transaction when the server has pg_trgm; none without it. */
async function buildTrigramIndexes(q: SqlQueryable, t: TableNames): Promise<void> {
  const schema = await trigramSchema(q);
  if (schema === undefined) return;
  // the operator class where the extension lives, which need not be on the search_path
  const ops = `${quoteIdentifier(schema)}.gin_trgm_ops`;
  // fastupdate off as for the e-mail index of migration 3: no pending list making reads slow until a vacuum
  for (const x of TRIGRAM_INDEXED) await buildConcurrently(q, t, x.index, `USING gin (${x.expression('')} ${ops}) WITH (fastupdate = off)`);
  await buildConcurrently(q, t, EMAILS_TRIGRAM_INDEX, `USING gin (${foldedEmailsJson('')} ${ops}) WITH (fastupdate = off)`);
}

/**
 * The migrations PostgresStore ships, naming the store's objects by `t` (in the schema the
 * store was given, or unqualified: addons/postgres/tables.ts).
 */
export function migrationsIn(t: TableNames): readonly Migration[] {
  return [
    {
      id: 1,
      name: 'resources, unique keys and memberships',
      sql: `
CREATE TABLE IF NOT EXISTS ${t.resources} (
  tenant text NOT NULL,
  type text NOT NULL,
  id text NOT NULL,
  doc jsonb NOT NULL,
  user_name_ci text,
  external_id text,
  display_name_ci text,
  version bigint NOT NULL,
  created timestamptz NOT NULL,
  last_modified timestamptz NOT NULL,
  seq bigserial,
  PRIMARY KEY (tenant, type, id)
);
CREATE INDEX IF NOT EXISTS scim_resources_user_name ON ${t.resources} (tenant, type, user_name_ci text_pattern_ops);
CREATE INDEX IF NOT EXISTS scim_resources_external_id ON ${t.resources} (tenant, type, external_id);
CREATE INDEX IF NOT EXISTS scim_resources_display_name ON ${t.resources} (tenant, type, display_name_ci text_pattern_ops);
CREATE INDEX IF NOT EXISTS scim_resources_seq ON ${t.resources} (tenant, type, seq);
CREATE TABLE IF NOT EXISTS ${t.unique} (
  tenant text NOT NULL,
  type text NOT NULL,
  attr text NOT NULL,
  value text NOT NULL,
  id text NOT NULL,
  PRIMARY KEY (tenant, type, attr, value)
);
CREATE INDEX IF NOT EXISTS scim_unique_owner ON ${t.unique} (tenant, type, id);
CREATE TABLE IF NOT EXISTS ${t.members} (
  tenant text NOT NULL,
  group_id text NOT NULL,
  member_id text NOT NULL,
  member jsonb NOT NULL DEFAULT '{}'::jsonb,
  seq bigserial,
  PRIMARY KEY (tenant, group_id, member_id)
);
CREATE INDEX IF NOT EXISTS scim_members_by_member ON ${t.members} (tenant, member_id);
`,
    },
    {
      id: 2,
      // a user's `groups` joins its membership rows to the groups by id alone (a membership row
      // does not know its group's type), which the (tenant, type, id) key cannot serve: without
      // this index every read of a user in a group scanned the tenant (27 ms at 100,000 users)
      name: 'resources by tenant and id',
      steps: [{ concurrently: `CREATE INDEX CONCURRENTLY IF NOT EXISTS scim_resources_tenant_id ON ${t.resources} (tenant, id)` }],
    },
    {
      id: 3,
      // IdPs configured to match users by e-mail (Entra ID's matching attribute set to
      // emails[type eq "work"].value, PingOne's workEmail) look up by an element of an array.
      // An expression index over the document rather than a column the store fills: rows written
      // by an older instance during a rolling upgrade are indexed too. fastupdate off: GIN's
      // pending list made each look-up 10.6 ms after 100,000 inserts until a vacuum, 1.4 ms without it.
      name: 'e-mail look-ups',
      steps: [
        {
          sql: `
CREATE OR REPLACE FUNCTION ${t.emailsCi}(doc jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ARRAY(SELECT lower(e->>'value') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(doc->'emails') = 'array' THEN doc->'emails' ELSE '[]'::jsonb END) e
               WHERE jsonb_typeof(e->'value') = 'string')
$fn$;
`,
        },
        {
          concurrently: `CREATE INDEX CONCURRENTLY IF NOT EXISTS scim_resources_emails ON ${t.resources} USING gin (${t.emailsCi}(doc)) WITH (fastupdate = off)`,
        },
      ],
    },
    {
      id: 4,
      // A member names a resource of its group's tenant (docs/stores.md): a foreign key says so
      // and, because its check locks the named row, a member add racing the member's delete can
      // no longer leave a row behind (the groups that held rows of deleted members get a new
      // version: what they return changes). Ids are unique per tenant across types (the store makes
      // them), which the key needs; member rows keep only the type of what they name.
      name: 'members name resources of their tenant',
      steps: [
        { concurrently: `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS scim_resources_tenant_id_unique ON ${t.resources} (tenant, id)` },
        {
          // the key is added NOT VALID (new rows are checked from now on, no scan under lock);
          // the next step validates the old rows while writes go on
          sql: `
DROP INDEX IF EXISTS ${t.relation('scim_resources_tenant_id')};
UPDATE ${t.resources} g SET version = g.version + 1, last_modified = now(),
  doc = jsonb_set(jsonb_set(g.doc, '{meta,version}', to_jsonb('W/"' || (g.version + 1) || '"')), '{meta,lastModified}', to_jsonb(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
  WHERE (g.tenant, g.id) IN (SELECT m.tenant, m.group_id FROM ${t.members} m WHERE NOT EXISTS (SELECT 1 FROM ${t.resources} r WHERE r.tenant = m.tenant AND r.id = m.member_id));
DELETE FROM ${t.members} m WHERE NOT EXISTS (SELECT 1 FROM ${t.resources} r WHERE r.tenant = m.tenant AND r.id = m.member_id);
UPDATE ${t.members} m SET member = jsonb_build_object('type', r.type) FROM ${t.resources} r WHERE r.tenant = m.tenant AND r.id = m.member_id;
DO ${dollarQuoted(`BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'scim_members_member_fk' AND conrelid = ${t.literal(t.members)}::regclass) THEN
    ALTER TABLE ${t.members} ADD CONSTRAINT scim_members_member_fk FOREIGN KEY (tenant, member_id) REFERENCES ${t.resources} (tenant, id) NOT VALID;
  END IF;
END`)};
`,
        },
        { sql: `ALTER TABLE ${t.members} VALIDATE CONSTRAINT scim_members_member_fk` },
      ],
    },
    {
      id: 5,
      // The transactional outbox (stores/outbox.ts): each write records its events in its own
      // transaction. A tenant's sequence comes from its counter row, taken by the last statement
      // of the write, so sequence order is commit order and a rolled-back write leaves no gap.
      name: 'transactional outbox',
      sql: `
CREATE TABLE IF NOT EXISTS ${t.eventSeq} (
  tenant text PRIMARY KEY,
  seq bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t.events} (
  tenant text NOT NULL,
  seq bigint NOT NULL,
  id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  data jsonb NOT NULL,
  context jsonb NOT NULL,
  time timestamptz NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  due_at timestamptz NOT NULL DEFAULT '-infinity',
  last_error text,
  PRIMARY KEY (tenant, seq)
);
CREATE INDEX IF NOT EXISTS scim_events_due ON ${t.events} (due_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS scim_events_pending_resource ON ${t.events} (tenant, resource_id, seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS scim_events_dead ON ${t.events} (tenant, seq) WHERE state = 'dead';
CREATE INDEX IF NOT EXISTS scim_events_done_time ON ${t.events} (time) WHERE state <> 'pending'
`,
    },
    {
      id: 6,
      // The activity log (addons/postgres/activity.ts): one row per SCIM request, appended in
      // batches after the responses; read per tenant newest first, pruned by age and count.
      name: 'activity log',
      sql: `
CREATE TABLE IF NOT EXISTS ${t.activity} (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant text NOT NULL,
  time timestamptz NOT NULL,
  status smallint NOT NULL,
  rejected_token boolean NOT NULL DEFAULT false,
  record jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS scim_activity_tenant_time ON ${t.activity} (tenant, time DESC, seq DESC);
CREATE INDEX IF NOT EXISTS scim_activity_time ON ${t.activity} (time)
`,
    },
    {
      id: 7,
      // Case-insensitive comparisons read values the core folded (core/rules/case-fold.ts), stored
      // beside each document (addons/postgres/folded.ts): SQL's lower() follows the database's
      // locale (lower('İ') is 'i' under C.UTF-8 where JavaScript gives 'i̇', upper-case letters
      // beyond ASCII stay as they are under C), so stores and databases answered differently.
      // folded_version says which version of the row the copies were made from: an instance of
      // an earlier version writing during a rolling upgrade leaves it behind, and every
      // migrate() folds those rows again (the partial index finds them). The old e-mail index
      // and its function stay for instances of earlier versions until every instance runs this one.
      name: 'folded copies for case-insensitive comparisons',
      steps: [
        {
          sql: `
ALTER TABLE ${t.resources} ADD COLUMN IF NOT EXISTS doc_ci jsonb, ADD COLUMN IF NOT EXISTS folded_version bigint;
CREATE OR REPLACE FUNCTION ${t.emailsFolded}(doc_ci jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ARRAY(SELECT e->>'value' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(doc_ci->'emails') = 'array' THEN doc_ci->'emails' ELSE '[]'::jsonb END) e
               WHERE jsonb_typeof(e->'value') = 'string')
$fn$;
`,
        },
        {
          concurrently: `CREATE INDEX CONCURRENTLY IF NOT EXISTS scim_resources_unfolded ON ${t.resources} (tenant, type, id) WHERE folded_version IS DISTINCT FROM version`,
        },
        { run: (q) => refold(q, t) },
        {
          concurrently: `CREATE INDEX CONCURRENTLY IF NOT EXISTS scim_resources_emails_folded ON ${t.resources} USING gin (${t.emailsFolded}(doc_ci)) WITH (fastupdate = off)`,
        },
      ],
    },
    {
      id: 8,
      // Connection records (stores/connections.ts; addons/postgres/connection-records.ts): one
      // connection per tenant, its credentials found by the SHA-256 of their secret. New tables,
      // empty when their indexes are built: one transaction, nothing for other instances to wait
      // on. Ids sort byte-wise (COLLATE "C"), so keyset pages do not depend on the database's
      // locale. A credential goes with its connection (ON DELETE CASCADE); only an OAuth client
      // owns its client id (access tokens name the client they were issued to, many per client).
      name: 'connection records',
      sql: `
CREATE TABLE IF NOT EXISTS ${t.connections} (
  id text COLLATE "C" PRIMARY KEY,
  tenant text NOT NULL,
  name text NOT NULL,
  state text NOT NULL,
  idp text,
  detected_idp text,
  settings jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL,
  version bigint NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS scim_connections_tenant ON ${t.connections} (tenant);
CREATE TABLE IF NOT EXISTS ${t.credentials} (
  id text PRIMARY KEY,
  connection_id text COLLATE "C" NOT NULL REFERENCES ${t.connections} (id) ON DELETE CASCADE,
  kind text NOT NULL,
  hash text NOT NULL,
  client_id text,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  last_used_from text,
  seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE UNIQUE INDEX IF NOT EXISTS scim_credentials_hash ON ${t.credentials} (hash);
CREATE UNIQUE INDEX IF NOT EXISTS scim_credentials_client_id ON ${t.credentials} (client_id) WHERE kind = 'oauthClient';
CREATE INDEX IF NOT EXISTS scim_credentials_connection ON ${t.credentials} (connection_id, created_at, seq);
CREATE INDEX IF NOT EXISTS scim_credentials_expiry ON ${t.credentials} (kind, expires_at) WHERE expires_at IS NOT NULL
`,
    },
    {
      id: 9,
      // `co`, `sw` and `ew` (an admin portal's directory search) read every row of the tenant
      // without an index: 196 ms for a sorted page over 100,000 users. Trigram GIN indexes
      // (pg_trgm) over the very folded values the filters compare answer LIKE '%x%' (three
      // characters or more). Built CONCURRENTLY, one at a time, so a live table takes writes
      // meanwhile; on a server without pg_trgm (or a role that may not install it) nothing is
      // built and the filters read the rows, as before.
      name: 'trigram indexes for substring search',
      steps: [{ run: (q) => buildTrigramIndexes(q, t) }],
    },
    {
      id: 10,
      // Preview (stores/connections.ts `mode`, `domains`, `resolutions`; stores/outbox.ts
      // HeldEvents): three columns with constant defaults, which PostgreSQL 11 and later add
      // without rewriting the table or holding its lock for longer than the catalog change, so a
      // live table keeps serving; every existing connection is `live` with no domain rule.
      // Instances of the previous version write rows without them and get the defaults.
      name: 'connection preview and domain rules',
      sql: `
ALTER TABLE ${t.connections} ADD COLUMN IF NOT EXISTS mode text NOT NULL DEFAULT 'live';
ALTER TABLE ${t.connections} ADD COLUMN IF NOT EXISTS domains jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE ${t.connections} ADD COLUMN IF NOT EXISTS resolutions jsonb NOT NULL DEFAULT '{}'::jsonb
`,
    },
    {
      id: 11,
      // The e-mail index of migration 3 over the unfolded document: since migration 7 every
      // e-mail filter reads the folded one (scim_resources_emails_folded), and this one only
      // cost each write ~90 µs of server CPU (9% of a create, measured: bench/RESULTS.md). Dropped
      // concurrently, so writers of a live table are not held; instances of a version before
      // migration 7 would lose their e-mail index (docs/stores.md says so).
      name: 'drop the unused unfolded e-mail index',
      steps: [{ run: (q) => q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${t.relation('scim_resources_emails')}`).then(() => undefined) }],
    },
    {
      id: 12,
      // A page of a million users: sorted by userName, PostgreSQL sorted every row of the tenant
      // (text_pattern_ops orders no ORDER BY … COLLATE "C"), and an exact total counted them all,
      // ~1 s a page at 1,000,000 users against 12 ms at 10,000 (bench/RESULTS.md, "A million
      // users"). An index in the page's order makes the page a walk of its own rows; the total of
      // an unfiltered list comes from counts kept by triggers, so instances of earlier versions,
      // a bulk delete and a seed by SQL are counted too. The counts are rows of changes, never
      // one row per tenant that every create would wait on (the outbox's counter costs a tenant's
      // concurrent creates half their rate: bench/RESULTS.md), summed on read and folded together
      // after it (addons/postgres/counts.ts). The triggers' step takes the table's SHARE ROW
      // EXCLUSIVE lock while it counts the rows there are: reads go on, writes wait that long.
      name: 'sorted pages and totals of large tenants',
      steps: [
        {
          concurrently: `CREATE INDEX CONCURRENTLY IF NOT EXISTS scim_resources_user_name_order ON ${t.resources} (tenant, type, user_name_ci COLLATE "C", id COLLATE "C")`,
        },
        { sql: countsScript(t) },
      ],
    },
  ];
}

/** The migrations PostgresStore ships, as a store without a schema runs them (tables on the `search_path`). */
export const MIGRATIONS: readonly Migration[] = migrationsIn(UNQUALIFIED);
