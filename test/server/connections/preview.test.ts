// Preview (#33): an Entra-style first run of 500 users and 20 groups into an app with 120
// existing accounts (80 matching by e-mail, 10 by externalId, 5 conflicting, 3 outside the
// allowed domains), on every store: the IdP sees only 2xx but for the domain refusals, the
// host hears nothing until approval, the report's classes are exact, approval delivers every
// held event once and in order with the decisions, and discard leaves nothing behind.
import { randomUUID } from 'node:crypto';
import {
  createScimServer,
  type LifecycleEvent,
  type LinkIntent,
  linkAccounts,
  MemoryStore,
  type OutboxEvent,
  type ProvisioningStore,
  previewReportCsv,
  type ScimServer,
} from 'scimkit';
import { describe, expect, it } from 'vitest';
import { storeFactories } from '../../store-factories.js';
import { ACTOR, eventually, U } from './helpers.js';

const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTRA = { 'user-agent': 'Azure Active Directory SCIM Provisioning' };

/** The app's accounts: 80 adoptable by e-mail, 10 by externalId, 5 whose e-mail is not adopted, 25 nobody claims. */
function appAccounts() {
  const byEmail = new Map<string, string>();
  const byExternalId = new Map<string, string>();
  const refused = new Set<string>();
  for (let i = 0; i < 80; i++) byEmail.set(`user${i}@acme.io`, `acct-mail-${i}`);
  for (let i = 80; i < 90; i++) byExternalId.set(`entra-${i}`, `acct-ext-${i}`);
  for (let i = 90; i < 95; i++) {
    byEmail.set(`user${i}@acme.io`, `acct-local-${i}`);
    refused.add(`acct-local-${i}`);
  }
  for (let i = 0; i < 25; i++) byEmail.set(`someone${i}@acme.io`, `acct-other-${i}`);
  expect(byEmail.size + byExternalId.size).toBe(120);
  const calls: { dryRun: boolean }[] = [];
  const link = linkAccounts({
    byExternalId: (_ctx, id) => byExternalId.get(id),
    byEmail: (_ctx, email) => byEmail.get(email),
    adoptByEmail: (_ctx, accountId) => !refused.has(accountId),
  });
  return {
    calls,
    linkUser: (intent: LinkIntent) => {
      calls.push({ dryRun: intent.dryRun === true });
      return link(intent);
    },
  };
}

/** The IdP's user i: 0 and 1 sent inactive, 95–97 outside acme.io. */
function idpUser(i: number) {
  const email = i >= 95 && i < 98 ? `user${i}@evil.example` : `user${i}@acme.io`;
  return { schemas: [U], userName: email, externalId: `entra-${i}`, active: i > 1, emails: [{ value: email, type: 'work', primary: true }] };
}

/** A server over `store` with connections in preview for acme.io, and what its host hears. */
function serverOver(store: ProvisioningStore) {
  const app = appAccounts();
  const heard: LifecycleEvent[] = [];
  const scim = createScimServer({
    store,
    tenantInPath: true,
    rateLimits: false,
    // the tenant's own accounts an admin may link a user to
    connections: {
      defaultMode: 'preview',
      account: (_ctx, id) => id.startsWith('acct-local-'),
      previewGroup: ({ group }) => ({ team: `team ${String(group.displayName)}`, grants: ['member'] }),
    },
    hooks: { linkUser: app.linkUser, onEvent: (e) => void heard.push(e) },
    events: { pollMs: 20, retryBaseMs: 10 },
    activity: { logRequests: false },
  });
  // a store a factory shares between tests may hold other tenants' events: each test hears its own
  const of = (tenant: string) => heard.filter((e) => e.ctx.tenant === tenant);
  return { scim, app, heard, of };
}

