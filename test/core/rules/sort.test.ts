import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../src/index.js';
import { compareSortKeys, resolveSortPath, type SortEntry, sortComparator, topK } from '../../../src/store-kit.js';

const User = new SchemaRegistry().resourceType('User')!;

describe('the sort rule (core/rules/sort.ts)', () => {
  it('puts missing values last ascending and first descending, and breaks ties by id', () => {
    expect(compareSortKeys(undefined, 'a', 'x', 'b')).toBe(1);
    expect(compareSortKeys('x', 'b', 'x', 'a')).toBe(1);
    const entries: SortEntry<string>[] = [
      { key: undefined, id: '1', item: 'none' },
      { key: 'b', id: '2', item: 'b' },
      { key: 'a', id: '4', item: 'a2' },
      { key: 'a', id: '3', item: 'a1' },
    ];
    expect([...entries].sort(sortComparator(false)).map((e) => e.item)).toEqual(['a1', 'a2', 'b', 'none']);
    expect([...entries].sort(sortComparator(true)).map((e) => e.item)).toEqual(['none', 'b', 'a2', 'a1']);
  });

  it('refuses a complex attribute and reads a multi-valued complex one as its value', () => {
    expect(() => resolveSortPath(User, 'name')).toThrow(/complex/);
    expect(resolveSortPath(User, 'emails').path).toBe('emails.value');
    expect(() => resolveSortPath(User, 'nope')).toThrow(/not an attribute/);
  });

  it('topK gives the first k of the full sort, in both orders', () => {
    const entry = fc.record({ key: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }), id: fc.string({ maxLength: 3 }), item: fc.nat() });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), fc.nat({ max: 70 }), fc.boolean(), (list, k, desc) => {
        const unique = [...new Map(list.map((e) => [e.id, e])).values()];
        const full = [...unique].sort(sortComparator(desc)).slice(0, k);
        expect(topK(unique, k, desc)).toEqual(full);
      }),
    );
  });
});
