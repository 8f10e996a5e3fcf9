/**
 * `describeHeldEvents`: what a store that keeps connections and an outbox with `held` must do
 * for a connection in preview (stores/connections.ts `mode`; stores/outbox.ts `HeldEvents`):
 * keep the preview fields, hold the tenant's events from every claim until the connection is
 * live, then hand them out in order; revise them while held. Run by `describeConnections`.
 * Each test uses tenants of its own and looks only at their events (claims see every tenant's).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type Connection, type EventDraft, type OutboxEvent, type ProvisioningStore, SchemaRegistry, type StoreContext } from 'scimkit';
import type { WriteOptions } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import type { StoreFactory } from './store-factory.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Why a test is skipped for a store that cannot hold events. */
const CANNOT_HOLD = 'the store keeps no connections or its outbox has no `held` (connections cannot be put in preview)';

/** A connection of `tenant` in `mode`. */
function connectionOf(tenant: string, mode: Connection['mode']): Connection {
  const at = '2026-03-01T10:00:00.000Z';
  return {
    id: randomUUID(),
    tenant,
    name: tenant,
    state: 'pending',
    idp: null,
    detectedIdp: null,
    settings: {},
    mode,
    domains: ['acme.io'],
    resolutions: {},
    createdAt: at,
    createdBy: 'admin@acme.io',
    updatedAt: at,
    updatedBy: 'admin@acme.io',
    version: 1,
  };
}

/** Registers the held-events suite for a store under `name` (skipped for a store without connections or without `outbox.held`). */
export function describeHeldEvents(name: string, makeStore: StoreFactory): void {
  const User = new SchemaRegistry().resourceType('User')!;
  const ctx = (tenant: string): StoreContext => ({ tenant, requestId: `req-${randomUUID()}` });
  /** Write options that record one event of `type` about the resource written. */
  const recording = (type: EventDraft['type']): WriteOptions => ({
    events: (o) => [{ id: randomUUID(), type, resourceType: 'User', resourceId: String(o.stored?.id), data: { resource: o.stored!, source: 'scim' } }],
  });
  /** Claims until nothing is due, acknowledging each batch, keeping the events of `tenants`. */
  const drain = async (store: ProvisioningStore, tenants: string[]): Promise<OutboxEvent[]> => {
    const out: OutboxEvent[] = [];
    for (let i = 0; i < 50; i++) {
      const batch = await store.outbox!.claim({ limit: 1000, leaseMs: 60_000 });
      if (!batch.length) break;
      await store.outbox!.acknowledge(batch.map((e) => e.id));
      out.push(...batch.filter((e) => tenants.includes(e.tenant)));
    }
    return out;
  };
  /** A store that can hold, or undefined. */
  const holding = async (): Promise<ProvisioningStore | undefined> => {
    const store = await makeStore();
    return store.connections && store.outbox?.held ? store : undefined;
  };

  describe(`HeldEvents: ${name}`, () => {
    it('keeps a connection’s mode, domains and resolutions, and changes them at its version', async ({ skip }) => {
      const store = await makeStore();
      if (!store.connections) return skip(CANNOT_HOLD);
      const c = connectionOf(`held-${randomUUID()}`, 'preview');
      expect(await store.connections.createConnection(c)).toEqual(c);
      const resolutions = { u1: { action: 'link' as const, account: 'acct-1', actor: 'admin@acme.io', at: '2026-03-02T10:00:00.000Z' } };
      const next = await store.connections.updateConnection({ ...c, mode: 'live', domains: ['acme.io', 'acme.dev'], resolutions }, 1);
      expect(next).toEqual({ ...c, mode: 'live', domains: ['acme.io', 'acme.dev'], resolutions, version: 2 });
      expect(await store.connections.getConnection({ tenant: c.tenant })).toEqual(next);
    });

    it('holds every event of a tenant whose connection is in preview until it is live, then hands them out in order', async ({ skip }) => {
      const store = await holding();
      if (!store) return skip(CANNOT_HOLD);
      const t = `held-${randomUUID()}`;
      const other = `live-${randomUUID()}`;
      const c = await store.connections!.createConnection(connectionOf(t, 'preview'));
      const u1 = await store.create(ctx(t), User, { schemas: [U], userName: 'one@acme.io' }, recording('user.created'));
      await store.replace(ctx(t), User, u1.id!, { schemas: [U], userName: 'one@acme.io', title: 'x' }, recording('user.updated'));
      await store.create(ctx(t), User, { schemas: [U], userName: 'two@acme.io' }, recording('user.created'));
      await store.create(ctx(other), User, { schemas: [U], userName: 'three@acme.io' }, recording('user.created'));
      // claimed again and again while held: never handed out, the other tenant's are
      const first = await drain(store, [t, other]);
      expect(first.map((e) => e.tenant)).toEqual([other]);
      expect(await drain(store, [t])).toEqual([]);
      const held = await store.outbox!.list({ tenant: t });
      expect(held.map((e) => e.state)).toEqual(['pending', 'pending', 'pending']);

      await store.connections!.updateConnection({ ...c, mode: 'live' }, c.version);
      await store.outbox!.held!.release(t);
      const out = await drain(store, [t]);
      expect(out.map((e) => e.seq).sort()).toEqual([1, 2, 3]);
      // the user's created before its updated
      const ofU1 = out.filter((e) => e.resourceId === u1.id);
      expect(ofU1.map((e) => e.type)).toEqual(['user.created', 'user.updated']);
      expect((await store.outbox!.list({ tenant: t })).map((e) => e.state)).toEqual(['delivered', 'delivered', 'delivered']);
    });

    it('revises held events: new data, deleted ones gone from the change log, another tenant’s left alone', async ({ skip }) => {
      const store = await holding();
      if (!store) return skip(CANNOT_HOLD);
      const t = `held-${randomUUID()}`;
      const other = `held-${randomUUID()}`;
      await store.connections!.createConnection(connectionOf(t, 'preview'));
      await store.connections!.createConnection(connectionOf(other, 'preview'));
      const a = await store.create(ctx(t), User, { schemas: [U], userName: 'a@acme.io' }, recording('user.created'));
      await store.create(ctx(t), User, { schemas: [U], userName: 'b@acme.io' }, recording('user.created'));
      await store.create(ctx(other), User, { schemas: [U], userName: 'c@acme.io' }, recording('user.created'));
      const [ea, eb] = await store.outbox!.list({ tenant: t });
      const [ec] = await store.outbox!.list({ tenant: other });
      const link = { by: 'host' as const, accountId: 'acct-9' };
      const n = await store.outbox!.held!.revise(t, [
        { id: ea!.id, data: { ...ea!.data, link } },
        { id: eb!.id, data: null },
        { id: ec!.id, data: null },
        { id: randomUUID(), data: null },
      ]);
      expect(n).toBe(2);
      const log = await store.outbox!.list({ tenant: t });
      expect(log.map((e) => e.id)).toEqual([ea!.id]);
      expect(log[0]!.data).toEqual({ resource: ea!.data.resource, source: 'scim', link });
      expect(log[0]!.resourceId).toBe(a.id);
      expect((await store.outbox!.list({ tenant: other })).map((e) => e.id)).toEqual([ec!.id]);
    });
  });
}
