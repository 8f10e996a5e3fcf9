/**
 * The case and identity rules of the store contract, on non-ASCII values: filters (`eq`, `co`,
 * `sw`, `ew`) and sort compare `foldCase` of both sides on every store, whatever the database's
 * locale; uniqueness compares `identityKey`s, so a look-alike of a taken userName is taken
 * (docs/filters.md, "Case"; docs/design.md, "Identity keys"). Part of `describeStoreContract`.
 * @module
 */
import { ENTERPRISE_USER_SCHEMA_ID, SchemaRegistry, type ScimResource, type StoreContext } from 'scimkit';
import { compileFilter, parseFilter, sortResources } from 'scimkit/store-kit';
import { describe, expect, it } from 'vitest';
import { withoutCapability } from '../capability.js';
import { G, U } from '../fixtures.js';
import { rejects } from '../refusal.js';
import type { StoreFactory } from '../store-factory.js';

/** Makes a fresh, empty store for each test: the same as {@link StoreFactory}. */
export type CaseRulesStoreFactory = StoreFactory;

/** Users whose values need more than ASCII lower-casing: Turkish İ and ı, Greek final sigma, ß, accents composed and decomposed. */
const PEOPLE: Record<string, Record<string, unknown>> = {
  inci: { emails: [{ value: 'İnci@acme.io' }], title: 'ΣΟΦΟΣ', displayName: 'İSTANBUL' },
  emile: { emails: [{ value: 'Émile@acme.io' }], name: { familyName: 'ÅSTRÖM' }, title: 'Straße', [ENTERPRISE_USER_SCHEMA_ID]: { department: 'Ärzte' } },
  // decomposed: E and a combining acute accent
  emile2: { emails: [{ value: 'E\u0301mile.nfd@acme.io' }], name: { familyName: 'åström' }, title: 'σοφος' },
  kirmizi: { emails: [{ value: 'kırmızı@acme.io' }], title: 'STRASSE', displayName: 'istanbul' },
  plain: { emails: [{ value: 'plain@acme.io' }], title: 'plain', displayName: 'Zed', x509Certificates: [{ value: 'QUJD' }] },
};

/** Each filter and the users it matches, by the rule of core/rules/case-fold.ts. */
const EXPECTED: [string, string[]][] = [
  ['emails.value eq "İnci@acme.io"', ['inci']],
  ['emails.value eq "İNCI@ACME.IO"', ['inci']],
  ['emails[value eq "i\u0307nci@acme.io"]', ['inci']],
  // İ folds to i and a combining dot, not to i: Unicode's default folding, not the Turkish one
  ['emails.value eq "inci@acme.io"', []],
  ['emails.value eq "ÉMILE@ACME.IO"', ['emile']],
  // composed literal, decomposed value: canonically equal
  ['emails.value eq "émile.nfd@acme.io"', ['emile2']],
  ['emails.value co "MILE"', ['emile', 'emile2']],
  ['emails.value sw "KIR"', []],
  ['emails.value sw "KıR"', ['kirmizi']],
  ['title eq "σοφοσ"', ['inci', 'emile2']],
  ['title eq "ΣΟΦΟΣ"', ['inci', 'emile2']],
  ['title ew "ΟΣ"', ['inci', 'emile2']],
  ['title co "ΟΣ"', ['inci', 'emile2']],
  ['title eq "strasse"', ['emile', 'kirmizi']],
  ['title sw "STRAß"', ['emile', 'kirmizi']],
  ['title ew "SSE"', ['emile', 'kirmizi']],
  ['name.familyName eq "ÅSTRÖM"', ['emile', 'emile2']],
  ['name.familyName sw "ÅST"', ['emile', 'emile2']],
  [`${ENTERPRISE_USER_SCHEMA_ID}:department eq "ärzte"`, ['emile']],
  ['userName co "İSTAN"', ['inci']],
  ['displayName eq "i\u0307stanbul"', ['inci']],
  ['displayName eq "ISTANBUL"', ['kirmizi']],
  ['displayName sw "İST"', ['inci']],
  // binary is case exact (RFC 7643 §2.3.6)
  ['x509Certificates.value eq "QUJD"', ['plain']],
  ['x509Certificates.value eq "qujd"', []],
];

/**
 * Registers the case and identity rules for a store under `name` (vitest); `describeStoreContract`
 * includes them. The filter and sort checks are skipped, with the reason, for a store without
 * `capabilities.filter` or `capabilities.sort`.
 */
