// Account linking, safe by default: by externalId, never by e-mail unless the host opts in;
// the decision reaches onEvent as `link`, on every store (it travels in the outbox). The
// PGlite database is shared by the tests of this file: each uses names of its own.
import { describe, expect, it } from 'vitest';
import { type LifecycleEvent, type LinkDecision, linkAccounts, type StoreContext } from '../../src/index.js';
import { storeFactories } from '../store-factories.js';
import { G, setup, U } from './helpers.js';

/** The host's own accounts: one made by the IdP before (externalId ext-1), one local (ann@acme.io). */
const ACCOUNTS = [
  { id: 'acc-idp', externalId: 'ext-1', email: 'old@acme.io' },
  { id: 'acc-local', email: 'ann@acme.io' },
  { id: 'acc-bulk', externalId: 'ext-bulk', email: 'bulk-old@acme.io' },
  { id: 'acc-upd', externalId: 'ext-upd', email: 'upd-old@acme.io' },
];
const lookup = {
  byExternalId: (_ctx: StoreContext, externalId: string) => ACCOUNTS.find((a) => a.externalId === externalId)?.id,
  byEmail: (_ctx: StoreContext, email: string) => ACCOUNTS.find((a) => a.email === email.toLowerCase())?.id,
};

describe.each(storeFactories({ postgres: false }))('account linking on %s', (_name, makeStore) => {
  async function server(adoptByEmail?: boolean | ((ctx: StoreContext, accountId: string) => boolean)) {
    const events: LifecycleEvent[] = [];
    const s = setup({
      store: await makeStore(),
      events: { mode: 'beforeResponse' },
      hooks: { linkUser: linkAccounts({ ...lookup, ...(adoptByEmail === undefined ? {} : { adoptByEmail }) }), onEvent: (e) => void events.push(e) },
    });
    const linkOf = (userName: string) =>
      (events.find((e) => e.type === 'user.created' && e.resource.userName === userName) as { link?: LinkDecision } | undefined)?.link;
    return { ...s, events, linkOf };
  }

  it('links by externalId first, even when the e-mail is a local account’s', async () => {
    const { call, linkOf } = await server();
    const r = await call('POST', '/Users', { schemas: [U], userName: 'ann2@acme.io', externalId: 'ext-1', emails: [{ value: 'ann@acme.io', primary: true }] });
    expect(r.status).toBe(201);
    expect(linkOf('ann2@acme.io')).toEqual({ by: 'externalId', accountId: 'acc-idp' });
  });

  it('refuses, by default, a user whose e-mail is a local account’s: 409 naming it, nothing stored, no event', async () => {
    const { call, events } = await server();
    const r = await call('POST', '/Users', {
      schemas: [U],
      userName: 'attacker@idp.io',
      emails: [{ value: 'other@idp.io' }, { value: 'ANN@acme.io', primary: true }],
    });
    expect([r.status, r.body.scimType]).toEqual([409, 'uniqueness']);
    expect(r.body.detail).toContain('an account with the e-mail "ANN@acme.io" already exists in the app and is not linked to this user');
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "attacker@idp.io"')}`)).body.totalResults).toBe(0);
    expect(events.filter((e) => e.type === 'user.created')).toEqual([]);
  });

  it('the 409 tells the IdP’s admin about the account and what to do; the option that would adopt it goes to the server log', async () => {
    const hints: Record<string, unknown>[] = [];
    const logger = { info: () => {}, error: () => {}, warn: (fields: Record<string, unknown>) => void (fields.hint !== undefined && hints.push(fields)) };
    const { call } = setup({ store: await makeStore(), logger, hooks: { linkUser: linkAccounts(lookup) } });
    const r = await call('POST', '/Users', { schemas: [U], userName: 'claims-ann@idp.io', emails: [{ value: 'ann@acme.io' }] });
    expect(r.status).toBe(409);
    // what Entra ID's provisioning log shows the customer's admin: no library option, no "host"
    expect(r.body.detail).toMatch(/^an account with the e-mail "ann@acme\.io" already exists in the app/);
    expect(r.body.detail).not.toMatch(/linkAccounts|adoptByEmail|byExternalId|\bhost\b/);
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatchObject({ requestId: r.headers['x-request-id'], tenant: 'default', status: 409, detail: r.body.detail });
    expect(hints[0]!.hint).toMatch(/\badoptByEmail\b/);
  });

  it('adopts by e-mail when the host opts in (for all tenants, or per tenant)', async () => {
    const yes = await server(true);
    expect((await yes.call('POST', '/Users', { schemas: [U], userName: 'ann@acme.io', emails: [{ value: 'ann@acme.io' }] })).status).toBe(201);
    expect(yes.linkOf('ann@acme.io')).toEqual({ by: 'email', accountId: 'acc-local' });
    const perTenant = await server((ctx) => ctx.tenant === 'verified-domains');
    expect((await perTenant.call('POST', '/Users', { schemas: [U], userName: 'ann@acme.io', emails: [{ value: 'ann@acme.io' }] })).status).toBe(409);
  });

  it('a user matching no account is new; groups are never asked about', async () => {
    const { call, linkOf, events } = await server();
    expect((await call('POST', '/Users', { schemas: [U], userName: 'new@acme.io', emails: [{ value: 'new@acme.io' }] })).status).toBe(201);
    expect(linkOf('new@acme.io')).toEqual({ by: 'new' });
    expect((await call('POST', '/Groups', { schemas: [G], displayName: 'ann@acme.io' })).status).toBe(201);
    expect((events.find((e) => e.type === 'group.created') as { link?: unknown }).link).toBeUndefined();
  });

  it('asks again when an update changes the e-mails or externalId: a harmless user cannot be given a local account’s e-mail', async () => {
    const { call, events } = await server();
    const u = await call('POST', '/Users', { schemas: [U], userName: 'later@idp.io', emails: [{ value: 'later@idp.io' }] });
    expect(u.status).toBe(201);
    const patched = await call('PATCH', `/Users/${u.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'emails', value: [{ value: 'ann@acme.io', primary: true }] }],
    });
    expect([patched.status, patched.body.scimType]).toEqual([409, 'uniqueness']);
    const put = await call('PUT', `/Users/${u.body.id}`, { schemas: [U], userName: 'later@idp.io', emails: [{ value: ' Ann@Acme.io ' }] });
    expect(put.status).toBe(409);
    expect(((await call('GET', `/Users/${u.body.id}`)).body.emails as { value: string }[])[0]!.value).toBe('later@idp.io');
    // an update that leaves them alone is not asked about; one that changes them carries the new link
    expect(
      (
        await call('PATCH', `/Users/${u.body.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'title', value: 'T' }],
        })
      ).status,
    ).toBe(200);
    expect((events.filter((e) => e.type === 'user.updated').at(-1) as { link?: unknown }).link).toBeUndefined();
    await call('PATCH', `/Users/${u.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'externalId', value: 'ext-upd' }],
    });
    expect((events.filter((e) => e.type === 'user.updated').at(-1) as { link?: unknown }).link).toEqual({ by: 'externalId', accountId: 'acc-upd' });
  });

  it('compares e-mails trimmed and whatever their case', async () => {
    const { call } = await server();
    const r = await call('POST', '/Users', { schemas: [U], userName: 'spaces@idp.io', emails: [{ value: '  ANN@acme.io ' }] });
    expect(r.status).toBe(409);
  });

  it('links a user a Bulk request creates the same way', async () => {
    const { call, linkOf } = await server();
    const r = await call('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [U], userName: 'bulk@acme.io', externalId: 'ext-bulk' } },
        { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [U], userName: 'bulk2@acme.io', emails: [{ value: 'ann@acme.io' }] } },
      ],
    });
    const ops = r.body.Operations as { status: string }[];
    expect(
      ops.map((o) => o.status),
      JSON.stringify(ops),
    ).toEqual(['201', '409']);
    expect(linkOf('bulk@acme.io')).toEqual({ by: 'externalId', accountId: 'acc-bulk' });
  });
});
