import { describe, expect, it } from 'vitest';
import { FilterCache } from '../../../src/core/filter/cache.js';
import { SchemaRegistry } from '../../../src/index.js';
import { equalityKeys, parseFilter } from '../../../src/store-kit.js';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const keys = (f: string, t = User) => equalityKeys(parseFilter(f), t);

describe('equalityKeys', () => {
  it('finds the indexable equality of the usual IdP look-ups', () => {
    expect(keys('USERNAME eq "Alice"')).toEqual([{ path: 'userName', values: ['Alice'], caseExact: false }]);
    expect(keys('externalId eq "x1"')).toEqual([{ path: 'externalId', values: ['x1'], caseExact: true }]);
    expect(keys('id eq "1"')).toEqual([{ path: 'id', values: ['1'], caseExact: true }]);
    expect(keys('displayName eq "Sales"', Group)).toEqual([{ path: 'displayName', values: ['Sales'], caseExact: false }]);
    expect(keys('emails.value eq "a@x"')).toEqual([{ path: 'emails.value', values: ['a@x'], caseExact: false }]);
    expect(keys('members[value eq "u1"]', Group)).toEqual([{ path: 'members.value', values: ['u1'], caseExact: true }]);
    expect(keys('emails[type eq "work" and value eq "a@x"]')).toEqual([
      { path: 'emails.type', values: ['work'], caseExact: false },
      { path: 'emails.value', values: ['a@x'], caseExact: false },
    ]);
  });

  it('takes every key under and, and a key shared by every branch of or', () => {
    expect(keys('userName eq "a" and active eq true').map((k) => k.path)).toEqual(['userName']);
    expect(keys('id eq "a" or id eq "b" or id eq "c"')).toEqual([{ path: 'id', values: ['a', 'b', 'c'], caseExact: true }]);
    expect(keys('id eq "a" or userName eq "b"')).toEqual([]);
  });

  it('gives no key where an index would be wrong', () => {
    expect(keys('not (userName eq "a")')).toEqual([]);
    expect(keys('userName ne "a"')).toEqual([]);
    expect(keys('userName co "a"')).toEqual([]);
    expect(keys('title pr')).toEqual([]);
    expect(keys('active eq true')).toEqual([]);
    expect(keys('nope eq "a"')).toEqual([]);
  });
});

describe('FilterCache', () => {
  it('parses once per text and evicts the least recently used', () => {
    const cache = new FilterCache(2);
    const a = cache.parse('userName eq "a"');
    expect(cache.parse('userName eq "a"')).toBe(a);
    cache.parse('userName eq "b"');
    cache.parse('userName eq "a"'); // a is now the most recent
    cache.parse('userName eq "c"'); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.parse('userName eq "a"')).toBe(a);
  });
  it('does not cache errors and applies its limits', () => {
    const cache = new FilterCache(10, { maxLength: 5 });
    expect(() => cache.parse('userName eq "a"')).toThrow(/limit is 5/);
    expect(cache.size).toBe(0);
  });
});
