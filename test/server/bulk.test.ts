import { describe, expect, it } from 'vitest';
import { planBulk } from '../../src/server/bulk.js';
import { G, setup, U } from './helpers.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
type Op = { status: string; bulkId?: string; location?: string; response?: { detail: string; scimType?: string }; method: string };

describe('Bulk (RFC 7644 §3.7)', () => {
  it('resolves bulkId references, also inside members, even when the reference comes first', async () => {
    const { call } = setup();
    const r = await call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [G], displayName: 'Tour Guides', members: [{ type: 'User', value: 'bulkId:u1' }] } },
        { method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [U], userName: 'alice' } },
        {
          method: 'PATCH',
          path: '/Users/bulkId:u1',
          data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Guide' }] },
        },
      ],
    });
    expect(r.status).toBe(200);
    const ops = r.body.Operations as Op[];
    expect(ops.map((o) => o.status)).toEqual(['201', '201', '200']);
    const userId = ops[1]!.location!.split('/').pop();
    const group = await call('GET', ops[0]!.location!.replace('https://app.example.com/scim/v2', ''));
    expect(group.body.members).toEqual([{ type: 'User', value: userId, $ref: `https://app.example.com/scim/v2/Users/${userId}` }]);
  });

  it('circular references are 409, and dangling ones too', async () => {
    const { call } = setup();
    const r = await call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Groups', bulkId: 'a', data: { schemas: [G], displayName: 'A', members: [{ value: 'bulkId:b' }] } },
        { method: 'POST', path: '/Groups', bulkId: 'b', data: { schemas: [G], displayName: 'B', members: [{ value: 'bulkId:a' }] } },
        { method: 'DELETE', path: '/Users/bulkId:zz' },
        { method: 'POST', path: '/Users', bulkId: 'ok', data: { schemas: [U], userName: 'fine' } },
      ],
    });
    const ops = r.body.Operations as Op[];
    expect(ops.map((o) => o.status)).toEqual(['409', '409', '409', '201']);
    expect(ops[2]!.response!.detail).toMatch(/bulkId:zz refers to no POST/);
  });

  it('each operation stands alone; failOnErrors stops the run', async () => {
    const { call } = setup();
    const ops = [
      { method: 'POST', path: '/Users', bulkId: '1', data: { schemas: [U], userName: 'x' } },
      { method: 'POST', path: '/Users', bulkId: '2', data: { schemas: [U], userName: 'x' } },
      { method: 'POST', path: '/Users', bulkId: '3', data: { schemas: [U] } },
      { method: 'POST', path: '/Users', bulkId: '4', data: { schemas: [U], userName: 'y' } },
    ];
    const all = (await call('POST', '/Bulk', { schemas: [BULK], Operations: ops })).body.Operations as Op[];
    expect(all.map((o) => o.status)).toEqual(['201', '409', '400', '201']);
    expect(all[1]!.response!.scimType).toBe('uniqueness');
    const { call: call2 } = setup();
    const stopped = (await call2('POST', '/Bulk', { schemas: [BULK], failOnErrors: 1, Operations: ops })).body.Operations as Op[];
    expect(stopped.map((o) => o.status)).toEqual(['201', '409']);
    expect((await call2('GET', '/Users?filter=userName eq "y"')).body.totalResults).toBe(0);
  });

  it('limits and shape errors', async () => {
    const { call } = setup({ limits: { maxBulkOperations: 2 } });
    const three = Array.from({ length: 3 }, (_, i) => ({ method: 'DELETE', path: `/Users/${i}` }));
    expect((await call('POST', '/Bulk', { schemas: [BULK], Operations: three })).status).toBe(413);
    expect((await call('POST', '/Bulk', { Operations: [] })).body.scimType).toBe('invalidSyntax');
    expect((await call('POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'GET', path: '/Users' }] })).body.detail).toMatch(
      /method must be POST, PUT, PATCH or DELETE/,
    );
    expect((await call('POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'POST', path: '/Users', data: {} }] })).body.detail).toMatch(
      /needs a bulkId/,
    );
    const nested = await call('POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'POST', path: '/Bulk', bulkId: 'n', data: {} }] });
    expect((nested.body.Operations as Op[])[0]!.status).toBe('400');
    expect((await call('GET', '/Bulk')).status).toBe(405);
  });

  it('the planner is pure: order and failures without I/O', () => {
    const plan = planBulk(
      {
        schemas: [BULK],
        Operations: [
          { method: 'PUT', path: '/Users/bulkId:u', data: {} },
          { method: 'POST', path: '/Users', bulkId: 'u', data: {} },
        ],
      },
      10,
    );
    expect(plan.order.map((o) => o.index)).toEqual([1, 0]);
    expect(plan.failed).toEqual([]);
  });
});
