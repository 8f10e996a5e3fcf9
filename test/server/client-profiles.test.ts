// Per-client defaults: each IdP's quirks for that IdP's requests only (the User-Agent names it).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_PROFILES } from '../../src/index.js';
import { closeServers, G, setup, U } from './helpers.js';

const fixture = (path: string) => {
  const { _source, ...body } = JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  return body;
};
const ENTRA = { 'user-agent': 'Microsoft Azure AD SCIM provisioning' };
const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };
const JUMPCLOUD = { 'user-agent': 'JumpCloud SCIM client' };

afterEach(closeServers);

describe('compatibilityByClient: CLIENT_PROFILES over a strict server', () => {
  const server = () => setup({ compatibility: 'strict', compatibilityByClient: CLIENT_PROFILES });

  it('takes Entra ID’s capitalised op and "False" from Entra ID, and refuses them from Okta and from an unnamed client', async () => {
    const { call } = server();
    const id = (await call('POST', '/Users', { schemas: [U], userName: 'per-client' })).body.id!;
    const deactivate = fixture('entra/deactivate.json');
    for (const headers of [OKTA, {}]) {
      const r = await call('PATCH', `/Users/${id}`, deactivate, headers);
      expect(r.status, JSON.stringify(headers)).toBe(400);
      expect(r.body.detail).toMatch(/Replace|op|False|boolean/i);
    }
    const entra = await call('PATCH', `/Users/${id}`, deactivate, ENTRA);
    expect(entra.status, JSON.stringify(entra.body)).toBe(200);
    expect(entra.body.active).toBe(false);
  });

  it('reads JumpCloud’s unfiltered member removal as a removal of those members for JumpCloud only; another client gets 400, not every member removed', async () => {
    const { call } = server();
    const a = (await call('POST', '/Users', { schemas: [U], userName: 'jc-a' })).body.id!;
    const b = (await call('POST', '/Users', { schemas: [U], userName: 'jc-b' })).body.id!;
    const g = (await call('POST', '/Groups', { schemas: [G], displayName: 'JC team', members: [{ value: a }, { value: b }] })).body.id!;
    const removal = JSON.parse(JSON.stringify(fixture('jumpcloud/remove-member-with-value.json')).replace('{userId}', a));
    const okta = await call('PATCH', `/Groups/${g}`, removal, OKTA);
    expect([okta.status, okta.body.scimType]).toEqual([400, 'invalidValue']);
    const jc = await call('PATCH', `/Groups/${g}`, removal, JUMPCLOUD);
    expect(jc.status, JSON.stringify(jc.body)).toBeLessThan(300);
    const members = ((await call('GET', `/Groups/${g}`)).body.members as { value: string }[]).map((m) => m.value);
    expect(members).toEqual([b]);
  });

  it('applies a client’s profile inside Bulk too', async () => {
    const { call } = server();
    const id = (await call('POST', '/Users', { schemas: [U], userName: 'bulk-client' })).body.id!;
    const bulk = (headers: Record<string, string>) =>
      call(
        'POST',
        '/Bulk',
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [{ method: 'PATCH', path: `/Users/${id}`, data: fixture('entra/deactivate.json') }],
        },
        headers,
      );
    expect(((await bulk(OKTA)).body.Operations as { status: string }[])[0]!.status).toBe('400');
    expect(((await bulk(ENTRA)).body.Operations as { status: string }[])[0]!.status).toBe('200');
  });

  it('without compatibilityByClient every client gets the server’s profile', async () => {
    const { call } = setup({ compatibility: 'strict' });
    const id = (await call('POST', '/Users', { schemas: [U], userName: 'no-profiles' })).body.id!;
    expect((await call('PATCH', `/Users/${id}`, fixture('entra/deactivate.json'), ENTRA)).status).toBe(400);
  });
});
