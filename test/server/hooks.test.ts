import { describe, expect, it } from 'vitest';
import { bearerTokens, createScimServer, hashToken, type LifecycleEvent, ScimError, type ScimHooks } from '../../src/index.js';
import { G, PATCH, setup, U } from './helpers.js';

/** A host app: users with a role it manages itself, teams in one workspace. */
function host() {
  const roles = new Map<string, string>();
  const teams = new Map<string, { name: string; workspace: string; members: Set<string> }>();
  const events: string[] = [];
  const sessionsRevoked: string[] = [];
  const hooks: ScimHooks = {
    onEvent(e: LifecycleEvent) {
      events.push(e.type);
      if (e.type === 'user.created') roles.set(e.id, e.ctx.defaultRole ?? 'member');
      if (e.type === 'user.deactivated' || e.type === 'user.deleted') sessionsRevoked.push(e.id);
      if (e.type === 'group.created') teams.set(e.id, { name: e.resource!.displayName as string, workspace: e.ctx.workspace!, members: new Set() });
      if (e.type === 'group.renamed') teams.get(e.id)!.name = e.resource!.displayName as string;
      if (e.type === 'group.membersAdded') for (const m of e.memberIds!) teams.get(e.id)!.members.add(m);
      if (e.type === 'group.membersRemoved') for (const m of e.memberIds!) teams.get(e.id)!.members.delete(m);
      if (e.type === 'group.deleted') teams.delete(e.id);
    },
  };
  return { roles, teams, events, sessionsRevoked, hooks };
}

