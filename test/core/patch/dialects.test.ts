import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../../src/core/patch/apply.js';
import { PATCH_QUIRKS, quirksOf } from '../../../src/core/patch/dialects/index.js';
import { ENTERPRISE_USER_SCHEMA_ID as E, SchemaRegistry, type ScimError, type ScimResource } from '../../../src/index.js';
import { fixture } from '../../fixtures.js';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const MANAGER = '26118915-6090-4610-87e4-49d8ca9f808d';
const user = (): ScimResource => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'ryan@contoso.com',
  active: true,
  emails: [{ value: 'old@contoso.com', type: 'work', primary: true }],
  meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z', version: 'W/"1"' },
});
const group = (): ScimResource => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Tour Guides',
  members: [{ value: 'u-1' }, { value: 'u-2' }],
});
const lenient = (r: ScimResource, f: string, type = User) => applyPatch(r, fixture(f), { type }).resource;
const strict = (r: ScimResource, f: string, type = User): ScimError => {
  try {
    applyPatch(r, fixture(f), { type, compatibility: 'strict' });
  } catch (e) {
    return e as ScimError;
  }
  throw new Error('strict mode accepted the quirk');
};

describe('Microsoft Entra ID', () => {
  it('user update: op names in any case, typed elements created when missing', () => {
    const r = lenient(user(), 'entra/user-update.json');
    expect(r.displayName).toBe('Ryan Leenay');
    expect(r.emails).toEqual([{ value: 'ryan@contoso.com', type: 'work', primary: true }]);
    expect(r.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect(r.addresses).toEqual([{ type: 'work', formatted: '1 Microsoft Way, Redmond' }]);
    expect(r.name).toEqual({ givenName: 'Ryan', familyName: 'Leenay' });
    expect(r[E]).toEqual({ department: 'Sales', employeeNumber: '42' });
    expect(strict(user(), 'entra/user-update.json').detail).toMatch(/op must be "add", "remove" or "replace", not "Replace"/);
  });

  it('without opNameCase alone, a missing typed element is noTarget', () => {
    const e = (() => {
      try {
        applyPatch(user(), fixture('entra/user-update.json'), { type: User, compatibility: { quirks: ['opNameCase'] } });
      } catch (err) {
        return err as ScimError;
      }
    })();
    expect(e).toMatchObject({ scimType: 'noTarget' });
    expect(e?.detail).toMatch(/phoneNumbers\[type eq "mobile"\].value matches no value/);
  });

  it('deactivates and reactivates with boolean strings', () => {
    expect(lenient(user(), 'entra/deactivate.json').active).toBe(false);
    expect(lenient({ ...user(), active: false }, 'entra/reactivate.json').active).toBe(true);
    const e = (() => {
      try {
        applyPatch(user(), fixture('entra/deactivate.json'), { type: User, compatibility: { quirks: ['opNameCase'] } });
      } catch (err) {
        return err as ScimError;
      }
    })();
    expect(e?.detail).toMatch(/active must be of type boolean/);
  });

  it('splits path-like keys of a path-less value into operations', () => {
    const r = lenient(user(), 'entra/no-path-path-keys.json');
    expect(r.displayName).toBe('Ryan L');
    expect(r.name).toEqual({ givenName: 'Ryan' });
    expect(r.emails).toEqual([{ value: 'ryan@contoso.com', type: 'work', primary: true }]);
    expect(r.addresses).toEqual([{ type: 'work', formatted: 'Redmond' }]);
    expect(r[E]).toEqual({ department: 'Engineering', manager: { value: MANAGER } });
    expect(r.schemas).toContain(E);
    expect(strict(user(), 'entra/no-path-path-keys.json').status).toBe(400);
  });

  it('manager as a bare id, as an object, cleared, removed', () => {
    expect(lenient(user(), 'entra/manager-string.json')[E]).toEqual({ manager: { value: MANAGER } });
    expect(lenient(user(), 'entra/manager-object.json')[E]).toEqual({ manager: { value: MANAGER } });
    const withManager = { ...user(), [E]: { manager: { value: MANAGER }, department: 'x' } };
    expect(lenient(withManager, 'entra/manager-clear.json')[E]).toEqual({ department: 'x' });
    expect(lenient(withManager, 'entra/manager-remove.json')[E]).toEqual({ department: 'x' });
    expect(strict(user(), 'entra/manager-string.json').status).toBe(400);
  });

  it('removes only the members listed, never all', () => {
    expect(lenient(group(), 'entra/remove-member.json', Group).members).toEqual([{ value: 'u-2' }]);
    // strict RFC reading of the op name fails first; with op names fixed but no member quirk, the
    // literal reading (every member goes) is refused rather than applied: nothing is lost
    expect(() => applyPatch(group(), fixture('entra/remove-member.json'), { type: Group, compatibility: { quirks: ['opNameCase'] } })).toThrow(
      /Operations\[0\]: remove of members with a value would remove every value/,
    );
  });

  it('adds members, ignoring extras and null $ref, and an existing member is a no-op', () => {
    const r = lenient(group(), 'entra/add-member-extras.json', Group);
    expect(r.members).toEqual([{ value: 'u-1' }, { value: 'u-2' }, { value: 'u-3', display: 'Ann' }]);
    const again = applyPatch(group(), fixture('entra/add-member.json'), { type: Group });
    expect(again.resource.members).toEqual([{ value: 'u-1' }, { value: 'u-2' }]);
    expect(again.changed).toBe(false);
    expect(strict(group(), 'entra/add-member-extras.json', Group).status).toBe(400);
  });

  it('renames a group', () => {
    expect(lenient(group(), 'entra/group-rename.json', Group).displayName).toBe('Sales EMEA');
  });
});

describe('Okta', () => {
  it('deactivates by a path-less replace (valid RFC, in every mode)', () => {
    expect(applyPatch(user(), fixture('okta/deactivate.json'), { type: User, compatibility: 'strict' }).resource.active).toBe(false);
  });
  it('repeats the resource id inside values', () => {
    expect(lenient({ ...user(), active: false }, 'okta/replace-with-id.json').active).toBe(true);
    expect(strict(user(), 'okta/replace-with-id.json')).toMatchObject({ status: 400, scimType: 'mutability' });
    expect(lenient(group(), 'okta/group-rename.json', Group).displayName).toBe('Tour Guides EU');
  });
  it('refuses an id that is not the resource own', () => {
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { id: 'other', active: true } }] };
    expect(() => applyPatch(user(), body, { type: User })).toThrow(/id is readOnly/);
  });
  it('group push: remove by filter, add with display', () => {
    expect(lenient(group(), 'okta/group-push.json', Group).members).toEqual([{ value: 'u-2' }, { value: 'u-9', display: 'nine@example.com' }]);
  });
});