export function describeCaseRules(name: string, makeStore: CaseRulesStoreFactory): void {
  const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
  const User = registry.resourceType('User')!;
  const Group = registry.resourceType('Group')!;
  let n = 0;
  const ctx = (): StoreContext => ({ tenant: 'case-rules', requestId: `c${++n}` });

  describe(`ProvisioningStore contract, case and identity: ${name}`, () => {
    it('filters non-ASCII values by the one folding rule: eq, co, sw, ew, on columns, arrays and extensions', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.filter, withoutCapability('filter'));
      for (const [key, extra] of Object.entries(PEOPLE)) {
        const userName = key === 'inci' ? 'İstanbul-inci' : key;
        const schemas = extra[ENTERPRISE_USER_SCHEMA_ID] ? [U, ENTERPRISE_USER_SCHEMA_ID] : [U];
        await store.create(ctx(), User, { schemas, userName, ...extra });
      }
      const everyone = (await store.search(ctx(), User, { startIndex: 1, count: 100, members: false })).resources;
      const keyOf = (r: ScimResource) => (r.userName === 'İstanbul-inci' ? 'inci' : String(r.userName));
      for (const [f, want] of EXPECTED) {
        const filter = parseFilter(f);
        // the engine's evaluator and the store agree, and both give what the rule says
        expect(everyone.filter(compileFilter(filter, User)).map(keyOf).sort(), `compileFilter: ${f}`).toEqual([...want].sort());
        const got = await store.search(ctx(), User, { filter, startIndex: 1, count: 100, members: false });
        expect(got.resources.map(keyOf).sort(), f).toEqual([...want].sort());
        expect(got.totalResults, f).toBe(want.length);
      }
    });

    it('sorts non-ASCII values by their folded form, as the core does', async ({ skip }) => {
      const store = await makeStore();
      skip(!store.capabilities.sort, withoutCapability('sort'));
      const titles = ['Zebra', 'ÉCOLE', 'école', 'ΣΟΦΟΣ', 'abc', 'Straße', 'STRASSE', 'STRASSF', 'İnci', 'ınci', 'Inci'];
      for (const [i, title] of titles.entries()) await store.create(ctx(), User, { schemas: [U], userName: `sort-${i}`, title });
      const all = (await store.search(ctx(), User, { startIndex: 1, count: 100, members: false })).resources;
      for (const descending of [false, true]) {
        const got = await store.search(ctx(), User, {
          sort: { path: 'title', order: descending ? 'descending' : 'ascending' },
          startIndex: 1,
          count: 100,
          members: false,
        });
        expect(
          got.resources.map((r) => r.title),
          descending ? 'descending' : 'ascending',
        ).toEqual(sortResources(User, all, 'title', descending).map((r) => r.title));
      }
      const asc = await store.search(ctx(), User, { sort: { path: 'title', order: 'ascending' }, startIndex: 1, count: 100, members: false });
      const titlesInOrder = asc.resources.map((r) => r.title as string);
      // folded: abc, inci (I), i̇nci (İ), strasse ×2 (ß is ss), strassf, zebra, école ×2, ınci, σοφοσ; ties by id
      expect(titlesInOrder.slice(0, 3)).toEqual(['abc', 'Inci', 'İnci']);
      expect(new Set(titlesInOrder.slice(3, 5))).toEqual(new Set(['Straße', 'STRASSE']));
      expect(titlesInOrder.slice(5, 7)).toEqual(['STRASSF', 'Zebra']);
      expect(new Set(titlesInOrder.slice(7, 9))).toEqual(new Set(['ÉCOLE', 'école']));
      expect(titlesInOrder.slice(9)).toEqual(['ınci', 'ΣΟΦΟΣ']);
    });

    it('keeps userName unique by identity key: composed and decomposed, full-width, zero-width, white space, Turkish i, a trailing dot', async () => {
      const store = await makeStore();
      const user = (userName: string) => ({ schemas: [U], userName });
      await store.create(ctx(), User, user('josé@acme.io'));
      const admin = await store.create(ctx(), User, user('admin@acme.io'));
      for (const lookAlike of [
        'jose\u0301@acme.io',
        'JOSÉ@ACME.IO',
        'ＡＤＭＩＮ@acme.io',
        'admin@acme.io\u200b',
        'ad\u00admin@acme.io',
        ' admin@acme.io ',
        'ADMİN@acme.io',
        'admın@acme.io',
        'admin＠acme.io',
        'admin@acme.io.',
        'admin@acme。io',
      ]) {
        const e = await rejects(store.create(ctx(), User, user(lookAlike)));
        expect([e.status, e.scimType], JSON.stringify(lookAlike)).toEqual([409, 'uniqueness']);
      }
      // a rename onto a look-alike is refused too, at an unknown and at a known version
      const other = await store.create(ctx(), User, user('other@acme.io'));
      expect((await rejects(store.replace(ctx(), User, other.id!, user('ＡＤＭＩＮ@ACME.IO')))).status).toBe(409);
      expect((await rejects(store.replace(ctx(), User, other.id!, user('admin@acme.io.'), { ifVersion: other.meta!.version! }))).status).toBe(409);
      // the holder may rewrite its own name in any of its spellings, and then the old spelling is free for no one else
      const renamed = await store.replace(ctx(), User, admin.id!, user('ADMIN@acme.io'), { ifVersion: admin.meta!.version! });
      expect(renamed.userName).toBe('ADMIN@acme.io');
      expect((await rejects(store.create(ctx(), User, user('admin@acme.io')))).status).toBe(409);
      // names that only look alike to a reader of other scripts stay distinct (no confusables data)
      await store.create(ctx(), User, user('аdmin@acme.io')); // Cyrillic а
      // a group's displayName, when unique, by the same key
      await store.create(ctx(), Group, { schemas: [G], displayName: 'Ops Team' });
      expect((await rejects(store.create(ctx(), Group, { schemas: [G], displayName: 'ＯＰＳ Team\u200b' }))).status).toBe(409);
    });
  });
}
