// The LifecycleEvent union: the types narrow on `type`, and what the server delivers keeps each promise the types make.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type EnterpriseUser,
  type LifecycleEvent,
  MemoryStore,
  type ProvisioningStore,
  type ScimGroup,
  type ScimResource,
  type ScimUser,
} from '../../src/index.js';
import { setup } from './helpers.js';

describe('LifecycleEvent, the types', () => {
  it('narrows on type: resource, previous and memberIds are there without `!` where the type says', () => {
    const use = (e: LifecycleEvent) => {
      switch (e.type) {
        case 'user.created':
          expectTypeOf(e.resource).toEqualTypeOf<ScimUser>();
          expectTypeOf(e.resource.userName).toEqualTypeOf<string>();
          expectTypeOf(e.previous).toEqualTypeOf<undefined>();
          break;
        case 'user.deactivated':
          expectTypeOf(e.resource.active).toEqualTypeOf<boolean | undefined>();
          expectTypeOf(e.previous).toEqualTypeOf<ScimUser>();
          break;
        case 'group.renamed':
          expectTypeOf(e.resource.displayName).toEqualTypeOf<string>();
          expectTypeOf(e.previous).toEqualTypeOf<ScimGroup>();
          break;
        case 'group.membersAdded':
          expectTypeOf(e.memberIds).toEqualTypeOf<string[]>();
          expectTypeOf(e.resource).toEqualTypeOf<ScimGroup>();
          break;
        case 'group.membersRemoved':
          expectTypeOf(e.memberIds).toEqualTypeOf<string[]>();
          expectTypeOf(e.resource).toEqualTypeOf<ScimGroup | undefined>();
          break;
        case 'user.deleted':
          expectTypeOf(e.previous).toEqualTypeOf<ScimUser>();
          expectTypeOf(e.resource).toEqualTypeOf<undefined>();
          break;
        case 'resource.created':
          expectTypeOf(e.resource).toEqualTypeOf<ScimResource>();
          break;
        default:
          break;
      }
    };
    expectTypeOf(use).parameter(0).toEqualTypeOf<LifecycleEvent>();
  });

  it('ScimUser, ScimGroup and EnterpriseUser type the built-in resources and stay ScimResources', () => {
    expectTypeOf<ScimUser>().toExtend<ScimResource>();
    expectTypeOf<ScimGroup>().toExtend<ScimResource>();
    expectTypeOf<ScimUser['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']>().toEqualTypeOf<EnterpriseUser | undefined>();
    // a host's own attributes stay possible
    const u: ScimUser = { userName: 'a', 'urn:example:ext:1.0:User': { badge: 7 } };
    expectTypeOf(u.userName).toEqualTypeOf<string>();
  });
});

describe('LifecycleEvent, as delivered', () => {
  it('keeps what the types promise for every event a provisioning cycle makes', async () => {
    const seen: LifecycleEvent[] = [];
    const { call, user, group, patch } = setup({ hooks: { onEvent: (e) => void seen.push(e) }, events: { mode: 'beforeResponse' } });
    const a = (await call('POST', '/Users', user('a@x.io'))).body.id!;
    const b = (await call('POST', '/Users', user('b@x.io'))).body.id!;
    const g = (await call('POST', '/Groups', group('Eng'))).body.id!;
    await call('PATCH', `/Groups/${g}`, patch({ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }));
    await call('PATCH', `/Groups/${g}`, patch({ op: 'replace', path: 'displayName', value: 'Engineering' }));
    await call('PATCH', `/Groups/${g}`, patch({ op: 'remove', path: `members[value eq "${a}"]` }));
    await call('PATCH', `/Users/${a}`, patch({ op: 'replace', path: 'active', value: false }));
    await call('PATCH', `/Users/${a}`, patch({ op: 'replace', path: 'active', value: true }));
    await call('DELETE', `/Users/${b}`);
    await call('DELETE', `/Groups/${g}`);
    const types = new Set(seen.map((e) => e.type));
    for (const t of [
      'user.created',
      'group.created',
      'group.membersAdded',
      'group.renamed',
      'group.membersRemoved',
      'user.deactivated',
      'user.reactivated',
      'user.updated',
      'group.updated',
      'user.deleted',
      'group.deleted',
    ])
      expect(types, t).toContain(t);
    for (const e of seen) {
      switch (e.type) {
        case 'user.created':
        case 'group.created':
          expect([e.type, typeof e.resource, e.previous]).toEqual([e.type, 'object', undefined]);
          break;
        case 'user.updated':
        case 'user.deactivated':
        case 'user.reactivated':
        case 'group.updated':
        case 'group.renamed':
          expect([e.type, typeof e.resource, typeof e.previous]).toEqual([e.type, 'object', 'object']);
          break;
        case 'group.membersAdded':
          expect([typeof e.resource, typeof e.previous, e.memberIds.length > 0]).toEqual(['object', 'object', true]);
          break;
        case 'group.membersRemoved':
          expect(e.memberIds.length).toBeGreaterThan(0);
          break;
        case 'user.deleted':
        case 'group.deleted':
          expect([e.type, e.resource, typeof e.previous]).toEqual([e.type, undefined, 'object']);
          break;
        default:
          break;
      }
    }
    // the deleted member left the group with an event of its own, without the group's resource
    expect(seen.some((e) => e.type === 'group.membersRemoved' && e.memberIds.includes(b) && e.resource === undefined)).toBe(true);
  });
});

