import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../src/index.js';
import { foldCase, foldsCase } from '../../../src/store-kit.js';

const User = new SchemaRegistry().resourceType('User')!;
const def = (path: string) => User.resolvePath(path)!.target;

describe('foldCase (core/rules/case-fold.ts)', () => {
  it('is Unicode default full case folding of the NFC form', () => {
    // each pair from CaseFolding.txt (statuses C and F); the whole table was checked against
    // Python's unicodedata.normalize('NFC', s).casefold() for every code point of Unicode 14
    for (const [text, folded] of [
      ['ABC', 'abc'],
      ['İnci', 'i\u0307nci'], // Turkish dotted capital I: i and a combining dot (status F)
      ['ınci', 'ınci'], // the dotless ı has no folding (only the Turkic status T maps I to it)
      ['INCI', 'inci'],
      ['ΣΟΦΟΣ', 'σοφοσ'], // no final sigma: folding is context-free
      ['σοφος', 'σοφοσ'],
      ['Straße', 'strasse'],
      ['STRAẞE', 'strasse'], // capital sharp s
      ['ﬁle', 'file'],
      ['ᾼ', 'αι'],
      ['Ꭰꭰ', 'ᎠᎠ'], // Cherokee folds to its capitals
      ['\u212a', 'k'], // the Kelvin sign
      ['E\u0301mile', 'émile'], // decomposed: composed first
      ['ÅSTRÖM', 'åström'],
    ] as const)
      expect(foldCase(text), text).toBe(folded);
  });

  it('is idempotent, and a folded part of a string is a part of the folded string (co, sw, ew)', () => {
    const piece = fc.constantFrom('a', 'A', 'İ', 'ı', 'I', 'ß', 'ẞ', 'Σ', 'ς', 'σ', 'é', 'É', 'ﬁ', 'Ꭰ', 'ꭰ', '😀', ' ', '@');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.array(piece, { maxLength: 8 }), (a, b) => {
        const [x, y] = [a.join(''), b.join('')];
        expect(foldCase(foldCase(x + y))).toBe(foldCase(x + y));
        expect(foldCase(x + y)).toBe(foldCase(x) + foldCase(y));
      }),
    );
  });

  it('folds strings and references that are not caseExact; never binary, dateTimes or caseExact ones', () => {
    expect(foldsCase(def('userName'))).toBe(true);
    expect(foldsCase(def('emails.value'))).toBe(true);
    expect(foldsCase(def('profileUrl'))).toBe(true); // a reference, not caseExact
    expect(foldsCase(def('externalId'))).toBe(false);
    expect(foldsCase(def('id'))).toBe(false);
    expect(foldsCase(def('x509Certificates.value'))).toBe(false); // binary: RFC 7643 §2.3.6
    expect(foldsCase(def('meta.created'))).toBe(false);
    expect(foldsCase(def('active'))).toBe(false);
  });
});
