/**
 * Bulk: bulkId references and failOnErrors (RFC 7644 §3.7).
 * @module
 */
import { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA } from 'scimkit';
import { bodyOf, type CheckContext, expectStatus, expectThat, type Scenario } from '../scenario.js';
import { filter, groupBody, listOf, literal, membersOf, userBody } from './shapes.js';

type Json = Record<string, unknown>;

/** Sends a BulkRequest; answers its operation results by bulkId, each created resource removed after the scenario. */
async function bulk(ctx: CheckContext, Operations: Json[], failOnErrors?: number): Promise<Map<string, Json>> {
  const r = await ctx.send('POST', '/Bulk', { body: { schemas: [BULK_REQUEST_SCHEMA], ...(failOnErrors ? { failOnErrors } : {}), Operations } });
  const results = (r.json as { Operations?: unknown } | undefined)?.Operations;
  // cleanup first, whatever else is wrong with the answer: in order, so the group goes before the user it holds
  for (const o of Array.isArray(results) ? (results as Json[]) : []) {
    if (typeof o.location === 'string' && String(o.status).startsWith('2')) ctx.removeAfter(o.location);
  }
  expectStatus(r, 200, 'POST /Bulk');
  const b = bodyOf(r);
  expectThat(Array.isArray(b.schemas) && b.schemas.includes(BULK_RESPONSE_SCHEMA), `the Bulk response does not name ${BULK_RESPONSE_SCHEMA}`);
  expectThat(Array.isArray(results), 'the Bulk response has no Operations');
  // the response's order is not promised (RFC 7644 §3.7.3): results are matched by bulkId
  return new Map((results as Json[]).map((o) => [String(o.bulkId), o]));
}

/** The id at the end of a Location. */
const idOf = (location: unknown): string =>
  decodeURIComponent(
    String(location)
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() ?? '',
  );

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
      const [user, group] = [results.get('u1'), results.get('g1')];
      for (const [name, o] of [
        ['u1', user],
        ['g1', group],
      ] as const) {
        expectThat(
          o && String(o.status) === '201' && typeof o.location === 'string',
          `the Bulk POST ${name} answered status ${JSON.stringify(o?.status)}, location ${JSON.stringify(o?.location)}`,
        );
      }
      const members = await membersOf(ctx, idOf(group!.location));
      expectThat(
        members.join() === idOf(user!.location),
        `the group's members are ${JSON.stringify(members)}: bulkId:u1 was not resolved to ${idOf(user!.location)}`,
      );
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
      const bad = results.get('bad');
      expectThat(String(bad?.status ?? '').startsWith('4'), `the invalid operation answered ${JSON.stringify(bad?.status)}, expected a 4xx`);
      const created = listOf(await ctx.send('GET', `${ctx.capabilities.users}${filter(`userName eq ${literal(after)}`)}`));
      for (const u of created) ctx.removeAfter(`${ctx.capabilities.users}/${encodeURIComponent(String(u.id))}`);
      expectThat(created.length === 0 && !results.has('good'), `after the first error the next operation ran (${created.length} users created)`);
    },
  },
];
