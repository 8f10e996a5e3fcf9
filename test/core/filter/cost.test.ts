// The filter cost model (src/core/filter/cost.ts): what one resource's test costs, from the parsed
// filter and the resource type, and the 400 a filter over a budget gets.
import { describe, expect, it } from 'vitest';
import { checkFilterCost, filterCost, filterWorkError, valueFilterCost } from '../../../src/core/filter/cost.js';
import { SchemaRegistry, ScimError } from '../../../src/index.js';
import { parseFilter } from '../../../src/store-kit.js';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const cost = (text: string, type = User) => filterCost(parseFilter(text), type);
/** The filter of issue #29: 290 `emails[value co …]` terms, 7.7 KB. */
const heavy = Array.from({ length: 290 }, (_, i) => `emails[value co "q${i}"]`).join(' or ');

describe('filterCost', () => {
  it('a comparison of a single-valued attribute costs 1, a substring one 2', () => {
    expect(cost('userName eq "a"')).toBe(1);
    expect(cost('active eq true')).toBe(1);
    expect(cost('title pr')).toBe(1);
    expect(cost('meta.lastModified gt "2024-01-01T00:00:00Z"')).toBe(1);
    expect(cost('name.familyName co "x"')).toBe(2);
    expect(cost('title sw "x"')).toBe(2);
    expect(cost('title ew "x"')).toBe(2);
  });

  it('a multi-valued attribute weighs 4: its sub-attributes, the attribute itself and a value filter over it', () => {
    expect(cost('emails.value eq "a@x"')).toBe(4);
    expect(cost('emails co "@x"')).toBe(8);
    expect(cost('emails[type eq "work" and value co "@x"]')).toBe(12);
    expect(cost('emails[type eq "work"].value ew "@x"')).toBe(12);
    expect(cost('members[value eq "u1"]', Group)).toBe(4);
    expect(cost('groups.value eq "g1"')).toBe(4);
  });

  it('and, or and not add up their operands: every term of an or chain counts', () => {
    expect(cost('userName eq "a" and title co "b"')).toBe(3);
    expect(cost('not (userName eq "a" or userName eq "b")')).toBe(2);
    expect(cost(Array.from({ length: 100 }, (_, i) => `id eq "${i}"`).join(' or '))).toBe(100);
    expect(cost(heavy)).toBe(290 * 2 * 4);
  });

  it('an attribute no schema defines costs like any other comparison (noMatch servers still walk it)', () => {
    expect(cost('nope eq "x"')).toBe(1);
  });

  it('a PATCH path value filter costs its terms per value it tests', () => {
    const emails = User.coreAttribute('emails')!;
    expect(valueFilterCost(parseFilter('type eq "work" and value co "x"'), emails)).toBe(3);
  });
});

describe('the budget', () => {
  it('a filter over it is 400 invalidFilter naming its cost and the budget, with the limit in the hint only', () => {
    const e = (() => {
      try {
        checkFilterCost(parseFilter(heavy), User, 256);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ScimError);
    const err = e as ScimError;
    expect([err.status, err.scimType]).toEqual([400, 'invalidFilter']);
    expect(err.detail).toBe("the filter costs 2320, over this server's budget of 256; use fewer or more selective terms");
    expect(err.detail).not.toMatch(/maxFilter|limits/);
    expect(err.hint).toMatch(/limits\.maxFilterCost/);
    expect(() => checkFilterCost(parseFilter(heavy), User, 2320)).not.toThrow();
  });

  it('the work of a scan over the budget names the resources it tests', () => {
    const err = filterWorkError(12, 100_000, 1_000_000);
    expect([err.status, err.scimType]).toEqual([400, 'invalidFilter']);
    expect(err.detail).toBe(
      "the filter costs 1200000 over the 100000 resources it tests (12 each), over this server's budget of 1000000; use fewer or more selective terms",
    );
    expect(err.hint).toMatch(/limits\.maxFilterWork/);
  });
});
