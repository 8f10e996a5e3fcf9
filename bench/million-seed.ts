// Seeds a tenant of PostgresStore by SQL (INSERT … SELECT generate_series) with the very rows the
// store writes for the same resources created through the API: the document and its folded copy,
// the look-up columns, the unique keys, the member rows, the tenant's event counter. Creating a
// million users through the engine takes hours; this takes minutes. million.bench.ts proves the
// rows equal (seededMatchesApi) before it measures anything on them.
import { createHash } from 'node:crypto';
import pg from 'pg';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The database the bench keeps its tenants in between runs: apart from the test database, so other benches' deletes and seeds neither touch its tenants nor count in its table sizes. */
export const MILLION_DATABASE = 'scimkit_bench_million';

/** The shape of a seeded tenant. */
export interface SeedShape {
  /** Users 1..users. */
  users: number;
  /** Groups 1..groups; group 1 is the big one. */
  groups: number;
  /** Members of group 1: users 1..bigGroupMembers. */
  bigGroupMembers: number;
  /** Members of each other group: consecutive users after the big group's. */
  smallGroupMembers: number;
}

/** The shape the bench gives a tenant of `users` users: a group per 1,000 users (at least 2), the big one with a tenth of them. */
export function shapeOf(users: number): SeedShape {
  return {
    users,
    groups: Math.max(2, Math.round(users / 1000)),
    bigGroupMembers: Math.round(users / 10),
    smallGroupMembers: Math.min(100, Math.floor(users / 100)),
  };
}

/** The URL of the bench's own database on the server of `url`, created when missing. */
export async function millionDatabase(url: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const has = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [MILLION_DATABASE]);
    if (!has.rows.length) await admin.query(`CREATE DATABASE ${MILLION_DATABASE}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${MILLION_DATABASE}`;
  return u.toString();
}

