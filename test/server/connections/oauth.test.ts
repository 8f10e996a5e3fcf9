// The OAuth 2.0 token endpoint (client credentials, RFC 6749 §4.4) over real HTTP through the
// node and Express adapters: §5.1 answers, §5.2 errors (never a SCIM error body), Basic and
// post client authentication, access tokens accepted until they expire, client rotation.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createScimServer, MemoryStore, type ScimServer } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { toNodeHandler } from 'scimkit/node';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTOR, eventually } from './helpers.js';

const servers: { http: Server; scim: ScimServer }[] = [];
afterEach(async () => {
  for (const { http, scim } of servers.splice(0)) {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
    await scim.close();
  }
});

const MOUNTS = {
  node: (scim: ScimServer) => createServer(toNodeHandler(scim, { basePath: '/scim/v2' })),
  'express (no body parser)': (scim: ScimServer) => createServer(express().use('/scim/v2', scimRouter(scim))),
  'express (with express.urlencoded())': (scim: ScimServer) =>
    createServer(
      express()
        .use(express.urlencoded({ extended: false }))
        .use('/scim/v2', scimRouter(scim)),
    ),
};

async function start(mount: (scim: ScimServer) => Server, accessTokenMs?: number) {
  const store = new MemoryStore();
  const scim = createScimServer({ store, tenantInPath: true, connections: accessTokenMs === undefined ? {} : { accessTokenMs } });
  const http = mount(scim);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  servers.push({ http, scim });
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2/acme`;
  const c = await scim.connections!.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
  const client = await scim.connections!.oauthClient(c.id, { actor: ACTOR });
  const token = async (form: Record<string, string>, headers: Record<string, string> = {}, path = '/oauth/token') => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const get = (accessToken: string) => fetch(`${base}/Users`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { scim, base, c, client, token, get };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe.each(Object.entries(MOUNTS))('OAuth token endpoint through %s', (_name, mount) => {
  it('client_secret_post: a §5.1 answer, no-store, and the access token authenticates SCIM requests', async () => {
    const { client, token, get } = await start(mount);
    const res = await token({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect((await get(String(res.body.access_token))).status).toBe(200);
    expect((await get(client.clientSecret)).status).toBe(401); // the client secret is no bearer token
  });

  it('client_secret_basic works; a wrong secret with Basic is 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const { client, token, get } = await start(mount);
    const ok = await token({ grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.clientSecret) });
    expect(ok.status).toBe(200);
    expect((await get(String(ok.body.access_token))).status).toBe(200);
    const wrong = await token({ grant_type: 'client_credentials' }, { authorization: basic(client.clientId, `${client.clientSecret}x`) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(wrong.body.schemas).toBeUndefined();
  });

  it('§5.2 errors: wrong secret, missing client, wrong grant, missing grant, both methods', async () => {
    const { client, token } = await start(mount);
    const wrong = await token({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'nope' });
    expect([wrong.status, wrong.body.error]).toEqual([401, 'invalid_client']);
    const missing = await token({ grant_type: 'client_credentials' });
    expect([missing.status, missing.body.error]).toEqual([401, 'invalid_client']);
    const unknown = await token({ grant_type: 'client_credentials', client_id: 'client_nobody', client_secret: 'x' });
    expect([unknown.status, unknown.body.error]).toEqual([401, 'invalid_client']);
    const grant = await token({ grant_type: 'password', client_id: client.clientId, client_secret: client.clientSecret });
    expect([grant.status, grant.body.error]).toEqual([400, 'unsupported_grant_type']);
    const noGrant = await token({ client_id: client.clientId, client_secret: client.clientSecret });
    expect([noGrant.status, noGrant.body.error]).toEqual([400, 'invalid_request']);
    const both = await token(
      { grant_type: 'client_credentials', client_secret: client.clientSecret },
      { authorization: basic(client.clientId, client.clientSecret) },
    );
    expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);
    for (const r of [wrong, missing, grant, noGrant, both]) expect(typeof r.body.error_description).toBe('string');
  });
});

describe('OAuth token endpoint', () => {
  it('an access token after its expiry is 401 invalid_token', async () => {
    const { client, token, get } = await start(MOUNTS.node, 300);
    const res = await token({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    const access = String(res.body.access_token);
    expect((await get(access)).status).toBe(200);
    expect(await eventually(async () => (await get(access)).status === 401, 3000)).toBe(true);
    expect((await get(access)).headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('a form that is not form-encoded, GET, and a disabled connection are refused in §5.2 form', async () => {
    const { scim, c, client, base, token } = await start(MOUNTS.node);
    const json = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([json.status, ((await json.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
    const get = await fetch(`${base}/oauth/token`);
    expect(get.status).toBe(405);
    await scim.connections!.disable(c.id, { actor: ACTOR });
    const disabled = await token({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    expect([disabled.status, disabled.body.error]).toEqual([400, 'unauthorized_client']);
  });

  it('another tenant’s path does not know the client; a new client replaces it and the old one ends after the overlap; revoking a client revokes its access tokens', async () => {
    const { scim, c, client, base, token, get } = await start(MOUNTS.node);
    const other = await fetch(`${base.replace(/acme$/, 'beta')}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }).toString(),
    });
    expect(other.status).toBe(401);
    const access = String(
      (await token({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret })).body.access_token,
    );
    const next = await scim.connections!.oauthClient(c.id, { actor: ACTOR, overlapMs: 200 });
    expect(next.clientId).not.toBe(client.clientId);
    expect((await token({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret })).status).toBe(200);
    expect(
      await eventually(
        async () => (await token({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret })).status === 401,
        3000,
      ),
    ).toBe(true);
    const fresh = await token({ grant_type: 'client_credentials', client_id: next.clientId, client_secret: next.clientSecret });
    expect(fresh.status).toBe(200);
    await scim.connections!.revoke(c.id, next.credential.id, { actor: ACTOR });
    expect((await get(String(fresh.body.access_token))).status).toBe(401);
    expect((await get(access)).status).toBe(200); // issued to the first client, which was not revoked, only ended
  });

  it('rate limited per client address and counted in the failed-auth lockout', async () => {
    const store = new MemoryStore();
    const scim = createScimServer({ store, tenantInPath: true, connections: { tokenRate: { burst: 3, perSecond: 0.001 } } });
    const http = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    servers.push({ http, scim });
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2/acme/oauth/token`;
    const post = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=x&client_secret=y',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post()).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await post();
    expect(((await limited.json()) as { error: string }).error).toBe('invalid_request');
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });
});

describe('OAuth token endpoint behind a proxy', () => {
  it('the per-source budget follows rateLimits.sourceOf: one client behind the proxy using up its budget leaves the others theirs', async () => {
    const store = new MemoryStore();
    // every request comes from the proxy's address; the proxy names the client in a header of its own
    const scim = createScimServer({
      store,
      tenantInPath: true,
      rateLimits: { sourceOf: (req) => req.headers?.['x-client-address'] as string | undefined },
      connections: { tokenRate: { burst: 2, perSecond: 0.001 } },
    });
    const http = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    servers.push({ http, scim });
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2/acme/oauth/token`;
    const post = async (client: string) =>
      (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-client-address': client },
          body: 'grant_type=client_credentials&client_id=x&client_secret=y',
        })
      ).status;
    expect([await post('198.51.100.1'), await post('198.51.100.1'), await post('198.51.100.1')]).toEqual([401, 401, 429]);
    // another client behind the same proxy: its own budget
    expect(await post('198.51.100.2')).toBe(401);
  });
});

