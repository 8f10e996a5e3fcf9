import { describe, expect, it } from 'vitest';
import { entityTags, preconditionMatches } from '../../../src/store-kit.js';

describe('the precondition rule (core/rules/preconditions.ts)', () => {
  it('compares weakly, takes lists and *', () => {
    expect(preconditionMatches('W/"3"', 'W/"3"')).toBe(true);
    expect(preconditionMatches('"3"', 'W/"3"')).toBe(true);
    expect(preconditionMatches('W/"1", "3"', 'W/"3"')).toBe(true);
    expect(preconditionMatches('*', 'W/"3"')).toBe(true);
    expect(preconditionMatches('W/"31"', 'W/"3"')).toBe(false);
    expect(preconditionMatches('"1","2"', 'W/"3"')).toBe(false);
    expect(entityTags(' W/"a,b" , "c",*')).toEqual(['W/"a,b"', '"c"', '*']);
  });
});
