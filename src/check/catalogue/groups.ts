/**
 * Groups: what Microsoft's SCIM Validator runs on /Groups, and Okta's Group Push member removal.
 * @module
 */
import { isDateTime } from 'scimkit/store-kit';
import { bodyOf, expectStatus, expectThat, type Scenario } from '../scenario.js';
import { expectError, expectValue, filter, groupBody, idsOf, listOf, literal, memberIds, membersOf, patch, readBack, totalOf } from './shapes.js';

const MS = 'Microsoft SCIM Validator';

/** The Groups scenarios. */
export const groupScenarios: Scenario[] = [
  {
    id: 'groups.create',
    group: 'groups',
    title: 'create a group with a member: 201 with id, displayName and the member',
    source: `RFC 7644 §3.3, RFC 7643 §4.2; ${MS} "Create a new Group"`,
    requires: ['groups'],
    async run(ctx) {
      const user = await ctx.createUser();
      const displayName = ctx.unique('group');
      const { id, body } = await ctx.createGroup({ displayName, members: [{ value: user.id }] });
      expectValue(body, 'displayName', displayName, 'in the 201 body');
      const members = await membersOf(ctx, id);
      expectThat(members.join() === user.id, `read back, the members are ${JSON.stringify(members)}, expected [${user.id}]`);
    },
  },
  {
    id: 'groups.get-excluding-members',
    group: 'groups',
    title: 'GET /Groups/{id}?excludedAttributes=members answers the group without members',
    source: `RFC 7644 §3.4.2.5; ${MS} "Get group by id excluding members"`,
    requires: ['groups'],
    async run(ctx) {
      const user = await ctx.createUser();
      const { id, body } = await ctx.createGroup({ members: [{ value: user.id }] });
      const r = await ctx.send('GET', `${ctx.capabilities.groups}/${encodeURIComponent(id)}?excludedAttributes=members`);
      expectStatus(r, 200);
      const g = bodyOf(r);
      expectValue(g, 'displayName', body.displayName, 'with excludedAttributes=members');
      expectThat(g.members === undefined, `with excludedAttributes=members the group still has ${memberIds(g).length} members`);
    },
  },
  {
    id: 'groups.filter-existing',
    group: 'groups',
    title: 'filter displayName eq finds exactly the group',
    source: `RFC 7644 §3.4.2.2; ${MS} "Filter for an existing group"`,
    requires: ['groups', 'filter'],
    async run(ctx) {
      const { id, body } = await ctx.createGroup();
      const r = await ctx.send(
        'GET',
        `${ctx.capabilities.groups}${filter(`displayName eq ${literal(String(body.displayName))}`, '&excludedAttributes=members')}`,
      );
      const found = listOf(r);
      expectThat(totalOf(r) === 1 && idsOf(found).join() === id, `the filter found ${JSON.stringify(idsOf(found))}, expected [${id}]`);
    },
  },
  {
    id: 'groups.filter-missing',
    group: 'groups',
    title: 'a group filter matching nothing answers 200 with totalResults 0',
    source: `RFC 7644 §3.4.2; ${MS} "Filter for a non-existing group"`,
    requires: ['groups', 'filter'],
    async run(ctx) {
      const r = await ctx.send('GET', `${ctx.capabilities.groups}${filter(`displayName eq ${literal(ctx.unique('nogroup'))}`)}`);
      expectThat(listOf(r).length === 0 && totalOf(r) === 0, `the filter found ${totalOf(r)} groups`);
    },
  },
  {
    id: 'groups.filter-case',
    group: 'groups',
    title: 'filter displayName eq matches case-insensitively (caseExact false)',
    source: `RFC 7643 §4.2 (displayName caseExact false); ${MS} "Filter for an existing group with a different case"`,
    requires: ['groups', 'filter'],
    async run(ctx) {
      const { id, body } = await ctx.createGroup();
      const upper = String(body.displayName).toUpperCase();
      const found = listOf(await ctx.send('GET', `${ctx.capabilities.groups}${filter(`displayName eq ${literal(upper)}`)}`));
      expectThat(idsOf(found).join() === id, `displayName eq "${upper}" found ${found.length} groups, expected the one named ${body.displayName}`);
    },
  },
  {
    id: 'groups.duplicate',
    group: 'groups',
    title: 'a second group with the same displayName answers 409 uniqueness (when the schema says displayName is unique)',
    source: `RFC 7644 §3.3; ${MS} "Create a duplicate Group"`,
    requires: ['groups', 'uniqueGroupName'],
    async run(ctx) {
      const { body } = await ctx.createGroup();
      const r = await ctx.tryCreate(ctx.capabilities.groups, { body: groupBody(String(body.displayName), { externalId: `${body.externalId}-2` }) });
      expectError(r, 409, 'uniqueness');
    },
  },
  {
    id: 'groups.rename',
    group: 'groups',
    title: 'PATCH replace displayName reads back the new name',
    source: `RFC 7644 §3.5.2.3; ${MS} "Patch Group - Replace Attributes", "Update Group displayName"`,
    requires: ['groups', 'patch'],
    async run(ctx) {
      const { id } = await ctx.createGroup();
      const renamed = ctx.unique('renamed-group');
      await patch(ctx, ctx.capabilities.groups, id, { op: 'replace', path: 'displayName', value: renamed });
      expectValue(await readBack(ctx, ctx.capabilities.groups, id), 'displayName', renamed, 'after the PATCH');
    },
  },
  {
    id: 'groups.add-member',
    group: 'groups',
    title: 'PATCH add members adds the user and keeps the members there were',
    source: `RFC 7644 §3.5.2.1; ${MS} "Patch Group - Add Member"`,
    requires: ['groups', 'patch'],
    async run(ctx) {
      const a = await ctx.createUser();
      const b = await ctx.createUser();
      const { id } = await ctx.createGroup({ members: [{ value: a.id }] });
      await patch(ctx, ctx.capabilities.groups, id, { op: 'add', path: 'members', value: [{ value: b.id }] });
      const members = (await membersOf(ctx, id)).sort();
      expectThat(members.join() === [a.id, b.id].sort().join(), `after the PATCH the members are ${JSON.stringify(members)}, expected both users`);
    },
  },
  {
    id: 'groups.remove-member',
    group: 'groups',
    title: 'PATCH remove members[value eq "…"] removes that member only',
    source: `RFC 7644 §3.5.2.2; ${MS} "Patch Group - Remove Member"; Okta Group Push sends members[value eq "…"]`,
    requires: ['groups', 'patch'],
    async run(ctx) {
      const a = await ctx.createUser();
      const b = await ctx.createUser();
      const { id } = await ctx.createGroup({ members: [{ value: a.id }, { value: b.id }] });
      await patch(ctx, ctx.capabilities.groups, id, { op: 'remove', path: `members[value eq ${literal(a.id)}]` });
      const members = await membersOf(ctx, id);
      expectThat(members.join() === b.id, `after the PATCH the members are ${JSON.stringify(members)}, expected [${b.id}]`);
    },
  },
  {
    id: 'groups.delete',
    group: 'groups',
    title: 'DELETE a group answers 204; then GET answers 404; its members stay',
    source: `RFC 7644 §3.6; ${MS} "Delete a Group"`,
    requires: ['groups'],
    async run(ctx) {
      const user = await ctx.createUser();
      const { id } = await ctx.createGroup({ members: [{ value: user.id }] });
      expectStatus(await ctx.send('DELETE', `${ctx.capabilities.groups}/${encodeURIComponent(id)}`), 204);
      expectError(await ctx.send('GET', `${ctx.capabilities.groups}/${encodeURIComponent(id)}`), 404);
      await readBack(ctx, ctx.capabilities.users, user.id);
    },
  },
  {
    id: 'groups.meta-datetimes',
    group: 'groups',
    title: 'meta.created and meta.lastModified are xsd:dateTime after every kind of write, the group a deleted member left included',
    source: 'RFC 7643 §3.1 (meta.created, meta.lastModified: DateTime), §2.3.5 (xsd:dateTime)',
    requires: ['groups'],
    async run(ctx) {
      const { users, groups } = ctx.capabilities;
      const dateTimes = (resource: Record<string, unknown>, when: string) => {
        for (const k of ['created', 'lastModified'] as const) {
          const v = (resource.meta as Record<string, unknown> | undefined)?.[k];
          expectThat(typeof v === 'string' && isDateTime(v), `meta.${k} ${when} is ${JSON.stringify(v)}, not an xsd:dateTime (RFC 7643 §2.3.5)`);
        }
      };
      const [a, b] = [await ctx.createUser(), await ctx.createUser()];
      dateTimes(a.body, 'in the 201 of a user');
      const g = await ctx.createGroup({ members: [{ value: a.id }, { value: b.id }] });
      dateTimes(g.body, 'in the 201 of a group');
      const { meta: _meta, groups: _groups, ...attributes } = a.body;
      const put = await ctx.send('PUT', `${users}/${encodeURIComponent(a.id)}`, { body: { ...attributes, displayName: 'Meta Put' } });
      expectStatus(put, 200);
      dateTimes(bodyOf(put), 'in the 200 of a PUT');
      dateTimes(await readBack(ctx, users, a.id), 'of a user read back after a PUT');
      if (ctx.capabilities.features.has('patch')) {
        await patch(ctx, groups, g.id, { op: 'replace', path: 'displayName', value: ctx.unique('meta') });
        dateTimes(await readBack(ctx, groups, g.id), 'of a group read back after a PATCH of displayName');
        await patch(ctx, groups, g.id, { op: 'remove', path: `members[value eq ${literal(b.id)}]` });
        dateTimes(await readBack(ctx, groups, g.id), 'of a group read back after a PATCH removing a member');
      }
      // the group's times move without a request of its own: PostgresStore once wrote PostgreSQL's format here
      expectStatus(await ctx.send('DELETE', `${users}/${encodeURIComponent(a.id)}`), 204);
      dateTimes(await readBack(ctx, groups, g.id), 'of a group read back after its member was deleted');
      if (ctx.capabilities.features.has('filter')) {
        const listed = listOf(await ctx.send('GET', `${groups}${filter(`id eq ${literal(g.id)}`, '&excludedAttributes=members')}`));
        for (const r of listed) dateTimes(r, 'of a group listed after its member was deleted');
      }
    },
  },
];