describe('OAuth token endpoint and the failed-auth lockout', () => {
  async function startLimited(rateLimits: {
    failedAuthPerSource?: { burst: number; perSecond: number } | false;
    failedAuthPerAddress?: { burst: number; perSecond: number } | false;
  }) {
    const store = new MemoryStore();
    const scim = createScimServer({ store, tenantInPath: true, rateLimits, connections: { tokenRate: false } });
    const http = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    servers.push({ http, scim });
    const url = (tenant: string) => `http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2/${tenant}/oauth/token`;
    const post = async (tenant: string, clientId: string, secret: string) => {
      const res = await fetch(url(tenant), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
    };
    const clientOf = async (tenant: string) => {
      const c = await scim.connections!.create({ tenant, name: tenant, settings: {}, actor: ACTOR });
      return scim.connections!.oauthClient(c.id, { actor: ACTOR });
    };
    return { post, clientOf };
  }

  it('a guesser of one client’s secret is locked out (429 with Retry-After, §5.2 JSON), even when it then sends the right secret; other clients go on', async () => {
    const { post, clientOf } = await startLimited({ failedAuthPerSource: { burst: 3, perSecond: 0.001 }, failedAuthPerAddress: false });
    const acme = await clientOf('acme');
    const beta = await clientOf('beta');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post('acme', acme.clientId, `guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const right = await post('acme', acme.clientId, acme.clientSecret);
    expect(right.status).toBe(429);
    expect(right.body.error).toBe('invalid_request');
    expect(right.body.access_token).toBeUndefined();
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.headers.get('cache-control')).toBe('no-store');
    // the lockout is of that client from that address: another client from it still gets its token
    expect((await post('beta', beta.clientId, beta.clientSecret)).status).toBe(200);
  });

  it('a source guessing many client ids is locked out, but a client that got a token on this instance before goes on (as bearer tokens do)', async () => {
    const { post, clientOf } = await startLimited({ failedAuthPerSource: false, failedAuthPerAddress: { burst: 3, perSecond: 0.001 } });
    const acme = await clientOf('acme');
    expect((await post('acme', acme.clientId, acme.clientSecret)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post('acme', `client_guess${i}`, 'x')).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // the IdP behind the same address as the guesser: known here, not refused
    expect((await post('acme', acme.clientId, acme.clientSecret)).status).toBe(200);
  });
});
