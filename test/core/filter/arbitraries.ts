import fc from 'fast-check';
import type { Filter } from '../../../src/store-kit.js';

const word = fc.constantFrom('al', 'AL', 'Alice', 'bob', 'Bo', 'carol', 'ice', 'ob', '', 'é', 'x"y', 'a\\b', 'A@example.COM', 'c@home.org');
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
export const user = fc.record(
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
export const { filter } = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    valuePath,
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), filters: fc.array(tie('filter'), { minLength: 2, maxLength: 3 }) }),
    fc.record({ op: fc.constant('not' as const), filter: tie('filter') }),
  ),
}));
