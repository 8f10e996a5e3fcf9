// #32's bench: each page of the admin portal rendered through portal.fetch (in process: the
// server time, no network) for a connection with 10,000 users, 200 groups and 10,000 activity
// records, on MemoryStore and, with DATABASE_URL, on PostgresStore (users and groups written
// through the store, the activity log in memory on both, so the two rows differ by the store).
// Measured per page: the median and p95 of the wall time of 30 renders after 5 warm-ups, and
// the bytes of the page. Targets: ≤ 50 ms server time, ≤ 60 KB.
import pg from 'pg';
import { type ActivityRecord, createScimServer, MemoryActivityLog, MemoryStore, type ProvisioningStore, silentLogger } from 'scimkit';
import { adminPortal } from 'scimkit/portal';
import { PostgresStore } from 'scimkit/postgres';
import { fmt, type Section } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USERS = 10_000;
const GROUPS = 200;
const RECORDS = 10_000;
const PAGES = [
  '/',
  '/setup?idp=entra',
  '/settings',
  '/activity',
  '/activity?status=error',
  '/directory',
  '/directory?q=user12',
  '/directory?type=groups',
  '/credentials',
];

/** Activity records as an Entra run leaves them: mostly GETs and POSTs, one in 20 a failure. */
function records(tenant: string): ActivityRecord[] {
  const t0 = Date.now() - 3600_000;
  return Array.from({ length: RECORDS }, (_, i): ActivityRecord => {
    const failed = i % 20 === 0;
    return {
      startedAt: new Date(t0 + i * 300).toISOString(),
      requestId: `req-${i}`,
      tenant,
      authenticated: true,
      client: 'entra',
      userAgent: 'Microsoft Azure AD SCIM provisioning 1.0.0',
      method: i % 2 ? 'GET' : 'POST',
      path: `/${tenant}/Users`,
      operation: i % 2 ? 'search' : 'create',
      resourceType: 'User',
      ...(i % 2 ? { filter: `userName eq "user${i}@acme.io"` } : {}),
      status: failed ? 409 : i % 2 ? 200 : 201,
      ...(failed ? { scimType: 'uniqueness', detail: `userName "user${i}@acme.io" is already taken` } : {}),
      ms: 3,
    };
  });
}

async function measurePages(label: string, store: ProvisioningStore, tenant: string): Promise<Section['rows']> {
  const log = new MemoryActivityLog({ maxPerTenant: RECORDS });
  const scim = createScimServer({ store, tenantInPath: true, connections: {}, logger: silentLogger, activity: { log } });
  const portal = adminPortal(scim, {
    basePath: '/scim-admin',
    scimUrl: 'https://app.example.com/scim/v2/{tenant}',
    fields: [
      { name: 'workspace', label: 'Workspace', type: 'select', options: [{ value: 'main', label: 'Main' }] },
      { name: 'defaultRole', label: 'Default role', type: 'select', options: [{ value: 'member', label: 'Member' }] },
    ],
  });
  const c = await scim.connections!.create({ tenant, name: 'Acme', settings: { workspace: 'main', defaultRole: 'member' }, idp: 'entra', actor: 'bench' });
  const { token } = await scim.connections!.issueToken(c.id, { actor: 'bench' });
  const ctx = { tenant, requestId: 'seed' };
  const users = scim.registry.resourceType('User')!;
  const existing = await store.search(ctx, users, { startIndex: 1, count: 0, members: false });
  if (existing.totalResults < USERS) {
    // through the server, as an IdP writes them (8 in flight)
    const post = (path: string, body: unknown) =>
      scim.handle({
        method: 'POST',
        path: `/${tenant}${path}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(body),
      });
    for (let i = existing.totalResults; i < USERS; i += 8)
      await Promise.all(
        Array.from({ length: Math.min(8, USERS - i) }, (_, k) =>
          post('/Users', {
            schemas: [U],
            userName: `user${i + k}@acme.io`,
            displayName: `User ${i + k}`,
            emails: [{ value: `user${i + k}@acme.io`, primary: true }],
          }),
        ),
      );
    for (let g = 0; g < GROUPS; g++) await post('/Groups', { schemas: [G], displayName: `Team ${g}`, members: [] });
  }
  await scim.activity.flush();
  await log.append(records(tenant));
  const res = await portal.fetch(new Request(`http://bench${await portal.link({ tenant, actor: 'bench' })}`));
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const rows: Section['rows'] = [];
  for (const path of PAGES) {
    const once = async () => {
      const t = performance.now();
      const r = await portal.fetch(new Request(`http://bench/scim-admin${path}`, { headers: { cookie } }));
      const body = await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      return { ms: performance.now() - t, bytes: body.byteLength };
    };
    for (let i = 0; i < 5; i++) await once();
    const runs: { ms: number; bytes: number }[] = [];
    for (let i = 0; i < 30; i++) runs.push(await once());
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    rows.push({
      store: label,
      page: path,
      'median ms': fmt(ms[15]!, 1),
      'p95 ms': fmt(ms[28]!, 1),
      KB: fmt(runs[0]!.bytes / 1024, 1),
      '≤ 50 ms, ≤ 60 KB': ms[15]! <= 50 && runs[0]!.bytes <= 60 * 1024 ? 'met' : 'missed',
    });
  }
  await scim.close();
  return rows;
}

export async function run(): Promise<Section[]> {
  const rows = await measurePages('MemoryStore', new MemoryStore(), 'acme');
  const url = process.env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const store = new PostgresStore(pool);
    await store.migrate();
    const tenant = 'bench-portal';
    for (const table of ['scim_members', 'scim_unique', 'scim_resources']) await pool.query(`DELETE FROM ${table} WHERE tenant = $1`, [tenant]);
    await pool.query('DELETE FROM scim_connections WHERE tenant = $1', [tenant]);
    rows.push(...(await measurePages('PostgresStore', store, tenant)));
    await pool.end();
  }
  return [
    {
      title: 'Admin portal: server time and size of each page (10,000 users, 200 groups, 10,000 activity records)',
      notes:
        'In process through portal.fetch (a session cookie from a setup link), 30 renders after 5 warm-ups per page; the activity log in memory on both stores. Targets (#32): ≤ 50 ms, ≤ 60 KB.',
      rows,
    },
  ];
}
