// Domain rules of a connection (#33): users outside the connection's domains are refused with
// 400 invalidValue naming the rule and the address, on create and on an update that brings a
// new address; a user that was there before the rule can still be deactivated; with
// `outsideDomains: 'review'` a preview keeps them for the report; preview needs a store that holds.
import { createScimServer, MemoryStore, type ProvisioningStore } from 'scimkit';
import { describe, expect, it } from 'vitest';
import { domainsOf, outsideAddress, refusedAddress } from '../../../src/server/connections/domain-rules.js';
import { ACTOR, U } from './helpers.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function setUp(options: { outsideDomains?: 'refuse' | 'review'; mode?: 'live' | 'preview'; store?: ProvisioningStore } = {}) {
  const scim = createScimServer({
    store: options.store ?? new MemoryStore(),
    tenantInPath: true,
    rateLimits: false,
    activity: { logRequests: false },
    connections: options.outsideDomains ? { outsideDomains: options.outsideDomains } : {},
    hooks: { onEvent: () => undefined },
  });
  const c = await scim.connections.create({ tenant: 'acme', domains: ['acme.io'], actor: ACTOR, ...(options.mode ? { mode: options.mode } : {}) });
  const { token } = await scim.connections.issueToken(c.id, { actor: ACTOR });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await scim.handle({
      method,
      path: `/acme${path}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return res as { status: number; body: { id: string; detail?: string; scimType?: string } };
  };
  return { scim, c, call };
}

describe('domain rules', () => {
  it('folds domains (case, width, trailing dot) and refuses what is not a domain name', () => {
    expect(domainsOf(['ACME.io.', 'acme.io', 'ｅｘａｍｐｌｅ.com'])).toEqual(['acme.io', 'example.com']);
    for (const bad of [['acme'], ['a@acme.io'], ['acme .io'], ['-acme.io'], 'acme.io', [1]])
      expect(() => domainsOf(bad)).toThrow(expect.objectContaining({ status: 400 }));
    expect(outsideAddress({ userName: 'x', emails: [{ value: 'a@eng.acme.io' }] }, ['acme.io'])).toBeUndefined();
    expect(outsideAddress({ userName: 'a@acme.io.evil.example' }, ['acme.io'])).toBe('a@acme.io.evil.example');
    expect(outsideAddress({ userName: 'anyone@evil.example' }, [])).toBeUndefined();
  });

  it('a live connection refuses a user outside its domains, on create and on an update that brings the address, naming the rule', async () => {
    const { call, scim } = await setUp();
    const out = await call('POST', '/Users', { schemas: [U], userName: 'ceo@another-company.com' });
    expect(out.status).toBe(400);
    expect(out.body.scimType).toBe('invalidValue');
    expect(out.body.detail).toContain('allowed domains');
    expect(out.body.detail).toContain('"ceo@another-company.com"');
    expect(refusedAddress(out.body.detail)).toBe('ceo@another-company.com');
    // an e-mail outside counts too, a subdomain is inside
    expect((await call('POST', '/Users', { schemas: [U], userName: 'jo', emails: [{ value: 'jo@gmail.com' }] })).status).toBe(400);
    const ok = await call('POST', '/Users', { schemas: [U], userName: 'jo@eng.acme.io' });
    expect(ok.status).toBe(201);
    const patched = await call('PATCH', `/Users/${ok.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'emails', value: [{ value: 'jo@evil.example' }] }],
    });
    expect(patched.status).toBe(400);
    expect(patched.body.detail).toContain('jo@evil.example');
    // the activity log shows the refusal
    await scim.activity.flush();
    const log = await scim.activity.list({ tenant: 'acme', status: 400 });
    expect(log.some((r) => r.detail?.includes('ceo@another-company.com'))).toBe(true);
  });

  it('a user there before the rule can still be deactivated and deleted; the new rule applies at once on this instance', async () => {
    const { call, scim, c } = await setUp();
    await scim.connections.update(c.id, { domains: [], actor: ACTOR });
    const before = await call('POST', '/Users', { schemas: [U], userName: 'old@legacy.example' });
    expect(before.status).toBe(201);
    await scim.connections.update(c.id, { domains: ['acme.io'], actor: ACTOR });
    expect((await call('POST', '/Users', { schemas: [U], userName: 'new@legacy.example' })).status).toBe(400);
    const off = await call('PATCH', `/Users/${before.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(off.status).toBe(200);
    expect((await call('DELETE', `/Users/${before.body.id}`)).status).toBe(204);
  });

  it('with outsideDomains "review", a preview keeps such a user for the report (approval waits for its resolution); once live it is refused', async () => {
    const { call, scim, c } = await setUp({ outsideDomains: 'review', mode: 'preview' });
    const kept = await call('POST', '/Users', { schemas: [U], userName: 'guest@partner.example' });
    expect(kept.status).toBe(201);
    const report = await scim.connections.preview(c.id);
    expect(report.users).toEqual([expect.objectContaining({ id: kept.body.id, outcome: 'outsideDomain' })]);
    expect(report.users[0]!.reason).toContain('guest@partner.example');
    expect(report.counts.outsideDomain).toBe(1);
    await expect(scim.connections.approve(c.id, { actor: ACTOR })).rejects.toMatchObject({ status: 409 });
    await scim.connections.resolve(c.id, kept.body.id, { action: 'create', actor: ACTOR });
    expect((await scim.connections.approve(c.id, { actor: ACTOR })).mode).toBe('live');
    expect((await call('POST', '/Users', { schemas: [U], userName: 'other@partner.example' })).status).toBe(400);
  });

  it('preview, resolve and the lifecycle input: 400s, 404s and 409s', async () => {
    const { scim, c } = await setUp();
    // live: nothing to resolve, approve or discard
    await expect(scim.connections.approve(c.id, { actor: ACTOR })).rejects.toMatchObject({ status: 409 });
    await expect(scim.connections.discard(c.id, { actor: ACTOR })).rejects.toMatchObject({ status: 409 });
    const p = await scim.connections.create({ tenant: 'beta', mode: 'preview', actor: ACTOR });
    expect(p).toMatchObject({ name: 'beta', settings: {}, domains: [], mode: 'preview' });
    await expect(scim.connections.resolve(p.id, 'nobody', { action: 'skip', actor: ACTOR })).rejects.toMatchObject({ status: 404 });
    await expect(scim.connections.resolve(p.id, 'x', { action: 'link', actor: ACTOR })).rejects.toMatchObject({ status: 400 });
    await expect(scim.connections.resolve(p.id, 'x', { action: 'skip', account: 'a', actor: ACTOR })).rejects.toMatchObject({ status: 400 });
    await expect(scim.connections.resolve(p.id, 'x', { action: 'merge' as 'skip', actor: ACTOR })).rejects.toMatchObject({ status: 400 });
    await expect(scim.connections.create({ tenant: 'gamma', mode: 'staged' as 'live', actor: ACTOR })).rejects.toMatchObject({ status: 400 });
    await expect(scim.connections.create({ tenant: 'gamma', domains: ['not a domain'], actor: ACTOR })).rejects.toMatchObject({ status: 400 });
    // a store whose outbox cannot hold: no preview
    const plain = new MemoryStore();
    const noHold = new Proxy(plain, { get: (t, k) => (k === 'outbox' ? undefined : Reflect.get(t, k, t)) });
    const other = createScimServer({ store: noHold, connections: {}, rateLimits: false });
    await expect(other.connections.create({ tenant: 'delta', mode: 'preview', actor: ACTOR })).rejects.toMatchObject({ status: 400 });
    await other.close();
  });
});
