/**
 * Users: what Microsoft's SCIM Validator and Okta's SPEC test run, from create to delete.
 * @module
 */
import { bodyOf, CheckFailure, expectStatus, expectThat, type Scenario } from '../scenario.js';
import {
  ENTERPRISE_USER_SCHEMA_ID,
  expectError,
  expectValue,
  filter,
  idsOf,
  listOf,
  literal,
  patch,
  readBack,
  totalOf,
  USER_SCHEMA_ID,
  userBody,
} from './shapes.js';

const MS = 'Microsoft SCIM Validator';
const OKTA = 'Okta SCIM 2.0 SPEC test';
const missingId = () => `scimkit-check-missing-${crypto.randomUUID()}`;

/** The Users scenarios. */
export const userScenarios: Scenario[] = [
  {
    id: 'users.create',
    group: 'users',
    title: 'create a user: 201 with id, the same userName, meta and a Location header',
    source: `RFC 7644 §3.3; ${MS} "Create a new User"; ${OKTA} "Create Okta user with realistic values"`,
    async run(ctx) {
      const userName = ctx.unique('create');
      const created = await ctx.createUser({ userName });
      const { id, body } = created;
      expectThat(typeof id === 'string' && id !== '', 'the created user has no id');
      expectValue(body, 'userName', userName, 'in the 201 body');
      expectValue(body, 'meta.resourceType', ctx.capabilities.userType, 'in the 201 body');
      const location = (body.meta as { location?: unknown } | undefined)?.location;
      const endsWithId = (l: unknown) => typeof l === 'string' && (l.endsWith(`/${id}`) || l.endsWith(`/${encodeURIComponent(id)}`));
      expectThat(endsWithId(location), `meta.location ${JSON.stringify(location)} does not end with the id (RFC 7644 §3.3)`);
      expectThat(
        created.location === location,
        `the Location header ${JSON.stringify(created.location)} is not meta.location ${JSON.stringify(location)} (RFC 7644 §3.3: "SHALL")`,
      );
    },
  },
  {
    id: 'users.get',
    group: 'users',
    title: 'GET /Users/{id} answers the created user',
    source: `RFC 7644 §3.4.1; ${OKTA} "GET /Users/{id}"`,
    async run(ctx) {
      const { id, body } = await ctx.createUser();
      const read = await readBack(ctx, ctx.capabilities.users, id);
      expectValue(read, 'id', id, 'read back');
      expectValue(read, 'userName', body.userName, 'read back');
      expectValue(read, 'name.familyName', (body.name as { familyName?: unknown }).familyName, 'read back');
    },
  },
  {
    id: 'users.list-shape',
    group: 'users',
    title: 'GET /Users?count=1 is a ListResponse of one user with id and userName; the listed user it created has name, active and emails',
    source: `RFC 7644 §3.4.2; ${OKTA} "Users endpoint ListResponse"; Google Workspace's connection probe GET /Users?count=1`,
    async run(ctx) {
      const { body } = await ctx.createUser();
      const r = await ctx.send('GET', `${ctx.capabilities.users}?count=1`);
      const resources = listOf(r, 'GET /Users?count=1');
      expectThat(resources.length === 1, `GET /Users?count=1 answered ${resources.length} resources with a user in the store`);
      // any user of a live server may come first: only what every user has is asked of it
      for (const a of ['id', 'userName']) expectThat(resources[0]![a] !== undefined, `Resources[0] has no ${a}`);
      // REQUIRED "when partial results are returned due to pagination" (RFC 7644 §3.4.2)
      const partial = Number(bodyOf(r).totalResults) > resources.length;
      expectThat(
        !partial || (typeof bodyOf(r).itemsPerPage === 'number' && typeof bodyOf(r).startIndex === 'number'),
        'a partial ListResponse needs itemsPerPage and startIndex',
      );
      if (!ctx.capabilities.features.has('filter')) return;
      const own = listOf(await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(String(body.userName))}`, '&count=1')}`));
      for (const a of ['id', 'userName', 'name', 'active', 'emails']) expectThat(own[0]?.[a] !== undefined, `the listed user the checker created has no ${a}`);
    },
  },
  {
    id: 'users.duplicate',
    group: 'users',
    title: 'a second create with the same userName answers 409 uniqueness',
    source: `RFC 7644 §3.3 and §3.12; ${MS} "Create a duplicate User"; ${OKTA} "Check the user was created: recreate → 409"`,
    async run(ctx) {
      const { body } = await ctx.createUser();
      const r = await ctx.tryCreate(ctx.capabilities.users, { body: userBody(String(body.userName), { externalId: `${body.externalId}-2` }) });
      expectError(r, 409, 'uniqueness');
    },
  },
  {
    id: 'users.duplicate-case',
    group: 'users',
    title: 'a create differing only in the case of userName answers 409 (userName is caseExact false)',
    source: `RFC 7643 §4.1.1 (userName caseExact false, uniqueness server); ${OKTA} "userName case-insensitivity"`,
    requires: ['caseInsensitiveUserName'],
    async run(ctx) {
      const { body } = await ctx.createUser();
      const r = await ctx.tryCreate(ctx.capabilities.users, { body: userBody(String(body.userName).toUpperCase(), { externalId: `${body.externalId}-2` }) });
      expectError(r, 409, 'uniqueness');
    },
  },
  {
    id: 'users.filter-existing',
    group: 'users',
    title: 'filter userName eq finds exactly the user',
    source: `RFC 7644 §3.4.2.2; ${MS} "Filter for an existing user"`,
    requires: ['filter'],
    async run(ctx) {
      const { id, body } = await ctx.createUser();
      const r = await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(String(body.userName))}`)}`);
      const found = listOf(r);
      expectThat(
        totalOf(r) === 1 && idsOf(found).join() === id,
        `the filter found ${JSON.stringify(idsOf(found))} (totalResults ${totalOf(r)}), expected [${id}]`,
      );
    },
  },
  {
    id: 'users.filter-missing',
    group: 'users',
    title: 'a filter matching nobody answers 200 with totalResults 0, not 404',
    source: `RFC 7644 §3.4.2; ${MS} "Filter for a non-existing user"; ${OKTA} "Make sure random user doesn't exist"`,
    requires: ['filter'],
    async run(ctx) {
      const r = await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(ctx.unique('nobody'))}`)}`);
      const found = listOf(r);
      expectThat(totalOf(r) === 0 && found.length === 0, `the filter found ${found.length} (totalResults ${totalOf(r)})`);
    },
  },
  {
    id: 'users.filter-case',
    group: 'users',
    title: 'filter userName eq matches case-insensitively (userName is caseExact false)',
    source: `RFC 7643 §4.1.1 and RFC 7644 §3.4.2.2; ${MS} "Filter for an existing user with a different case"; ${OKTA} "userName case-insensitivity"`,
    requires: ['filter', 'caseInsensitiveUserName'],
    async run(ctx) {
      const { id, body } = await ctx.createUser();
      const r = await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(String(body.userName).toUpperCase())}`)}`);
      const found = listOf(r);
      expectThat(
        idsOf(found).join() === id,
        `userName eq "${String(body.userName).toUpperCase()}" found ${found.length} users, expected the one named ${body.userName}`,
      );
    },
  },
  {
    id: 'users.patch-replace',
    group: 'users',
    title: 'PATCH replace of several attributes (verbose: one op per path, a value filter) reads back changed',
    source: `RFC 7644 §3.5.2.3; ${MS} "Patch User - Replace Attributes (verbose request)"`,
    requires: ['patch', 'title'],
    async run(ctx) {
      const { id, body } = await ctx.createUser();
      const email = `${ctx.unique('mail')}@example.org`;
      await patch(
        ctx,
        ctx.capabilities.users,
        id,
        { op: 'replace', path: 'displayName', value: 'Renamed Person' },
        { op: 'replace', path: 'name.givenName', value: 'Renamed' },
        { op: 'replace', path: 'emails[type eq "work"].value', value: email },
        { op: 'replace', path: 'title', value: 'Engineer' },
      );
      const u = await readBack(ctx, ctx.capabilities.users, id);
      expectValue(u, 'displayName', 'Renamed Person', 'after the PATCH');
      expectValue(u, 'name.givenName', 'Renamed', 'after the PATCH');
      expectValue(u, 'title', 'Engineer', 'after the PATCH');
      const work = (u.emails as { type?: string; value?: string }[] | undefined)?.find((e) => e.type === 'work');
      expectThat(work?.value === email, `after the PATCH, the work e-mail is ${JSON.stringify(work?.value)}, expected "${email}"`);
      expectValue(u, 'name.familyName', (body.name as { familyName?: unknown }).familyName, 'after the PATCH (not part of it)');
    },
  },
  {
    id: 'users.patch-username',
    group: 'users',
    title: 'PATCH replace userName: the user is found by the new name, not the old',
    source: `RFC 7644 §3.5.2.3; ${MS} "Update User userName"`,
    requires: ['patch', 'filter'],
    async run(ctx) {
      const { id, body } = await ctx.createUser();
      const renamed = ctx.unique('renamed');
      await patch(ctx, ctx.capabilities.users, id, { op: 'replace', path: 'userName', value: renamed });
      expectValue(await readBack(ctx, ctx.capabilities.users, id), 'userName', renamed, 'after the PATCH');
      const now = listOf(await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(renamed)}`)}`));
      expectThat(idsOf(now).join() === id, `a filter on the new userName found ${now.length} users`);
      const before = listOf(await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(String(body.userName))}`)}`));
      expectThat(before.length === 0, 'a filter on the old userName still finds the user');
    },
  },
  {
    id: 'users.disable',
    group: 'users',
    title: 'a path-less PATCH replace {"active": false} (as Okta deactivates) reads back active false',
    source: `RFC 7644 §3.5.2.3; ${MS} "Patch User - Disable User"; Okta: "Deactivate a user" (developer.okta.com SCIM 2.0 guide)`,
    requires: ['patch'],
    async run(ctx) {
      const { id } = await ctx.createUser({ active: true });
      await patch(ctx, ctx.capabilities.users, id, { op: 'replace', value: { active: false } });
      expectValue(await readBack(ctx, ctx.capabilities.users, id), 'active', false, 'after the PATCH');
    },
  },
  {
    id: 'users.put',
    group: 'users',
    title: 'PUT replaces the user: what is sent is what is read back',
    // what is left out may be cleared or defaulted (RFC 7644 §3.5.1: "MAY"): only what is sent is checked
    source: 'RFC 7644 §3.5.1; Okta App Integration Wizard apps, JumpCloud and PingFederate update with PUT',
    async run(ctx) {
      const { id, body } = await ctx.createUser();
      const next = userBody(String(body.userName), { displayName: 'Put Person', name: { givenName: 'Put', familyName: 'Person' } });
      const r = await ctx.send('PUT', `${ctx.capabilities.users}/${encodeURIComponent(id)}`, { body: { ...next, id } });
      expectStatus(r, 200);
      const u = await readBack(ctx, ctx.capabilities.users, id);
      expectValue(u, 'displayName', 'Put Person', 'after the PUT');
      expectValue(u, 'name.givenName', 'Put', 'after the PUT');
    },
  },
  {
    id: 'users.manager-add',
    group: 'users',
    title: 'PATCH add of the enterprise manager (by id) reads back manager.value',
    source: `RFC 7643 §4.3; ${MS} "Patch User - Add Manager"`,
    requires: ['patch', 'enterprise'],
    async run(ctx) {
      const manager = await ctx.createUser();
      const { id } = await ctx.createUser();
      await patch(ctx, ctx.capabilities.users, id, { op: 'add', path: `${ENTERPRISE_USER_SCHEMA_ID}:manager`, value: { value: manager.id } });
      expectValue(await readBack(ctx, ctx.capabilities.users, id), `${ENTERPRISE_USER_SCHEMA_ID}:manager.value`, manager.id, 'after the PATCH');
    },
  },
  {
    id: 'users.manager-replace',
    group: 'users',
    title: 'PATCH replace of the manager reads back the new manager',
    source: `RFC 7643 §4.3; ${MS} "Patch User - Replace Manager"`,
    requires: ['patch', 'enterprise'],
    async run(ctx) {
      const first = await ctx.createUser();
      const second = await ctx.createUser();
      const { id } = await ctx.createUser({
        schemas: [USER_SCHEMA_ID, ENTERPRISE_USER_SCHEMA_ID],
        [ENTERPRISE_USER_SCHEMA_ID]: { manager: { value: first.id } },
      });
      await patch(ctx, ctx.capabilities.users, id, { op: 'replace', path: `${ENTERPRISE_USER_SCHEMA_ID}:manager`, value: { value: second.id } });
      expectValue(await readBack(ctx, ctx.capabilities.users, id), `${ENTERPRISE_USER_SCHEMA_ID}:manager.value`, second.id, 'after the PATCH');
    },
  },
  {
    id: 'users.manager-remove',
    group: 'users',
    title: 'PATCH remove of the manager leaves no manager',
    source: `RFC 7644 §3.5.2.2; ${MS} "Patch User - Remove Manager"`,
    requires: ['patch', 'enterprise'],
    async run(ctx) {
      const manager = await ctx.createUser();
      const { id } = await ctx.createUser({
        schemas: [USER_SCHEMA_ID, ENTERPRISE_USER_SCHEMA_ID],
        [ENTERPRISE_USER_SCHEMA_ID]: { manager: { value: manager.id } },
      });
      await patch(ctx, ctx.capabilities.users, id, { op: 'remove', path: `${ENTERPRISE_USER_SCHEMA_ID}:manager` });
      expectValue(await readBack(ctx, ctx.capabilities.users, id), `${ENTERPRISE_USER_SCHEMA_ID}:manager`, undefined, 'after the PATCH');
    },
  },
  {
    id: 'users.patch-several-ops',
    group: 'users',
    title: 'one PATCH with several operations, on different attributes and twice on one, applies them in order',
    source: `RFC 7644 §3.5.2 ("each operation … in sequence"); ${MS} preview "multiple ops on different / the same attribute"`,
    requires: ['patch', 'title', 'nickName'],
    async run(ctx) {
      const { id } = await ctx.createUser();
      await patch(
        ctx,
        ctx.capabilities.users,
        id,
        { op: 'replace', path: 'title', value: 'First' },
        { op: 'replace', path: 'nickName', value: 'Nick' },
        { op: 'replace', path: 'title', value: 'Second' },
      );
      const u = await readBack(ctx, ctx.capabilities.users, id);
      expectValue(u, 'title', 'Second', 'after the PATCH');
      expectValue(u, 'nickName', 'Nick', 'after the PATCH');
    },
  },
  {
    id: 'users.not-found',
    group: 'users',
    title: 'GET of an unknown id answers 404 with the Error schema',
    source: `RFC 7644 §3.12; ${OKTA} "Make sure invalid user id returns 404 with the Error schema"`,
    async run(ctx) {
      expectError(await ctx.send('GET', `${ctx.capabilities.users}/${missingId()}`), 404);
    },
  },
  {
    id: 'users.delete',
    group: 'users',
    title: 'DELETE answers 204; the user is gone from GET and from filters',
    source: `RFC 7644 §3.6; ${MS} "Delete a User"`,
    async run(ctx) {
      const { id, body } = await ctx.createUser();
      expectStatus(await ctx.send('DELETE', `${ctx.capabilities.users}/${encodeURIComponent(id)}`), 204);
      expectError(await ctx.send('GET', `${ctx.capabilities.users}/${encodeURIComponent(id)}`), 404);
      if (!ctx.capabilities.features.has('filter')) return;
      const left = listOf(await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(String(body.userName))}`)}`));
      if (left.length) throw new CheckFailure('a filter still finds the deleted user');
    },
  },
  {
    id: 'users.delete-twice',
    group: 'users',
    title: 'DELETE of a deleted or unknown user answers 404',
    source: `RFC 7644 §3.6 ("… 404 Not Found"); ${MS} preview "Delete a non-existent user", "Delete the same user twice"`,
    async run(ctx) {
      const { id } = await ctx.createUser();
      expectStatus(await ctx.send('DELETE', `${ctx.capabilities.users}/${encodeURIComponent(id)}`), 204);
      expectError(await ctx.send('DELETE', `${ctx.capabilities.users}/${encodeURIComponent(id)}`), 404);
      expectError(await ctx.send('DELETE', `${ctx.capabilities.users}/${missingId()}`), 404);
    },
  },
];
