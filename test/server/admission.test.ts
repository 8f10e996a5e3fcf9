// server.admit decides from a request's method, path and headers alone; handle reuses what it
// decided, so the credential is checked once per request, and refuse records a body refused
// after admission as the tenant's own.
import { describe, expect, it } from 'vitest';
import { type AuthContext, createScimServer, ScimError, type ScimRequest, silentLogger } from '../../src/index.js';

const TOKEN = 'admission-unit-token-0123456789-0123456789';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

function serve() {
  let calls = 0;
  const scim = createScimServer({
    authenticate: (req): AuthContext => {
      calls++;
      if (req.headers?.authorization !== `Bearer ${TOKEN}`) throw ScimError.unauthorized('The bearer token is not valid');
      return { tenant: 'acme' };
    },
    logger: silentLogger,
  });
  return { scim, calls: () => calls };
}

const post = (authorization: string): ScimRequest => ({
  method: 'POST',
  path: '/Users',
  headers: { authorization, 'content-type': 'application/scim+json' },
  remoteAddress: '192.0.2.9',
});

describe('admit', () => {
  it('lets a good credential through without a body, and handle does not authenticate again', async () => {
    const { scim, calls } = serve();
    const request = post(`Bearer ${TOKEN}`);
    const admission = await scim.admit(request);
    expect([admission.refusal, calls()]).toEqual([undefined, 1]);
    expect(admission.deadline).toBeGreaterThan(Date.now());
    request.body = JSON.stringify({ schemas: [U], userName: 'once' });
    const res = await scim.handle(request, admission);
    expect([res.status, calls()]).toEqual([201, 1]);
  });

  it('an admission is used once: handed again, the request is authenticated as without one', async () => {
    const { scim, calls } = serve();
    const request = post(`Bearer ${TOKEN}`);
    const admission = await scim.admit(request);
    request.body = JSON.stringify({ schemas: [U], userName: 'first' });
    await scim.handle(request, admission);
    const again = { ...post(`Bearer ${TOKEN}`), body: JSON.stringify({ schemas: [U], userName: 'second' }) };
    expect((await scim.handle(again, admission)).status).toBe(201);
    expect(calls()).toBe(2);
  });

  it('refuses a bad credential with the answer to send (401, request id, no-store), recorded like any refused request', async () => {
    const { scim } = serve();
    const { refusal } = await scim.admit(post('Bearer wrong-token-0123456789-0123456789-0123'));
    expect(refusal?.status).toBe(401);
    expect(refusal?.headers['www-authenticate']).toContain('Bearer');
    expect(refusal?.headers['cache-control']).toBe('no-store');
    await scim.activity.flush();
    const records = await scim.activity.list({ tenant: '', refused: true });
    expect(records.map((r) => [r.requestId, r.status, r.rejectedToken, r.remoteAddress])).toEqual([[refusal?.headers['x-request-id'], 401, true, '192.0.2.9']]);
  });

  it('a body refused after admission (413) is recorded as the tenant’s own, under the admitted request id', async () => {
    const { scim } = serve();
    const request = { ...post(`Bearer ${TOKEN}`), headers: { authorization: `Bearer ${TOKEN}`, 'x-request-id': 'req-413' } };
    const admission = await scim.admit(request);
    const res = scim.refuse(request, ScimError.payloadTooLarge('The body is larger than 1048576 bytes'), admission);
    expect([res.status, res.headers['x-request-id']]).toEqual([413, 'req-413']);
    await scim.activity.flush();
    const records = await scim.activity.list({ tenant: 'acme' });
    expect(records.map((r) => [r.requestId, r.status, r.authenticated])).toEqual([['req-413', 413, true]]);
  });
});
