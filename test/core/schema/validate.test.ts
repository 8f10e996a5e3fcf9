import { describe, expect, it } from 'vitest';
import { validateResource } from '../../../src/core/schema/validate.js';
import { ENTERPRISE_USER_SCHEMA_ID, SchemaRegistry, type ScimError, USER_SCHEMA_ID } from '../../../src/index.js';
import { fixture } from '../../fixtures.js';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;

function fails(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (e) {
    return e as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('validateResource: the RFC 7643 §8 examples', () => {
  it.each(['rfc7643-8.1-minimal-user.json', 'rfc7643-8.2-full-user.json', 'rfc7643-8.3-enterprise-user.json'])(
    '%s validates as a create and a response',
    (f) => {
      const created = validateResource(User, fixture(f), { context: 'create' });
      expect(created.userName).toBe('bjensen@example.com');
      expect(created.id).toBeUndefined(); // readOnly input is ignored
      expect(created.meta).toBeUndefined();
      expect(created.groups).toBeUndefined();
      const response = validateResource(User, fixture(f), { context: 'response' });
      expect(response.id).toBe('2819c223-7f76-453a-919d-413861904646');
    },
  );

  it('keeps the enterprise extension and lists its URN in schemas', () => {
    const r = validateResource(User, fixture('rfc7643-8.3-enterprise-user.json'), { context: 'create' });
    expect(r.schemas).toEqual([USER_SCHEMA_ID, ENTERPRISE_USER_SCHEMA_ID]);
    expect(r[ENTERPRISE_USER_SCHEMA_ID]).toMatchObject({ department: 'Tour Operations', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } });
    // manager.displayName is readOnly: dropped from client input
    expect((r[ENTERPRISE_USER_SCHEMA_ID] as { manager: Record<string, unknown> }).manager.displayName).toBeUndefined();
  });

  it('validates the group example', () => {
    const g = validateResource(Group, fixture('rfc7643-8.4-group.json'), { context: 'create' });
    expect(g.members).toHaveLength(2);
    expect(g.displayName).toBe('Tour Guides');
  });
});

describe('validateResource: names, nulls and schemas', () => {
  it('canonicalises names before anything else', () => {
    const r = validateResource(
      User,
      { SCHEMAS: [USER_SCHEMA_ID], USERNAME: 'alice', Name: { GivenName: 'A' }, Emails: [{ VALUE: 'a@x.io', Primary: true }] },
      { context: 'create' },
    );
    expect(r).toEqual({ schemas: [USER_SCHEMA_ID], userName: 'alice', name: { givenName: 'A' }, emails: [{ value: 'a@x.io', primary: true }] });
  });

  it('treats null as unassigned (Entra ID sends "phoneNumbers": null)', () => {
    const r = validateResource(
      User,
      { schemas: [USER_SCHEMA_ID], userName: 'a', phoneNumbers: null, name: { givenName: null, familyName: 'B' }, emails: [null] },
      { context: 'create' },
    );
    expect(r).toEqual({ schemas: [USER_SCHEMA_ID], userName: 'a', name: { familyName: 'B' } });
  });

  it('tolerates an extra schema URI that carries no attributes, and drops it', () => {
    const body = { schemas: [Group.schema.id, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], displayName: 'Sales' };
    expect(validateResource(Group, body, { context: 'create' }).schemas).toEqual([Group.schema.id]);
  });

  it('accepts URN-qualified top-level names', () => {
    const r = validateResource(
      User,
      { schemas: [USER_SCHEMA_ID, ENTERPRISE_USER_SCHEMA_ID], [`${USER_SCHEMA_ID}:userName`]: 'q', [`${ENTERPRISE_USER_SCHEMA_ID}:department`]: 'R&D' },
      { context: 'create' },
    );
    expect(r.userName).toBe('q');
    expect(r[ENTERPRISE_USER_SCHEMA_ID]).toEqual({ department: 'R&D' });
  });

  it('requires schemas to name the core schema', () => {
    const e = fails(() => validateResource(User, { userName: 'a' }, { context: 'create' }));
    expect(e.status).toBe(400);
    expect(e.scimType).toBe('invalidValue');
    expect(e.detail).toMatch(/schemas is required/);
    expect(fails(() => validateResource(User, { schemas: [Group.schema.id], userName: 'a' }, { context: 'create' })).detail).toMatch(
      /schemas must include urn:ietf:params:scim:schemas:core:2.0:User/,
    );
  });

  it('requires schemas to name each extension present', () => {
    const e = fails(() =>
      validateResource(User, { schemas: [USER_SCHEMA_ID], userName: 'a', [ENTERPRISE_USER_SCHEMA_ID]: { department: 'x' } }, { context: 'create' }),
    );
    expect(e.detail).toContain(`schemas must include ${ENTERPRISE_USER_SCHEMA_ID}`);
  });

  it('rejects unknown attributes by default and drops them when the server says so', () => {
    const body = { schemas: [USER_SCHEMA_ID], userName: 'a', shoeSize: 42, name: { nick: 'x' } };
    const e = fails(() => validateResource(User, body, { context: 'create' }));
    expect(e.problems.map((p) => [p.path, p.code])).toEqual([
      ['shoeSize', 'unknownAttribute'],
      ['name.nick', 'unknownAttribute'],
    ]);
    expect(validateResource(User, body, { context: 'create', unknownAttributes: 'drop' })).toEqual({ schemas: [USER_SCHEMA_ID], userName: 'a' });
  });

  it('never copies __proto__ or constructor keys', () => {
    const body = JSON.parse(
      '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","__proto__":{"polluted":1},"name":{"__proto__":{"polluted":1}}}',
    );
    const r = validateResource(User, body, { context: 'create', unknownAttributes: 'drop' });
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validateResource: each rule broken once', () => {
  const base = { schemas: [USER_SCHEMA_ID], userName: 'alice' };
  it.each([
    ['required userName missing', { schemas: [USER_SCHEMA_ID] }, 'userName', 'required'],
    ['string given a number', { ...base, displayName: 5 }, 'displayName', 'invalidType'],
    ['boolean given a string', { ...base, active: 'yes' }, 'active', 'invalidType'],
    ['multi-valued given an object', { ...base, emails: { value: 'a@x' } }, 'emails', 'invalidType'],
    ['single-valued given an array', { ...base, displayName: ['a'] }, 'displayName', 'invalidType'],
    ['complex given a string', { ...base, name: 'Alice' }, 'name', 'invalidType'],
    ['sub-attribute of the wrong type', { ...base, emails: [{ value: 'a@x', primary: 'true' }] }, 'emails[0].primary', 'invalidType'],
    ['binary not base64', { ...base, x509Certificates: [{ value: 'not base64!' }] }, 'x509Certificates[0].value', 'invalidFormat'],
    [
      'extension attribute of the wrong type',
      { schemas: [USER_SCHEMA_ID, ENTERPRISE_USER_SCHEMA_ID], userName: 'a', [ENTERPRISE_USER_SCHEMA_ID]: { manager: 'x' } },
      `${ENTERPRISE_USER_SCHEMA_ID}:manager`,
      'invalidType',
    ],
    [
      'two primary values',
      {
        ...base,
        emails: [
          { value: 'a@x', primary: true },
          { value: 'b@x', primary: true },
        ],
      },
      'emails',
      'multiplePrimary',
    ],
  ])('%s', (_name, body, path, code) => {
    const e = fails(() => validateResource(User, body, { context: 'create' }));
    expect(e.status).toBe(400);
    expect(e.scimType).toBe('invalidValue');
    expect(e.problems).toContainEqual(expect.objectContaining({ path, code }));
    expect(e.detail).toContain(path);
  });

  it('checks dateTime as xsd:dateTime and integers as integers on custom types', () => {
    const r = new SchemaRegistry({ defaults: false });
    r.addSchema({
      id: 'urn:acme:Badge',
      attributes: [
        { name: 'issued', type: 'dateTime' },
        { name: 'level', type: 'integer' },
        { name: 'weight', type: 'decimal' },
      ],
    });
    const t = r.addResourceType({ name: 'Badge', endpoint: '/Badges', schema: 'urn:acme:Badge' });
    const ok = validateResource(t, { schemas: ['urn:acme:Badge'], issued: '2024-02-29T10:00:00.5+01:00', level: 3, weight: 1.5 }, { context: 'create' });
    expect(ok.level).toBe(3);
    const e = fails(() => validateResource(t, { schemas: ['urn:acme:Badge'], issued: '2024-02-30', level: 1.5, weight: '1' }, { context: 'create' }));
    expect(e.problems.map((p) => `${p.path}:${p.code}`).sort()).toEqual(['issued:invalidFormat', 'level:invalidType', 'weight:invalidType']);
    expect(e.detail).toContain('issued must be an xsd:dateTime');
  });

  it('collects every problem of one request into one error', () => {
    const e = fails(() => validateResource(User, { schemas: [USER_SCHEMA_ID], active: 'x', displayName: 1, bogus: true }, { context: 'create' }));
    expect(e.problems.length).toBe(4);
    expect(e.detail.split('; ')).toHaveLength(4);
  });

  it('does not require readOnly attributes and ignores them when sent', () => {
    const r = validateResource(User, { ...base, id: 'client-chosen', meta: { created: 'x' }, groups: [] }, { context: 'create' });
    expect(r).toEqual(base);
  });

  it('refuses to change an immutable attribute once set, and keeps it when a replace leaves it out', () => {
    const r = new SchemaRegistry({ defaults: false });
    r.addSchema({ id: 'urn:acme:Thing', attributes: [{ name: 'serial', mutability: 'immutable' }, { name: 'label' }] });
    const t = r.addResourceType({ name: 'Thing', endpoint: '/Things', schema: 'urn:acme:Thing' });
    const existing = { schemas: ['urn:acme:Thing'], id: '1', serial: 'S1', label: 'a' };
    const e = fails(() => validateResource(t, { schemas: ['urn:acme:Thing'], serial: 'S2' }, { context: 'replace', existing }));
    expect(e.scimType).toBe('mutability');
    expect(e.detail).toContain('serial is immutable');
    expect(validateResource(t, { schemas: ['urn:acme:Thing'], label: 'b' }, { context: 'replace', existing }).serial).toBe('S1');
    expect(validateResource(t, { schemas: ['urn:acme:Thing'], serial: 'S9' }, { context: 'replace', existing: { id: '1' } }).serial).toBe('S9');
  });

  it('treats canonicalValues as advisory by default and enforces them per server', () => {
    const body = {
      ...base,
      emails: [
        { value: 'a@x', type: 'WORK' },
        { value: 'b@x', type: 'pigeon' },
      ],
    };
    expect(validateResource(User, body, { context: 'create' }).emails).toHaveLength(2);
    const e = fails(() => validateResource(User, body, { context: 'create', canonicalValues: 'enforce' }));
    expect(e.problems).toEqual([expect.objectContaining({ path: 'emails.type', code: 'canonicalValue' })]);
  });

  it('rejects a body that is not an object with invalidSyntax', () => {
    for (const b of [null, [], 'x', 3]) expect(fails(() => validateResource(User, b, { context: 'create' })).scimType).toBe('invalidSyntax');
  });

  it('keeps the two servers apart: the policy is an argument, not a switch', () => {
    const body = { ...base, shoe: 1 };
    expect(() => validateResource(User, body, { context: 'create' })).toThrow();
    expect(() => validateResource(User, body, { context: 'create', unknownAttributes: 'drop' })).not.toThrow();
    expect(() => validateResource(User, body, { context: 'create' })).toThrow();
  });
});
