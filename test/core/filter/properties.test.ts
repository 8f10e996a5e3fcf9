import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry, ScimError } from '../../../src/index.js';
import { compileFilter, formatFilter, parseFilter } from '../../../src/store-kit.js';
import { filter, user } from './arbitraries.js';
import { referenceMatch } from './reference-evaluator.js';

const User = new SchemaRegistry().resourceType('User')!;

describe('filter properties', () => {
  it('format → parse gives back the same tree', () => {
    fc.assert(
      fc.property(filter, (f) => {
        expect(parseFilter(formatFilter(f), { maxDepth: 100 })).toEqual(f);
      }),
      { numRuns: 500 },
    );
  });

  it('the compiled predicate agrees with the reference evaluator', () => {
    fc.assert(
      fc.property(filter, fc.array(user, { minLength: 1, maxLength: 8 }), (f, users) => {
        const p = compileFilter(f, User);
        for (const u of users) expect(p(u)).toBe(referenceMatch(f, u));
      }),
      { numRuns: 600 },
    );
  });

  it('random strings only ever raise invalidFilter, quickly', () => {
    const alphabet = fc.constantFrom(...'ab ()[]"\\.:$eqorandnotpr1-\n\t'.split(''), ' eq ', ' and ', ' or ', 'not (', '"x"', 'userName', 'emails[');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }).map((a) => a.join('')),
        (text) => {
          const t0 = performance.now();
          try {
            parseFilter(text);
          } catch (e) {
            expect(e).toBeInstanceOf(ScimError);
            expect((e as ScimError).scimType).toBe('invalidFilter');
          }
          expect(performance.now() - t0).toBeLessThan(500); // a hang guard; the timings themselves are in bench/RESULTS.md
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('adversarial filters', () => {
  const cases: [string, string][] = [
    ['an unclosed string full of newlines', `userName eq "${'a\n'.repeat(4000)}`],
    ['an unclosed string of newlines only', `a eq "${'\n'.repeat(8000)}`],
    ['10,000-deep parentheses', `${'('.repeat(10_000)}a pr${')'.repeat(10_000)}`],
    ['10,000-deep not', `${'not ('.repeat(10_000)}a pr`],
    ['1 MB of letters', 'a'.repeat(1_000_000)],
    ['1 MB string literal', `a eq "${'x'.repeat(1_000_000)}"`],
    ['1 MB of open brackets', '['.repeat(1_000_000)],
    ['a long unterminated escape run', `a eq "${'\\\\'.repeat(3000)}`],
  ];
  it.each(cases)('%s: invalidFilter, linear time', (_name, text) => {
    const t0 = performance.now();
    let err: unknown;
    try {
      parseFilter(text);
    } catch (e) {
      err = e;
    }
    expect(performance.now() - t0).toBeLessThan(500); // a hang guard; the timings themselves are in bench/RESULTS.md
    expect(err).toBeInstanceOf(ScimError);
    expect((err as ScimError).scimType).toBe('invalidFilter');
  });

  it('10,000 or-terms within the length limit parse flat and evaluate without recursion', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `id eq "${i}"`).join(' or ');
    const f = parseFilter(text, { maxLength: 200_000 });
    expect(f.op === 'or' && f.filters.length).toBe(10_000);
    expect(compileFilter(f, User)({ id: '9999', userName: 'x' })).toBe(true);
  });
});
