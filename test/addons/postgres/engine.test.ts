// The engine on PostgresStore over a real server with several pooled connections (needs DATABASE_URL),
// and the query plans of the IdP look-ups (PGlite otherwise).
import pg from 'pg';
import { bearerToken, createScimServer, SchemaRegistry } from 'scimkit';
import { Params, PostgresStore, type SqlPool } from 'scimkit/postgres';
import { parseFilter } from 'scimkit/store-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPGlite } from '../../pglite.js';

const url = process.env.DATABASE_URL;
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('query plans use the indexes', () => {
  const db = url ? new pg.Pool({ connectionString: url, max: 2 }) : (freshPGlite() as unknown as SqlPool);
  const store = new PostgresStore(db);
  const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
  const ctx = { tenant: 'plans', requestId: 'p' };
  beforeAll(async () => {
    await store.migrate();
    await db.query("DELETE FROM scim_members WHERE tenant = 'plans'");
    await db.query("DELETE FROM scim_resources WHERE tenant = 'plans'");
    // enough rows that the planner prefers an index
    // with their folded copies (doc_ci) as the store writes them
    await db.query(`INSERT INTO scim_resources (tenant, type, id, doc, doc_ci, folded_version, user_name_ci, external_id, display_name_ci, version, created, last_modified)
      SELECT 'plans', 'User', 'u' || i, jsonb_build_object('id', 'u' || i, 'userName', 'user' || i, 'emails', jsonb_build_array(jsonb_build_object('value', 'User' || i || '@Example.com', 'type', 'work'))),
        jsonb_build_object('id', 'u' || i, 'userName', 'user' || i, 'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@example.com', 'type', 'work'))), 1,
        'user' || i, 'ext' || i, 'name' || i, 1, now(), now() FROM generate_series(1, 5000) i`);
    await db.query(`INSERT INTO scim_resources (tenant, type, id, doc, doc_ci, folded_version, display_name_ci, external_id, version, created, last_modified)
      SELECT 'plans', 'Group', 'g' || i, jsonb_build_object('id', 'g' || i, 'displayName', 'Name' || i), jsonb_build_object('id', 'g' || i, 'displayName', 'name' || i), 1,
        'name' || i, 'gext' || i, 1, now(), now() FROM generate_series(1, 5000) i`);
    await db.query(`INSERT INTO scim_members (tenant, group_id, member_id) SELECT 'plans', 'g' || (i % 50), 'u' || i FROM generate_series(1, 5000) i`);
    await db.query('ANALYZE scim_resources');
    await db.query('ANALYZE scim_members');
  });
  afterAll(async () => {
    await db.query("DELETE FROM scim_members WHERE tenant = 'plans'");
    await db.query("DELETE FROM scim_resources WHERE tenant = 'plans'");
    await (db as { end?: () => Promise<void>; close?: () => Promise<void> }).end?.();
    await (db as { close?: () => Promise<void> }).close?.();
  });
  it.each([
    ['User', 'userName eq "USER42"', 'scim_resources_user_name'],
    ['User', 'externalId eq "ext42"', 'scim_resources_external_id'],
    ['Group', 'displayName eq "Name42"', 'scim_resources_display_name'],
    ['Group', 'members[value eq "u42"]', 'scim_members_by_member'],
    ['User', 'emails[type eq "work"].value eq "user42@example.COM"', 'scim_resources_emails_folded'],
    ['User', 'emails.value eq "USER42@example.com"', 'scim_resources_emails_folded'],
    ['User', 'emails eq "user42@example.com"', 'scim_resources_emails_folded'],
  ])('%s %s uses %s', async (typeName, filter, index) => {
    const type = registry.resourceType(typeName)!;
    const p = new Params();
    const where = store.where(ctx, type, parseFilter(filter), p);
    const plan = (await db.query(`EXPLAIN SELECT r.id FROM scim_resources r WHERE ${where} LIMIT 100`, p.values)).rows
      .map((r) => Object.values(r)[0])
      .join('\n');
    expect(plan).toContain(index);
    expect(plan).not.toMatch(/Seq Scan on scim_resources/);
  });

  it('finds a user by any case of an e-mail, through the index, and only that user', async () => {
    const type = registry.resourceType('User')!;
    const cases: [string, string[]][] = [
      ['emails[type eq "work"].value eq "USER42@example.com"', ['u42']],
      ['emails[type eq "home"].value eq "user42@example.com"', []],
      ['emails.value eq "user4@example.com"', ['u4']],
    ];
    for (const [f, ids] of cases) {
      const found = await store.search(ctx, type, { filter: parseFilter(f), startIndex: 1, count: 10, members: false });
      expect(
        found.resources.map((r) => r.id),
        f,
      ).toEqual(ids);
    }
  });

  it('reads of a user in a group and of a group use indexes in every statement they send', async () => {
    const sent: { text: string; params: unknown[] }[] = [];
    const recording = new PostgresStore({
      query: (text: string, params: unknown[] = []) => {
        sent.push({ text, params });
        return db.query(text, params);
      },
    });
    const user = await recording.get(ctx, registry.resourceType('User')!, 'u42');
    expect(user?.groups).toEqual([{ value: 'g42', display: 'Name42', type: 'direct' }]);
    await recording.get(ctx, registry.resourceType('Group')!, 'g42');
    await recording.search(ctx, registry.resourceType('User')!, { filter: parseFilter('userName eq "user42"'), startIndex: 1, count: 10, members: false });
    expect(sent.length).toBeGreaterThanOrEqual(4);
    for (const { text, params } of sent) {
      const plan = (await db.query(`EXPLAIN ${text}`, params)).rows.map((r) => Object.values(r)[0]).join('\n');
      expect(plan, text).not.toMatch(/Seq Scan/);
    }
  });
});