/** The id of seeded resource `i` of a kind ('u' user, 'g' group) in a tenant: a UUID (version 4 form) from an MD5, as {@link idSql} makes it. */
export function seedId(tenant: string, kind: 'u' | 'g', i: number): string {
  const h = createHash('md5').update(`${tenant}:${kind}:${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The SQL of {@link seedId} over the tenant parameter `tenant` and the integer expression `i`. */
function idSql(tenant: string, kind: 'u' | 'g', i: string): string {
  const h = `md5(${tenant} || ':${kind}:' || ${i})`;
  return `(substr(${h}, 1, 8) || '-' || substr(${h}, 9, 4) || '-4' || substr(${h}, 14, 3) || '-8' || substr(${h}, 18, 3) || '-' || substr(${h}, 21, 12))`;
}

/** The userName of seeded user `i`. */
export function userNameOf(i: number): string {
  return `User${i}@Contoso.com`;
}

/** The attributes of seeded user `i` as a client would POST them (what the SQL below stores for it). */
export function userAttributes(i: number): Record<string, unknown> {
  return {
    schemas: [U, ENTERPRISE],
    userName: userNameOf(i),
    externalId: `ext-${i}`,
    active: true,
    displayName: `User ${i}`,
    name: { givenName: `Given${i}`, familyName: `Family${i % 997}` },
    emails: [{ value: userNameOf(i), type: 'work', primary: true }],
    [ENTERPRISE]: { department: `Dept${i % 50}` },
  };
}

/** The attributes of seeded group `g` as a client would POST them, with its members' ids. */
export function groupAttributes(g: number, members: string[]): Record<string, unknown> {
  return { schemas: [G], displayName: `Group ${g}`, externalId: `gext-${g}`, members: members.map((value) => ({ value })) };
}

/** The users of group `g` of a shape, as a range of user numbers [from, to]. */
export function membersRange(shape: SeedShape, g: number): [number, number] {
  if (g === 1) return [1, shape.bigGroupMembers];
  const from = shape.bigGroupMembers + (g - 2) * shape.smallGroupMembers + 1;
  return [from, from + shape.smallGroupMembers - 1];
}

// Times as the store writes them (toISOString): resource i created 10 ms after resource i - 1.
const STAMP = (n: string) => `(timestamptz '2025-01-01 00:00:00+00' + (${n}) * interval '10 milliseconds')`;
const ISO = (t: string) => `to_char(${t} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// ASCII only, so lower() is the core's foldCase (toLowerCase) under any locale; the folded copy
// (doc_ci) folds every string, schema URNs and externalId included, keys as they are, and keeps of
// meta only resourceType, as addons/postgres/folded.ts does.
const USERS_SQL = `
WITH s AS (
  SELECT i, ${idSql('$1', 'u', 'i')} AS id, ${STAMP('i')} AS t FROM generate_series($2::int, $3::int) i
), v AS (
  SELECT i, id, t, ${ISO('t')} AS ts, 'User' || i || '@Contoso.com' AS user_name FROM s
), inserted AS (
  INSERT INTO scim_resources (tenant, type, id, doc, user_name_ci, external_id, display_name_ci, version, created, last_modified, doc_ci, folded_version)
  SELECT $1, 'User', id,
    jsonb_build_object('schemas', jsonb_build_array('${U}', '${ENTERPRISE}'), 'userName', user_name, 'externalId', 'ext-' || i, 'active', true,
      'displayName', 'User ' || i, 'name', jsonb_build_object('givenName', 'Given' || i, 'familyName', 'Family' || (i % 997)),
      'emails', jsonb_build_array(jsonb_build_object('value', user_name, 'type', 'work', 'primary', true)),
      '${ENTERPRISE}', jsonb_build_object('department', 'Dept' || (i % 50)),
      'id', id, 'meta', jsonb_build_object('resourceType', 'User', 'created', ts, 'lastModified', ts, 'version', 'W/"1"')),
    lower(user_name), 'ext-' || i, lower('User ' || i), 1, t, t,
    jsonb_build_object('schemas', jsonb_build_array('${U.toLowerCase()}', '${ENTERPRISE.toLowerCase()}'), 'userName', lower(user_name), 'externalId', 'ext-' || i, 'active', true,
      'displayName', lower('User ' || i), 'name', jsonb_build_object('givenName', 'given' || i, 'familyName', 'family' || (i % 997)),
      'emails', jsonb_build_array(jsonb_build_object('value', lower(user_name), 'type', 'work', 'primary', true)),
      '${ENTERPRISE}', jsonb_build_object('department', 'dept' || (i % 50)),
      'id', id, 'meta', jsonb_build_object('resourceType', 'user')), 1
  FROM v ORDER BY i
  RETURNING id, user_name_ci, external_id
)
INSERT INTO scim_unique (tenant, type, attr, value, id)
SELECT $1, 'User', k.attr, k.value, i.id FROM inserted i, LATERAL (VALUES ('externalId', i.external_id), ('userName', i.user_name_ci)) AS k(attr, value)`;

const GROUPS_SQL = `
WITH s AS (
  SELECT g, ${idSql('$1', 'g', 'g')} AS id, ${STAMP('$4::int + g')} AS t FROM generate_series($2::int, $3::int) g
), inserted AS (
  INSERT INTO scim_resources (tenant, type, id, doc, user_name_ci, external_id, display_name_ci, version, created, last_modified, doc_ci, folded_version)
  SELECT $1, 'Group', id,
    jsonb_build_object('schemas', jsonb_build_array('${G}'), 'displayName', 'Group ' || g, 'externalId', 'gext-' || g, 'id', id,
      'meta', jsonb_build_object('resourceType', 'Group', 'created', ${ISO('t')}, 'lastModified', ${ISO('t')}, 'version', 'W/"1"')),
    NULL, 'gext-' || g, 'group ' || g, 1, t, t,
    jsonb_build_object('schemas', jsonb_build_array('${G.toLowerCase()}'), 'displayName', 'group ' || g, 'externalId', 'gext-' || g, 'id', id,
      'meta', jsonb_build_object('resourceType', 'group')), 1
  FROM s ORDER BY g
  RETURNING id, external_id
)
INSERT INTO scim_unique (tenant, type, attr, value, id) SELECT $1, 'Group', 'externalId', external_id, id FROM inserted`;

// member rows in joining order (seq), each with the type of what it names, as memberType writes it
const MEMBERS_SQL = `
INSERT INTO scim_members (tenant, group_id, member_id, member)
SELECT $1, ${idSql('$1', 'g', '$2::int')}, ${idSql('$1', 'u', 'i')}, '{"type":"User"}'::jsonb FROM generate_series($3::int, $4::int) i ORDER BY i`;

/**
 * Gives group 1 of a seeded tenant its seeded members again (users 1..bigGroupMembers), after an
 * earlier run added users to it and removed others, so that every run starts from the same group:
 * the members added are removed, those removed are added back (at the end of its order).
 */
export async function resetBigGroup(pool: pg.Pool, tenant: string, shape: SeedShape): Promise<void> {
  const want = `SELECT ${idSql('$1', 'u', 'i')} AS id, i FROM generate_series(1, $2::int) i`;
  const group = idSql('$1', 'g', '1');
  await pool.query(`DELETE FROM scim_members m WHERE m.tenant = $1 AND m.group_id = ${group} AND m.member_id NOT IN (SELECT w.id FROM (${want}) w)`, [
    tenant,
    shape.bigGroupMembers,
  ]);
  await pool.query(
    `INSERT INTO scim_members (tenant, group_id, member_id, member) SELECT $1, ${group}, w.id, '{"type":"User"}'::jsonb FROM (${want}) w ORDER BY w.i ON CONFLICT DO NOTHING`,
    [tenant, shape.bigGroupMembers],
  );
}

/** Rows per statement: progress to report, and no transaction holding a million rows' locks and WAL at once. */
const BATCH = 50_000;

/** Deletes a tenant's rows from the store's tables (and the bench's record of its seed). */
export async function dropTenant(pool: pg.Pool, tenant: string): Promise<void> {
  for (const table of ['scim_members', 'scim_unique', 'scim_resources', 'scim_event_seq', 'scim_events', 'scim_activity'])
    await pool.query(`DELETE FROM ${table} WHERE tenant = $1`, [tenant]);
  await pool.query('DELETE FROM million_bench_seed WHERE tenant = $1', [tenant]);
}

/** What the bench recorded of a tenant's seed: its shape, when and how long it took. */
export interface SeedRecord {
  shape: SeedShape;
  seconds: number;
  at: string;
  reused: boolean;
}

/**
 * Seeds `tenant` with `shape` unless it is seeded with that shape already (the bench's record of
 * its seed and the counts of its users and groups agree), reporting progress on stderr. Resolves
 * to the seed's record; `reused` when it was there.
 */
export async function ensureSeeded(pool: pg.Pool, tenant: string, shape: SeedShape, log: (s: string) => void): Promise<SeedRecord> {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS million_bench_seed (tenant text PRIMARY KEY, shape jsonb NOT NULL, seconds double precision NOT NULL, at timestamptz NOT NULL)',
  );
  const rec = (await pool.query('SELECT shape, seconds, at FROM million_bench_seed WHERE tenant = $1', [tenant])).rows[0];
  if (rec && JSON.stringify(rec.shape) === JSON.stringify(shape)) {
    const n = (
      await pool.query(
        `SELECT count(*) FILTER (WHERE type = 'User')::int AS users, count(*) FILTER (WHERE type = 'Group')::int AS groups FROM scim_resources WHERE tenant = $1`,
        [tenant],
      )
    ).rows[0];
    if (n.users === shape.users && n.groups === shape.groups) return { shape, seconds: Number(rec.seconds), at: new Date(rec.at).toISOString(), reused: true };
  }
  log(`seed ${tenant}: removing what was there`);
  await dropTenant(pool, tenant);
  const t0 = performance.now();
  const eta = (done: number, all: number) => {
    const s = (performance.now() - t0) / 1000;
    return `${((100 * done) / all).toFixed(1)}% in ${s.toFixed(0)} s${done < all ? `, about ${((s * (all - done)) / done).toFixed(0)} s to go` : ''}`;
  };
  const memberRows = shape.bigGroupMembers + (shape.groups - 1) * shape.smallGroupMembers;
  const all = shape.users + shape.groups + memberRows;
  let done = 0;
  for (let from = 1; from <= shape.users; from += BATCH) {
    const to = Math.min(shape.users, from + BATCH - 1);
    await pool.query(USERS_SQL, [tenant, from, to]);
    done += to - from + 1;
    log(`seed ${tenant}: users ${to}/${shape.users} (${eta(done, all)})`);
  }
  await pool.query(GROUPS_SQL, [tenant, 1, shape.groups, shape.users]);
  done += shape.groups;
  for (let g = 1; g <= shape.groups; g++) {
    const [first, last] = membersRange(shape, g);
    for (let from = first; from <= last; from += BATCH) {
      const to = Math.min(last, from + BATCH - 1);
      await pool.query(MEMBERS_SQL, [tenant, g, from, to]);
      done += to - from + 1;
    }
    if (g === 1 || g === shape.groups || g % 100 === 0) log(`seed ${tenant}: members of group ${g}/${shape.groups} (${eta(done, all)})`);
  }
  // the tenant's outbox counter as after one created event per resource (the events themselves delivered and pruned)
  await pool.query('INSERT INTO scim_event_seq (tenant, seq) VALUES ($1, $2) ON CONFLICT (tenant) DO UPDATE SET seq = excluded.seq', [
    tenant,
    shape.users + shape.groups,
  ]);
  const seconds = (performance.now() - t0) / 1000;
  await pool.query(
    'INSERT INTO million_bench_seed (tenant, shape, seconds, at) VALUES ($1, $2, $3, now()) ON CONFLICT (tenant) DO UPDATE SET shape = excluded.shape, seconds = excluded.seconds, at = excluded.at',
    [tenant, JSON.stringify(shape), seconds],
  );
  return { shape, seconds, at: new Date().toISOString(), reused: false };
}
