// The member rule (core/rules/members.ts): a member is the id it names, a list names each id
// once at its first place, and every user of members (PATCH inline and as a delta, the stores,
// the events) follows that one rule.
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/core/filter/parse.js';
import { applyPatch } from '../../../src/core/patch/apply.js';
import {
  deltaChangesMembers,
  idsNamed,
  type MemberDelta,
  memberDiff,
  memberId,
  memberIdsOf,
  planMemberDelta,
  sameMemberOrder,
  touchesMembers,
} from '../../../src/core/rules/members.js';
import { SchemaRegistry } from '../../../src/core/schema/registry.js';
import type { ScimResource } from '../../../src/core/schema/resource.js';

const Group = new SchemaRegistry().resourceType('Group')!;
const ops = (...operations: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });
const group = (...ids: string[]): ScimResource => ({
  schemas: [Group.schema.id],
  id: 'g',
  displayName: 'G',
  ...(ids.length ? { members: ids.map((value) => ({ value })) } : {}),
});
const ids = (r: ScimResource) => memberIdsOf(r.members as unknown[] | undefined);

describe('a PATCH of members: inline and as a delta, the same members in the same order', () => {
  // the disagreement: the delta builder moved a repeated id to its last place, while a member list
  // (appendDistinct inline, memberIdsOf in the stores) keeps its first; a group replaced with
  // [a, b, a] then stood as [b, a] in a store that takes deltas and [a, b] in one that does not
  it.each([
    ['a replace with a repeated id', [{ op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'b' }, { value: 'a' }] }]],
    ['an add with a repeated id', [{ op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'b' }, { value: 'a' }] }]],
    [
      'adds in separate operations',
      [
        { op: 'add', path: 'members', value: [{ value: 'a' }] },
        { op: 'add', path: 'members', value: [{ value: 'b' }] },
        { op: 'add', path: 'members', value: [{ value: 'a', display: 'again' }] },
      ],
    ],
  ])('%s', (_, operations) => {
    const inline = applyPatch(group(), ops(...operations), { type: Group });
    const { members: delta } = applyPatch({ ...group(), members: undefined }, ops(...operations), { type: Group, members: 'delta' });
    expect(memberIdsOf(delta!.added)).toEqual(ids(inline.resource));
    expect(ids(inline.resource)).toEqual(['a', 'b']);
    // the first value of an id is the one kept, as appendDistinct keeps it
    expect(delta!.added.find((m) => m.value === 'a')).toEqual((inline.resource.members as unknown[])[0]);
  });

  it('the last operation on an id wins: a remove after an add removes it, an add after a remove adds it', () => {
    const delta = (...o: unknown[]) => applyPatch(group(), ops(...o), { type: Group, members: 'delta' }).members;
    expect(delta({ op: 'add', path: 'members', value: [{ value: 'a' }] }, { op: 'remove', path: 'members[value eq "a"]' })).toEqual({
      removeAll: false,
      added: [],
      removed: ['a'],
    });
    expect(delta({ op: 'remove', path: 'members[value eq "a"]' }, { op: 'add', path: 'members', value: [{ value: 'a' }] })).toEqual({
      removeAll: false,
      added: [{ value: 'a' }],
      removed: [],
    });
  });
});

describe('member identity and lists', () => {
  it('a member is the id its value names, whatever else it says', () => {
    expect(memberId({ value: 'a', display: 'A', $ref: 'x' })).toBe('a');
    expect(memberId({ value: 7 })).toBeUndefined();
    expect(memberId(null)).toBeUndefined();
    expect(memberIdsOf([{ value: 'b' }, { value: 'a' }, { value: 'b', display: 'B' }, { display: 'none' }, null])).toEqual(['b', 'a']);
    expect(memberIdsOf(undefined)).toEqual([]);
  });

  it('order is part of the list: the same ids in another order are not the same list', () => {
    expect(sameMemberOrder(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameMemberOrder(new Set(['a', 'b']).keys(), ['b', 'a'])).toBe(false);
    expect(sameMemberOrder(['a'], ['a', 'b'])).toBe(false);
    expect(sameMemberOrder([], [])).toBe(true);
  });

  it('a diff names the ids that came, in the new order, and those that went, in the old', () => {
    expect(memberDiff([{ value: 'a' }, { value: 'b' }, { value: 'c' }], [{ value: 'd' }, { value: 'c' }, { value: 'a' }, { value: 'd' }])).toEqual({
      added: ['d'],
      removed: ['b'],
    });
    expect(memberDiff(undefined, [{ value: 'a' }])).toEqual({ added: ['a'], removed: [] });
    expect(memberDiff([{ value: 'a' }], 'not a list')).toEqual({ added: [], removed: ['a'] });
  });
});

describe('a delta against the current members', () => {
  const delta = (d: Partial<MemberDelta>): MemberDelta => ({ removeAll: false, added: [], removed: [], ...d });
  const current = new Map([
    ['a', {}],
    ['b', {}],
  ]);

  it('adds only non-members, each once; removes only members it does not add back', () => {
    expect(planMemberDelta(current, delta({ added: [{ value: 'c' }, { value: 'a' }, { value: 'c' }], removed: ['b', 'x', 'b'] }))).toEqual({
      added: ['c'],
      removed: ['b'],
    });
    expect(planMemberDelta(new Set(['a', 'b']), delta({ removeAll: true, added: [{ value: 'b' }, { value: 'c' }] }))).toEqual({
      added: ['c'],
      removed: ['a'],
    });
  });

  it('changes the group when members come or go, or a replace of all reorders them', () => {
    const replace = delta({ removeAll: true, added: [{ value: 'b' }, { value: 'a' }] });
    expect(deltaChangesMembers(planMemberDelta(current, replace), replace, current.keys())).toBe(true);
    const same = delta({ removeAll: true, added: [{ value: 'a' }, { value: 'b' }] });
    expect(deltaChangesMembers(planMemberDelta(current, same), same, current.keys())).toBe(false);
    const again = delta({ added: [{ value: 'a' }] });
    expect(deltaChangesMembers(planMemberDelta(current, again), again, undefined)).toBe(false);
    expect(touchesMembers(again)).toBe(true);
    expect(touchesMembers(delta({}))).toBe(false);
    expect(touchesMembers(undefined)).toBe(false);
  });
});

describe('the ids a value filter names', () => {
  it('value eq, or an or of them; anything else names no ids', () => {
    expect(idsNamed(parseFilter('value eq "a"'))).toEqual(['a']);
    expect(idsNamed(parseFilter('VALUE eq "a" or value eq "b" or value eq "a"'))).toEqual(['a', 'b']);
    expect(idsNamed(parseFilter('value eq "a" and type eq "User"'))).toBeUndefined();
    expect(idsNamed(parseFilter('value ne "a"'))).toBeUndefined();
    expect(idsNamed(parseFilter('value eq "a" or type eq "User"'))).toBeUndefined();
    expect(idsNamed(parseFilter('display eq "a"'))).toBeUndefined();
  });
});
