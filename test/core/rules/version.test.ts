// store/version.ts checks a store's ifVersion with the precondition rule of
// protocol/preconditions.ts (RFC 7232 weak comparison of opaque tags, as RFC 7644 §3.14 uses),
// not a rule of its own: a version tag matches exactly the headers preconditionMatches says.
import { describe, expect, it } from 'vitest';
import { isVersion, preconditionMatches, versionNamed, versionTag } from '../../../src/index.js';

const FORMS = [
  'W/"3"',
  '"3"',
  '3',
  ' W/"3" ',
  'W/"03"',
  '"03"',
  'W/"+3"',
  'W/"3.0"',
  'W/"1", W/"3"',
  '"nope","3"',
  'W/"31"',
  '"1","2"',
  '*',
  ' * ',
  '',
  'W/""',
];

describe('isVersion: the precondition rule, for a store', () => {
  it.each(FORMS)('%j against version 3 answers as preconditionMatches does', (form) => {
    expect(isVersion(form, 3)).toBe(preconditionMatches(form, versionTag(3)));
  });

  it('a leading zero is another opaque tag (W/"03" is not version 3); a list names each of its tags', () => {
    expect(isVersion('W/"03"', 3)).toBe(false);
    expect(isVersion('W/"1", W/"3"', 3)).toBe(true);
    expect(isVersion('"3"', 3)).toBe(true);
  });
});

describe('versionNamed: the one version a precondition names, by the same rule', () => {
  it.each([
    ['W/"3"', 3],
    ['"3"', 3],
    ['"nope", W/"3"', 3],
    ['W/"3", "3"', 3],
    ['W/"03"', undefined],
    ['W/"1", W/"3"', undefined],
    ['*', undefined],
    ['W/"3", *', undefined],
    ['"nope"', undefined],
  ] as const)('%j → %j', (tag, n) => {
    expect(versionNamed(tag)).toBe(n);
  });
});
