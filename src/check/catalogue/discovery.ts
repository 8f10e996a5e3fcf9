/**
 * What any client reads before it provisions: the discovery documents, the media type, and
 * the 401 of a request without a valid token.
 * @module
 */
import { RESOURCE_TYPE_SCHEMA_ID, SERVICE_PROVIDER_CONFIG_SCHEMA_ID } from 'scimkit';
import { bodyOf, expectStatus, expectThat, type Scenario } from '../scenario.js';
import { listOf, patchOps, USER_SCHEMA_ID, userBody } from './shapes.js';

type Json = Record<string, unknown>;

/** The discovery and authentication scenarios. */
export const discoveryScenarios: Scenario[] = [
  {
    id: 'discovery.service-provider-config',
    group: 'discovery',
    title: 'ServiceProviderConfig names its schema, says `supported` for every feature, and lists authenticationSchemes',
    source: 'RFC 7643 §5; RFC 7644 §4',
    async run(ctx) {
      const r = await ctx.send('GET', '/ServiceProviderConfig');
      expectStatus(r, 200);
      const spc = bodyOf(r);
      expectThat(
        Array.isArray(spc.schemas) && spc.schemas.includes(SERVICE_PROVIDER_CONFIG_SCHEMA_ID),
        `schemas does not name ${SERVICE_PROVIDER_CONFIG_SCHEMA_ID}`,
      );
      for (const f of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag']) {
        expectThat(typeof (spc[f] as Json | undefined)?.supported === 'boolean', `${f}.supported is missing or not a boolean (RFC 7643 §5: REQUIRED)`);
      }
      expectThat(Array.isArray(spc.authenticationSchemes), 'authenticationSchemes is missing (RFC 7643 §5: REQUIRED)');
    },
  },
  {
    id: 'discovery.resource-types',
    group: 'discovery',
    title: '/ResourceTypes lists User with its endpoint and schema; /ResourceTypes/User answers it',
    source: 'RFC 7643 §6; RFC 7644 §4',
    async run(ctx) {
      const types = listOf(await ctx.send('GET', '/ResourceTypes'), 'GET /ResourceTypes');
      const user = types.find((t) => t.schema === USER_SCHEMA_ID);
      expectThat(user, `/ResourceTypes has no resource type with schema ${USER_SCHEMA_ID}`);
      expectThat(
        typeof user.endpoint === 'string' && Array.isArray(user.schemas) && user.schemas.includes(RESOURCE_TYPE_SCHEMA_ID),
        'the User resource type lacks endpoint or its schemas',
      );
      const one = await ctx.send('GET', `/ResourceTypes/${encodeURIComponent(String(user.name ?? user.id))}`);
      expectStatus(one, 200);
      expectThat(bodyOf(one).endpoint === user.endpoint, `/ResourceTypes/${user.name} has another endpoint than the list`);
    },
  },
  {
    id: 'discovery.schemas',
    group: 'discovery',
    title: '/Schemas has the core User schema, with userName unique and caseExact false',
    source: 'RFC 7643 §7 and §4.1.1; RFC 7644 §4',
    async run(ctx) {
      const schemas = listOf(await ctx.send('GET', '/Schemas'), 'GET /Schemas');
      const user = schemas.find((s) => s.id === USER_SCHEMA_ID);
      expectThat(user && Array.isArray(user.attributes), `/Schemas has no ${USER_SCHEMA_ID} with attributes`);
      const userName = (user.attributes as Json[]).find((a) => a.name === 'userName');
      expectThat(userName, 'the User schema has no userName attribute');
      expectThat(
        userName.uniqueness === 'server' || userName.uniqueness === 'global',
        `userName uniqueness is ${JSON.stringify(userName.uniqueness)} (RFC 7643 §4.1.1: server)`,
      );
      expectThat(userName.caseExact === false, `userName caseExact is ${JSON.stringify(userName.caseExact)} (RFC 7643 §4.1.1: false)`);
      expectStatus(await ctx.send('GET', `/Schemas/${USER_SCHEMA_ID}`), 200);
    },
  },
  {
    id: 'discovery.media-type',
    group: 'discovery',
    title: 'responses, errors included, are application/scim+json',
    source: 'RFC 7644 §3.1 and §8.1',
    async run(ctx) {
      for (const path of [`${ctx.capabilities.users}?count=1`, `${ctx.capabilities.users}/scimkit-check-missing`]) {
        const r = await ctx.send('GET', path);
        const type = r.headers.get('content-type') ?? '';
        expectThat(type.split(';')[0]!.trim() === 'application/scim+json', `GET ${path} (${r.status}) has Content-Type ${JSON.stringify(type)}`);
      }
    },
  },
  {
    id: 'auth.missing-token',
    group: 'auth',
    title: 'a request without credentials answers 401: GET, POST, PATCH and DELETE',
    source: `RFC 7644 §2 and §3.12; RFC 6750 §3.1; Okta SCIM 2.0 SPEC test "401 on an unauthenticated request"`,
    async run(ctx) {
      const r = await ctx.send('GET', `${ctx.capabilities.users}?count=1`, { anonymous: true });
      expectStatus(r, 401);
      // every route, not only the list: a write route left open is the worse hole
      const created = await ctx.tryCreate(ctx.capabilities.users, { body: userBody(ctx.unique('anonymous')), anonymous: true });
      expectStatus(created, 401, 'POST /Users without credentials');
      const missing = `${ctx.capabilities.users}/scimkit-check-missing-${crypto.randomUUID()}`;
      expectStatus(
        await ctx.send('PATCH', missing, { body: patchOps({ op: 'replace', path: 'displayName', value: 'x' }), anonymous: true }),
        401,
        'PATCH without credentials',
      );
      expectStatus(await ctx.send('DELETE', missing, { anonymous: true }), 401, 'DELETE without credentials');
    },
  },
  {
    id: 'auth.wrong-token',
    group: 'auth',
    title: 'a wrong bearer token answers 401 and reveals no data',
    source: 'RFC 6750 §3.1 (invalid_token); RFC 7644 §2',
    async run(ctx) {
      const r = await ctx.send('GET', `${ctx.capabilities.users}?count=1`, {
        anonymous: true,
        headers: { authorization: `Bearer scimkit-check-wrong-${crypto.randomUUID()}` },
      });
      expectStatus(r, 401);
      expectThat(!r.text.includes('"Resources"'), 'the 401 body lists resources');
    },
  },
];
