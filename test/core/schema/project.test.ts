import { describe, expect, it } from 'vitest';
import { Projection } from '../../../src/core/schema/project.js';
import { ENTERPRISE_USER_SCHEMA_ID, SchemaRegistry, type ScimResource } from '../../../src/index.js';
import { fixture } from '../../fixtures.js';

const User = new SchemaRegistry().resourceType('User')!;
const user = fixture<ScimResource>('rfc7643-8.3-enterprise-user.json');

describe('Projection', () => {
  it('never returns password, and returns the rest by default', () => {
    const out = new Projection(User).apply(user);
    expect(out.password).toBeUndefined();
    expect(out.userName).toBe('bjensen@example.com');
    expect(out.schemas).toEqual(user.schemas);
  });

  it("with copy, answers the same and shares no object with the resource (a store's own data)", () => {
    const shared = new Projection(User).apply(user);
    const copied = new Projection(User).apply(user, true);
    expect(JSON.stringify(copied)).toBe(JSON.stringify(shared));
    expect(shared.name).toBe(user.name);
    expect(copied.name).not.toBe(user.name);
    expect(copied.emails).not.toBe(user.emails);
    expect((copied.emails as object[])[0]).not.toBe((user.emails as object[])[0]);
    const ext = ENTERPRISE_USER_SCHEMA_ID;
    expect((copied[ext] as { manager: object }).manager).not.toBe((user[ext] as { manager: object }).manager);
  });

  it('does not return password even when asked for', () => {
    expect(new Projection(User, { attributes: ['password', 'userName'] }).apply(user).password).toBeUndefined();
  });

  it('attributes: only those named, plus id and schemas', () => {
    const out = new Projection(User, { attributes: ['USERNAME', 'name.familyName', 'emails.value'] }).apply(user);
    expect(out).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: user.id,
      userName: user.userName,
      name: { familyName: 'Jensen' },
      emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
    });
  });

  it('attributes: a bare extension URN returns the whole extension; a qualified name one attribute', () => {
    const whole = new Projection(User, { attributes: [ENTERPRISE_USER_SCHEMA_ID] }).apply(user);
    expect(Object.keys(whole[ENTERPRISE_USER_SCHEMA_ID] as object)).toHaveLength(6);
    const one = new Projection(User, { attributes: [`${ENTERPRISE_USER_SCHEMA_ID}:department`] }).apply(user);
    expect(one[ENTERPRISE_USER_SCHEMA_ID]).toEqual({ department: 'Tour Operations' });
    expect(one.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER_SCHEMA_ID]);
  });

  it('excludedAttributes: leaves those out but never id', () => {
    const out = new Projection(User, { excludedAttributes: ['emails', 'id', 'name.givenName', ENTERPRISE_USER_SCHEMA_ID] }).apply(user);
    expect(out.emails).toBeUndefined();
    expect(out.id).toBe(user.id);
    expect(out.name).toEqual({
      formatted: 'Ms. Barbara J Jensen, III',
      familyName: 'Jensen',
      middleName: 'Jane',
      honorificPrefix: 'Ms.',
      honorificSuffix: 'III',
    });
    expect(out[ENTERPRISE_USER_SCHEMA_ID]).toBeUndefined();
    expect(out.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
  });

  it('tells stores whether an attribute is wanted at all', () => {
    const Group = new SchemaRegistry().resourceType('Group')!;
    expect(new Projection(Group, { excludedAttributes: ['members'] }).wants('', 'members')).toBe(false);
    expect(new Projection(Group).wants('', 'members')).toBe(true);
    expect(new Projection(Group, { attributes: ['displayName'] }).wants('', 'members')).toBe(false);
  });

  it('ignores unknown names instead of failing', () => {
    expect(new Projection(User, { attributes: ['nope', 'userName'] }).apply(user).userName).toBe(user.userName);
  });
});
