// The version rule (core/rules/version.ts) as MemoryStore applies it, against the PATCH engine's
// own "changed": a PATCH the engine calls a no-op is one the store would not version either, and
// a PATCH that changes what a GET returns moves the version once.
import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../../src/core/patch/apply.js';
import { SchemaRegistry } from '../../../src/core/schema/registry.js';
import type { ScimResource } from '../../../src/core/schema/resource.js';
import { MemoryStore } from '../../../src/stores/memory/store.js';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;
const ctx = { tenant: 't', requestId: 'r' };
const ops = (...operations: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });

const CASES: [string, unknown, boolean][] = [
  ['the same value again', ops({ op: 'replace', path: 'displayName', value: 'ops' }), false],
  // the equality rule decides "already there": nothing is added, nothing a GET returns changes
  ['an add of an e-mail already there in another case', ops({ op: 'add', path: 'emails', value: [{ value: 'A@X.IO', type: 'work' }] }), false],
  ['a remove of a value that is not there', ops({ op: 'remove', path: 'emails[value eq "none@x.io"]' }), false],
  // a GET returns the stored spelling: these are changes (the decision in core/rules/version.ts)
  ['only the case of a case-insensitive value', ops({ op: 'replace', path: 'displayName', value: 'Ops' }), true],
  ['a real change', ops({ op: 'replace', path: 'title', value: 'Boss' }), true],
];

describe('MemoryStore versions a write exactly when the PATCH engine calls it a change', () => {
  it.each(CASES)('%s', async (_, body, change) => {
    let t = Date.parse('2024-01-01T00:00:00Z');
    const store = new MemoryStore({ now: () => new Date((t += 1000)) });
    const created = await store.create(ctx, User, {
      schemas: [User.schema.id],
      userName: 'ann',
      displayName: 'ops',
      emails: [{ value: 'a@x.io', type: 'work' }],
    });
    const patched = applyPatch(created, body, { type: User });
    expect(patched.changed).toBe(change);
    // the store is given the write the engine would make, even a no-op, and decides on its own
    const stored = await store.replace(ctx, User, created.id!, patched.resource as ScimResource, { ifVersion: created.meta!.version });
    expect(stored.meta!.version !== created.meta!.version).toBe(change);
    expect(stored.meta!.lastModified !== created.meta!.lastModified).toBe(change);
    expect(stored.meta!.created).toBe(created.meta!.created);
    if (change) expect(stored.meta!.version).toBe('W/"2"');
    // and what it answers is what a GET returns
    expect(await store.get(ctx, User, created.id!)).toEqual(stored);
  });

  it('a dateTime written in another form of the same instant is stored as written, under a new version', async () => {
    const store = new MemoryStore();
    const things = new SchemaRegistry({ defaults: false });
    things.addSchema({ id: 'urn:example:Thing', name: 'Thing', attributes: [{ name: 'name' }, { name: 'due', type: 'dateTime' }] });
    const Resource = things.addResourceType({ name: 'Thing', endpoint: '/Things', schema: 'urn:example:Thing' });
    const created = await store.create(ctx, Resource, { schemas: ['urn:example:Thing'], name: 'n', due: '2024-01-01T08:00:00Z' });
    const patched = applyPatch(created, ops({ op: 'replace', path: 'due', value: '2024-01-01T10:00:00+02:00' }), { type: Resource });
    expect(patched.changed).toBe(true);
    const stored = await store.replace(ctx, Resource, created.id!, patched.resource, {});
    expect([stored.due, stored.meta!.version]).toEqual(['2024-01-01T10:00:00+02:00', 'W/"2"']);
  });
});
