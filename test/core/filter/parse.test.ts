import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../src/index.js';
import { type AttrPath, type Filter, formatFilter, type Literal, parseFilter } from '../../../src/store-kit.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const E = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function path(text: string): AttrPath {
  const colon = text.lastIndexOf(':');
  const local = colon >= 0 ? text.slice(colon + 1) : text;
  const [name, sub] = local.split('.');
  const p: AttrPath = { name: name! };
  if (colon >= 0) p.uri = text.slice(0, colon);
  if (sub !== undefined) p.sub = sub;
  return p;
}
const cmp = (a: string, op: string, value: Literal) => ({ op, attr: path(a), value }) as Filter;
const pr = (a: string): Filter => ({ op: 'pr', attr: path(a) });
const and = (...filters: Filter[]): Filter => ({ op: 'and', filters });
const or = (...filters: Filter[]): Filter => ({ op: 'or', filters });
const not = (filter: Filter): Filter => ({ op: 'not', filter });
const vp = (a: string, filter: Filter): Filter => ({ op: 'valuePath', attr: path(a), filter });

// Every filter of RFC 7644 §3.4.2.2, then many more.
const valid: [string, Filter][] = [
  ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
  ['name.familyName co "O\'Malley"', cmp('name.familyName', 'co', "O'Malley")],
  ['userName sw "J"', cmp('userName', 'sw', 'J')],
  [`${U}:userName sw "J"`, cmp(`${U}:userName`, 'sw', 'J')],
  ['title pr', pr('title')],
  ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z')],
  ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z')],
  ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z')],
  ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z')],
  ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
  ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
  ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', cmp('schemas', 'eq', E)],
  [
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    and(cmp('userType', 'eq', 'Employee'), or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
  ],
  [
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    and(cmp('userType', 'ne', 'Employee'), not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')))),
  ],
  ['userType eq "Employee" and (emails.type eq "work")', and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work'))],
  [
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    and(cmp('userType', 'eq', 'Employee'), vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com')))),
  ],
  [
    'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    or(
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
    ),
  ],
  // operators and keywords in any case
  ...['EQ', 'Eq', 'eQ'].map((o): [string, Filter] => [`userName ${o} "x"`, cmp('userName', 'eq', 'x')]),
  ...['ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'].flatMap((o): [string, Filter][] => [
    [`displayName ${o} "x"`, cmp('displayName', o, 'x')],
    [`displayName ${o.toUpperCase()} "x"`, cmp('displayName', o, 'x')],
  ]),
  ['title PR', pr('title')],
  ['a pr AND b pr', and(pr('a'), pr('b'))],
  ['a pr Or b pr', or(pr('a'), pr('b'))],
  ['NOT (a pr)', not(pr('a'))],
  ['not(a pr)', not(pr('a'))],
  // precedence and grouping
  ['a pr or b pr and c pr', or(pr('a'), and(pr('b'), pr('c')))],
  ['a pr and b pr or c pr', or(and(pr('a'), pr('b')), pr('c'))],
  ['(a pr or b pr) and c pr', and(or(pr('a'), pr('b')), pr('c'))],
  ['a pr and b pr and c pr and d pr', and(pr('a'), pr('b'), pr('c'), pr('d'))],
  ['a pr or b pr or c pr', or(pr('a'), pr('b'), pr('c'))],
  ['((a pr))', pr('a')],
  ['(a pr) and ((b pr) or (c pr))', and(pr('a'), or(pr('b'), pr('c')))],
  ['a pr and (b pr and c pr)', and(pr('a'), and(pr('b'), pr('c')))],
  ['not (not (a pr))', not(not(pr('a')))],
  ['not (a pr) and not (b pr)', and(not(pr('a')), not(pr('b')))],
  ['not (a pr or b pr) or c pr', or(not(or(pr('a'), pr('b'))), pr('c'))],
  // literals
  ['a eq true', cmp('a', 'eq', true)],
  ['a eq false', cmp('a', 'eq', false)],
  ['a eq null', cmp('a', 'eq', null)],
  ['a eq TRUE', cmp('a', 'eq', true)],
  ['a eq False', cmp('a', 'eq', false)],
  ['a eq NULL', cmp('a', 'eq', null)],
  ['a eq 0', cmp('a', 'eq', 0)],
  ['a eq 42', cmp('a', 'eq', 42)],
  ['a eq -7', cmp('a', 'eq', -7)],
  ['a eq 3.25', cmp('a', 'eq', 3.25)],
  ['a eq -0.5', cmp('a', 'eq', -0.5)],
  ['a eq 1e3', cmp('a', 'eq', 1000)],
  ['a eq 1E-2', cmp('a', 'eq', 0.01)],
  ['a eq 2.5e+1', cmp('a', 'eq', 25)],
  ['a gt 10', cmp('a', 'gt', 10)],
  ['a eq ""', cmp('a', 'eq', '')],
  ['a eq "with space"', cmp('a', 'eq', 'with space')],
  ['a eq "q\\"uote"', cmp('a', 'eq', 'q"uote')],
  ['a eq "back\\\\slash"', cmp('a', 'eq', 'back\\slash')],
  ['a eq "slash\\/"', cmp('a', 'eq', 'slash/')],
  ['a eq "tab\\there"', cmp('a', 'eq', 'tab\there')],
  ['a eq "nl\\nx"', cmp('a', 'eq', 'nl\nx')],
  ['a eq "cr\\rx"', cmp('a', 'eq', 'cr\rx')],
  ['a eq "\\b\\f"', cmp('a', 'eq', '\b\f')],
  ['a eq "caf\\u00e9"', cmp('a', 'eq', 'café')],
  ['a eq "\\u00E9\\u0041"', cmp('a', 'eq', 'éA')],
  ['a eq "café ☕"', cmp('a', 'eq', 'café ☕')],
  ['a eq "and or not pr eq"', cmp('a', 'eq', 'and or not pr eq')],
  ['a eq "(x)[y]"', cmp('a', 'eq', '(x)[y]')],
  ['a eq "\\ud83d\\ude00"', cmp('a', 'eq', '😀')],
  // attribute paths
  ['members.$ref eq "x"', cmp('members.$ref', 'eq', 'x')],
  ['$ref pr', pr('$ref')],
  ['user-name eq "x"', cmp('user-name', 'eq', 'x')],
  ['user_name eq "x"', cmp('user_name', 'eq', 'x')],
  ['a1 eq "x"', cmp('a1', 'eq', 'x')],
  [`${U}:name.familyName eq "x"`, cmp(`${U}:name.familyName`, 'eq', 'x')],
  [`${E}:employeeNumber eq "701984"`, cmp(`${E}:employeeNumber`, 'eq', '701984')],
  [`${E}:manager.value eq "x"`, cmp(`${E}:manager.value`, 'eq', 'x')],
  ['urn:acme:v1.2:Thing:size gt 3', cmp('urn:acme:v1.2:Thing:size', 'gt', 3)],
  ['id eq "2819c223-7f76-453a-919d-413861904646"', cmp('id', 'eq', '2819c223-7f76-453a-919d-413861904646')],
  ['externalId eq "00u1abcdEFGH"', cmp('externalId', 'eq', '00u1abcdEFGH')],
  // value paths
  ['emails[type eq "work"]', vp('emails', cmp('type', 'eq', 'work'))],
  ['emails[ type eq "work" ]', vp('emails', cmp('type', 'eq', 'work'))],
  ['emails[type eq "work"].value eq "a@x"', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'a@x')))],
  ['emails[type eq "work"].value pr', vp('emails', and(cmp('type', 'eq', 'work'), pr('value')))],
  ['members[value eq "2819c223"]', vp('members', cmp('value', 'eq', '2819c223'))],
  ['emails[not (type eq "work")]', vp('emails', not(cmp('type', 'eq', 'work')))],
  ['emails[type eq "work" or (primary eq true and value pr)]', vp('emails', or(cmp('type', 'eq', 'work'), and(cmp('primary', 'eq', true), pr('value'))))],
  [`${U}:emails[type eq "work"]`, vp(`${U}:emails`, cmp('type', 'eq', 'work'))],
  ['not (emails[type eq "work"])', not(vp('emails', cmp('type', 'eq', 'work')))],
  ['emails[value ew ".org"] and emails[type eq "home"]', and(vp('emails', cmp('value', 'ew', '.org')), vp('emails', cmp('type', 'eq', 'home')))],
  // white space
  ['  userName eq "x"  ', cmp('userName', 'eq', 'x')],
  ['userName  eq   "x"', cmp('userName', 'eq', 'x')],
  ['a pr\tand\tb pr', and(pr('a'), pr('b'))],
  ['a pr\nor\nb pr', or(pr('a'), pr('b'))],
  ['( a pr )', pr('a')],
  ['not ( a pr )', not(pr('a'))],
  // realistic IdP filters
  ['userName eq "ryan@contoso.com"', cmp('userName', 'eq', 'ryan@contoso.com')],
  ['externalId eq "f4f4f4f4-0000-4000-8000-000000000001"', cmp('externalId', 'eq', 'f4f4f4f4-0000-4000-8000-000000000001')],
  ['displayName eq "Sales Team"', cmp('displayName', 'eq', 'Sales Team')],
  ['id eq "a" or id eq "b" or id eq "c"', or(cmp('id', 'eq', 'a'), cmp('id', 'eq', 'b'), cmp('id', 'eq', 'c'))],
  ['active eq true and meta.lastModified gt "2024-01-01T00:00:00Z"', and(cmp('active', 'eq', true), cmp('meta.lastModified', 'gt', '2024-01-01T00:00:00Z'))],
];