describe.skipIf(!url)('the engine on PostgreSQL with pooled connections', () => {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const store = new PostgresStore(pool);
  const server = createScimServer({
    authenticate: bearerToken('pg-token-0123456789-0123456789-0123'),
    store,
    tenantInPath: false,
    uniqueGroupDisplayName: true,
  });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const [p, q] = path.split('?');
    return server.handle({
      method,
      path: p!,
      query: q ?? '',
      headers: { authorization: 'Bearer pg-token-0123456789-0123456789-0123', 'content-type': 'application/scim+json', ...headers },
      body: body && JSON.stringify(body),
    }) as Promise<{
      status: number;
      body: Record<string, unknown>;
      headers: Record<string, string>;
    }>;
  };
  beforeAll(async () => {
    await store.migrate();
    // member rows first: they reference the resources
    await pool.query("DELETE FROM scim_members WHERE tenant = 'default'");
    await pool.query("DELETE FROM scim_unique WHERE tenant = 'default'");
    await pool.query("DELETE FROM scim_resources WHERE tenant = 'default'");
  });
  afterAll(() => pool.end());

  it('50 concurrent member PATCHes from several connections all land', async () => {
    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Concurrent' });
    // members name users of the tenant (a made-up id is a 400 now)
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await call('POST', '/Users', { schemas: [U], userName: `member${i}@pg.io` })).body.id as string);
    const rs = await Promise.all(
      ids.map((id) => call('PATCH', `/Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })),
    );
    expect(rs.map((r) => r.status).every((s) => s === 204)).toBe(true);
    expect(((await call('GET', `/Groups/${g.body.id}`)).body.members as unknown[]).length).toBe(50);
  });

  it('concurrent PATCHes of other attributes all land through compare-and-swap', async () => {
    const u = await call('POST', '/Users', { schemas: [U], userName: 'cas@pg.io' });
    const rs = await Promise.all(
      ['title', 'nickName', 'locale', 'timezone', 'userType', 'preferredLanguage'].map((attr) =>
        call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: attr, value: 'x' }] }),
      ),
    );
    expect(rs.every((r) => r.status === 200)).toBe(true);
    const final = await call('GET', `/Users/${u.body.id}`);
    expect(final.body).toMatchObject({
      title: 'x',
      nickName: 'x',
      locale: 'x',
      timezone: 'x',
      userType: 'x',
      preferredLanguage: 'x',
      meta: { version: 'W/"7"' },
    });
  });

  it('concurrent PUTs with one If-Match: one winner, the rest 412', async () => {
    const u = await call('POST', '/Users', { schemas: [U], userName: 'put@pg.io' });
    const rs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call('PUT', `/Users/${u.body.id}`, { schemas: [U], userName: 'put@pg.io', title: `t${i}` }, { 'if-match': 'W/"1"' })),
    );
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
    expect(rs.filter((r) => r.status === 412)).toHaveLength(7);
  });

  it('concurrent creates of one userName: one 201, the rest 409', async () => {
    const rs = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/Users', { schemas: [U], userName: 'Same@PG.io' })));
    expect(rs.filter((r) => r.status === 201)).toHaveLength(1);
    expect(rs.filter((r) => r.status === 409)).toHaveLength(7);
  });

  it('serves the Entra ID look-ups', async () => {
    await call('POST', '/Users', { schemas: [U], userName: 'ryan@contoso.com', externalId: 'ryan' });
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "RYAN@contoso.com"')}`)).body.totalResults).toBe(1);
    expect((await call('GET', `/Users?filter=${encodeURIComponent('externalId eq "ryan"')}`)).body.totalResults).toBe(1);
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody"')}`)).body).toMatchObject({ totalResults: 0, Resources: [] });
  });
});
