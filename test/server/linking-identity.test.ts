// Account linking on identity keys (core/rules/identity.ts): a look-alike of a local account's
// address is that account's address, in e-mails and in a userName that is an address, on
// create and on every update that changes one. The PGlite database is shared by the tests of
// this file: each uses names of its own.
import { describe, expect, it } from 'vitest';
import { type LifecycleEvent, type LinkDecision, linkAccounts, type StoreContext } from '../../src/index.js';
import { identityKey } from '../../src/store-kit.js';
import { storeFactories } from '../store-factories.js';
import { PATCH, setup, U } from './helpers.js';

/** The host's local accounts, with their e-mails as the app stores them. */
const ACCOUNTS = [
  { id: 'acc-jose', email: 'josé@acme.io' },
  { id: 'acc-admin', email: 'admin@acme.io' },
];
/** The host's look-up as the docs suggested before: lower-cased, compared exactly. */
const byEmail = (_ctx: StoreContext, email: string) => ACCOUNTS.find((a) => a.email === email.toLowerCase())?.id;

/** Each look-alike of a local account's address, and the account it names. */
const LOOK_ALIKES: [string, string, string][] = [
  ['canonically equal (e and a combining acute)', 'jose\u0301@acme.io', 'acc-jose'],
  ['upper case with an accent', 'JOSÉ@ACME.IO', 'acc-jose'],
  ['full-width letters', 'ＡＤＭＩＮ@acme.io', 'acc-admin'],
  ['a trailing zero-width space', 'admin@acme.io\u200B', 'acc-admin'],
  ['a Turkish dotted capital I', 'ADMİN@acme.io', 'acc-admin'],
  ['a Turkish dotless i', 'admın@acme.io', 'acc-admin'],
  ['a full-width @', 'admin＠acme.io', 'acc-admin'],
  ['the trailing dot of a fully qualified domain', 'admin@acme.io.', 'acc-admin'],
];

describe.each(storeFactories({ postgres: false }))('account linking by identity key on %s', (_name, makeStore) => {
  let n = 0;
  async function server(adoptByEmail = false) {
    const events: LifecycleEvent[] = [];
    const s = setup({
      store: await makeStore(),
      events: { mode: 'beforeResponse' },
      hooks: { linkUser: linkAccounts({ byEmail, adoptByEmail }), onEvent: (e) => void events.push(e) },
    });
    const lastLink = (type: string) => (events.filter((e) => e.type === type).at(-1) as { link?: LinkDecision } | undefined)?.link;
    return { ...s, events, lastLink };
  }

  for (const [what, address, account] of LOOK_ALIKES) {
    it(`refuses a user whose e-mail is a local account’s with ${what}, and adopts it when allowed`, async () => {
      const { call } = await server();
      const userName = `variant-${++n}@idp.io`;
      const r = await call('POST', '/Users', { schemas: [U], userName, emails: [{ value: address }] });
      expect([r.status, r.body.scimType], JSON.stringify(r.body)).toEqual([409, 'uniqueness']);
      expect((await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.totalResults).toBe(0);
      const adopting = await server(true);
      expect((await adopting.call('POST', '/Users', { schemas: [U], userName, emails: [{ value: address }] })).status).toBe(201);
      expect(adopting.lastLink('user.created')).toEqual({ by: 'email', accountId: account });
    });

    it(`refuses a user whose userName is a local account’s address with ${what}`, async () => {
      const { call } = await server();
      const r = await call('POST', '/Users', { schemas: [U], userName: address });
      expect([r.status, r.body.scimType]).toEqual([409, 'uniqueness']);
    });
  }

  it('asks again when a PATCH or PUT changes the userName to a local account’s address, in any spelling', async () => {
    const { call, lastLink } = await server();
    const u = await call('POST', '/Users', { schemas: [U], userName: `harmless-${++n}@idp.io` });
    expect(u.status).toBe(201);
    for (const address of ['admin@acme.io', 'ＡＤＭＩＮ@acme.io', 'admin@acme.io.']) {
      const patched = await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: address }] });
      expect([patched.status, patched.body.scimType], address).toEqual([409, 'uniqueness']);
      const put = await call('PUT', `/Users/${u.body.id}`, { schemas: [U], userName: address });
      expect(put.status, address).toBe(409);
    }
    expect((await call('GET', `/Users/${u.body.id}`)).body.userName).toBe(`harmless-${n}@idp.io`);
    // a new spelling of the same address is no new address: not asked again
    const respelled = await call('PATCH', `/Users/${u.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'userName', value: `HARMLESS-${n}@IDP.IO` }],
    });
    expect(respelled.status).toBe(200);
    expect(lastLink('user.updated')).toBeUndefined();
    // another address is: the decision rides on the update
    await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: `moved-${n}@idp.io` }] });
    expect(lastLink('user.updated')).toEqual({ by: 'new' });
    // and so is any other userName (a host's own hook may link by it), but not a title
    await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'T' }] });
    expect(lastLink('user.updated')).toBeUndefined();
    await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: `plain-${n}` }] });
    await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'U' }] });
    await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: `other-${n}` }] });
    expect(lastLink('user.updated')).toEqual({ by: 'new' });
  });

  it('hands byEmail the identity key, so a host keying its accounts by identityKey() finds them', async () => {
    const asked: string[] = [];
    const s = setup({
      store: await makeStore(),
      hooks: {
        linkUser: linkAccounts({
          byEmail: (_ctx, email) => {
            asked.push(email);
            return undefined;
          },
        }),
      },
    });
    const userName = `keyed-${++n}@idp.io`;
    expect((await s.call('POST', '/Users', { schemas: [U], userName, emails: [{ value: ' ＭＡＲＩＡ@Acme.io. ' }, { value: 'maria@acme.io' }] })).status).toBe(
      201,
    );
    // each address once, as its key: the two e-mails are one, then the userName
    expect(asked).toEqual(['maria@acme.io', userName]);
    expect(asked.every((e) => identityKey(e) === e)).toBe(true);
  });
});
