// RFC 9865 cursors on PostgresStore walk by keyset: every row once, in order, and a change
// between pages neither skips nor repeats rows (what offset paging gets wrong).
import { bearerToken, createScimServer, MemoryStore, SchemaRegistry } from 'scimkit';
import { PostgresStore, type SqlPool } from 'scimkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPGlite } from '../../pglite.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const lite = freshPGlite();
const store = new PostgresStore(lite as unknown as SqlPool);
const server = createScimServer({ authenticate: bearerToken('k'.repeat(32)), store });
const headers = { authorization: `Bearer ${'k'.repeat(32)}`, 'content-type': 'application/scim+json' };
type List = { Resources: { id: string; userName: string; title?: string }[]; nextCursor?: string; totalResults: number };
const list = async (query: string) => (await server.handle({ method: 'GET', path: '/Users', query, headers })).body as List;

async function walk(base: string): Promise<{ ids: string[]; names: string[]; totals: number[] }> {
  const ids: string[] = [];
  const names: string[] = [];
  const totals: number[] = [];
  let cursor = '';
  for (let guard = 0; guard < 50; guard++) {
    const page = await list(`${base}&cursor=${encodeURIComponent(cursor)}`);
    ids.push(...page.Resources.map((r) => r.id));
    names.push(...page.Resources.map((r) => r.userName));
    totals.push(page.totalResults);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { ids, names, totals };
}

describe('keyset cursors on PostgresStore', () => {
  beforeAll(async () => {
    await store.migrate();
    for (let i = 0; i < 23; i++) {
      await server.handle({
        method: 'POST',
        path: '/Users',
        headers,
        body: JSON.stringify({ schemas: [U], userName: `u${String(i).padStart(2, '0')}`, ...(i % 4 ? { title: `T${i % 3}` } : {}) }),
      });
    }
  });
  afterAll(() => lite.close());

  it('walks every row once, with and without a sort, both orders, missing keys last', async () => {
    const all = await list('count=100&sortBy=userName');
    for (const q of [
      'count=5',
      'count=5&sortBy=userName',
      'count=4&sortBy=userName&sortOrder=descending',
      'count=3&sortBy=title',
      'count=3&sortBy=title&sortOrder=descending',
      'count=7&sortBy=meta.created',
    ]) {
      const w = await walk(q);
      expect(new Set(w.ids).size, q).toBe(23);
      expect(w.ids.length, q).toBe(23);
      expect(
        w.totals.every((t) => t === 23),
        q,
      ).toBe(true);
      const offset = await list(q.replace(/count=\d+/, 'count=100'));
      expect(w.ids, q).toEqual(offset.Resources.map((r) => r.id));
    }
    expect(all.Resources.map((r) => r.userName)).toEqual([...all.Resources.map((r) => r.userName)].sort());
  });

  it('a deletion between pages skips nothing (offset paging would skip a row)', async () => {
    const first = await list('count=5&sortBy=userName&cursor=');
    await server.handle({ method: 'DELETE', path: `/Users/${first.Resources[0]!.id}`, headers });
    const second = await list(`count=5&sortBy=userName&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(second.Resources.map((r) => r.userName)).toEqual(['u05', 'u06', 'u07', 'u08', 'u09']);
    expect(second.totalResults).toBe(22);
    // the same walk on MemoryStore (offsets) shows the skip keyset avoids
    const mem = createScimServer({ authenticate: bearerToken('k'.repeat(32)), store: new MemoryStore() });
    for (let i = 0; i < 10; i++)
      await mem.handle({ method: 'POST', path: '/Users', headers, body: JSON.stringify({ schemas: [U], userName: `u${String(i).padStart(2, '0')}` }) });
    const m1 = (await mem.handle({ method: 'GET', path: '/Users', query: 'count=5&sortBy=userName&cursor=', headers })).body as List;
    await mem.handle({ method: 'DELETE', path: `/Users/${m1.Resources[0]!.id}`, headers });
    const m2 = (await mem.handle({ method: 'GET', path: '/Users', query: `count=5&sortBy=userName&cursor=${encodeURIComponent(m1.nextCursor!)}`, headers }))
      .body as List;
    expect(m2.Resources.map((r) => r.userName)).toEqual(['u06', 'u07', 'u08', 'u09']);
  });

  it('refuses a position it did not make', async () => {
    const type = server.registry.resourceType('User')!;
    await expect(
      store.search({ tenant: 'default', requestId: 'x' }, type, { startIndex: 1, count: 5, members: false, after: 'garbage' }),
    ).rejects.toMatchObject({ status: 400, scimType: 'invalidCursor' });
  });
});

describe('SQL text', () => {
  it('is the same for the same filter every time (statements can be reused)', async () => {
    const { Params: P, filterToSql } = await import('scimkit/postgres');
    const { SchemaRegistry: R } = await import('scimkit');
    const { parseFilter: parse } = await import('scimkit/store-kit');
    const type = new R().resourceType('User')!;
    const f = parse('emails[type eq "work" and value co "@x"] or phoneNumbers pr');
    const text = () => filterToSql(f, type, new P(), '$1');
    expect(text()).toBe(text());
  });
});

describe('a cursor walk sorted by userName reaches rows without one', () => {
  // the store takes a user without userName (a host's own writes, a seed by SQL, an earlier
  // version's rows): ascending they come last, where a row comparison alone never reaches
  it('in both directions, every row once and in the offset order', async () => {
    const db = freshPGlite();
    try {
      const s = new PostgresStore(db as unknown as SqlPool);
      await s.migrate();
      const User = new SchemaRegistry().resourceType('User')!;
      const ctx = { tenant: 'nulls', requestId: 'r' };
      for (const n of ['b', 'a', 'c']) await s.create(ctx, User, { schemas: [U], userName: n });
      for (const e of ['x1', 'x2']) await s.create(ctx, User, { schemas: [U], externalId: e });
      for (const order of ['ascending', 'descending'] as const) {
        const sort = { path: 'userName', order };
        const all = (await s.search(ctx, User, { startIndex: 1, count: 100, sort, members: false })).resources.map((r) => r.id);
        const walked: (string | undefined)[] = [];
        let after: string | undefined;
        for (let guard = 0; guard < 10; guard++) {
          const page = await s.search(ctx, User, { startIndex: 1, count: 2, sort, members: false, ...(after ? { after } : {}) });
          walked.push(...page.resources.map((r) => r.id));
          if (!page.next || page.resources.length < 2) break;
          after = page.next;
        }
        expect(all, order).toHaveLength(5);
        expect(walked, order).toEqual(all);
      }
    } finally {
      await db.close();
    }
  });
});
