/**
 * `describeOutbox`: what a store with an `outbox` must do (stores/outbox.ts), run by
 * `describeStoreContract` for every store that has one. Each test uses tenants of its own,
 * and looks only at their events: claims see every tenant's.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type EventDraft, type OutboxEvent, type ProvisioningStore, SchemaRegistry, type ScimResource, type StoreContext } from 'scimkit';
import type { WriteOptions } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import type { StoreFactory } from './store-factory.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** Makes a fresh, empty store for each test: the same as {@link StoreFactory}. */
export type OutboxStoreFactory = StoreFactory;

/** Why the suite is skipped for a store without an outbox. */
const NO_OUTBOX = 'the store has no outbox: the engine keeps events in memory after the write';

/** Registers the outbox suite for a store under `name` (skipped when the store has no outbox). */
export function describeOutbox(name: string, makeStore: OutboxStoreFactory): void {
  const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
  const User = registry.resourceType('User')!;
  const Group = registry.resourceType('Group')!;
  const ctx = (tenant: string): StoreContext => ({ tenant, requestId: `req-${randomUUID()}`, workspace: 'ws-1' });
  const draft = (type: EventDraft['type'], resourceType: string, resourceId: string, data: EventDraft['data'] = {}): EventDraft => ({
    id: randomUUID(),
    type,
    resourceType,
    resourceId,
    data,
  });
  /** Write options that record one event per write, named `type`, with what the write returned. */
  const recording = (type: EventDraft['type']): WriteOptions => ({
    events: (o) => [
      draft(type, o.stored ? String(o.stored.meta?.resourceType) : 'User', String(o.stored?.id ?? 'deleted'), o.stored ? { resource: o.stored } : {}),
    ],
  });
  const user = (userName: string): ScimResource => ({ schemas: [U], userName });
  /** Claims until nothing is due, keeping only the events of `tenants`. */
  const claimOf = async (store: ProvisioningStore, tenants: string[], leaseMs = 60_000): Promise<OutboxEvent[]> => {
    const out: OutboxEvent[] = [];
    for (let i = 0; i < 20; i++) {
      const batch = await store.outbox!.claim({ limit: 1000, leaseMs });
      if (!batch.length) break;
      out.push(...batch.filter((e) => tenants.includes(e.tenant)));
    }
    return out;
  };

  describe(`EventOutbox: ${name}`, () => {
    it('a write records its events with the change: id, tenant sequence, type, data, time and context', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      const created = await store.create(c, User, user('ev1'), recording('user.created'));
      await store.replace(c, User, created.id!, { ...user('ev1'), title: 'x' }, recording('user.updated'));
      await store.delete(c, User, created.id!, { events: () => [draft('user.deleted', 'User', created.id!)] });
      const log = await store.outbox.list({ tenant: t });
      expect(log.map((e) => [e.seq, e.type, e.resourceId, e.state])).toEqual([
        [1, 'user.created', created.id, 'pending'],
        [2, 'user.updated', created.id, 'pending'],
        [3, 'user.deleted', created.id, 'pending'],
      ]);
      expect(log[0]!.data.resource).toMatchObject({ id: created.id, userName: 'ev1' });
      expect(log[1]!.data.resource).toMatchObject({ title: 'x' });
      expect(log[0]!.context).toEqual({ tenant: t, requestId: c.requestId, workspace: 'ws-1' });
      expect(new Date(log[0]!.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(new Set(log.map((e) => e.id)).size).toBe(3);
      // another tenant's sequence is its own
      const other = `ob-${randomUUID()}`;
      await store.create(ctx(other), User, user('ev1'), recording('user.created'));
      expect((await store.outbox.list({ tenant: other })).map((e) => e.seq)).toEqual([1]);
      expect((await store.outbox.list({ tenant: t, after: 1, limit: 1 })).map((e) => e.seq)).toEqual([2]);
    });

    it('a write that is refused records nothing: taken userName, unknown member, stale version', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      const a = await store.create(c, User, user('taken'), recording('user.created'));
      await expect(store.create(c, User, user('TAKEN'), recording('user.created'))).rejects.toMatchObject({ status: 409 });
      await expect(
        store.create(c, Group, { schemas: [G], displayName: 'g', members: [{ value: 'nobody' }] }, recording('group.created')),
      ).rejects.toMatchObject({
        status: 400,
      });
      await expect(
        store.replace(c, User, a.id!, { ...user('taken'), title: 't' }, { ...recording('user.updated'), ifVersion: 'W/"99"' }),
      ).rejects.toMatchObject({
        status: 412,
      });
      expect((await store.outbox.list({ tenant: t })).map((e) => e.type)).toEqual(['user.created']);
    });

    it('inside a transaction that fails, the change and its events are undone together', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      if (!store.transaction) return skip('the store has no transaction()');
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      await expect(
        store.transaction(c, async () => {
          await store.create(c, User, user('rolled'), recording('user.created'));
          throw new Error('after the write');
        }),
      ).rejects.toThrow('after the write');
      expect(await store.outbox.list({ tenant: t })).toEqual([]);
      await store.create(c, User, user('kept'), recording('user.created'));
      // no gap: the rolled-back write took no sequence number
      expect((await store.outbox.list({ tenant: t })).map((e) => e.seq)).toEqual([1]);
    });

    it('eventsDelivered records for the change log only: nothing to claim', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      await store.create(ctx(t), User, user('log-only'), { ...recording('user.created'), eventsDelivered: true });
      expect((await store.outbox.list({ tenant: t })).map((e) => e.state)).toEqual(['delivered']);
      expect(await claimOf(store, [t])).toEqual([]);
    });

    it('claims hand out one event per resource at a time, in order; a lease keeps it from other claims', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      const a = await store.create(c, User, user('a'), recording('user.created'));
      const b = await store.create(c, User, user('b'), recording('user.created'));
      await store.replace(c, User, a.id!, { ...user('a'), title: '1' }, recording('user.updated'));
      await store.replace(c, User, a.id!, { ...user('a'), title: '2' }, recording('user.updated'));
      const first = await claimOf(store, [t]);
      // a's first event and b's: a's later ones wait behind the leased one
      expect(first.map((e) => [e.resourceId, e.seq, e.attempts])).toEqual([
        [a.id, 1, 1],
        [b.id, 2, 1],
      ]);
      expect(await claimOf(store, [t])).toEqual([]);
      await store.outbox.acknowledge([first[0]!.id]);
      const second = await claimOf(store, [t]);
      expect(second.map((e) => e.seq)).toEqual([3]);
      await store.outbox.acknowledge([first[1]!.id, second[0]!.id]);
      expect((await claimOf(store, [t])).map((e) => e.seq)).toEqual([4]);
      expect((await store.outbox.list({ tenant: t })).map((e) => e.state)).toEqual(['delivered', 'delivered', 'delivered', 'pending']);
    });

    it('a claimer that dies releases its events when the lease ends; two claims at once never share an event', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      for (let i = 0; i < 20; i++) await store.create(c, User, user(`p${i}`), recording('user.created'));
      const [x, y] = await Promise.all([store.outbox.claim({ limit: 10, leaseMs: 100 }), store.outbox.claim({ limit: 10, leaseMs: 100 })]);
      const mine = [...x, ...y].filter((e) => e.tenant === t).map((e) => e.id);
      expect(new Set(mine).size).toBe(mine.length);
      // nobody acknowledges: after the lease they are due again, as a second attempt
      await new Promise((r) => setTimeout(r, 250));
      const again = await claimOf(store, [t]);
      expect(again.length).toBe(20);
      expect(again.filter((e) => mine.includes(e.id)).every((e) => e.attempts === 2)).toBe(true);
    });

    it('failures: retried when due, dead after the last attempt, listed and replayed; release keeps the attempt count', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      const a = await store.create(c, User, user('f'), recording('user.created'));
      await store.replace(c, User, a.id!, { ...user('f'), title: 'later' }, recording('user.updated'));
      const [e1] = await claimOf(store, [t]);
      await store.outbox.fail(e1!.id, { error: 'host down', retryAt: new Date(Date.now() + 60_000) });
      // not due yet, and it holds back the later event of the same resource
      expect(await claimOf(store, [t])).toEqual([]);
      await store.outbox.fail(e1!.id, { error: 'host down', retryAt: new Date(Date.now() - 1000) });
      const [retry] = await claimOf(store, [t]);
      expect([retry!.id, retry!.attempts, retry!.lastError]).toEqual([e1!.id, 2, 'host down']);
      await store.outbox.fail(retry!.id, { error: 'gave up', dead: true });
      expect((await store.outbox.deadLetters({ tenant: t })).map((e) => [e.id, e.state, e.lastError])).toEqual([[e1!.id, 'dead', 'gave up']]);
      // a dead event no longer holds back the resource's later ones
      const [next] = await claimOf(store, [t]);
      expect(next!.seq).toBe(2);
      await store.outbox.release([next!.id]);
      const [released] = await claimOf(store, [t]);
      expect([released!.id, released!.attempts]).toEqual([next!.id, 1]);
      await store.outbox.acknowledge([released!.id]);
      expect(await store.outbox.replay([e1!.id])).toBe(1);
      const [replayed] = await claimOf(store, [t]);
      expect([replayed!.id, replayed!.attempts, replayed!.state]).toEqual([e1!.id, 1, 'pending']);
    });

    it('lists the undelivered events alone: pending, retrying and dead, in sequence order', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      const written = [];
      for (const name of ['u1', 'u2', 'u3', 'u4']) written.push(await store.create(c, User, user(name), recording('user.created')));
      const claimed = await claimOf(store, [t]);
      expect(claimed).toHaveLength(4);
      await store.outbox.acknowledge([claimed[0]!.id, claimed[2]!.id]);
      await store.outbox.fail(claimed[1]!.id, { error: 'host down', dead: true });
      await store.outbox.fail(claimed[3]!.id, { error: 'later', retryAt: new Date(Date.now() + 60_000) });
      const undelivered = await store.outbox.list({ tenant: t, undelivered: true });
      expect(undelivered.map((e) => [e.seq, e.state])).toEqual([
        [2, 'dead'],
        [4, 'pending'],
      ]);
      expect((await store.outbox.list({ tenant: t, undelivered: true, after: 2 })).map((e) => e.seq)).toEqual([4]);
      expect(await store.outbox.list({ tenant: t })).toHaveLength(4);
    });

    it("release with a due time: the event is not claimed before it, nor the resource's later ones; the attempt is not counted", async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      const a = await store.create(c, User, user('busy'), recording('user.created'));
      await store.replace(c, User, a.id!, { ...user('busy'), title: 'later' }, recording('user.updated'));
      const other = await store.create(c, User, user('free'), recording('user.created'));
      const first = await claimOf(store, [t]);
      expect(first.map((e) => e.resourceId).sort()).toEqual([a.id, other.id].sort());
      const busy = first.find((e) => e.resourceId === a.id)!;
      await store.outbox.acknowledge([first.find((e) => e.resourceId === other.id)!.id]);
      // a consumer was busy: given back, due in 400 ms
      await store.outbox.release([busy.id], new Date(Date.now() + 400));
      expect(await claimOf(store, [t])).toEqual([]);
      await new Promise((r) => setTimeout(r, 500));
      // due: claimed again, its attempt count as if the claim given back had not been
      const again = await claimOf(store, [t]);
      expect(again.map((e) => [e.id, e.attempts])).toEqual([[busy.id, 1]]);
    });

    it('prune removes delivered and dead events by age and count, never pending ones', async ({ skip }) => {
      const store = await makeStore();
      if (!store.outbox) return skip(NO_OUTBOX);
      const t = `ob-${randomUUID()}`;
      const c = ctx(t);
      for (let i = 0; i < 5; i++) await store.create(c, User, user(`r${i}`), recording('user.created'));
      const claimed = await claimOf(store, [t]);
      await store.outbox.acknowledge(claimed.slice(0, 4).map((e) => e.id));
      // keep the newest 2: of the 4 delivered, the 3 older than those go; the pending one stays
      await store.outbox.prune({ before: new Date(0), keepPerTenant: 2 });
      expect((await store.outbox.list({ tenant: t })).map((e) => [e.seq, e.state])).toEqual([
        [4, 'delivered'],
        [5, 'pending'],
      ]);
      await store.outbox.prune({ before: new Date(Date.now() + 60_000), keepPerTenant: 1000 });
      expect((await store.outbox.list({ tenant: t })).map((e) => e.seq)).toEqual([5]);
    });
  });
}
