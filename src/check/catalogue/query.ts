/**
 * Queries: filters, sorting, index and cursor paging, attribute selection and POST /.search.
 * @module
 */
import { SEARCH_REQUEST_SCHEMA } from 'scimkit';
import { bodyOf, type CheckContext, CheckFailure, CheckSkip, expectStatus, expectThat, type Scenario } from '../scenario.js';
import { expectError, expectValue, filter, idsOf, listOf, literal, readBack, totalOf } from './shapes.js';

type Json = Record<string, unknown>;

/** Creates users `<prefix>-<suffix>` in the order given; their ids by suffix. */
async function usersNamed(ctx: CheckContext, prefix: string, suffixes: string[], extra: Record<string, Json> = {}): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const s of suffixes) ids[s] = (await ctx.createUser({ userName: `${prefix}-${s}`, ...extra[s] })).id;
  return ids;
}

/** The ids a filter finds among the users whose userName starts with `prefix`. */
async function found(ctx: CheckContext, expression: string, extra = ''): Promise<string[]> {
  return idsOf(listOf(await ctx.send('GET', `${ctx.capabilities.users}${filter(expression, extra)}`), `filter ${expression}`));
}

function expectIds(actual: string[], expected: string[], what: string, ordered = false): void {
  const a = ordered ? actual : [...actual].sort();
  const e = ordered ? expected : [...expected].sort();
  if (a.join() !== e.join()) throw new CheckFailure(`${what} found ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/** The filter, sort, paging, attributes, search and cursor scenarios. */
export const queryScenarios: Scenario[] = [
  {
    id: 'filter.operators',
    group: 'filter',
    title: 'sw, ew, co, pr, and, or, not and a complex-attribute filter each find the right users',
    source: 'RFC 7644 §3.4.2.2 (Table 3 and the examples of Figure 2)',
    requires: ['filter', 'title'],
    async run(ctx) {
      const p = ctx.unique('ops');
      const id = await usersNamed(ctx, p, ['alpha', 'beta'], { beta: { title: 'Has title' } });
      const sw = `userName sw ${literal(p)}`;
      const cases: [string, string[]][] = [
        [sw, [id.alpha!, id.beta!]],
        [`${sw} and userName ew "-beta"`, [id.beta!]],
        [`${sw} and userName co "alph"`, [id.alpha!]],
        [`${sw} and title pr`, [id.beta!]],
        [`${sw} and not (userName eq ${literal(`${p}-alpha`)})`, [id.beta!]],
        [`userName eq ${literal(`${p}-alpha`)} or userName eq ${literal(`${p}-beta`)}`, [id.alpha!, id.beta!]],
        [`emails[type eq "work" and value eq ${literal(`${p}-beta@example.com`)}]`, [id.beta!]],
      ];
      for (const [expression, expected] of cases) expectIds(await found(ctx, expression), expected, `filter ${expression}`);
    },
  },
  {
    id: 'filter.datetime',
    group: 'filter',
    title: 'meta.lastModified gt / lt compare as dateTime values',
    source: 'RFC 7644 §3.4.2.2 (gt, lt on dateTime); Entra ID and Okta incremental reads',
    requires: ['filter'],
    async run(ctx) {
      const p = ctx.unique('dates');
      const id = await usersNamed(ctx, p, ['one']);
      expectIds(await found(ctx, `userName sw ${literal(p)} and meta.lastModified gt "2000-01-01T00:00:00Z"`), [id.one!], 'lastModified gt 2000');
      expectIds(await found(ctx, `userName sw ${literal(p)} and meta.lastModified lt "2000-01-01T00:00:00Z"`), [], 'lastModified lt 2000');
    },
  },
  {
    id: 'filter.invalid',
    group: 'filter',
    title: 'an unparsable filter answers 400 invalidFilter, not 500 or every user',
    source: 'RFC 7644 §3.4.2.2 and §3.12 (invalidFilter)',
    requires: ['filter'],
    async run(ctx) {
      expectError(await ctx.send('GET', `${ctx.capabilities.users}${filter('userName eq')}`), 400, 'invalidFilter');
      expectError(await ctx.send('GET', `${ctx.capabilities.users}${filter('userName zz "x"')}`), 400, 'invalidFilter');
    },
  },
  {
    id: 'sort.userName',
    group: 'sort',
    title: 'sortBy=userName orders ascending, and descending with sortOrder',
    source: 'RFC 7644 §3.4.2.3',
    requires: ['sort', 'filter'],
    async run(ctx) {
      const p = ctx.unique('sort');
      const id = await usersNamed(ctx, p, ['b', 'a', 'c']);
      const sw = `userName sw ${literal(p)}`;
      expectIds(await found(ctx, sw, '&sortBy=userName'), [id.a!, id.b!, id.c!], 'sortBy=userName', true);
      expectIds(await found(ctx, sw, '&sortBy=userName&sortOrder=descending'), [id.c!, id.b!, id.a!], 'sortBy=userName&sortOrder=descending', true);
    },
  },
  {
    id: 'paging.index',
    group: 'paging',
    title: 'startIndex and count page through the results: each once, with totalResults, itemsPerPage and startIndex',
    source: 'RFC 7644 §3.4.2.4',
    requires: ['filter'],
    async run(ctx) {
      const p = ctx.unique('page');
      const id = await usersNamed(ctx, p, ['a', 'b', 'c']);
      // without sortBy a server need not repeat its order (RFC 7644 §3.4.2.4): the pages are compared only when sorted
      const sorted = ctx.capabilities.features.has('sort');
      const path = (q: string) => `${ctx.capabilities.users}${filter(`userName sw ${literal(p)}`, `${q}${sorted ? '&sortBy=userName' : ''}`)}`;
      const first = await ctx.send('GET', path('&startIndex=1&count=2'));
      const one = listOf(first);
      const b = bodyOf(first);
      expectThat(one.length === 2, `startIndex=1&count=2 answered ${one.length} resources, expected 2`);
      expectThat(
        b.totalResults === 3 && b.itemsPerPage === 2 && b.startIndex === 1,
        `page 1 says totalResults ${b.totalResults}, itemsPerPage ${b.itemsPerPage}, startIndex ${b.startIndex}; expected 3, 2, 1`,
      );
      const second = await ctx.send('GET', path('&startIndex=3&count=2'));
      const two = listOf(second);
      expectThat(
        two.length === 1 && bodyOf(second).startIndex === 3,
        `startIndex=3&count=2 answered ${two.length} resources (startIndex ${bodyOf(second).startIndex}), expected 1 at 3`,
      );
      if (sorted) expectIds([...idsOf(one), ...idsOf(two)], Object.values(id), 'the two pages together (sortBy=userName)');
      const past = await ctx.send('GET', path('&startIndex=10&count=2'));
      expectThat(listOf(past).length === 0 && totalOf(past) === 3, 'startIndex past the end must answer no resources and totalResults 3');
    },
  },
  {
    id: 'paging.count-zero',
    group: 'paging',
    title: 'count=0 answers totalResults without resources',
    source: 'RFC 7644 §3.4.2.4 ("A value of \\"0\\" indicates that no resource results are to be returned")',
    requires: ['filter'],
    async run(ctx) {
      const p = ctx.unique('zero');
      await usersNamed(ctx, p, ['a', 'b']);
      const r = await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName sw ${literal(p)}`, '&count=0')}`);
      const resources = listOf(r);
      expectThat(
        resources.length === 0 && totalOf(r) === 2,
        `count=0 answered ${resources.length} resources and totalResults ${totalOf(r)}; expected none and 2`,
      );
    },
  },
  {
    id: 'attributes.select',
    group: 'attributes',
    title: 'attributes= returns only those (and id, schemas); excludedAttributes= leaves those out',
    source: 'RFC 7644 §3.4.2.5 and §3.9',
    async run(ctx) {
      const { id } = await ctx.createUser();
      const r = await ctx.send('GET', `${ctx.capabilities.users}/${encodeURIComponent(id)}?attributes=userName`);
      expectStatus(r, 200);
      const only = bodyOf(r);
      expectValue(only, 'id', id, 'with attributes=userName');
      expectThat(typeof only.userName === 'string', 'attributes=userName left out userName');
      expectThat(only.name === undefined && only.emails === undefined, 'attributes=userName still returns name or emails');
      const x = await ctx.send('GET', `${ctx.capabilities.users}/${encodeURIComponent(id)}?excludedAttributes=emails`);
      expectStatus(x, 200);
      const without = bodyOf(x);
      expectThat(without.emails === undefined, 'excludedAttributes=emails still returns emails');
      expectThat(without.name !== undefined, 'excludedAttributes=emails also left out name');
    },
  },
  {
    id: 'attributes.patch-keeps-data',
    group: 'attributes',
    title: 'a PATCH with ?attributes= answers only those, and stores every other attribute unchanged',
    source: 'RFC 7644 §3.5.2 and §3.9 (attributes shape the response, not the resource)',
    requires: ['patch'],
    async run(ctx) {
      const { id } = await ctx.createUser();
      const r = await ctx.send('PATCH', `${ctx.capabilities.users}/${encodeURIComponent(id)}?attributes=userName`, {
        body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched Name' }] },
      });
      expectStatus(r, [200, 204]);
      if (r.status === 200) expectThat(bodyOf(r).name === undefined, 'the PATCH response with ?attributes=userName still returns name');
      const u = await readBack(ctx, ctx.capabilities.users, id);
      expectValue(u, 'displayName', 'Patched Name', 'after the PATCH');
      expectThat(u.name !== undefined && u.emails !== undefined, 'after a PATCH with ?attributes=userName, name or emails were lost from the stored user');
    },
  },
  {
    id: 'search.post',
    group: 'search',
    title: 'POST /Users/.search with a filter and attributes answers a ListResponse',
    source: 'RFC 7644 §3.4.3',
    requires: ['filter'],
    async run(ctx) {
      const { id, body } = await ctx.createUser();
      const r = await ctx.send('POST', `${ctx.capabilities.users}/.search`, {
        body: { schemas: [SEARCH_REQUEST_SCHEMA], filter: `userName eq ${literal(String(body.userName))}`, attributes: ['userName'], startIndex: 1, count: 10 },
      });
      // POST /.search is for clients a MAY, and no ServiceProviderConfig field claims it (RFC 7644 §3.4.3)
      if (r.status === 404 || r.status === 405 || r.status === 501)
        throw new CheckSkip(`POST ${ctx.capabilities.users}/.search answered ${r.status}: the server has no /.search`);
      const resources = listOf(r, 'POST /.search');
      expectIds(idsOf(resources), [id], 'POST /.search');
      expectThat(resources[0]!.name === undefined, 'POST /.search with attributes ["userName"] still returns name');
    },
  },
  {
    id: 'cursor.pages',
    group: 'cursor',
    title: 'cursor paging: nextCursor leads through every result once; a bad cursor answers 400 invalidCursor',
    source: 'RFC 9865 (cursor, nextCursor, the invalidCursor error)',
    requires: ['cursor', 'filter'],
    async run(ctx) {
      const p = ctx.unique('cursor');
      const id = await usersNamed(ctx, p, ['a', 'b', 'c']);
      const base = `${ctx.capabilities.users}${filter(`userName sw ${literal(p)}`)}`;
      // count is a maximum: pages may hold fewer, so the cursor is followed until it ends (bounded)
      const seen: string[] = [];
      let next: unknown = '';
      for (let page = 0; page < 10 && typeof next === 'string'; page++) {
        const r = await ctx.send('GET', `${base}&cursor${next === '' ? '' : `=${encodeURIComponent(next)}`}&count=2`);
        const resources = listOf(r, `cursor page ${page + 1}`);
        expectThat(resources.length <= 2, `cursor page ${page + 1} has ${resources.length} resources with count=2`);
        seen.push(...idsOf(resources));
        next = bodyOf(r).nextCursor;
        if (page === 0) expectThat(typeof next === 'string' && next !== '', 'the first cursor page has no nextCursor with 3 results and count=2 (RFC 9865)');
      }
      expectThat(next === undefined, 'the cursor pages did not end within 10 pages for 3 results');
      expectIds(seen, Object.values(id), 'the cursor pages together');
      expectError(await ctx.send('GET', `${base}&cursor=not-a-cursor-${p}&count=2`), 400, 'invalidCursor');
    },
  },
];
