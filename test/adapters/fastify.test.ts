// The Fastify plugin keeps to its own context: the app's other routes parse JSON as before.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { bearerToken, createScimServer, silentLogger } from 'scimkit';
import { scimPlugin } from 'scimkit/fastify';
import { describe, expect, it } from 'vitest';

const TOKEN = 'fastify-test-token-0123456789-0123456789';

describe('scimkit/fastify', () => {
  it('takes SCIM’s content types under its prefix only; the app’s own routes keep Fastify’s JSON parser', async () => {
    const app = Fastify();
    app.post('/api/echo', async (request) => ({ got: request.body }));
    await app.register(scimPlugin(createScimServer({ authenticate: bearerToken(TOKEN), logger: silentLogger })), { prefix: '/scim/v2' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const echo = await fetch(`${base}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(await echo.json()).toEqual({ got: { a: 1 } });
      const created = await fetch(`${base}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'fy@x.io' }),
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
      expect(created.headers.get('location')).toBe(`${base}/scim/v2/Users/${((await created.json()) as { id: string }).id}`);
      // a body of another type is SCIM's 415, not Fastify's
      const xml = await fetch(`${base}/scim/v2/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/xml' },
        body: '<u/>',
      });
      expect(xml.status).toBe(415);
      expect(((await xml.json()) as { schemas: string[] }).schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    } finally {
      await app.close();
    }
  });
});
