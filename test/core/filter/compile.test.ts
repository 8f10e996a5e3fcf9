import { describe, expect, it } from 'vitest';
import { ENTERPRISE_USER_SCHEMA_ID, MemoryStore, SchemaRegistry, type ScimResource } from '../../../src/index.js';
import { compileFilter, parseFilter, sameValue, sortResources } from '../../../src/store-kit.js';
import { fixture } from '../../fixtures.js';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const babs = fixture<ScimResource>('rfc7643-8.3-enterprise-user.json');
const minimal = fixture<ScimResource>('rfc7643-8.1-minimal-user.json');

const match = (filter: string, r: ScimResource = babs, type = User) => compileFilter(parseFilter(filter), type)(r);
const invalid = (filter: string, type = User) => {
  try {
    compileFilter(parseFilter(filter), type);
  } catch (e) {
    return e as { status: number; scimType: string; detail: string };
  }
  throw new Error('expected invalidFilter');
};

describe('compileFilter: SCIM semantics', () => {
  it.each([
    ['userName eq "bjensen@example.com"', true],
    ['userName eq "BJENSEN@EXAMPLE.COM"', true], // caseExact false
    ['USERNAME EQ "bjensen@example.com"', true], // names case-insensitive
    ['id eq "2819C223-7F76-453A-919D-413861904646"', false], // id is caseExact
    ['externalId eq "701984"', true],
    ['name.familyName co "ens"', true],
    ['name.familyName sw "JEN"', true],
    ['name.familyName ew "sen"', true],
    ['name.familyName ew "jen"', false],
    ['title pr', true],
    ['nickName pr and userType eq "Employee"', true],
    ['emails co "jensen.org"', true], // multi-valued complex without sub-attribute: its value
    ['emails.value eq "babs@jensen.org"', true],
    ['emails.type eq "home"', true],
    ['emails[type eq "work" and value co "jensen.org"]', false], // one element must satisfy both
    ['emails[type eq "home" and value co "jensen.org"]', true],
    ['emails[type eq "work"].value eq "babs@jensen.org"', false],
    ['emails[type eq "home"].value eq "babs@jensen.org"', true],
    ['emails[primary eq true]', true],
    ['meta.lastModified gt "2011-05-13T04:42:33Z"', true],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified eq "2011-05-13T06:42:34+02:00"', true], // instants, not strings
    ['meta.lastModified lt "2011-05-13T04:42:34.001Z"', true],
    ['meta.created le "2010-01-23T04:56:22Z"', true],
    ['active eq true', true],
    ['active eq false', false],
    ['not (active eq true)', false],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
    [`${ENTERPRISE_USER_SCHEMA_ID}:employeeNumber eq "701984"`, true],
    [`${ENTERPRISE_USER_SCHEMA_ID}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj"', true],
    ['department eq "tour operations"', true], // an unqualified extension attribute
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', true],
    ['addresses[type eq "work" and postalCode eq "91608"]', true],
    ['addresses.locality eq "hollywood"', true],
    ['name pr', true],
    ['groups.display eq "Tour Guides"', true],
  ])('%s → %s', (filter, expected) => {
    expect(match(filter)).toBe(expected);
  });

  it('pr is false for missing, null, "", [], {}', () => {
    for (const v of [undefined, null, '', [], {}]) {
      expect(match('title pr', { ...minimal, title: v })).toBe(false);
    }
    expect(match('emails pr', { ...minimal, emails: [] })).toBe(false);
    expect(match('name pr', { ...minimal, name: { givenName: '' } })).toBe(false);
    expect(match('title pr', { ...minimal, title: 'x' })).toBe(true);
  });

  describe('the cases the RFC leaves open', () => {
    it('ne is not eq: it matches a resource without the attribute', () => {
      expect(match('title ne "Boss"', minimal)).toBe(true);
      expect(match('title ne "Tour Guide"')).toBe(false);
      expect(match('title ne "tour guide"')).toBe(false);
    });
    it('ne on a multi-valued attribute: no value equals the literal', () => {
      expect(match('emails.value ne "babs@jensen.org"')).toBe(false);
      expect(match('emails.value ne "nobody@x.org"')).toBe(true);
    });
    it('eq null is not pr; ne null is pr', () => {
      expect(match('title eq null', minimal)).toBe(true);
      expect(match('title eq null')).toBe(false);
      expect(match('title ne null')).toBe(true);
      expect(invalid('title gt null').detail).toMatch(/null can only be compared with eq or ne/);
    });
    it('co on a single-valued complex attribute is invalid', () => {
      expect(invalid('name co "Jensen"')).toMatchObject({ status: 400, scimType: 'invalidFilter' });
      expect(invalid('name co "Jensen"').detail).toMatch(/name is complex/);
    });
  });

  it('rejects ordering on booleans and binary, and mismatched literal types', () => {
    expect(invalid('active gt true').detail).toMatch(/active is of type boolean; operator gt/);
    expect(invalid('active co true').detail).toMatch(/operator co/);
    expect(invalid('active eq "true"').detail).toMatch(/active is a boolean; compare it with true or false/);
    expect(invalid('x509Certificates.value gt "AA=="').detail).toMatch(/binary; operator gt/);
    expect(invalid('userName eq 5').detail).toMatch(/userName is a string/);
    expect(invalid('meta.lastModified gt "yesterday"').detail).toMatch(/not an xsd:dateTime/);
    expect(invalid('meta.lastModified gt 5').detail).toMatch(/dateTime; compare it with a "string"/);
  });

  it('compares numbers by type', () => {
    const r = new SchemaRegistry({ defaults: false });
    r.addSchema({
      id: 'urn:acme:Thing',
      attributes: [
        { name: 'size', type: 'integer' },
        { name: 'weight', type: 'decimal' },
      ],
    });
    const t = r.addResourceType({ name: 'Thing', endpoint: '/Things', schema: 'urn:acme:Thing' });
    const thing = { schemas: ['urn:acme:Thing'], id: '1', size: 10, weight: 2.5 };
    expect(compileFilter(parseFilter('size gt 9'), t)(thing)).toBe(true);
    expect(compileFilter(parseFilter('size ge 10.0'), t)(thing)).toBe(true);
    expect(compileFilter(parseFilter('weight lt 2.6 and weight gt 2.4'), t)(thing)).toBe(true);
    expect(compileFilter(parseFilter('size eq 1e1'), t)(thing)).toBe(true);
    expect(() => compileFilter(parseFilter('size co 1'), t)).toThrow(/operator co/);
    expect(() => compileFilter(parseFilter('size eq "10"'), t)).toThrow(/compare it with a number/);
  });

  it('unknown attributes: 400 by default, no match when the server says so', () => {
    expect(invalid('shoeSize eq "42"')).toMatchObject({ status: 400, scimType: 'invalidFilter', detail: 'shoeSize is not an attribute of this resource type' });
    expect(invalid('emails[kind eq "x"]').detail).toMatch(/kind is not an attribute/);
    const p = compileFilter(parseFilter('shoeSize eq "42" or userName pr'), User, { unknownAttributes: 'noMatch' });
    expect(p(babs)).toBe(true);
    expect(compileFilter(parseFilter('shoeSize eq "42"'), User, { unknownAttributes: 'noMatch' })(babs)).toBe(false);
  });

  it('matches group members by value', () => {
    const g = fixture<ScimResource>('rfc7643-8.4-group.json');
    expect(match('members[value eq "902c246b-6245-4190-8e05-00816be7344a"]', g, Group)).toBe(true);
    expect(match('members[value eq "902C246B-6245-4190-8E05-00816BE7344A"]', g, Group)).toBe(false); // members.value is caseExact
    expect(match('members.value eq "2819c223-7f76-453a-919d-413861904646"', g, Group)).toBe(true);
    expect(match('displayName eq "tour guides"', g, Group)).toBe(true);
  });

  it('a value filter on a non-complex attribute is invalid', () => {
    expect(invalid('userName[value eq "x"]').detail).toMatch(/userName is not complex/);
  });

  it('compares binary values exactly (base64 is case-sensitive), as equality, sort and MemoryStore do', async () => {
    // RFC 7643 §2.3.6: binary is case exact, whatever its caseExact characteristic says
    const cert = User.resolvePath('x509Certificates.value')!.target;
    expect([cert.type, cert.caseExact]).toEqual(['binary', false]);
    const holder = { ...minimal, x509Certificates: [{ value: 'QUJD' }] };
    expect(match('x509Certificates.value eq "QUJD"', holder)).toBe(true);
    expect(match('x509Certificates.value eq "qujd"', holder)).toBe(false);
    expect(match('x509Certificates.value co "ujd"', holder)).toBe(false);
    expect(match('x509Certificates.value sw "QU"', holder)).toBe(true);
    expect(sameValue(cert, 'QUJD', 'qujd')).toBe(false);
    const store = new MemoryStore();
    const ctx = { tenant: 't', requestId: 'r' };
    await store.create(ctx, User, holder);
    const found = await store.search(ctx, User, { filter: parseFilter('x509Certificates.value eq "qujd"'), startIndex: 1, count: 10, members: false });
    expect(found.totalResults).toBe(0);
    const sorted = sortResources(
      User,
      [
        { id: '1', x509Certificates: [{ value: 'b' }] },
        { id: '2', x509Certificates: [{ value: 'B' }] },
      ],
      'x509Certificates.value',
      false,
    );
    expect(sorted.map((r) => r.id)).toEqual(['2', '1']);
  });
});