describe('others', () => {
  it('a one-element array for a single-valued attribute', () => {
    expect(lenient(user(), 'onelogin/single-value-array.json').title).toBe('Director');
    expect(strict(user(), 'onelogin/single-value-array.json').detail).toMatch(/title must be of type string/);
  });
  it('one object for a multi-valued attribute in a PATCH value (OneLogin) is one element, in every mode', () => {
    expect(lenient(user(), 'onelogin/replace-emails-object.json').emails).toEqual([{ value: 'new@contoso.com', type: 'work', primary: true }]);
    const rfc = applyPatch(user(), fixture('onelogin/replace-emails-object.json'), { type: User, compatibility: 'strict' }).resource;
    expect(rfc.emails).toEqual([{ value: 'new@contoso.com', type: 'work', primary: true }]);
  });
});

describe('profiles', () => {
  it('lenient has every quirk, strict none, entra and okta their own', () => {
    expect(quirksOf('lenient').size).toBe(PATCH_QUIRKS.length);
    expect(quirksOf('strict').size).toBe(0);
    expect([...quirksOf('okta')]).toEqual(['ignoreMatchingId']);
    expect(quirksOf('entra').has('removeMembersByValue')).toBe(true);
    expect(quirksOf('entra').has('ignoreMatchingId')).toBe(false);
    expect([...quirksOf({ quirks: ['booleanStrings'] })]).toEqual(['booleanStrings']);
  });
  it('every quirk is documented with its client', () => {
    for (const q of PATCH_QUIRKS) {
      expect(q.client.length).toBeGreaterThan(2);
      expect(q.description.length).toBeGreaterThan(20);
    }
  });
});