// Invalid filters: [text, position in the detail (or null), part of the message]
const invalid: [string, number | null, RegExp][] = [
  ['', null, /empty/],
  ['   ', null, /empty/],
  ['userName', 8, /expected a space and an operator/],
  ['userName eq', 11, /expected a space and a value/],
  ['userName eq ', 12, /expected a value/],
  ['userName xx "a"', 9, /expected an operator/],
  ['userName eq "a', 12, /string that starts here is not closed/],
  ['userName eq "a\nb"', 14, /control character/],
  ['userName eq "a\\x"', 14, /invalid escape/],
  ['userName eq "\\u12"', 13, /four hex digits/],
  ['userName eq "\\uZZZZ"', 13, /four hex digits/],
  ['userName eq bjensen', 12, /expected a value/],
  ["userName eq 'x'", 12, /expected a value/],
  ['userName eq "a" "b"', 16, /expected "and", "or" or the end/],
  ['userName eq "a" and', 16, /expected "and", "or" or the end/],
  ['userName eq "a" and ', 20, /expected an attribute path/],
  ['userName eq "a" or', 16, /expected "and", "or" or the end/],
  ['userName eq "a" xor b pr', 16, /expected "and", "or" or the end/],
  ['userName eq "a"and b pr', 15, /expected "and", "or" or the end/],
  ['(userName eq "a"', 16, /expected "\)" or a logical operator/],
  ['userName eq "a")', 15, /expected "and", "or" or the end/],
  ['()', 1, /expected an attribute path/],
  ['not userName eq "a"', 4, /expected "\(" after not/],
  ['not', 3, /expected a space and an operator/],
  ['emails[type eq "work"', 21, /expected "\]" or a logical operator/],
  ['emails[]', 7, /expected an attribute path/],
  ['emails[type eq "work"]]', 22, /expected "and", "or" or the end/],
  ['emails[type[value eq "x"] eq "y"]', 11, /value filters cannot nest/],
  ['emails[type eq "work"].', 23, /expected a sub-attribute name/],
  ['emails[type eq "work"].value', 28, /expected a space and an operator/],
  ['emails[type eq "work"].value.x eq "a"', 23, /expected a sub-attribute name/],
  ['name.givenName[value eq "x"]', 14, /value filter on a complex attribute/],
  ['1abc eq "x"', 0, /expected an attribute path/],
  ['-abc eq "x"', 0, /expected an attribute path/],
  ['a.b.c eq "x"', 0, /expected an attribute path/],
  ['a. eq "x"', 0, /expected an attribute path/],
  ['"x" eq userName', 0, /expected an attribute path/],
  ['eq "x"', 3, /expected a space and an operator|expected an operator/],
  ['a eq 01', 6, /after the number/],
  ['a eq 1.', 6, /after the number|expected/],
  ['a eq .5', 5, /expected a value/],
  ['a eq 1e', 6, /after the number/],
  ['a eq 12abc', 7, /after the number/],
  ['a eq tru', 5, /expected a value/],
  ['a eq nil', 5, /expected a value/],
  ['a pr pr', 5, /expected "and", "or" or the end/],
  ['a eq "x" and and b pr', 17, /expected a space and an operator|expected an operator/],
  ['a eq "x" or or b pr', 15, /expected a space and an operator|expected an operator/],
  ['a eq "x" and (b pr', 18, /expected "\)"/],
  ['(((a pr))', 9, /expected "\)"/],
  ['a eq "x" ]', 9, /expected "and", "or" or the end/],
  ['a eq "x" )', 9, /expected "and", "or" or the end/],
  ['a eq "x" [', 9, /expected "and", "or" or the end/],
  ['a ~ "x"', 2, /expected an operator/],
  ['a == "x"', 2, /expected an operator/],
  ['a eq"x"', 4, /expected a space and a value/],
];

