// Through server.handle() with MemoryStore: the look-ups and writes IdPs make, at size.
import { bearerToken, createScimServer, MemoryStore, type ScimServer } from 'scimkit';
import { fmt, measure, type Section } from './harness.js';

const TOKEN = 'bench-token-0123456789-0123456789-0';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';

async function seeded(users: number): Promise<{ server: ScimServer; ids: string[] }> {
  const server = createScimServer({ authenticate: bearerToken(TOKEN), store: new MemoryStore(), baseUrl: 'http://127.0.0.1/scim/v2' });
  const ids: string[] = [];
  for (let i = 0; i < users; i++) {
    const r = await server.handle({
      method: 'POST',
      path: '/Users',
      headers,
      body: JSON.stringify({
        schemas: [U],
        userName: `user${i}@example.com`,
        externalId: `ext-${i}`,
        active: true,
        name: { givenName: `G${i}`, familyName: i % 7 ? 'Smith' : 'Jones' },
        emails: [{ value: `user${i}@example.com`, type: 'work', primary: true }],
      }),
    });
    ids.push((r.body as { id: string }).id);
  }
  return { server, ids };
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function run(): Promise<Section[]> {
  const lookupRows: Record<string, string>[] = [];
  let big: { server: ScimServer; ids: string[] } | undefined;
  let memRow: Record<string, string> | undefined;
  for (const size of [1_000, 10_000, 100_000]) {
    const before = heapMiB();
    const s = await seeded(size);
    const after = heapMiB();
    if (size === 100_000) {
      big = s;
      memRow = { users: fmt(size), 'heap MiB': fmt(after - before, 1), 'bytes per user': fmt(((after - before) * 2 ** 20) / size) };
    }
    let i = 0;
    const m = await measure({
      [`userName eq, ${fmt(size)} users`]: () =>
        s.server.handle({
          method: 'GET',
          path: '/Users',
          query: `filter=${encodeURIComponent(`userName eq "USER${(i++ * 7919) % size}@example.com"`)}`,
          headers,
        }),
    });
    for (const [name, v] of m) lookupRows.push({ request: name, 'req/s': fmt(v.hz), 'mean µs': fmt(v.meanUs, 1), 'p99 µs': fmt(v.p99Us, 1) });
  }
  const { server, ids } = big!;
  const g = await server.handle({
    method: 'POST',
    path: '/Groups',
    headers,
    body: JSON.stringify({ schemas: [G], displayName: 'Everyone', members: ids.map((value) => ({ value })) }),
  });
  const gid = (g.body as { id: string }).id;
  // members must name users of the tenant: the adds take users that are not in the group yet
  const reserve: string[] = [];
  const UserType = server.registry.resourceType('User')!;
  for (let i = 0; i < 50_000; i++)
    reserve.push((await server.store.create({ tenant: 'default', requestId: 'r' }, UserType, { schemas: [U], userName: `reserve${i}@example.com` })).id!);
  let k = 0;
  const heavy = await measure(
    {
      'GET /Users?filter=name.familyName co "ones" (14,286 of 100,000 match, page of 100)': () =>
        server.handle({ method: 'GET', path: '/Users', query: `filter=${encodeURIComponent('name.familyName co "ones"')}`, headers }),
      'PATCH add 1 member to a 100,000-member group (excludedAttributes=members)': () =>
        server.handle({
          method: 'PATCH',
          path: `/Groups/${gid}`,
          query: 'excludedAttributes=members',
          headers,
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'add', path: 'members', value: [{ value: reserve[k++ % reserve.length] }] }],
          }),
        }),
      'GET /Groups?filter=displayName eq "Everyone"&excludedAttributes=members': () =>
        server.handle({
          method: 'GET',
          path: '/Groups',
          query: `filter=${encodeURIComponent('displayName eq "Everyone"')}&excludedAttributes=members`,
          headers,
        }),
    },
    1000,
  );
  return [
    {
      title: 'Engine: userName look-up through handle() (MemoryStore)',
      notes: 'The Entra ID / Okta look-up. Uses the userName hash index: flat from 1,000 to 100,000 users.',
      rows: lookupRows,
    },
    {
      title: 'Engine: heavier requests over 100,000 users (MemoryStore)',
      rows: [...heavy].map(([name, v]) => ({ request: name, 'req/s': fmt(v.hz), 'mean µs': fmt(v.meanUs, 1), 'p99 µs': fmt(v.p99Us, 1) })),
    },
    {
      title: 'Engine: memory of 100,000 users in MemoryStore',
      notes: 'Heap growth after a forced GC, users with name, email and externalId, indexes included.',
      rows: [memRow!],
    },
  ];
}
