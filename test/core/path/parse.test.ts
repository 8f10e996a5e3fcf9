import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePath } from '../../../src/core/path/parse.js';
import type { ScimError } from '../../../src/index.js';

const E = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('parsePath', () => {
  it.each([
    ['userName', { attr: { name: 'userName' } }],
    ['name.givenName', { attr: { name: 'name', sub: 'givenName' } }],
    ['members', { attr: { name: 'members' } }],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      { attr: { name: 'members' }, filter: { op: 'eq', attr: { name: 'value' }, value: '2819c223-7f76-453a-919d-413861904646' } },
    ],
    ['emails[type eq "work"].value', { attr: { name: 'emails' }, filter: { op: 'eq', attr: { name: 'type' }, value: 'work' }, sub: 'value' }],
    ['addresses[type eq "work"].formatted', { attr: { name: 'addresses' }, filter: { op: 'eq', attr: { name: 'type' }, value: 'work' }, sub: 'formatted' }],
    [`${E}:manager.value`, { attr: { uri: E, name: 'manager', sub: 'value' } }],
    [`${E}:department`, { attr: { uri: E, name: 'department' } }],
    [E, { attr: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', name: 'User' } }],
    [
      'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName',
      { attr: { uri: 'urn:ietf:params:scim:schemas:core:2.0:User', name: 'name', sub: 'familyName' } },
    ],
    ['  userName  ', { attr: { name: 'userName' } }],
    [
      'emails[type eq "work" and primary eq true].value',
      {
        attr: { name: 'emails' },
        filter: {
          op: 'and',
          filters: [
            { op: 'eq', attr: { name: 'type' }, value: 'work' },
            { op: 'eq', attr: { name: 'primary' }, value: true },
          ],
        },
        sub: 'value',
      },
    ],
  ])('%s', (text, expected) => {
    expect(parsePath(text)).toEqual(expected);
  });

  it.each([
    ['', /non-empty/],
    ['1abc', /expected an attribute path/],
    ['name.givenName.x', /expected an attribute path/],
    ['emails[type eq "work"', /expected "\]"/],
    ['emails[type eq "work"].', /expected a sub-attribute name/],
    ['emails[type eq "work"]x', /expected the end of the path/],
    ['emails[]', /expected an attribute path/],
    ['name.givenName[value eq "x"]', /not on a sub-attribute/],
    ['emails[type eq]', /expected a space and a value/],
    ['userName eq "x"', /expected the end of the path/],
    ['emails[type[x eq 1] eq 1]', /cannot nest/],
  ])('%j → 400 invalidPath', (text, message) => {
    let err: ScimError | undefined;
    try {
      parsePath(text);
    } catch (e) {
      err = e as ScimError;
    }
    expect(err?.status).toBe(400);
    expect(err?.scimType).toBe('invalidPath');
    expect(err?.detail).toMatch(message);
  });

  it('rejects non-strings and huge paths with invalidPath', () => {
    expect(() => parsePath(42 as unknown as string)).toThrow(/non-empty string/);
    expect(() => parsePath('a'.repeat(5000))).toThrow(/longer than 2048/);
  });
});

describe('parsePath on random input', () => {
  it('only ever raises 400 invalidPath', () => {
    const piece = fc.constantFrom(...'ab.[]()" :$'.split(''), 'emails', '[type eq "work"]', '.value', 'urn:x:', ' and ', 'not (', '\\');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }).map((a) => a.join('')),
        (text) => {
          try {
            parsePath(text);
          } catch (e) {
            expect((e as ScimError).status).toBe(400);
            expect((e as ScimError).scimType).toBe('invalidPath');
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  });
});
