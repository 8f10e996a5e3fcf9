import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../../src/core/patch/apply.js';
import { validateResource } from '../../../src/core/schema/validate.js';
import { SchemaRegistry, ScimError, type ScimResource } from '../../../src/index.js';

const User = new SchemaRegistry().resourceType('User')!;
const P = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const str = fc.constantFrom('a', 'B', 'work', 'home', 'x@y.io', '', 'Zoë');
const email = fc.record(
  { value: fc.constantFrom('a@x.io', 'b@x.io', 'c@y.org'), type: fc.constantFrom('work', 'home'), primary: fc.boolean() },
  { requiredKeys: ['value'] },
);
const user = fc
  .record(
    {
      userName: fc.constantFrom('alice', 'bob'),
      displayName: str,
      title: str,
      active: fc.boolean(),
      name: fc.record({ givenName: str, familyName: str }, { requiredKeys: [] }),
      emails: fc.uniqueArray(email, { selector: (e) => e.value, maxLength: 3 }),
    },
    { requiredKeys: ['userName'] },
  )
  .map((u) => {
    const emails = (u.emails ?? []) as { primary?: boolean }[];
    emails.forEach((e, i) => {
      if (i > 0) delete e.primary;
    });
    return validateResource(User, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...u }, { context: 'create' });
  });

const path = fc.constantFrom(
  'title',
  'displayName',
  'active',
  'name.givenName',
  'name',
  'emails',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[value eq "a@x.io"].primary',
  'userName',
  'nickName',
  'id',
  'shoe',
);
const value = fc.oneof(str, fc.boolean(), fc.constant(null), email, fc.array(email, { maxLength: 2 }), fc.record({ givenName: str }), fc.integer());
const op = fc.record(
  { op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'bogus'), path: fc.option(path, { nil: undefined }), value: fc.option(value, { nil: undefined }) },
  { requiredKeys: ['op'] },
);

describe('PATCH properties', () => {
  it('random operation sequences never yield an invalid resource, and failures change nothing', () => {
    fc.assert(
      fc.property(
        user,
        fc.array(op, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('lenient', 'strict') as fc.Arbitrary<'lenient' | 'strict'>,
        (u, operations, compatibility) => {
          const input = { ...u, id: 'u1' };
          const before = JSON.stringify(input);
          let out: ScimResource | undefined;
          try {
            out = applyPatch(input, { schemas: [P], Operations: operations }, { type: User, compatibility }).resource;
          } catch (e) {
            expect(e).toBeInstanceOf(ScimError);
            expect((e as ScimError).status).toBeLessThan(500);
          }
          expect(JSON.stringify(input)).toBe(before);
          if (out) {
            expect(() => validateResource(User, out, { context: 'patch' })).not.toThrow();
            expect(out.id).toBe('u1');
            const emails = (out.emails as { primary?: boolean }[] | undefined) ?? [];
            expect(emails.filter((e) => e.primary === true).length).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('add of a value followed by remove of that value restores the original', () => {
    fc.assert(
      fc.property(user, fc.constantFrom('new1@z.io', 'new2@z.io'), (u, v) => {
        const input = { ...u, id: 'u1' };
        const added = applyPatch(
          input,
          { schemas: [P], Operations: [{ op: 'add', path: 'emails', value: [{ value: v, type: 'other' }] }] },
          { type: User },
        ).resource;
        expect((added.emails as { value: string }[]).some((e) => e.value === v)).toBe(true);
        const removed = applyPatch(added, { schemas: [P], Operations: [{ op: 'remove', path: `emails[value eq "${v}"]` }] }, { type: User }).resource;
        expect(removed).toEqual(input);
      }),
      { numRuns: 300 },
    );
  });
});
