/**
 * `describeConnections`: what a store's `connections` must do (stores/connections.ts), one test
 * per rule of `ConnectionStore`, run by `describeStoreContract` for every store that keeps
 * connection records. Each test uses tenants, ids and hashes of its own (a store under test
 * may keep the records of earlier tests: its factory need not empty them).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Connection, ConnectionCredential } from 'scimkit';
import type { ConnectionStore } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { describeHeldEvents } from './held-events.js';
import { rejects } from './refusal.js';
import type { StoreFactory } from './store-factory.js';

/** Makes a fresh store for each test: the same as {@link StoreFactory}. */
export type ConnectionsStoreFactory = StoreFactory;

/** Why the suite is skipped for a store without connection records. */
const NO_CONNECTIONS = 'the store keeps no connection records (ProvisioningStore.connections is absent)';

/** A connection of a tenant of its own, with the given fields. */
function connectionOf(extra: Partial<Connection> = {}): Connection {
  const tenant = extra.tenant ?? `conn-${randomUUID()}`;
  return {
    id: randomUUID(),
    tenant,
    name: 'Acme',
    state: 'pending',
    idp: 'entra',
    detectedIdp: null,
    settings: { workspace: 'eng', defaultRole: 'viewer', nested: { teams: ['a', 'b'] } },
    mode: 'live',
    domains: [],
    resolutions: {},
    createdAt: '2026-03-01T10:00:00.000Z',
    createdBy: 'admin@acme.io',
    updatedAt: '2026-03-01T10:00:00.000Z',
    updatedBy: 'admin@acme.io',
    version: 1,
    ...extra,
  };
}

/** A bearer token credential of `connectionId` with a hash of its own, with the given fields. */
function credentialOf(connectionId: string, extra: Partial<ConnectionCredential> = {}): ConnectionCredential {
  return {
    id: randomUUID(),
    connectionId,
    kind: 'bearer',
    hash: randomUUID().replaceAll('-', '').padEnd(64, '0'),
    clientId: null,
    createdAt: '2026-03-01T10:00:00.000Z',
    createdBy: 'admin@acme.io',
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    lastUsedFrom: null,
    ...extra,
  };
}

