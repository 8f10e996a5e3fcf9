import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../src/index.js';
import { appendDistinct, sameValue, valueKey } from '../../../src/store-kit.js';

const User = new SchemaRegistry().resourceType('User')!;
const Group = new SchemaRegistry().resourceType('Group')!;
const attr = (name: string) => User.coreAttribute(name)!;

describe('the equality rule (core/rules/equality.ts)', () => {
  it('folds case unless caseExact, per sub-attribute', () => {
    expect(sameValue(attr('emails'), { value: 'C@X.COM', type: 'work' }, { type: 'Work', value: 'c@x.com' })).toBe(true);
    expect(sameValue(attr('emails'), { value: 'c@x.com', type: 'work' }, { value: 'c@x.com', type: 'home' })).toBe(false);
    expect(sameValue(attr('emails'), { value: 'c@x.com', primary: true }, { value: 'c@x.com' })).toBe(false);
    // id-like values are caseExact: externalId, and a member's value
    expect(sameValue(User.resolvePath('externalId')!.target, 'Ab', 'ab')).toBe(false);
    expect(sameValue(attr('userName'), 'Ab', 'ab')).toBe(true);
  });

  it('compares dateTimes as instants and members by id alone', () => {
    const created = User.resolvePath('meta.created')!.target;
    expect(sameValue(created, '2024-01-01T10:00:00+02:00', '2024-01-01T08:00:00Z')).toBe(true);
    const members = Group.coreAttribute('members')!;
    expect(sameValue(members, { value: 'id1', display: 'A' }, { value: 'id1', type: 'User' })).toBe(true);
    expect(sameValue(members, { value: 'ID1' }, { value: 'id1' })).toBe(false);
  });

  it('de-duplicates a list in order, keeping the first of equal values, in linear time', () => {
    const emails = attr('emails');
    expect(appendDistinct(emails, [{ value: 'c@x.com' }], [{ value: 'C@X.COM' }, { value: 'd@x.com' }, { value: 'D@x.com' }])).toEqual([
      { value: 'c@x.com' },
      { value: 'd@x.com' },
    ]);
    fc.assert(
      fc.property(fc.array(fc.record({ value: fc.constantFrom('a', 'A', 'b', 'B', 'c'), type: fc.constantFrom('work', 'WORK', 'home') })), (list) => {
        const out = appendDistinct(emails, [], list);
        // the result has no two equal values, and every input value has an equal one in it
        for (let i = 0; i < out.length; i++) for (let j = i + 1; j < out.length; j++) expect(sameValue(emails, out[i], out[j])).toBe(false);
        for (const v of list) expect(out.some((o) => sameValue(emails, o, v))).toBe(true);
        expect(new Set(out.map((v) => valueKey(emails, v))).size).toBe(out.length);
      }),
    );
  });
});

describe('de-duplication cost, counted rather than timed', () => {
  it('adding 4,000 distinct e-mails to 4,000 reads each value a bounded number of times (the old scan read ~16 million)', () => {
    const emails = attr('emails');
    let reads = 0;
    // each element counts how often its value is looked at: a pairwise scan reads it once per comparison
    const counted = (i: number) =>
      Object.defineProperty({ type: 'work' }, 'value', {
        enumerable: true,
        get: () => {
          reads++;
          return `u${i}@x.io`;
        },
      });
    const existing = Array.from({ length: 4000 }, (_, i) => counted(i));
    const incoming = Array.from({ length: 4000 }, (_, i) => counted(4000 + i));
    expect(appendDistinct(emails, existing, incoming)).toHaveLength(8000);
    expect(reads).toBeLessThanOrEqual(8000 * 2);
  });
});

describe('value keys are unambiguous', () => {
  it('a value that holds key syntax is not another value', () => {
    const emails = new SchemaRegistry().resourceType('User')!.coreAttribute('emails')!;
    expect(sameValue(emails, { type: 'y,"value":sx' }, { type: 'y', value: 'x' })).toBe(false);
    expect(appendDistinct(emails, [{ type: 'y', value: 'x' }], [{ type: 'y,"value":sx' }])).toHaveLength(2);
  });
});