describe('parseFilter: valid filters', () => {
  it.each(valid)('%s', (text, ast) => {
    expect(parseFilter(text)).toEqual(ast);
  });
  it.each(valid)('round-trips through formatFilter: %s', (text) => {
    const ast = parseFilter(text);
    expect(parseFilter(formatFilter(ast))).toEqual(ast);
  });
});

describe('parseFilter: invalid filters', () => {
  it.each(invalid)('%j', (text, pos, message) => {
    let err: unknown;
    try {
      parseFilter(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScimError);
    const e = err as ScimError;
    expect(e.status).toBe(400);
    expect(e.scimType).toBe('invalidFilter');
    expect(e.detail).toMatch(message);
    if (pos !== null) expect(e.detail).toContain(`at position ${pos}:`);
  });

  it('has at least 150 cases in all', () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(150);
  });
});

describe('parseFilter: limits', () => {
  it('refuses filters over the length limit without reading them', () => {
    expect(() => parseFilter(`userName eq "${'a'.repeat(9000)}"`)).toThrow(/limit is 8192/);
    expect(() => parseFilter('userName eq "abc"', { maxLength: 10 })).toThrow(/limit is 10/);
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = (n: number) => `${'('.repeat(n)}a pr${')'.repeat(n)}`;
    expect(parseFilter(deep(32))).toEqual(pr('a'));
    expect(() => parseFilter(deep(33))).toThrow(/deeper than 32/);
    expect(() => parseFilter(deep(5), { maxDepth: 4 })).toThrow(/deeper than 4/);
    expect(() => parseFilter(`${'not ('.repeat(40)}a pr${')'.repeat(40)}`)).toThrow(/deeper than 32/);
  });

  it('does not echo long input in errors', () => {
    try {
      parseFilter(`a eq "x" ${'z'.repeat(500)}`);
    } catch (e) {
      expect((e as ScimError).detail.length).toBeLessThan(120);
    }
    expect.assertions(1);
  });
});
