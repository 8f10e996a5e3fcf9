// PATCH apply throughput, scimkit side by side with scim-patch and scimmy's PatchOp.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scimPatch } from 'scim-patch';
import SCIMMY from 'scimmy';
// applyPatch is not public: measured from the sources, with the sources' registry (one copy of ResourceType)
import { applyPatch } from '../src/core/patch/apply.js';
import { PathCache } from '../src/core/path/parse.js';
import { SchemaRegistry, type ScimResource } from '../src/index.js';
import { fmt, measure, type Section } from './harness.js';

const fx = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../test/fixtures', name), 'utf8'));
type Body = { schemas: string[]; Operations: { op: string; path?: string; value?: unknown }[] };

export async function run(): Promise<Section[]> {
  const registry = new SchemaRegistry();
  const User = registry.resourceType('User')!;
  const Group = registry.resourceType('Group')!;
  const paths = new PathCache(); // one per server, as createScimServer keeps it
  const user: ScimResource = fx('rfc7643-8.3-enterprise-user.json');
  delete user.password;
  const group: ScimResource = fx('rfc7643-8.4-group.json');

  const rfc: [ScimResource, Body, typeof User][] = [
    [group, fx('rfc7644-3.5.2.1-add-member.json'), Group],
    [user, fx('rfc7644-3.5.2.1-add-no-path.json'), User],
    [group, fx('rfc7644-3.5.2.2-remove-member.json'), Group],
    [group, fx('rfc7644-3.5.2.2-remove-all-members.json'), Group],
    [user, fx('rfc7644-3.5.2.2-remove-emails-filter.json'), User],
    [group, fx('rfc7644-3.5.2.2-remove-and-add-member.json'), Group],
    [group, fx('rfc7644-3.5.2.3-replace-members.json'), Group],
    [user, fx('rfc7644-3.5.2.3-replace-work-address.json'), User],
    [user, fx('rfc7644-3.5.2.3-replace-street-address.json'), User],
    [user, fx('rfc7644-3.5.2.3-replace-no-path.json'), User],
  ];
  // Entra ID's user update, on a user that already has the typed elements (the peers cannot create them)
  const entraUser: ScimResource = {
    ...user,
    phoneNumbers: [{ value: '555', type: 'mobile' }],
  };
  const entra: Body = fx('entra/user-update.json');

  const scimmyUser = (r: ScimResource) => new SCIMMY.Schemas.User(r);
  const scimmyGroup = (r: ScimResource) => new SCIMMY.Schemas.Group(r);
  let i = 0;
  const nextRfc = () => rfc[i++ % rfc.length]!;
  const errors: Record<string, number> = {};
  const guard = async (lib: string, fn: () => unknown) => {
    try {
      await fn();
    } catch {
      errors[lib] = (errors[lib] ?? 0) + 1;
    }
  };
  const rfcRows = await measure({
    scimkit: () => {
      const [r, b, t] = nextRfc();
      return applyPatch(r, b, { type: t, paths });
    },
    'scim-patch': () => {
      const [r, b] = nextRfc();
      return guard('scim-patch', () => scimPatch(r as never, b.Operations as never, { mutateDocument: false }));
    },
    'scimmy PatchOp': async () => {
      const [r, b, t] = nextRfc();
      await guard('scimmy', () => new SCIMMY.Messages.PatchOp(b as never).apply(t === User ? scimmyUser(r) : scimmyGroup(r), async (x: unknown) => x as never));
    },
  });
  const entraRows = await measure({
    scimkit: () => applyPatch(entraUser, entra, { type: User, paths }),
    'scim-patch': () => scimPatch(entraUser as never, entra.Operations as never, { mutateDocument: false }),
    'scimmy PatchOp': async () => {
      await new SCIMMY.Messages.PatchOp(entra as never).apply(scimmyUser(entraUser), async (x: unknown) => x as never);
    },
  });

  const memberRows: Record<string, string | number>[] = [];
  for (const size of [10, 10_000, 100_000]) {
    const members = Array.from({ length: size }, (_, k) => ({ value: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}` }));
    const full: ScimResource = { schemas: [Group.schema.id], id: 'g1', displayName: 'Big', members };
    const bare: ScimResource = { schemas: [Group.schema.id], id: 'g1', displayName: 'Big' };
    const add: Body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'new-member' }] }],
    };
    const r = await measure(
      {
        'scimkit, member delta (as the engine runs it)': () => applyPatch(bare, add, { type: Group, members: 'delta' }),
        'scimkit, inline member list': () => applyPatch(full, add, { type: Group }),
        'scim-patch': () => scimPatch(full as never, add.Operations as never, { mutateDocument: false }),
        ...(size <= 10_000
          ? {
              'scimmy PatchOp': async () => {
                await new SCIMMY.Messages.PatchOp(add as never).apply(scimmyGroup(full), async (x: unknown) => x as never);
              },
            }
          : {}),
      },
      size >= 10_000 ? 1000 : 400,
    );
    for (const [lib, m] of r) memberRows.push({ 'group size': fmt(size), library: lib, 'ops/s': fmt(m.hz), 'mean µs': fmt(m.meanUs, 1) });
  }

  const rows = (m: Map<string, { hz: number; meanUs: number }>, base: string) => {
    const ours = m.get(base)!.hz;
    return [...m].map(([lib, v]) =>
      v.hz === 0
        ? { library: lib, 'ops/s': 'rejects the request', 'mean µs': '', 'scimkit ×': '' }
        : { library: lib, 'ops/s': fmt(v.hz), 'mean µs': fmt(v.meanUs, 1), 'scimkit ×': lib === base ? '' : `${fmt(ours / v.hz, 1)}×` },
    );
  };
  return [
    {
      title: 'PATCH: the RFC 7644 §3.5.2 examples, round-robin',
      notes: `Ten requests from RFC 7644 §3.5.2.1–3 on the RFC 7643 §8 user and group. No library mutates its input (scim-patch with mutateDocument: false copies the whole resource; scimkit copies what it changes and shares the rest, then validates the result). scimkit parses paths through a per-server PathCache, as the engine does. Requests a peer rejected: ${JSON.stringify(errors)}.`,
      rows: rows(rfcRows, 'scimkit'),
    },
    {
      title: 'PATCH: a typical Microsoft Entra ID user update (8 operations)',
      notes:
        'The body exactly as Entra ID sends it ("Replace", "Add", a mobile phone and a work address that do not exist yet). scimmy answers 400 noTarget for the missing work address.',
      rows: rows(entraRows, 'scimkit'),
    },
    {
      title: 'PATCH: add one member to a group',
      notes:
        "scimkit's engine loads a group without its members and applies member operations as a delta (flat by construction); the inline row is the same engine handed the whole list. scimmy is left out at 100,000 members (minutes per run).",
      rows: memberRows,
    },
  ];
}