/** Registers the connection-record suite for a store under `name` (skipped when the store has no `connections`). */
export function describeConnections(name: string, makeStore: ConnectionsStoreFactory): void {
  /** The store's connection records, or undefined (the test is skipped). */
  const recordsOf = async (): Promise<ConnectionStore | undefined> => (await makeStore()).connections;

  describe(`ConnectionStore: ${name}`, () => {
    it('stores a connection at version 1 and finds it by id and by tenant', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const c = connectionOf({ version: 7 });
      const created = await records.createConnection(c);
      expect(created).toEqual({ ...c, version: 1 });
      expect(await records.getConnection({ id: c.id })).toEqual(created);
      expect(await records.getConnection({ tenant: c.tenant })).toEqual(created);
      expect(await records.getConnection({ id: randomUUID() })).toBeUndefined();
      expect(await records.getConnection({ tenant: `conn-${randomUUID()}` })).toBeUndefined();
    });

    it('lists connections by id ascending, after a key, at most a limit, or the one of a tenant', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      // ids of this test only follow its prefix: other tests' random ids fall elsewhere
      const prefix = `list-${randomUUID()}`;
      const ids = [`${prefix}-3`, `${prefix}-1`, `${prefix}-2`];
      const made = [];
      for (const id of ids) made.push(await records.createConnection(connectionOf({ id })));
      const first = await records.listConnections({ after: prefix, limit: 2 });
      expect(first.map((c) => c.id)).toEqual([`${prefix}-1`, `${prefix}-2`]);
      const next = await records.listConnections({ after: first[1]!.id, limit: 2 });
      expect(next[0]?.id).toBe(`${prefix}-3`);
      expect(next[0]).toEqual(made[0]);
      expect(await records.listConnections({ tenant: made[1]!.tenant })).toEqual([made[1]]);
      expect(await records.listConnections({ tenant: `conn-${randomUUID()}` })).toEqual([]);
      expect(await records.listConnections({ after: prefix, limit: 0 })).toEqual([]);
    });

    it('keeps one connection per tenant: a second is 409 uniqueness and changes nothing', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const first = await records.createConnection(connectionOf());
      const e = await rejects(records.createConnection(connectionOf({ tenant: first.tenant, name: 'Second' })), 'a second connection of a tenant');
      expect(e.status).toBe(409);
      expect(e.scimType).toBe('uniqueness');
      expect(await records.getConnection({ tenant: first.tenant })).toEqual(first);
    });

    it('updates at the version it was read: the next version, fields changed, id, tenant and creation kept', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const created = await records.createConnection(connectionOf());
      const change: Connection = {
        ...created,
        tenant: `conn-${randomUUID()}`,
        createdAt: '2030-01-01T00:00:00.000Z',
        createdBy: 'intruder',
        name: 'Acme Inc.',
        state: 'disabled',
        idp: null,
        detectedIdp: 'okta',
        settings: { workspace: 'ops' },
        updatedAt: '2026-03-02T11:30:00.000Z',
        updatedBy: 'ops@acme.io',
        version: 99,
      };
      const updated = await records.updateConnection(change, 1);
      const expected = { ...change, tenant: created.tenant, createdAt: created.createdAt, createdBy: created.createdBy, version: 2 };
      expect(updated).toEqual(expected);
      expect(await records.getConnection({ id: created.id })).toEqual(expected);
      expect(await records.getConnection({ tenant: created.tenant })).toEqual(expected);
      expect(await records.getConnection({ tenant: change.tenant })).toBeUndefined();
      expect((await records.updateConnection({ ...updated, name: 'Again' }, 2)).version).toBe(3);
    });

    it('refuses an update at a stale version (412) and changes nothing', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const created = await records.createConnection(connectionOf());
      const v2 = await records.updateConnection({ ...created, name: 'Two' }, 1);
      const e = await rejects(records.updateConnection({ ...created, name: 'Stale' }, 1), 'an update at a stale version');
      expect(e.status).toBe(412);
      expect(await records.getConnection({ id: created.id })).toEqual(v2);
    });

    it('refuses an update of a connection that is not there (404)', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const e = await rejects(records.updateConnection(connectionOf(), 1), 'an update of a missing connection');
      expect(e.status).toBe(404);
    });

    it('deletes a connection and its credentials, leaving nothing findable', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const c = await records.createConnection(connectionOf());
      const token = await records.addCredential(credentialOf(c.id));
      const client = await records.addCredential(credentialOf(c.id, { kind: 'oauthClient', clientId: `client-${randomUUID()}` }));
      const other = await records.createConnection(connectionOf());
      const kept = await records.addCredential(credentialOf(other.id));
      expect(await records.deleteConnection(c.id)).toBe(true);
      expect(await records.getConnection({ id: c.id })).toBeUndefined();
      expect(await records.getConnection({ tenant: c.tenant })).toBeUndefined();
      expect(await records.listConnections({ tenant: c.tenant })).toEqual([]);
      expect(await records.listCredentials(c.id)).toEqual([]);
      for (const q of [{ id: token.id }, { hash: token.hash }, { id: client.id }, { hash: client.hash }, { clientId: client.clientId! }]) {
        expect(await records.findCredential(q), JSON.stringify(q)).toBeUndefined();
      }
      expect(await records.deleteConnection(c.id)).toBe(false);
      // the other connection is untouched, and the tenant, hash and client id are free again
      expect(await records.findCredential({ hash: kept.hash })).toEqual(kept);
      const again = await records.createConnection(connectionOf({ tenant: c.tenant }));
      await records.addCredential(credentialOf(again.id, { hash: token.hash }));
      await records.addCredential(credentialOf(again.id, { kind: 'oauthClient', clientId: client.clientId }));
    });

    it('stores credentials and finds them by hash, by OAuth client id and by id', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const c = await records.createConnection(connectionOf());
      const token = credentialOf(c.id, { expiresAt: '2026-04-01T00:00:00.000Z' });
      expect(await records.addCredential(token)).toEqual(token);
      const client = credentialOf(c.id, { kind: 'oauthClient', clientId: `client-${randomUUID()}` });
      expect(await records.addCredential(client)).toEqual(client);
      // access tokens name the client they were issued to: many share its client id
      const access = credentialOf(c.id, { kind: 'oauthAccess', clientId: client.clientId, createdBy: 'oauth' });
      const access2 = credentialOf(c.id, { kind: 'oauthAccess', clientId: client.clientId, createdBy: 'oauth' });
      expect(await records.addCredential(access)).toEqual(access);
      expect(await records.addCredential(access2)).toEqual(access2);
      expect(await records.findCredential({ hash: token.hash })).toEqual(token);
      expect(await records.findCredential({ id: token.id })).toEqual(token);
      expect(await records.findCredential({ clientId: client.clientId! })).toEqual(client);
      expect(await records.findCredential({ hash: access.hash })).toEqual(access);
      expect(await records.findCredential({ hash: 'f'.repeat(64) })).toBeUndefined();
      expect(await records.findCredential({ id: randomUUID() })).toBeUndefined();
      expect(await records.findCredential({ clientId: `client-${randomUUID()}` })).toBeUndefined();
    });

    it('only OAuth clients own a client id: access tokens naming one never conflict and are never what a client id finds', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const c = await records.createConnection(connectionOf());
      const clientId = `client-${randomUUID()}`;
      // access tokens of a client stored first (as a store restored out of order could hold them): no client yet
      const access = await records.addCredential(credentialOf(c.id, { kind: 'oauthAccess', clientId, createdBy: 'oauth' }));
      expect(await records.findCredential({ clientId })).toBeUndefined();
      // the client that owns the id is not refused for them, and is what the id finds
      const client = await records.addCredential(credentialOf(c.id, { kind: 'oauthClient', clientId }));
      await records.addCredential(credentialOf(c.id, { kind: 'oauthAccess', clientId, createdBy: 'oauth' }));
      expect(await records.findCredential({ clientId })).toEqual(client);
      // a second client with that id is: 409
      const e = await rejects(records.addCredential(credentialOf(c.id, { kind: 'oauthClient', clientId })), 'a second client with the id');
      expect([e.status, e.scimType]).toEqual([409, 'uniqueness']);
      // once the client is gone (its connection deleted), the id finds nothing, whatever access tokens named it
      await records.deleteConnection(c.id);
      expect(await records.findCredential({ clientId })).toBeUndefined();
      expect(await records.findCredential({ id: access.id })).toBeUndefined();
    });

    it('refuses a credential whose hash or OAuth client id is taken (409 uniqueness)', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const c = await records.createConnection(connectionOf());
      const other = await records.createConnection(connectionOf());
      const token = await records.addCredential(credentialOf(c.id));
      const client = await records.addCredential(credentialOf(c.id, { kind: 'oauthClient', clientId: `client-${randomUUID()}` }));
      for (const [what, dup] of [
        ['a taken hash', credentialOf(other.id, { hash: token.hash })],
        ['a taken client id', credentialOf(other.id, { kind: 'oauthClient', clientId: client.clientId })],
      ] as const) {
        const e = await rejects(records.addCredential(dup), what);
        expect(e.status, what).toBe(409);
        expect(e.scimType, what).toBe('uniqueness');
        expect(await records.findCredential({ id: dup.id }), what).toBeUndefined();
      }
      expect(await records.findCredential({ hash: token.hash })).toEqual(token);
      expect(await records.findCredential({ clientId: client.clientId! })).toEqual(client);
      expect(await records.listCredentials(other.id)).toEqual([]);
    });

    it('changes only the fields a credential change names; undefined for a credential that is not there', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const c = await records.createConnection(connectionOf());
      const token = await records.addCredential(credentialOf(c.id, { expiresAt: '2026-05-01T00:00:00.000Z' }));
      const used = { lastUsedAt: '2026-03-01T10:05:00.000Z', lastUsedFrom: '203.0.113.7' };
      const afterUse = await records.updateCredential(token.id, used);
      expect(afterUse).toEqual({ ...token, ...used });
      const revoked = await records.updateCredential(token.id, { revokedAt: '2026-03-01T11:00:00.000Z', expiresAt: null });
      expect(revoked).toEqual({ ...token, ...used, revokedAt: '2026-03-01T11:00:00.000Z', expiresAt: null });
      expect(await records.findCredential({ hash: token.hash })).toEqual(revoked);
      expect(await records.updateCredential(token.id, {})).toEqual(revoked);
      expect(await records.updateCredential(randomUUID(), { revokedAt: '2026-03-01T11:00:00.000Z' })).toBeUndefined();
    });

    it("lists a connection's credentials oldest first, revoked and expired ones included", async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const c = await records.createConnection(connectionOf());
      const other = await records.createConnection(connectionOf());
      const middle = await records.addCredential(credentialOf(c.id, { createdAt: '2026-03-02T00:00:00.000Z', revokedAt: '2026-03-03T00:00:00.000Z' }));
      const newest = await records.addCredential(credentialOf(c.id, { createdAt: '2026-03-05T00:00:00.000Z' }));
      const oldest = await records.addCredential(credentialOf(c.id, { createdAt: '2026-03-01T00:00:00.000Z', expiresAt: '2026-03-02T00:00:00.000Z' }));
      await records.addCredential(credentialOf(other.id));
      expect(await records.listCredentials(c.id)).toEqual([oldest, middle, newest]);
      expect(await records.listCredentials(randomUUID())).toEqual([]);
    });

    it('deletes only the credentials of the kind given that expired before the time given, and counts them', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const c = await records.createConnection(connectionOf());
      const client = await records.addCredential(
        credentialOf(c.id, { kind: 'oauthClient', clientId: `client-${randomUUID()}`, expiresAt: '1971-01-01T00:00:00.000Z' }),
      );
      const access = (expiresAt: string | null) => credentialOf(c.id, { kind: 'oauthAccess', clientId: client.clientId, createdBy: 'oauth', expiresAt });
      // times of 1971: no other test's credentials expire then
      const gone = [await records.addCredential(access('1971-01-01T00:00:00.000Z')), await records.addCredential(access('1971-01-01T00:59:59.999Z'))];
      const kept = [
        client,
        await records.addCredential(access('1971-01-01T01:00:00.000Z')),
        await records.addCredential(access('1971-06-01T00:00:00.000Z')),
        await records.addCredential(access(null)),
        await records.addCredential(credentialOf(c.id, { expiresAt: '1971-01-01T00:00:00.000Z' })),
      ];
      expect(await records.deleteExpiredCredentials('oauthAccess', '1971-01-01T01:00:00.000Z')).toBe(2);
      for (const g of gone) expect(await records.findCredential({ id: g.id })).toBeUndefined();
      // all made at one time: which of them comes first is not the rule here
      const byId = (list: ConnectionCredential[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(byId(await records.listCredentials(c.id))).toEqual(byId(kept));
      expect(await records.deleteExpiredCredentials('oauthAccess', '1971-01-01T01:00:00.000Z')).toBe(0);
    });

    it('never aliases: changing an object given or returned changes nothing stored', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const given = connectionOf();
      const created = await records.createConnection(given);
      const expected = structuredClone(created);
      (given.settings.nested as { teams: string[] }).teams.push('given');
      given.name = 'given';
      (created.settings.nested as { teams: string[] }).teams.push('returned');
      created.state = 'disabled';
      const read = await records.getConnection({ id: expected.id });
      expect(read).toEqual(expected);
      read!.settings.workspace = 'read';
      (await records.listConnections({ tenant: expected.tenant }))[0]!.settings.workspace = 'listed';
      const change = { ...expected, settings: { workspace: 'ops', nested: { teams: ['x'] } } };
      const updated = await records.updateConnection(change, 1);
      (change.settings.nested.teams as string[]).push('changed');
      updated.settings.workspace = 'updated';
      expect(await records.getConnection({ id: expected.id })).toEqual({ ...expected, settings: { workspace: 'ops', nested: { teams: ['x'] } }, version: 2 });

      const cred = credentialOf(expected.id);
      const added = await records.addCredential(cred);
      const stored = { ...cred };
      cred.revokedAt = '2026-03-01T00:00:00.000Z';
      added.expiresAt = '2026-03-01T00:00:00.000Z';
      (await records.findCredential({ id: cred.id }))!.lastUsedFrom = 'found';
      (await records.listCredentials(expected.id))[0]!.lastUsedAt = '2026-03-01T00:00:00.000Z';
      (await records.updateCredential(cred.id, {}))!.createdBy = 'changed';
      expect(await records.findCredential({ hash: cred.hash })).toEqual(stored);
    });

    it('lets exactly one of concurrent updates at the same version win; the others are 412', async ({ skip }) => {
      const records = await recordsOf();
      if (!records) return skip(NO_CONNECTIONS);
      const created = await records.createConnection(connectionOf());
      const names = ['a', 'b', 'c', 'd', 'e', 'f'];
      const results = await Promise.allSettled(names.map((n) => records.updateConnection({ ...created, name: n }, 1)));
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { status?: number }] : []));
      expect(won).toHaveLength(1);
      expect(lost.map((e) => e.status)).toEqual(names.slice(1).map(() => 412));
      expect(await records.getConnection({ id: created.id })).toEqual({ ...won[0], version: 2 });
    });
  });
  // a connection in preview: its fields, and the events its store holds (held-events.ts)
  describeHeldEvents(name, makeStore);
}
