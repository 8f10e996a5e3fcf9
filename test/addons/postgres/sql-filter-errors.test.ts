// The SQL compiler checks a filter with the core's one pass (checkFilter), as the MemoryStore
// does: a filter one store refuses, every store refuses with the same 400 (status, scimType,
// detail), and an unknown attribute under `unknownAttributes: 'noMatch'` matches nothing on
// each (#30 item 1). Stores: MemoryStore, PostgresStore on PGlite, and with DATABASE_URL on
// PostgreSQL.
import { type ProvisioningStore, type ResourceType, SchemaRegistry, ScimError, type StoreContext } from 'scimkit';
import { filterToSql, Params } from 'scimkit/postgres';
import { type Filter, parseFilter } from 'scimkit/store-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../../store-factories.js';

const registry = new SchemaRegistry();
registry.addSchema({ id: 'urn:example:Thing', name: 'Thing', attributes: [{ name: 'label' }, { name: 'size', type: 'integer' }] });
const User = registry.resourceType('User')!;
const Group = registry.resourceType('Group')!;
const Thing = registry.addResourceType({ name: 'Thing', endpoint: '/Things', schema: 'urn:example:Thing' });
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ctx: StoreContext = { tenant: 'filter-errors', requestId: 'r' };

/** Bad filters, each with the resource type it is run on and what its detail says. */
const BAD: [string, ResourceType, RegExp][] = [
  ['userName eq 5', User, /^userName is a string; compare it with a "string"$/],
  ['active eq "true"', User, /^active is a boolean; compare it with true or false$/],
  ['meta.lastModified gt 5', User, /^meta\.lastModified is a dateTime; compare it with a "string"$/],
  ['meta.lastModified gt "yesterday"', User, /^meta\.lastModified is a dateTime; "yesterday" is not an xsd:dateTime$/],
  ['x509Certificates.value gt "AA=="', User, /^x509Certificates\.value is of type binary; operator gt does not apply to it$/],
  ['active co true', User, /^active is of type boolean; operator co does not apply to it$/],
  ['size co 1', Thing, /^size is of type integer; operator co does not apply to it$/],
  ['shoeSize eq "42"', User, /^shoeSize is not an attribute of this resource type$/],
  ['emails[kind eq "x"]', User, /^kind is not an attribute of this resource type$/],
  ['userName gt null', User, /^userName: null can only be compared with eq or ne$/],
  ['emails.value co null', User, /^emails\.value: null can only be compared with eq or ne$/],
  ['name eq "x"', User, /^name is complex; compare one of its sub-attributes$/],
  ['userName[value eq "x"]', User, /^userName is not complex; it cannot take a value filter$/],
  // the bad term behind one the member or e-mail index would answer
  ['emails[value eq "a@x"] and active eq 1', User, /^active is a boolean; compare it with true or false$/],
  ['members[value eq "g"] or displayName gt null', Group, /^displayName: null can only be compared with eq or ne$/],
];

/** What a refusal says: the fields a SCIM error response carries. */
async function refusal(store: ProvisioningStore, type: ResourceType, filter: Filter) {
  try {
    await store.search(ctx, type, { filter, startIndex: 1, count: 10, members: false });
  } catch (e) {
    expect(e).toBeInstanceOf(ScimError);
    const { status, scimType, detail } = e as ScimError;
    return { status, scimType, detail };
  }
  throw new Error('the store answered a filter it should refuse');
}

const stores = storeFactories();

describe.each(stores)('%s', (_, make) => {
  let store: ProvisioningStore;
  let memory: ProvisioningStore;
  beforeAll(async () => {
    store = await make();
    memory = await stores[0]![1]();
    for (const s of [store, memory]) {
      await s.create(ctx, User, { schemas: [U], userName: 'ann', emails: [{ value: 'a@x' }], active: true });
      await s.create(ctx, User, { schemas: [U], userName: 'bob' });
      await s.create(ctx, Thing, { schemas: ['urn:example:Thing'], label: 't', size: 3 });
    }
  });

  it.each(BAD)('refuses %s with the 400 the MemoryStore gives', async (text, type, detail) => {
    const filter = parseFilter(text);
    const got = await refusal(store, type, filter);
    expect(got).toEqual(await refusal(memory, type, filter));
    expect(got).toEqual({ status: 400, scimType: 'invalidFilter', detail: expect.stringMatching(detail) });
  });

  it("unknownAttributes: 'noMatch': an unknown attribute's comparison is false, as on the MemoryStore", async () => {
    const names = async (s: ProvisioningStore, text: string) =>
      (await s.search(ctx, User, { filter: parseFilter(text), startIndex: 1, count: 10, members: false, unknownAttributes: 'noMatch' })).resources
        .map((r) => r.userName)
        .sort();
    const cases: [string, string[]][] = [
      ['shoeSize eq "42"', []],
      ['shoeSize pr', []],
      ['emails[kind eq "x"]', []],
      ['shoeSize eq "42" or userName eq "bob"', ['bob']],
      ['not (shoeSize eq "42")', ['ann', 'bob']],
    ];
    for (const [text, expected] of cases) {
      expect(await names(store, text), text).toEqual(expected);
      expect(await names(memory, text), text).toEqual(expected);
    }
    // a bad literal is refused under noMatch too: only unknown attributes are let through
    await expect(
      store.search(ctx, User, { filter: parseFilter('userName eq 5'), startIndex: 1, count: 10, members: false, unknownAttributes: 'noMatch' }),
    ).rejects.toMatchObject({ status: 400, scimType: 'invalidFilter' });
  });
});

describe('filterToSql', () => {
  it("compiles an unknown attribute to false under Params.unknownAttributes = 'noMatch', and refuses it otherwise", () => {
    const p = new Params();
    p.unknownAttributes = 'noMatch';
    expect(filterToSql(parseFilter('shoeSize eq "42"'), User, p, '$1')).toBe('false');
    expect(p.values).toEqual([]);
    expect(() => filterToSql(parseFilter('shoeSize eq "42"'), User, new Params(), '$1')).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidFilter', detail: 'shoeSize is not an attribute of this resource type' }),
    );
  });
});
