// One break per scenario of the catalogue: the defect a real server could have that the
// scenario exists to catch. Each bends the real server as little as it can.
import {
  type Break,
  editJson,
  editOperations,
  emptyList,
  filterOf,
  pathOf,
  scimJson,
  TOKEN,
  withBody,
  withoutHeader,
  withoutParam,
  withUrl,
} from './broken-server.js';

type Json = Record<string, unknown>;
const is = (url: URL, method: string, r: Request, path: RegExp) => r.method === method && path.test(pathOf(url));
const ONE_USER = /^\/Users\/[^/.]+$/;
const ONE_GROUP = /^\/Groups\/[^/.]+$/;
const fakeCreated = (_: Request) =>
  scimJson(201, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: `fake-${crypto.randomUUID()}`, meta: { resourceType: 'User' } });
// a server that silently ignores the operations it does not understand (204 when none is left)
const dropOps = (match: (op: Json) => boolean) => async (r: Request) => {
  if (r.method !== 'PATCH') return undefined;
  const kept = (((await r.clone().json()) as { Operations: Json[] }).Operations ?? []).filter((o) => !match(o));
  return kept.length ? editOperations(r, () => kept) : new Response(null, { status: 204 });
};
const serverError = () => new Response('Internal Server Error', { status: 500 });
const withToken = (r: Request) => {
  const headers = new Headers(r.headers);
  headers.set('authorization', `Bearer ${TOKEN}`);
  return new Request(r.url, { method: r.method, headers });
};

