/**
 * Bulk: bulkId references and failOnErrors (RFC 7644 §3.7).
 * @module
 */
import { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA } from 'scimkit';
import { bodyOf, type CheckContext, expectStatus, expectThat, type Scenario } from '../scenario.js';
import { filter, groupBody, listOf, literal, memberIds, readBack, userBody } from './shapes.js';

type Json = Record<string, unknown>;

/** Sends a BulkRequest; answers its operation results, each created resource removed after the scenario. */
async function bulk(ctx: CheckContext, Operations: Json[], failOnErrors?: number): Promise<Json[]> {
  const r = await ctx.send('POST', '/Bulk', { body: { schemas: [BULK_REQUEST_SCHEMA], ...(failOnErrors ? { failOnErrors } : {}), Operations } });
  expectStatus(r, 200, 'POST /Bulk');
  const b = bodyOf(r);
  expectThat(Array.isArray(b.schemas) && b.schemas.includes(BULK_RESPONSE_SCHEMA), `the Bulk response does not name ${BULK_RESPONSE_SCHEMA}`);
  expectThat(Array.isArray(b.Operations), 'the Bulk response has no Operations');
  const results = b.Operations as Json[];
  // in order: cleanup deletes newest first, so the group goes before the user it holds
  for (const o of results) {
    // a location is absolute (RFC 7644 §3.7.3); a relative one is taken relative to the base URL
    if (typeof o.location === 'string' && String(o.status).startsWith('2') && o.method === 'POST') ctx.removeAfter(o.location);
  }
  return results;
}

/** The Bulk scenarios. */
export const bulkScenarios: Scenario[] = [
  {
    id: 'bulk.bulk-id',
    group: 'bulk',
    title: 'a Bulk request creates a user and a group whose member is that user by bulkId',
    source: 'RFC 7644 §3.7 and §3.7.2 (bulkId references)',
    requires: ['bulk', 'groups'],
    async run(ctx) {
      const results = await bulk(ctx, [
        { method: 'POST', path: ctx.capabilities.users, bulkId: 'u1', data: userBody(ctx.unique('bulk')) },
        { method: 'POST', path: ctx.capabilities.groups, bulkId: 'g1', data: groupBody(ctx.unique('bulk-group'), { members: [{ value: 'bulkId:u1' }] }) },
      ]);
      expectThat(results.length === 2, `the Bulk response has ${results.length} operation results, expected 2`);
      for (const o of results)
        expectThat(
          String(o.status) === '201' && typeof o.location === 'string',
          `a Bulk POST answered status ${JSON.stringify(o.status)}, location ${JSON.stringify(o.location)}`,
        );
      const userId = String(results[0]!.location).split('/').pop()!;
      const groupId = String(results[1]!.location).split('/').pop()!;
      const members = memberIds(await readBack(ctx, ctx.capabilities.groups, decodeURIComponent(groupId)));
      expectThat(members.join() === decodeURIComponent(userId), `the group's members are ${JSON.stringify(members)}: bulkId:u1 was not resolved to ${userId}`);
    },
  },
  {
    id: 'bulk.fail-on-errors',
    group: 'bulk',
    title: 'failOnErrors 1 stops at the first failed operation: the rest are not applied',
    source: 'RFC 7644 §3.7 (failOnErrors) and §3.7.3',
    requires: ['bulk', 'filter'],
    async run(ctx) {
      const after = ctx.unique('after-failure');
      const results = await bulk(
        ctx,
        [
          { method: 'POST', path: ctx.capabilities.users, bulkId: 'bad', data: { schemas: userBody('x').schemas, displayName: 'no userName' } },
          { method: 'POST', path: ctx.capabilities.users, bulkId: 'good', data: userBody(after) },
        ],
        1,
      );
      expectThat(String(results[0]?.status ?? '').startsWith('4'), `the invalid operation answered ${JSON.stringify(results[0]?.status)}, expected a 4xx`);
      const created = listOf(await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(after)}`)}`));
      expectThat(
        created.length === 0 && results.length === 1,
        `after the first error ${results.length - 1} more operations ran and created ${created.length} users`,
      );
    },
  },
];
