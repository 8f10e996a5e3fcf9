import { describe, expect, it } from 'vitest';
import { ENTERPRISE_USER_SCHEMA_ID, SchemaRegistry, USER_SCHEMA_ID } from '../../../src/index.js';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;

describe('SchemaRegistry', () => {
  it('holds User with the enterprise extension and Group by default', () => {
    expect(registry.resourceTypes().map((t) => t.name)).toEqual(['User', 'Group']);
    expect(User.schemaIds).toEqual([USER_SCHEMA_ID, ENTERPRISE_USER_SCHEMA_ID]);
    expect(registry.byEndpoint('users')?.name).toBe('User');
    expect(registry.byEndpoint('/GROUPS')?.name).toBe('Group');
    expect(registry.byEndpoint('Nope')).toBeUndefined();
  });

  it('resolves names case-insensitively to their canonical spelling', () => {
    expect(User.resolvePath('USERNAME')?.path).toBe('userName');
    expect(User.resolvePath('name.GIVENNAME')?.path).toBe('name.givenName');
    expect(User.resolvePath('Emails.Value')?.target.name).toBe('value');
    expect(User.resolvePath('meta.lastModified')?.target.type).toBe('dateTime');
    expect(User.resolvePath('id')?.target.caseExact).toBe(true);
    expect(User.resolvePath('nope')).toBeUndefined();
    expect(User.resolvePath('name.nope')).toBeUndefined();
  });

  it('resolves URN-qualified names, core and extension', () => {
    const g = User.resolvePath('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName');
    expect(g).toMatchObject({ schema: USER_SCHEMA_ID, extension: false, path: 'name.givenName' });
    const m = User.resolvePath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value');
    expect(m).toMatchObject({ schema: ENTERPRISE_USER_SCHEMA_ID, extension: true, path: `${ENTERPRISE_USER_SCHEMA_ID}:manager.value` });
    expect(User.resolvePath('URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT')?.path).toBe(`${ENTERPRISE_USER_SCHEMA_ID}:department`);
    expect(User.extension('urn:ietf:params:scim:schemas:extension:enterprise:2.0:user')?.id).toBe(ENTERPRISE_USER_SCHEMA_ID);
    expect(User.resolvePath('urn:example:unknown:2.0:User:department')).toBeUndefined();
  });

  it('finds unqualified extension attributes after the core schema', () => {
    expect(User.resolvePath('department')?.schema).toBe(ENTERPRISE_USER_SCHEMA_ID);
  });

  it('keeps the schema URN when two extensions define the same attribute name', () => {
    const r = new SchemaRegistry();
    r.addSchema({ id: 'urn:acme:ext:a', attributes: [{ name: 'badge', type: 'string' }] });
    r.addSchema({ id: 'urn:acme:ext:b', attributes: [{ name: 'badge', type: 'integer' }] });
    const t = r.addResourceType({
      name: 'Device',
      endpoint: '/Devices',
      schema: 'urn:acme:ext:a',
      schemaExtensions: [{ schema: 'urn:acme:ext:b' }],
    });
    expect(t.resolvePath('urn:acme:ext:a:badge')).toMatchObject({ schema: 'urn:acme:ext:a', extension: false });
    expect(t.resolvePath('urn:acme:ext:b:badge')).toMatchObject({ schema: 'urn:acme:ext:b', extension: true });
    expect(t.resolvePath('urn:acme:ext:b:badge')?.target.type).toBe('integer');
    expect(t.resolvePath('badge')?.schema).toBe('urn:acme:ext:a');
  });

  it('takes custom schemas in the /Schemas JSON shape with RFC defaults', () => {
    const r = new SchemaRegistry({ defaults: false });
    const s = r.addSchema({ id: 'urn:acme:Device', attributes: [{ name: 'serial', uniqueness: 'server' }] });
    expect(s.attributes[0]).toMatchObject({ type: 'string', multiValued: false, mutability: 'readWrite', returned: 'default', caseExact: false });
    expect(() => r.addSchema({ id: 'nope', attributes: [] })).toThrow(/URN/);
    expect(() => r.addSchema({ id: 'urn:x', attributes: [{ name: '1bad' }] })).toThrow(/valid name/);
    expect(() => r.addResourceType({ name: 'X', endpoint: '/X', schema: 'urn:missing' })).toThrow(/unknown schema/);
    const t = r.addResourceType({ name: 'Device', endpoint: 'Devices', schema: 'urn:acme:Device' });
    expect(t.endpoint).toBe('/Devices');
    expect(t.uniqueAttributes).toEqual(['externalId', 'serial']);
  });

  it('makes group displayName unique only when asked, per registry', () => {
    expect(new SchemaRegistry().resourceType('Group')!.uniqueAttributes).toEqual(['externalId']);
    expect(new SchemaRegistry({ uniqueGroupDisplayName: true }).resourceType('Group')!.uniqueAttributes).toEqual(['externalId', 'displayName']);
    expect(User.uniqueAttributes).toEqual(['externalId', 'userName']);
  });
});
