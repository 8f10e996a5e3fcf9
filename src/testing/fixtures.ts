/**
 * What the kit's suites share: the schema URNs, the contract's registry (the defaults plus a
 * Device type whose attributes are caseExact, dateTime, integer and binary, two of them
 * unique), resource builders and store contexts. One registry per suite, built here once.
 * @module
 * @internal
 */
import { type ProvisioningStore, type ResourceType, SchemaRegistry, type ScimResource, type StoreContext } from 'scimkit';

/** The core User schema. */
export const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** The core Group schema. */
export const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** The enterprise User extension. */
export const E = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** The contract's own Device schema. */
export const D = 'urn:scimkit:contract:2.0:Device';
/** The PATCH request schema. */
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * The contract's registry: the defaults (group displayName unique) plus a Device type with a
 * caseExact unique `serial`, a `label`, a dateTime `seenAt`, a unique integer `rank` and a
 * unique binary `fingerprint` (binary is case exact, RFC 7643 §2.3.6).
 */
export function contractRegistry(): SchemaRegistry {
  const registry = new SchemaRegistry({ uniqueGroupDisplayName: true });
  registry.addSchema({
    id: D,
    name: 'Device',
    attributes: [
      { name: 'serial', caseExact: true, uniqueness: 'server' },
      { name: 'label' },
      { name: 'seenAt', type: 'dateTime' },
      { name: 'rank', type: 'integer', uniqueness: 'server' },
      { name: 'fingerprint', type: 'binary', uniqueness: 'server' },
    ],
  });
  registry.addResourceType({ name: 'Device', endpoint: '/Devices', schema: D });
  return registry;
}

/** The contract registry's three types. */
export function contractTypes(registry: SchemaRegistry) {
  return { User: registry.resourceType('User')!, Group: registry.resourceType('Group')!, Device: registry.resourceType('Device')! };
}

/** A user named `userName` with `extra` attributes. */
export const user = (userName: string, extra: Record<string, unknown> = {}): ScimResource => ({ schemas: [U], userName, ...extra });

/** A group named `displayName` whose members are `ids`. */
export const group = (displayName: string, ids: string[] = []): ScimResource => ({ schemas: [G], displayName, members: ids.map((value) => ({ value })) });

/** A device with `attributes`. */
export const device = (attributes: Record<string, unknown>): ScimResource => ({ schemas: [D], ...attributes });

/** A PATCH request body of `Operations`. */
export const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

/** Store contexts in `tenant` (default `defaultTenant`), each with a new request id prefixed `prefix`. */
export function contexts(prefix: string, defaultTenant: string): (tenant?: string) => StoreContext {
  let n = 0;
  return (tenant = defaultTenant) => ({ tenant, requestId: `${prefix}${++n}` });
}

/** A few milliseconds, so that a time a write sets differs from the one before. */
export const tick = () => new Promise((r) => setTimeout(r, 5));

/** A resource without what a store owns and may present differently between reads (`meta`), for comparing contents. */
export function contentOf(r: ScimResource | undefined): Omit<ScimResource, 'meta'> | undefined {
  if (!r) return undefined;
  const { meta: _meta, ...rest } = r;
  return rest;
}

/** `value` as JSON with every object's keys sorted: equal exactly when two values are the same JSON, whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Whether two resources hold the same JSON besides `meta` (object key order aside): what "a GET returns the same" means. */
export function sameContent(a: ScimResource | undefined, b: ScimResource | undefined): boolean {
  return canonicalJson(contentOf(a)) === canonicalJson(contentOf(b));
}

/** `value` with every object's keys in reverse order: the same JSON, written another way. */
export function keysReversed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(keysReversed) as T;
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .reverse()
      .map(([k, v]) => [k, keysReversed(v)]),
  ) as T;
}

/** Twelve display names, mixed case, for filter, sort and page checks. */
export const TWELVE = ['Zoe', 'adam', 'Bea', 'carl', 'Dora', 'eve', 'Finn', 'gus', 'Hana', 'ivo', 'Jon', 'kim'];

/** Creates the {@link TWELVE} users (`<name>@example.com`, every third inactive, every second a Dev, a work e-mail each) and returns them. */
export async function createTwelve(store: ProvisioningStore, ctx: StoreContext, User: ResourceType): Promise<ScimResource[]> {
  const out: ScimResource[] = [];
  for (const [i, nm] of TWELVE.entries())
    out.push(
      await store.create(
        ctx,
        User,
        user(`${nm.toLowerCase()}@example.com`, {
          displayName: nm,
          active: i % 3 !== 0,
          title: i % 2 ? 'Dev' : undefined,
          emails: [{ value: `${nm}@work.io`, type: 'work' }],
        }),
      ),
    );
  return out;
}
