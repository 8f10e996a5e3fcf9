import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../src/index.js';
import { identityKey, uniqueKey } from '../../../src/store-kit.js';

const User = new SchemaRegistry().resourceType('User')!;
const def = (path: string) => User.resolvePath(path)!.target;

describe('identityKey (core/rules/identity.ts)', () => {
  it('makes look-alikes one key: NFKC, case, default-ignorables, white space, Turkish i, a trailing dot of a domain', () => {
    for (const lookAlike of [
      'admin@acme.io',
      'ADMIN@ACME.IO',
      'ＡＤＭＩＮ@acme.io', // full-width
      'admin＠acme.io', // full-width @
      'admin@acme.io\u200b', // zero-width space
      '\u2060ad\u00admin@acme.io', // word joiner, soft hyphen
      ' admin@acme.io\t',
      '\u3000admin@acme.io', // ideographic space
      'ADMİN@acme.io', // Turkish dotted capital I
      'admın@acme.io', // Turkish dotless i
      'admin@acme.io.', // the fully qualified domain
      'admin@acme.io..',
      'admin@acme。io', // ideographic full stop
      'admin@acme．io', // full-width full stop
      '𝐚𝐝𝐦𝐢𝐧@acme.io', // mathematical bold
    ])
      expect(identityKey(lookAlike), JSON.stringify(lookAlike)).toBe('admin@acme.io');
    expect(identityKey('jose\u0301@acme.io')).toBe(identityKey('josé@acme.io'));
    expect(identityKey('JOSÉ@acme.io')).toBe('josé@acme.io'.normalize('NFC'));
    expect(identityKey('Straße')).toBe('strasse');
  });

  it('keeps what differs: other letters, inner white space and dots, scripts that only look alike', () => {
    expect(identityKey('admin@acme.io')).not.toBe(identityKey('admin@acme.co'));
    expect(identityKey('j.r.r.')).toBe('j.r.r.'); // a trailing dot only goes after an @
    expect(identityKey('ann lee')).not.toBe(identityKey('annlee'));
    expect(identityKey('аdmin@acme.io')).not.toBe('admin@acme.io'); // Cyrillic а: confusables are not folded
    expect(identityKey('jose@acme.io')).not.toBe(identityKey('josé@acme.io'));
  });

  it('uniqueKey: identity keys where the attribute folds case, exact strings where caseExact, the equality rule for the rest', () => {
    expect(uniqueKey(def('userName'), 'ＡＤＭＩＮ ')).toBe('admin');
    expect(uniqueKey(def('externalId'), 'Ab ')).toBe('Ab ');
    expect(uniqueKey(def('meta.created'), '2024-01-01T02:00:00+02:00')).toBe(uniqueKey(def('meta.created'), '2024-01-01T00:00:00Z'));
    expect(uniqueKey(def('active'), true)).toBe('T');
    expect(uniqueKey(def('userName'), undefined)).toBeUndefined();
    expect(uniqueKey(def('name'), { givenName: 'x' })).toBeUndefined();
  });
});