/** The IdP: Entra's first cycle of `users` users and `groups` groups (member i in group i % groups) as connection `token` of `tenant`. */
async function firstCycle(scim: ScimServer, tenant: string, token: string, users: number, groups: number) {
  const statuses: number[] = [];
  const call = async (method: string, path: string, body?: unknown, query?: string) => {
    const res = await scim.handle({
      method,
      path: `/${tenant}${path}`,
      ...(query === undefined ? {} : { query }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...ENTRA },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    statuses.push(res.status);
    return res as { status: number; body: { id?: string; detail?: string; scimType?: string; Resources?: unknown[] } };
  };
  const ids = new Map<number, string>();
  const refusals: { status: number; scimType?: string; detail?: string }[] = [];
  for (let i = 0; i < users; i++) {
    const u = idpUser(i);
    const found = await call('GET', '/Users', undefined, `filter=${encodeURIComponent(`userName eq "${u.userName}"`)}`);
    expect(found.body.Resources ?? []).toEqual([]);
    const res = await call('POST', '/Users', u);
    if (res.status === 201) ids.set(i, res.body.id!);
    else refusals.push({ status: res.status, scimType: res.body.scimType, detail: res.body.detail });
  }
  const groupIds: string[] = [];
  for (let g = 0; g < groups; g++) {
    await call('GET', '/Groups', undefined, `filter=${encodeURIComponent(`displayName eq "Group ${g}"`)}`);
    const created = await call('POST', '/Groups', { schemas: [G], displayName: `Group ${g}` });
    groupIds.push(created.body.id!);
    const members = [...ids].filter(([i]) => i % groups === g).map(([, id]) => ({ value: id }));
    for (let k = 0; k < members.length; k += 10)
      await call('PATCH', `/Groups/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: members.slice(k, k + 10) }] });
  }
  return { ids, groupIds, statuses, refusals };
}

/** Every event of the tenant's change log. */
async function changeLog(scim: ScimServer, tenant: string): Promise<OutboxEvent[]> {
  const out: OutboxEvent[] = [];
  for (let after = 0; ; ) {
    const page = await scim.events.list({ tenant, after, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
    after = page[page.length - 1]!.seq;
  }
}

describe.each(storeFactories())('preview on %s', (_name, makeStore) => {
  it('an Entra first run into an app with 120 accounts: held, reported, resolved, approved once and in order', { timeout: 180_000 }, async () => {
    const { scim, app, of } = serverOver(await makeStore());
    const tenant = `acme-${randomUUID().slice(0, 8)}`;
    const heard = () => of(tenant);
    const c = await scim.connections!.create({ tenant, domains: ['ACME.io.'], actor: ACTOR });
    expect(c).toMatchObject({ mode: 'preview', domains: ['acme.io'], name: tenant, settings: {}, resolutions: {} });
    const { token } = await scim.connections!.issueToken(c.id, { actor: ACTOR });

    const run = await firstCycle(scim, tenant, token, 500, 20);
    // the IdP's first cycle completes: every request 2xx but the three domain refusals
    expect(run.statuses.filter((s) => s >= 300)).toEqual([400, 400, 400]);
    expect(run.refusals).toHaveLength(3);
    for (const [k, r] of run.refusals.entries()) {
      expect(r.scimType).toBe('invalidValue');
      expect(r.detail).toContain('allowed domains');
      expect(r.detail).toContain(`user${95 + k}@evil.example`);
    }
    // in preview the link hook waits for the report and approval
    expect(app.calls).toEqual([]);
    // nothing reaches the host while the connection is in preview
    await new Promise((r) => setTimeout(r, 300));
    expect(heard()).toEqual([]);
    const held = (await changeLog(scim, tenant)).filter((e) => e.state === 'pending');
    expect(held.length).toBeGreaterThan(497 + 20);

    await scim.activity.flush();
    const report = await scim.connections!.preview(c.id);
    expect(app.calls.length).toBe(497);
    expect(app.calls.every((x) => x.dryRun)).toBe(true);
    expect(report.counts).toEqual({ new: 402, link: 88, conflict: 5, outsideDomain: 3, deactivate: 2, skip: 0, groups: 20, heldEvents: held.length });
    expect(report.ready).toBe(false);
    const byName = new Map(report.users.map((u) => [u.userName, u]));
    expect(byName.get('user0@acme.io')).toMatchObject({ outcome: 'deactivate', account: 'acct-mail-0', by: 'email' });
    expect(byName.get('user5@acme.io')).toMatchObject({ outcome: 'link', account: 'acct-mail-5', by: 'email' });
    expect(byName.get('user85@acme.io')).toMatchObject({ outcome: 'link', account: 'acct-ext-85', by: 'externalId' });
    expect(byName.get('user92@acme.io')).toMatchObject({ outcome: 'conflict' });
    expect(byName.get('user92@acme.io')!.reason).toContain('user92@acme.io');
    expect(byName.get('user200@acme.io')).toMatchObject({ outcome: 'new' });
    expect(report.refused.map((r) => r.address).sort()).toEqual(['user95@evil.example', 'user96@evil.example', 'user97@evil.example']);
    expect(report.groups).toHaveLength(20);
    const g14 = report.groups.find((g) => g.displayName === 'Group 14')!;
    expect(g14).toMatchObject({ outcome: 'new', team: 'team Group 14', grants: ['member'] });
    expect(g14.members.sort()).toEqual(
      [...run.ids]
        .filter(([i]) => i % 20 === 14)
        .map(([, id]) => id)
        .sort(),
    );
    const csv = previewReportCsv(report);
    expect(csv.split('\r\n')).toHaveLength(1 + 497 + 3 + 1);
    expect(csv).toContain(`${run.ids.get(92)},user92@acme.io,conflict,,,`);

    // unresolved conflicts stop approval, found by a dry run: the hook is never asked for real
    const beforeRefusal = app.calls.length;
    await expect(scim.connections!.approve(c.id, { actor: ACTOR })).rejects.toMatchObject({ status: 409 });
    expect(heard()).toEqual([]);
    expect(app.calls.slice(beforeRefusal).every((x) => x.dryRun === true)).toBe(true);
    expect((await scim.connections!.get(c.id)).mode).toBe('preview');

    // an account the host does not say is the tenant's is refused: a typed id reaches no other tenant's account
    await expect(scim.connections!.resolve(c.id, run.ids.get(90)!, { action: 'link', account: 'globex/owner', actor: ACTOR })).rejects.toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: 'account "globex/owner" is not an account of this organization',
    });
    await scim.connections!.resolve(c.id, run.ids.get(90)!, { action: 'link', account: 'acct-local-90', actor: ACTOR });
    await scim.connections!.resolve(c.id, run.ids.get(91)!, { action: 'link', account: 'acct-local-91', actor: ACTOR });
    await scim.connections!.resolve(c.id, run.ids.get(92)!, { action: 'create', actor: ACTOR });
    await scim.connections!.resolve(c.id, run.ids.get(93)!, { action: 'create', actor: 'other@acme.io' });
    await scim.connections!.resolve(c.id, run.ids.get(94)!, { action: 'skip', actor: ACTOR });
    const resolved = await scim.connections!.preview(c.id);
    expect(resolved.counts).toMatchObject({ new: 404, link: 90, conflict: 0, outsideDomain: 3, deactivate: 2, skip: 1 });
    expect(resolved.ready).toBe(true);
    expect(resolved.users.find((u) => u.id === run.ids.get(93))).toMatchObject({ outcome: 'new', resolution: { action: 'create', actor: 'other@acme.io' } });

    const asked = app.calls.length;
    const live = await scim.connections!.approve(c.id, { actor: ACTOR });
    expect(live).toMatchObject({ mode: 'live', resolutions: {} });
    // approval asks the hook as a dry run first (a refusal writes nothing), then for real (the five resolved users are not asked)
    expect(app.calls.slice(asked)).toEqual([
      ...Array.from({ length: 492 }, () => ({ dryRun: true })),
      ...Array.from({ length: 492 }, () => ({ dryRun: false })),
    ]);
    const skipped = run.ids.get(94)!;
    const expected = held.filter((e) => e.resourceId !== skipped && !(e.data.memberIds?.length === 1 && e.data.memberIds[0] === skipped));
    expect(await eventually(() => heard().length >= expected.length, 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    // every event once, none of the skipped user's, each resource's in order
    const ids = heard().map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(expected.map((e) => e.id)));
    const lastSeq = new Map<string, number>();
    for (const e of heard()) {
      expect(e.seq).toBeGreaterThan(lastSeq.get(e.id) ?? 0);
      lastSeq.set(e.id, e.seq);
      expect(e.source).toBe('scim');
      if (e.type === 'group.membersAdded') expect(e.memberIds).not.toContain(skipped);
    }
    // the decisions travel with user.created
    const created = new Map(heard().flatMap((e) => (e.type === 'user.created' ? [[e.resource.userName, e.link] as const] : [])));
    expect(created.get('user5@acme.io')).toEqual({ by: 'email', accountId: 'acct-mail-5' });
    expect(created.get('user0@acme.io')).toEqual({ by: 'email', accountId: 'acct-mail-0' });
    expect(created.get('user85@acme.io')).toEqual({ by: 'externalId', accountId: 'acct-ext-85' });
    expect(created.get('user90@acme.io')).toEqual({ by: 'admin', accountId: 'acct-local-90', decidedBy: ACTOR });
    expect(created.get('user92@acme.io')).toEqual({ by: 'new' });
    expect(created.get('user200@acme.io')).toEqual({ by: 'new' });
    expect(created.has('user94@acme.io')).toBe(false);
    expect((await changeLog(scim, tenant)).filter((e) => e.state === 'pending')).toEqual([]);
    // the skipped user is gone from the store: the IdP's next change of it creates it again, linked live
    const again = await scim.handle({
      method: 'GET',
      path: `/${tenant}/Users/${skipped}`,
      headers: { authorization: `Bearer ${token}`, ...ENTRA },
    });
    expect(again.status).toBe(404);

    // live now: a new user is linked as it arrives and delivered at once
    const res = await scim.handle({
      method: 'POST',
      path: `/${tenant}/Users`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...ENTRA },
      body: JSON.stringify({ schemas: [U], userName: 'late@acme.io', emails: [{ value: 'late@acme.io' }] }),
    });
    expect(res.status).toBe(201);
    expect(await eventually(() => heard().some((e) => e.type === 'user.created' && e.resource.userName === 'late@acme.io'), 5000)).toBe(true);

    // each decision is in the tenant's activity log with its actor
    await scim.activity.flush();
    const log = await scim.activity.list({ tenant, limit: 1000 });
    const actions = log.filter((r) => r.operation === 'connection').map((r) => [r.connection!.action, r.actor, r.connection!.userId ?? null]);
    expect(actions).toContainEqual(['approve', ACTOR, null]);
    expect(actions).toContainEqual(['resolve', 'other@acme.io', run.ids.get(93)]);
    expect(actions.filter(([a]) => a === 'resolve')).toHaveLength(5);
    expect(log.find((r) => r.connection?.userId === run.ids.get(90))?.connection?.resolution).toEqual({ action: 'link', account: 'acct-local-90' });
    await scim.close();
  });

  it('discard deletes the tenant’s resources and held events, delivers nothing, and the next cycle starts clean', { timeout: 120_000 }, async () => {
    const { scim, of } = serverOver(await makeStore());
    const tenant = `disc-${randomUUID().slice(0, 8)}`;
    const heard = () => of(tenant);
    const c = await scim.connections!.create({ tenant, mode: 'preview', domains: ['acme.io'], actor: ACTOR });
    const { token } = await scim.connections!.issueToken(c.id, { actor: ACTOR });
    const run = await firstCycle(scim, tenant, token, 40, 4);
    await scim.connections!.resolve(c.id, run.ids.get(3)!, { action: 'skip', actor: ACTOR });
    expect((await changeLog(scim, tenant)).length).toBeGreaterThan(40);

    const after = await scim.connections!.discard(c.id, { actor: 'boss@acme.io' });
    expect(after).toMatchObject({ mode: 'preview', resolutions: {} });
    expect((await changeLog(scim, tenant)).filter((e) => e.state === 'pending')).toEqual([]);
    for (const type of scim.registry.resourceTypes()) {
      const page = await scim.store.search({ tenant, requestId: 't' }, type, { startIndex: 1, count: 10, members: false });
      expect(page.totalResults).toBe(0);
    }
    const report = await scim.connections!.preview(c.id);
    expect(report.users).toEqual([]);
    expect(report.groups).toEqual([]);
    expect(report.counts.heldEvents).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard()).toEqual([]);
    await scim.activity.flush();
    const log = await scim.activity.list({ tenant, limit: 1000 });
    expect(log.find((r) => r.connection?.action === 'discard')?.actor).toBe('boss@acme.io');

    // the IdP's next cycle: the same users are new again (none is found), held again
    const next = await firstCycle(scim, tenant, token, 40, 4);
    expect(next.statuses.every((s) => s < 300)).toBe(true);
    expect((await scim.connections!.preview(c.id)).users).toHaveLength(40);
    expect(heard()).toEqual([]);
    await scim.close();
  });

  it('a link resolution needs the host to say the account is the tenant’s (connections.account)', async () => {
    const scim = createScimServer({ store: new MemoryStore(), tenantInPath: true, connections: { defaultMode: 'preview' }, hooks: { onEvent: () => {} } });
    const c = await scim.connections!.create({ tenant: 'acme', actor: ACTOR });
    const token = (await scim.connections!.issueToken(c.id, { actor: ACTOR })).token;
    const made = await scim.handle({
      method: 'POST',
      path: '/acme/Users',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [U], userName: 'ann@acme.io' }),
    });
    const id = (made.body as { id: string }).id;
    await expect(scim.connections!.resolve(c.id, id, { action: 'link', account: 'acct-ann', actor: ACTOR })).rejects.toMatchObject({
      status: 400,
      detail: expect.stringContaining('connections.account'),
    });
    expect((await scim.connections!.get(c.id)).resolutions ?? {}).toEqual({});
    await scim.close();
  });

  describe('approval and discard take turns with each other, with resolutions and with the IdP', () => {
    /** A preview server whose store's deletes and link hook can be held up, and what the host heard. */
    async function racing() {
      const store = new MemoryStore();
      let gate: Promise<void> | undefined;
      const remove = store.delete.bind(store);
      store.delete = async (...a: Parameters<MemoryStore['delete']>) => {
        await gate;
        return remove(...a);
      };
      const heard: LifecycleEvent[] = [];
      const scim = createScimServer({
        store,
        tenantInPath: true,
        rateLimits: false,
        connections: { defaultMode: 'preview', account: () => true },
        hooks: {
          onEvent: (e) => void heard.push(e),
          linkUser: async (intent: LinkIntent) => {
            if (!intent.dryRun) await gate;
            return intent.resource.userName === 'ann@acme.io' ? { by: 'host', accountId: 'acct-ann' } : undefined;
          },
        },
        events: { pollMs: 10 },
      });
      const c = await scim.connections!.create({ tenant: 'acme', actor: ACTOR });
      const { token } = await scim.connections!.issueToken(c.id, { actor: ACTOR });
      const post = (userName: string) =>
        scim.handle({
          method: 'POST',
          path: '/acme/Users',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
          body: JSON.stringify({ schemas: [U], userName }),
        });
      for (const n of ['bob', 'cy', 'dee']) expect((await post(`${n}@acme.io`)).status).toBe(201);
      let open: () => void = () => {};
      const hold = () => {
        gate = new Promise<void>((r) => {
          open = r;
        });
      };
      return { scim, c, post, heard, hold, release: () => open() };
    }

    it('an approval during a discard is a 409; a user write during it a 503; the discard leaves nothing', async () => {
      const { scim, c, post, heard, hold, release } = await racing();
      hold();
      const discarding = scim.connections!.discard(c.id, { actor: ACTOR });
      await eventually(async () => (await scim.connections!.get(c.id)).mode === 'discarding');
      await expect(scim.connections!.approve(c.id, { actor: ACTOR })).rejects.toMatchObject({ status: 409 });
      const during = await post('late@acme.io');
      expect([during.status, during.headers['retry-after']]).toEqual([503, '5']);
      release();
      expect((await discarding).mode).toBe('preview');
      const users = await scim.store.search({ tenant: 'acme', requestId: 'x' }, scim.registry.resourceType('User')!, {
        startIndex: 1,
        count: 0,
        members: false,
      });
      expect(users.totalResults).toBe(0);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual([]);
      await scim.close();
    });

    it('a resolution during an approval is a 409; a user the IdP creates during it is linked as on a live connection', async () => {
      const { scim, c, post, heard, hold, release } = await racing();
      hold();
      const approving = scim.connections!.approve(c.id, { actor: ACTOR });
      await eventually(async () => (await scim.connections!.get(c.id)).mode === 'approving');
      const bob = (
        await scim.store.search({ tenant: 'acme', requestId: 'x' }, scim.registry.resourceType('User')!, { startIndex: 1, count: 10, members: false })
      ).resources[0]!;
      await expect(scim.connections!.resolve(c.id, String(bob.id), { action: 'skip', actor: ACTOR })).rejects.toMatchObject({ status: 409 });
      const ann = post('ann@acme.io');
      release();
      expect((await ann).status).toBe(201);
      expect((await approving).mode).toBe('live');
      expect(await eventually(() => heard.filter((e) => e.type === 'user.created').length === 4)).toBe(true);
      const created = heard.find((e) => e.type === 'user.created' && e.resource.userName === 'ann@acme.io');
      expect(created?.type === 'user.created' ? created.link : undefined).toEqual({ by: 'host', accountId: 'acct-ann' });
      await scim.close();
    });

    it('a connection holding a preview is not deleted without purge; a preview needs a tenant without resources', async () => {
      const { scim, c } = await racing();
      await expect(scim.connections!.delete(c.id, { actor: ACTOR })).rejects.toMatchObject({ status: 409 });
      await scim.connections!.discard(c.id, { actor: ACTOR });
      await scim.connections!.delete(c.id, { actor: ACTOR, purge: true });
      const other = createScimServer({ store: scim.store, tenantInPath: true, connections: {}, hooks: { onEvent: () => {} } });
      const live = await other.connections.create({ tenant: 'kept', actor: ACTOR });
      const { token } = await other.connections.issueToken(live.id, { actor: ACTOR });
      await other.handle({
        method: 'POST',
        path: '/kept/Users',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [U], userName: 'k@acme.io' }),
      });
      await other.connections.delete(live.id, { actor: ACTOR });
      await expect(other.connections.create({ tenant: 'kept', mode: 'preview', actor: ACTOR })).rejects.toMatchObject({ status: 409 });
      await other.close();
      await scim.close();
    });
  });
});
