/**
 * Versions: ETag headers and the If-Match / If-None-Match preconditions of RFC 7644 §3.14.
 * @module
 */
import { bodyOf, expectStatus, expectThat, type Scenario } from '../scenario.js';
import { patchOps } from './shapes.js';

/** The ETag scenarios. */
export const versioningScenarios: Scenario[] = [
  {
    id: 'etag.headers',
    group: 'etag',
    title: 'create and GET carry an ETag header equal to meta.version, and a PATCH changes it',
    source: 'RFC 7644 §3.14; RFC 7643 §3.1 (meta.version)',
    requires: ['etag'],
    async run(ctx) {
      const created = await ctx.createUser();
      const id = created.id;
      expectThat(created.etag, 'the 201 of a create has no ETag header although ServiceProviderConfig claims etag (RFC 7644 §3.14)');
      const path = `${ctx.capabilities.users}/${encodeURIComponent(id)}`;
      const r = await ctx.send('GET', path);
      expectStatus(r, 200);
      const etag = r.headers.get('etag');
      const version = (bodyOf(r).meta as { version?: unknown } | undefined)?.version;
      expectThat(etag, 'GET of a user has no ETag header although ServiceProviderConfig claims etag');
      expectThat(version === etag, `meta.version ${JSON.stringify(version)} differs from the ETag header ${JSON.stringify(etag)}`);
      expectStatus(await ctx.send('PATCH', path, { body: patchOps({ op: 'replace', path: 'displayName', value: 'Versioned' }) }), [200, 204]);
      const after = (await ctx.send('GET', path)).headers.get('etag');
      expectThat(after && after !== etag, `the ETag is ${JSON.stringify(after)} after a change (before: ${etag})`);
    },
  },
  {
    id: 'etag.if-none-match',
    group: 'etag',
    title: 'GET with If-None-Match of the current ETag answers 304',
    source: 'RFC 7644 §3.14; RFC 7232 §3.2',
    requires: ['etag'],
    async run(ctx) {
      const { id } = await ctx.createUser();
      const path = `${ctx.capabilities.users}/${encodeURIComponent(id)}`;
      const etag = (await ctx.send('GET', path)).headers.get('etag');
      expectThat(etag, 'GET of a user has no ETag header');
      expectStatus(await ctx.send('GET', path, { headers: { 'if-none-match': etag } }), 304);
    },
  },
  {
    id: 'etag.if-match',
    group: 'etag',
    title: 'a PATCH with a stale If-Match answers 412 and changes nothing; with the current one it applies',
    source: 'RFC 7644 §3.14 (412 Precondition Failed); RFC 7232 §3.1',
    requires: ['etag', 'patch', 'title'],
    async run(ctx) {
      const { id } = await ctx.createUser();
      const path = `${ctx.capabilities.users}/${encodeURIComponent(id)}`;
      const stale = (await ctx.send('GET', path)).headers.get('etag');
      expectThat(stale, 'GET of a user has no ETag header');
      expectStatus(await ctx.send('PATCH', path, { body: patchOps({ op: 'replace', path: 'title', value: 'One' }) }), [200, 204]);
      const current = (await ctx.send('GET', path)).headers.get('etag');
      const r = await ctx.send('PATCH', path, { body: patchOps({ op: 'replace', path: 'title', value: 'Lost update' }), headers: { 'if-match': stale } });
      expectStatus(r, 412, 'a PATCH with the stale If-Match');
      const now = await ctx.send('GET', path);
      expectThat(bodyOf(now).title === 'One', `after the refused PATCH the title is ${JSON.stringify(bodyOf(now).title)}`);
      expectStatus(
        await ctx.send('PATCH', path, { body: patchOps({ op: 'replace', path: 'title', value: 'Two' }), headers: { 'if-match': current ?? '*' } }),
        [200, 204],
        'a PATCH with the current If-Match',
      );
    },
  },
];
