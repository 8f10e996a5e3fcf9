// The LifecycleEvent union: the types narrow on `type`, and what the server delivers keeps each promise the types make.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { LifecycleEvent, ScimResource } from '../../src/index.js';
import { setup } from './helpers.js';

describe('LifecycleEvent, the types', () => {
  it('narrows on type: resource, previous and memberIds are there without `!` where the type says', () => {
    const use = (e: LifecycleEvent) => {
      switch (e.type) {
        case 'user.created':
          expectTypeOf(e.resource).toEqualTypeOf<ScimResource>();
          expectTypeOf(e.previous).toEqualTypeOf<undefined>();
          break;
        case 'user.deactivated':
        case 'group.renamed':
          expectTypeOf(e.resource).toEqualTypeOf<ScimResource>();
          expectTypeOf(e.previous).toEqualTypeOf<ScimResource>();
          break;
        case 'group.membersAdded':
          expectTypeOf(e.memberIds).toEqualTypeOf<string[]>();
          expectTypeOf(e.resource).toEqualTypeOf<ScimResource>();
          break;
        case 'group.membersRemoved':
          expectTypeOf(e.memberIds).toEqualTypeOf<string[]>();
          expectTypeOf(e.resource).toEqualTypeOf<ScimResource | undefined>();
          break;
        case 'user.deleted':
          expectTypeOf(e.previous).toEqualTypeOf<ScimResource>();
          expectTypeOf(e.resource).toEqualTypeOf<undefined>();
          break;
        default:
          break;
      }
    };
    expectTypeOf(use).parameter(0).toEqualTypeOf<LifecycleEvent>();
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