describe('group.updated: for what changed besides the members', () => {
  /** An IdP's group sync: members in batches (Entra ID sends a few per PATCH), a rename, a removal, and a PUT of the same members plus one. */
  async function cycle(options: Parameters<typeof setup>[0] = {}) {
    const seen: LifecycleEvent[] = [];
    const { call, user, group, patch } = setup({
      ...options,
      hooks: { onEvent: (e) => void seen.push(e) },
      events: { mode: 'beforeResponse', ...options.events },
    });
    const ids: string[] = [];
    for (let i = 0; i < 13; i++) ids.push((await call('POST', '/Users', user(`m${i}@x.io`))).body.id!);
    const g = (await call('POST', '/Groups', group('Eng'))).body.id!;
    for (let batch = 0; batch < 6; batch++)
      expect(
        (await call('PATCH', `/Groups/${g}`, patch({ op: 'add', path: 'members', value: ids.slice(batch * 2, batch * 2 + 2).map((value) => ({ value })) })))
          .status,
      ).toBeLessThan(300);
    await call('PATCH', `/Groups/${g}`, patch({ op: 'replace', path: 'displayName', value: 'Engineering' }));
    await call('PATCH', `/Groups/${g}`, patch({ op: 'remove', path: `members[value eq "${ids[0]}"]` }));
    await call('PUT', `/Groups/${g}`, group('Engineering', [...ids.slice(1, 12), ids[12]!]));
    return seen.filter((e) => e.id === g).map((e) => e.type);
  }

  /** The events of cycle(): one per member batch, one group.updated (and group.renamed) for the rename. */
  const MEMBER_EVENTS_ONLY = [
    'group.created',
    ...Array<string>(6).fill('group.membersAdded'),
    'group.updated',
    'group.renamed',
    'group.membersRemoved',
    'group.membersAdded',
  ];

  it('a change of members only is told by member events only', async () => {
    expect(await cycle()).toEqual(MEMBER_EVENTS_ONLY);
  });

  it('the same on a store that cannot apply member deltas (the whole group is written)', async () => {
    const inner = new MemoryStore();
    const whole: ProvisioningStore = {
      capabilities: { ...inner.capabilities, memberDeltas: false },
      get: (...a) => inner.get(...a),
      search: (...a) => inner.search(...a),
      create: (...a) => inner.create(...a),
      replace: (...a) => inner.replace(...a),
      delete: (...a) => inner.delete(...a),
    };
    expect(await cycle({ store: whole })).toEqual(MEMBER_EVENTS_ONLY);
  });

  it('with events.groupUpdatedOnMemberChange, every member change is a group.updated too', async () => {
    expect(await cycle({ events: { groupUpdatedOnMemberChange: true } })).toEqual([
      'group.created',
      ...Array.from({ length: 6 }, () => ['group.updated', 'group.membersAdded']).flat(),
      'group.updated',
      'group.renamed',
      'group.updated',
      'group.membersRemoved',
      'group.updated',
      'group.membersAdded',
    ]);
  });
});
