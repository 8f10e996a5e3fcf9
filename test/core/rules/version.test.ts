// core/rules/version.ts checks a store's ifVersion with the precondition rule of
// core/rules/preconditions.ts (RFC 7232 weak comparison of opaque tags, as RFC 7644 §3.14 uses),
// not a rule of its own: a version tag matches exactly the headers preconditionMatches says.
import { describe, expect, it } from 'vitest';
import { preconditionMatches } from '../../../src/core/rules/preconditions.js';
import { attributesChanged, decideWrite, isVersion, valueChanged, versionNamed, versionTag } from '../../../src/core/rules/version.js';

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

describe('decideWrite: the version decision every store makes', () => {
  const stored = {
    resource: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g',
      displayName: 'ops',
      meta: { resourceType: 'Group', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-02T00:00:00.000Z', version: 'W/"4"' },
    },
    version: 4,
  };
  const NOW = '2024-03-01T12:00:00.000Z';

  it('a write that stores the same representation changes nothing: no new version, no new lastModified', () => {
    // other object key order, a meta the client sent, members and groups apart, a password never returned
    const same = {
      displayName: 'ops',
      id: 'g',
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      meta: { version: 'W/"9"' },
      groups: [{ value: 'x' }],
      password: 'p',
    };
    expect(decideWrite(stored, same, false, NOW)).toEqual({ changed: false, version: 4 });
    expect(decideWrite(stored, undefined, false, NOW)).toEqual({ changed: false, version: 4 });
  });

  it('a change of attributes or of members moves the version by one and lastModified to the write; created and resourceType stay', () => {
    const meta = { resourceType: 'Group', created: '2024-01-01T00:00:00.000Z', lastModified: NOW, version: 'W/"5"' };
    expect(decideWrite(stored, { ...stored.resource, displayName: 'ops team' }, false, NOW)).toEqual({ changed: true, version: 5, meta });
    // a member delta that keeps the attributes, or a member deleted elsewhere
    expect(decideWrite(stored, undefined, true, NOW)).toEqual({ changed: true, version: 5, meta });
    expect(decideWrite(stored, { ...stored.resource }, true, NOW)).toEqual({ changed: true, version: 5, meta });
  });

  it('what a GET returns is the stored spelling: a change of case or of a dateTime form is a change, though the equality rule calls the values the same', () => {
    // the decision (core/rules/version.ts): values are stored as written, so a case-only fix must
    // be stored, and then the representation differs; under the same tag a cache would keep "ops"
    expect(decideWrite(stored, { ...stored.resource, displayName: 'Ops' }, false, NOW).changed).toBe(true);
    expect(valueChanged('2024-01-01T10:00:00+02:00', '2024-01-01T08:00:00Z')).toBe(true);
    expect(valueChanged({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(false);
    expect(valueChanged([1, 2], [2, 1])).toBe(true);
    expect(attributesChanged({ id: 'a', title: 'x', members: [{ value: 'm' }] }, { id: 'b', title: 'x' })).toBe(false);
  });
});
