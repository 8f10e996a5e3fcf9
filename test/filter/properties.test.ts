import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, type Filter, formatFilter, parseFilter, SchemaRegistry, ScimError } from '../../src/index.js';
import { referenceMatch } from './reference-evaluator.js';

const User = new SchemaRegistry().resourceType('User')!;

const word = fc.constantFrom('al', 'AL', 'Alice', 'bob', 'Bo', 'carol', 'ice', 'ob', '', 'é', 'x"y', 'a\\b');
const dates = fc.constantFrom(
  '2023-01-01T00:00:00Z',
  '2024-01-01T00:00:00Z',
  '2024-01-01T00:00:00.000Z',
  '2024-01-01T00:00:00.001Z',
  '2023-12-31T23:59:59.999Z',
  '2024-01-01T01:00:00+01:00',
  '2024-06-15T12:30:00+02:00',
  '2025-02-28T23:59:59.5Z',
);
const email = fc.record(
  {
    value: fc.constantFrom('a@example.com', 'B@EXAMPLE.com', 'c@home.org', 'alice@x.io'),
    type: fc.constantFrom('work', 'home', 'Work'),
    primary: fc.boolean(),
  },
  { requiredKeys: ['value'] },
);
const user = fc.record(
  {
    userName: word,
    displayName: fc.option(word, { nil: undefined }),
    externalId: fc.option(word, { nil: undefined }),
    active: fc.option(fc.boolean(), { nil: undefined }),
    name: fc.option(fc.record({ familyName: word }), { nil: undefined }),
    emails: fc.option(fc.array(email, { maxLength: 3 }), { nil: undefined }),
    meta: fc.record({ lastModified: dates }),
  },
  { requiredKeys: ['userName', 'meta'] },
);

const stringAttr = fc.constantFrom(
  { name: 'userName' },
  { name: 'displayName' },
  { name: 'externalId' },
  { name: 'name', sub: 'familyName' },
  { name: 'emails', sub: 'value' },
  { name: 'emails' },
);
const strOp = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le');
const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ op: strOp, attr: stringAttr, value: word }) as fc.Arbitrary<Filter>,
  fc.record({ op: fc.constantFrom('eq', 'ne'), attr: fc.constant({ name: 'active' }), value: fc.boolean() }) as fc.Arbitrary<Filter>,
  fc.record({
    op: fc.constantFrom('eq', 'gt', 'ge', 'lt', 'le', 'ne'),
    attr: fc.constant({ name: 'meta', sub: 'lastModified' }),
    value: dates,
  }) as fc.Arbitrary<Filter>,
  fc.record({
    op: fc.constant('pr' as const),
    attr: fc.constantFrom({ name: 'displayName' }, { name: 'emails' }, { name: 'name' }, { name: 'emails', sub: 'type' }),
  }),
  fc.record({
    op: fc.constantFrom('eq', 'ne'),
    attr: fc.constantFrom({ name: 'displayName' }, { name: 'externalId' }),
    value: fc.constant(null),
  }) as fc.Arbitrary<Filter>,
);
const inner: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ op: fc.constantFrom('eq', 'co', 'sw', 'ne'), attr: fc.constantFrom({ name: 'type' }, { name: 'value' }), value: word }) as fc.Arbitrary<Filter>,
  fc.record({ op: fc.constant('eq' as const), attr: fc.constant({ name: 'primary' }), value: fc.boolean() }),
);
const valuePath: fc.Arbitrary<Filter> = fc.record({
  op: fc.constant('valuePath' as const),
  attr: fc.constant({ name: 'emails' }),
  filter: fc.oneof(inner, fc.record({ op: fc.constantFrom('and' as const, 'or' as const), filters: fc.array(inner, { minLength: 2, maxLength: 3 }) })),
});
const { filter } = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    valuePath,
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), filters: fc.array(tie('filter'), { minLength: 2, maxLength: 3 }) }),
    fc.record({ op: fc.constant('not' as const), filter: tie('filter') }),
  ),
}));

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