export const BREAKS: Record<string, Break> = {
  'discovery.service-provider-config': {
    after: (_r, res, url) => (pathOf(url) === '/ServiceProviderConfig' ? editJson(res, (b) => void delete (b.changePassword as Json).supported) : undefined),
  },
  'discovery.resource-types': { before: (_r, url) => (pathOf(url) === '/ResourceTypes/User' ? scimJson(404, {}) : undefined) },
  'discovery.schemas': {
    after: (_r, res, url) =>
      pathOf(url) === '/Schemas'
        ? editJson(res, (b) => {
            for (const s of b.Resources as { attributes: Json[] }[]) for (const a of s.attributes) if (a.name === 'userName') a.caseExact = true;
          })
        : undefined,
  },
  'discovery.media-type': {
    after: async (_r, res) =>
      res.status === 404 ? new Response(await res.text(), { status: 404, headers: { 'content-type': 'application/json' } }) : undefined,
  },
  'auth.missing-token': { before: (r) => (r.headers.get('authorization') ? undefined : withToken(r)) },
  'auth.wrong-token': { before: (r) => (r.headers.get('authorization')?.includes('wrong') ? withToken(r) : undefined) },
  'users.create': {
    after: (r, res, url) =>
      r.method === 'POST' && pathOf(url) === '/Users' && res.status === 201 ? editJson(res, (b) => void delete (b.meta as Json).location) : undefined,
  },
  'users.get': { after: (r, res, url) => (is(url, 'GET', r, ONE_USER) && res.status === 200 ? editJson(res, (b) => void delete b.name) : undefined) },
  'users.list-shape': {
    after: (r, res, url) =>
      r.method === 'GET' && pathOf(url) === '/Users'
        ? editJson(res, (b) => {
            for (const u of (b.Resources as Json[] | undefined) ?? []) delete u.emails;
          })
        : undefined,
  },
  'users.duplicate': { after: (r, res) => (res.status === 409 ? fakeCreated(r) : undefined) },
  'users.duplicate-case': {
    // a store comparing userName exactly: the upper-cased name counts as new
    before: async (r, url) => {
      if (r.method !== 'POST' || pathOf(url) !== '/Users') return undefined;
      const name = String(((await r.json()) as Json).userName);
      return /[A-Z]/.test(name) && name === name.toUpperCase() ? fakeCreated(r) : undefined;
    },
  },
  'users.filter-existing': {
    after: (r, res, url) =>
      r.method === 'GET' && filterOf(url).startsWith('userName eq')
        ? editJson(res, (b) => {
            b.totalResults = Number(b.totalResults) + 1;
          })
        : undefined,
  },
  'users.filter-missing': {
    after: async (_r, res, url) =>
      filterOf(url) && res.status === 200 && ((await res.json()) as Json).totalResults === 0 ? scimJson(404, { detail: 'no such user' }) : undefined,
  },
  'users.filter-case': { before: (_r, url) => (/userName eq "[^"]*[A-Z]/.test(filterOf(url)) ? emptyList() : undefined) },
  'users.patch-replace': { before: dropOps((o) => String(o.path ?? '').includes('[')) },
  'users.patch-username': { before: dropOps((o) => o.path === 'userName') },
  'users.disable': { before: dropOps((o) => o.path === undefined) },
  'users.put': {
    // a PUT answered 200 and not applied
    before: async (r, url, inner) => (is(url, 'PUT', r, ONE_USER) ? inner(new Request(r.url, { headers: r.headers })) : undefined),
  },
  'users.manager-add': { before: dropOps((o) => o.op === 'add' && String(o.path).endsWith(':manager')) },
  'users.manager-replace': { before: dropOps((o) => o.op === 'replace' && String(o.path).endsWith(':manager')) },
  'users.manager-remove': { before: dropOps((o) => o.op === 'remove' && String(o.path).endsWith(':manager')) },
  'users.patch-several-ops': { before: (r) => (r.method === 'PATCH' ? editOperations(r, (ops) => [...ops].reverse()) : undefined) },
  'users.not-found': { after: (_r, res) => (res.status === 404 ? scimJson(404, { error: 'not found' }) : undefined) },
  'users.delete': { before: (r, url) => (is(url, 'DELETE', r, ONE_USER) ? new Response(null, { status: 204 }) : undefined) },
  'users.delete-twice': { after: (r, res) => (r.method === 'DELETE' && res.status === 404 ? new Response(null, { status: 204 }) : undefined) },
  'groups.create': {
    before: async (r, url) => {
      if (r.method !== 'POST' || pathOf(url) !== '/Groups') return undefined;
      const { members: _, ...rest } = (await r.json()) as Json;
      return withBody(r, rest);
    },
  },
  'groups.get-excluding-members': { before: (r, url) => (is(url, 'GET', r, ONE_GROUP) ? withoutParam(r, url, 'excludedAttributes') : undefined) },
  'groups.filter-existing': {
    after: (_r, res, url) =>
      pathOf(url) === '/Groups' && filterOf(url)
        ? editJson(res, (b) => {
            b.Resources = [...(b.Resources as Json[]), ...(b.Resources as Json[])];
            b.totalResults = (b.Resources as Json[]).length;
          })
        : undefined,
  },
  'groups.filter-missing': {
    before: (_r, url) => (pathOf(url) === '/Groups' && filterOf(url).includes('nogroup') ? scimJson(404, { detail: 'no group' }) : undefined),
  },
  'groups.filter-case': { before: (_r, url) => (pathOf(url) === '/Groups' && /displayName eq "[^"]*[A-Z]/.test(filterOf(url)) ? emptyList() : undefined) },
  'groups.duplicate': { after: (r, res, url) => (pathOf(url) === '/Groups' && res.status === 409 ? fakeCreated(r) : undefined) },
  'groups.rename': { before: dropOps((o) => o.path === 'displayName') },
  'groups.add-member': {
    // add treated as replace: the members there were are lost
    before: (r, url) =>
      is(url, 'PATCH', r, ONE_GROUP) ? editOperations(r, (ops) => ops.map((o) => (o.op === 'add' ? { ...o, op: 'replace' } : o))) : undefined,
  },
  'groups.remove-member': {
    before: (r, url) =>
      is(url, 'PATCH', r, ONE_GROUP)
        ? editOperations(r, (ops) => ops.map((o) => (String(o.path).startsWith('members[') ? { ...o, path: 'members' } : o)))
        : undefined,
  },
  'groups.delete': { before: (r, url) => (is(url, 'DELETE', r, ONE_GROUP) ? new Response(null, { status: 204 }) : undefined) },
  // PostgresStore's defect (#28): a group whose member was deleted read back with PostgreSQL's own timestamptz text
  'groups.meta-datetimes': (() => {
    let memberDeleted = false;
    const pgText = (b: Json) => {
      const meta = b.meta as Json | undefined;
      if (typeof meta?.lastModified === 'string') meta.lastModified = meta.lastModified.replace('T', ' ').replace(/Z$/, '+00');
    };
    return {
      after: (r, res, url) => {
        if (r.method === 'POST' && pathOf(url) === '/Users') memberDeleted = false;
        if (is(url, 'DELETE', r, ONE_USER) && res.status === 204) memberDeleted = true;
        if (!memberDeleted || r.method !== 'GET' || res.status !== 200) return undefined;
        if (ONE_GROUP.test(pathOf(url))) return editJson(res, pgText);
        if (pathOf(url) === '/Groups') return editJson(res, (b) => void (b.Resources as Json[]).forEach(pgText));
        return undefined;
      },
    } satisfies Break;
  })(),
  'filter.operators': {
    // a parser that ignores `not`
    before: (r, url) => {
      const f = filterOf(url);
      if (!f.includes('not (')) return undefined;
      const u = new URL(url);
      u.searchParams.set('filter', f.replace('not (', '('));
      return withUrl(r, u);
    },
  },
  'filter.datetime': {
    before: (r, url) => {
      const f = filterOf(url);
      if (!f.includes('meta.lastModified lt')) return undefined;
      const u = new URL(url);
      u.searchParams.set('filter', f.replace('meta.lastModified lt', 'meta.lastModified gt'));
      return withUrl(r, u);
    },
  },
  'filter.invalid': { after: (r, res) => (res.status === 400 && r.method === 'GET' ? emptyList() : undefined) },
  'sort.userName': { before: (r, url) => (url.searchParams.has('sortOrder') ? withoutParam(r, url, 'sortOrder') : undefined) },
  'paging.index': { before: (r, url) => (url.searchParams.get('startIndex') === '3' ? withoutParam(r, url, 'startIndex') : undefined) },
  'paging.count-zero': { before: (r, url) => (url.searchParams.get('count') === '0' ? withoutParam(r, url, 'count') : undefined) },
  'attributes.select': {
    before: (r, url) => (is(url, 'GET', r, ONE_USER) && url.searchParams.has('attributes') ? withoutParam(r, url, 'attributes') : undefined),
  },
  'attributes.patch-keeps-data': {
    // the defect SCIMMY has: the projected resource is what gets stored
    before: async (r, url, inner) => {
      if (r.method !== 'PATCH' || !url.searchParams.has('attributes')) return undefined;
      const patched = await inner(r);
      const projected = (await patched.clone().json()) as Json;
      await inner(new Request(String(url).replace(/\?.*/, ''), { method: 'PUT', headers: r.headers, body: JSON.stringify(projected) }));
      return patched;
    },
  },
  'search.post': {
    before: async (r, url) => {
      if (!pathOf(url).endsWith('/.search')) return undefined;
      const { attributes: _, ...rest } = (await r.json()) as Json;
      return withBody(r, rest);
    },
  },
  'cursor.pages': { after: (_r, res, url) => (url.searchParams.get('cursor') === '' ? editJson(res, (b) => void delete b.nextCursor) : undefined) },
  'etag.headers': {
    after: (_r, res) => {
      if (!res.headers.has('etag')) return undefined;
      const headers = new Headers(res.headers);
      headers.delete('etag');
      return new Response(res.body, { status: res.status, headers });
    },
  },
  'etag.if-none-match': { before: (r) => (r.headers.has('if-none-match') ? withoutHeader(r, 'if-none-match') : undefined) },
  'etag.if-match': { before: (r) => (r.headers.has('if-match') ? withoutHeader(r, 'if-match') : undefined) },
  'bulk.bulk-id': {
    before: async (r, url) => {
      if (pathOf(url) !== '/Bulk') return undefined;
      const body = (await r.json()) as { Operations: { data: Json }[] };
      for (const o of body.Operations) delete o.data.members;
      return withBody(r, body);
    },
  },
  'bulk.fail-on-errors': {
    before: async (r, url) => {
      if (pathOf(url) !== '/Bulk') return undefined;
      const { failOnErrors: _, ...rest } = (await r.json()) as Json;
      return withBody(r, rest);
    },
  },
  'errors.invalid-json': { after: (r, res) => (res.status === 400 && r.method === 'POST' ? serverError() : undefined) },
  'errors.missing-username': {
    before: async (r, url) => {
      if (r.method !== 'POST' || pathOf(url) !== '/Users') return undefined;
      const body = (await r.json()) as Json;
      return body.userName ? undefined : withBody(r, { ...body, userName: `generated-${crypto.randomUUID()}` });
    },
  },
  'errors.remove-without-path': { after: (r, res) => (r.method === 'PATCH' && res.status === 400 ? new Response(null, { status: 204 }) : undefined) },
  'errors.unknown-endpoint': { before: (_r, url) => (pathOf(url) === '/ScimkitCheckNoSuchEndpoint' ? scimJson(200, {}) : undefined) },
  'robustness.oversized-body': { before: (r) => (Number(r.headers.get('content-length')) > 1024 * 1024 ? serverError() : undefined) },
  'robustness.deep-nesting': { before: async (r) => (r.method === 'POST' && (await r.text()).includes('[[[[') ? serverError() : undefined) },
  'robustness.deep-filter': { before: (_r, url) => (filterOf(url).startsWith('((((') ? serverError() : undefined) },
  'robustness.huge-count': { before: (_r, url) => (Number(url.searchParams.get('count')) > 1e9 ? serverError() : undefined) },
};