describe('workspace and role hooks', () => {
  it('default role on create only; a local role survives PATCH and PUT; groups become teams; events once each', async () => {
    const h = host();
    const server = createScimServer({
      authenticate: bearerTokens([{ tenant: 'acme', tokenHash: hashToken('t0ken-acme'), workspace: 'ws-eng', defaultRole: 'viewer' }]),
      hooks: h.hooks,
      // the test reads the host's model right after each response
      events: { mode: 'beforeResponse' },
    });
    const call = async (method: string, path: string, body?: unknown) =>
      (await server.handle({
        method,
        path,
        headers: { authorization: 'Bearer t0ken-acme', 'content-type': 'application/scim+json' },
        body: body && JSON.stringify(body),
      })) as {
        status: number;
        body: { id: string };
      };
    const u = await call('POST', '/Users', { schemas: [U], userName: 'ann@acme.io', active: true });
    expect(h.roles.get(u.body.id)).toBe('viewer');
    h.roles.set(u.body.id, 'admin'); // changed in the app
    await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: 'Ann' }] });
    await call('PUT', `/Users/${u.body.id}`, { schemas: [U], userName: 'ann@acme.io', active: true, displayName: 'Ann A' });
    expect(h.roles.get(u.body.id)).toBe('admin');

    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Platform', members: [] });
    expect(h.teams.get(g.body.id)).toMatchObject({ name: 'Platform', workspace: 'ws-eng' });
    await call('PATCH', `/Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: u.body.id }] }] });
    expect([...h.teams.get(g.body.id)!.members]).toEqual([u.body.id]);
    await call('PATCH', `/Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: 'Platform Team' }] });
    expect(h.teams.get(g.body.id)!.name).toBe('Platform Team');
    await call('PATCH', `/Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ value: u.body.id }] }] });
    expect(h.teams.get(g.body.id)!.members.size).toBe(0);

    await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(h.sessionsRevoked).toEqual([u.body.id]);
    await call('PATCH', `/Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    await call('DELETE', `/Users/${u.body.id}`);
    await call('DELETE', `/Groups/${g.body.id}`);
    expect(h.events).toEqual([
      'user.created',
      'user.updated',
      'user.updated',
      'group.created',
      'group.membersAdded',
      'group.updated',
      'group.renamed',
      'group.membersRemoved',
      'user.updated',
      'user.deactivated',
      'user.deleted',
      'group.deleted',
    ]);
    expect(h.sessionsRevoked).toEqual([u.body.id, u.body.id]);
  });

  it('member events name only real changes: re-adding a member or removing a non-member sends none', async () => {
    const seen: { type: string; memberIds?: string[] }[] = [];
    const server = createScimServer({
      authenticate: bearerTokens([{ tenant: 'acme', tokenHash: hashToken('t0ken-acme') }]),
      hooks: { onEvent: (e) => void seen.push({ type: e.type, ...(e.memberIds ? { memberIds: e.memberIds } : {}) }) },
    });
    const call = async (method: string, path: string, body?: unknown) =>
      (
        await server.handle({
          method,
          path,
          headers: { authorization: 'Bearer t0ken-acme', 'content-type': 'application/scim+json' },
          body: body && JSON.stringify(body),
        })
      ).body as { id: string };
    const [a, b] = [
      await call('POST', '/Users', { schemas: [U], userName: 'a@acme.io' }),
      await call('POST', '/Users', { schemas: [U], userName: 'b@acme.io' }),
    ];
    const g = await call('POST', '/Groups', { schemas: [G], displayName: 'Team', members: [{ value: a.id }] });
    const patch = (op: string, ids: string[]) =>
      call('PATCH', `/Groups/${g.id}`, { schemas: [PATCH], Operations: [{ op, path: 'members', value: ids.map((value) => ({ value })) }] });
    await patch('Add', [a.id, b.id]); // Entra sends current members again
    await patch('Remove', [b.id, 'someone-else']);
    await patch('Remove', [b.id]);
    await expect
      .poll(() => seen.filter((e) => e.type.startsWith('group.members')))
      .toEqual([
        { type: 'group.membersAdded', memberIds: [b.id] },
        { type: 'group.membersRemoved', memberIds: [b.id] },
      ]);
  });

  it('a before-hook can refuse with a ScimError, and nothing is written', async () => {
    const { call, user, store, server } = setup({
      hooks: {
        beforeCreate: ({ resource }) => {
          if (!String(resource.userName).endsWith('@acme.io')) throw ScimError.forbidden('Only @acme.io accounts can be provisioned');
          return undefined;
        },
      },
    });
    const r = await call('POST', '/Users', user('eve@evil.io'));
    expect(r.status).toBe(403);
    expect(r.body.detail).toBe('Only @acme.io accounts can be provisioned');
    const list = await store.search({ tenant: 'default', requestId: 'x' }, server.registry.resourceType('User')!, { startIndex: 1, count: 10, members: false });
    expect(list.totalResults).toBe(0);
  });

  it('a hook failing after commit is reported and retried until it succeeds; the write stands', async () => {
    const logged: string[] = [];
    let calls = 0;
    const delivered: string[] = [];
    const { call, user } = setup({
      hooks: {
        onEvent: (e) => {
          if (++calls === 1) throw new Error('mail server down');
          delivered.push(`${e.type} attempt ${e.attempt}`);
        },
      },
      events: { retryBaseMs: 5, pollMs: 5 },
      logger: { info: () => {}, warn: () => {}, error: (f, m) => logged.push(`${m}: ${String(f.error)}`) },
    });
    const r = await call('POST', '/Users', user('frank@acme.io'));
    expect(r.status).toBe(201);
    await expect.poll(() => delivered).toEqual(['user.created attempt 2']);
    expect(logged).toEqual(['event delivery failed; it will be retried: Error: mail server down']);
    expect((await call('GET', `/Users/${r.body.id}`)).status).toBe(200);
  });

  it('passwords go to setPassword, never to the store or a response', async () => {
    const set: [string, string][] = [];
    const { call, user, store } = setup({ hooks: { setPassword: (_ctx, id, pw) => void set.push([id, pw]) } });
    const r = await call('POST', '/Users', user('gus', { password: 'S3cret!' }));
    expect(set).toEqual([[r.body.id, 'S3cret!']]);
    expect(JSON.stringify(store.snapshot())).not.toContain('S3cret!');
    const asked = await call('GET', `/Users/${r.body.id}?attributes=password`);
    expect(asked.body.password).toBeUndefined();
    await call('PATCH', `/Users/${r.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'password', value: 'N3w!' }] });
    expect(set[1]).toEqual([r.body.id, 'N3w!']);
    expect(JSON.stringify(store.snapshot())).not.toContain('N3w!');
  });

  it('/Me maps the subject to a user through a hook', async () => {
    const { call, user } = setup({ hooks: { me: () => created } });
    let created = '';
    created = (await call('POST', '/Users', user('me@acme.io'))).body.id as string;
    const me = await call('GET', '/Me');
    expect(me.status).toBe(200);
    expect(me.body.userName).toBe('me@acme.io');
  });
});

describe('resource type names are not hard-coded', () => {
  it('a group-like type of another name gets group events, its $refs and its members’ groups', async () => {
    const { SchemaRegistry, GROUP_SCHEMA_ID, USER_SCHEMA_ID } = await import('../../src/index.js');
    const registry = new SchemaRegistry({ defaults: false });
    const base = new SchemaRegistry();
    registry.addSchema(base.schema(USER_SCHEMA_ID)!);
    registry.addSchema(base.schema(GROUP_SCHEMA_ID)!);
    registry.addResourceType({ name: 'Person', endpoint: '/People', schema: USER_SCHEMA_ID });
    registry.addResourceType({ name: 'Team', endpoint: '/Teams', schema: GROUP_SCHEMA_ID });
    const events: string[] = [];
    const { call } = setup({ registry, hooks: { onEvent: (e) => void events.push(e.type) } });
    const p = await call('POST', '/People', { schemas: [U], userName: 'pat' });
    const t = await call('POST', '/Teams', { schemas: [G], displayName: 'Core', members: [{ value: p.body.id }] });
    expect(t.status).toBe(201);
    expect(t.body.members).toEqual([{ value: p.body.id, type: 'Person', $ref: `https://app.example.com/scim/v2/People/${p.body.id}` }]);
    const person = await call('GET', `/People/${p.body.id}`);
    expect(person.body.groups).toEqual([{ value: t.body.id, display: 'Core', type: 'direct', $ref: `https://app.example.com/scim/v2/Teams/${t.body.id}` }]);
    await call('DELETE', `/People/${p.body.id}`);
    await expect.poll(() => events).toEqual(['user.created', 'group.created', 'user.deleted', 'group.membersRemoved']);
  });
});
