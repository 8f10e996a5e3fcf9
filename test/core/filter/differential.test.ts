// Differential test against scim2-parse-filter, on the inputs it parses right: plain
// comparisons, pr, and/or/not, value paths without a trailing sub-attribute, strings
// without escapes. Both trees are brought to one shape and compared.
import { type Filter as PeerFilter, parse as peerParse } from 'scim2-parse-filter';
import { describe, expect, it } from 'vitest';
import { type Filter, formatAttrPath, parseFilter } from '../../../src/store-kit.js';

type Neutral = { op: string; path?: string; value?: unknown; of?: Neutral[] };

function ours(f: Filter): Neutral {
  switch (f.op) {
    case 'and':
    case 'or':
      return { op: f.op, of: f.filters.map(ours) };
    case 'not':
      return { op: 'not', of: [ours(f.filter)] };
    case 'valuePath':
      return { op: '[]', path: formatAttrPath(f.attr), of: [ours(f.filter)] };
    case 'pr':
      return { op: 'pr', path: formatAttrPath(f.attr) };
    default:
      return { op: f.op, path: formatAttrPath(f.attr), value: f.value };
  }
}

function flat(op: string, list: Neutral[]): Neutral[] {
  return list.flatMap((n) => (n.op === op ? (n.of ?? []) : [n]));
}

function theirs(f: PeerFilter): Neutral {
  switch (f.op) {
    case 'and':
    case 'or':
      return { op: f.op, of: flat(f.op, f.filters.map(theirs)) };
    case 'not':
      return { op: 'not', of: [theirs(f.filter)] };
    case '[]':
      return { op: '[]', path: f.attrPath, of: [theirs(f.valFilter)] };
    case 'pr':
      return { op: 'pr', path: f.attrPath };
    default:
      return { op: f.op, path: f.attrPath, value: f.compValue };
  }
}

function normal(n: Neutral): Neutral {
  return n.of ? { ...n, of: n.op === 'and' || n.op === 'or' ? flat(n.op, n.of.map(normal)) : n.of.map(normal) } : n;
}

const inputs = [
  'userName eq "bjensen"',
  'name.familyName co "O\'Malley"',
  'userName sw "J"',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
  'title pr',
  'meta.lastModified gt "2011-05-13T04:42:34Z"',
  'title pr and userType eq "Employee"',
  'title pr or userType eq "Intern"',
  'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
  'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
  'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
  'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
  'a pr or b pr and c pr',
  'a pr and b pr or c pr',
  '(a pr or b pr) and c pr',
  'active eq true',
  'active eq false',
  'x eq null',
  'size gt 10',
  'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
  'externalId eq "00u1abcdEFGH" and active eq true',
  'id eq "a" or id eq "b" or id eq "c" or id eq "d"',
  'not (a pr)',
];

describe('parseFilter agrees with scim2-parse-filter where that parser is right', () => {
  it.each(inputs)('%s', (text) => {
    expect(normal(ours(parseFilter(text)))).toEqual(normal(theirs(peerParse(text))));
  });
});
