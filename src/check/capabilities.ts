/**
 * What a server claims, read from /ServiceProviderConfig, /ResourceTypes and /Schemas before any
 * scenario runs: the checker skips what a server does not claim instead of failing it.
 * @module
 */
import type { CheckClient } from './http.js';

/** A feature a scenario may need; each is read from the server's discovery documents. */
export type Feature =
  | 'patch'
  | 'bulk'
  | 'filter'
  | 'sort'
  | 'etag'
  | 'cursor'
  | 'groups'
  | 'enterprise'
  | 'uniqueGroupName'
  | 'caseInsensitiveUserName'
  | 'title'
  | 'nickName';

/** What the server claims. */
export interface Capabilities {
  /** The features claimed. */
  features: ReadonlySet<Feature>;
  /** The Users endpoint (from /ResourceTypes; `/Users` when it is unreadable). */
  users: string;
  /** The Groups endpoint (from /ResourceTypes; `/Groups` when it is unreadable). */
  groups: string;
  /** The User resource type's name (from /ResourceTypes; `User` when it is unreadable), as meta.resourceType says it. */
  userType: string;
  /** bulk.maxPayloadSize, when the server states it. */
  maxPayloadSize?: number;
  /** filter.maxResults, when the server states it. */
  maxResults?: number;
  /** Why a document could not be read, if one could not. */
  problems: string[];
}

/** Why a feature is skipped, as a scenario's SKIP reason says it. */
export const WHY_NOT_CLAIMED: Record<Feature, string> = {
  patch: 'the server does not claim PATCH (ServiceProviderConfig patch.supported)',
  bulk: 'the server does not claim Bulk (ServiceProviderConfig bulk.supported)',
  filter: 'the server does not claim filtering (ServiceProviderConfig filter.supported)',
  sort: 'the server does not claim sorting (ServiceProviderConfig sort.supported)',
  etag: 'the server does not claim ETags (ServiceProviderConfig etag.supported)',
  cursor: 'the server does not claim cursor paging (ServiceProviderConfig pagination.cursor, RFC 9865)',
  groups: 'the server has no Group resource type (/ResourceTypes)',
  enterprise: 'the User resource type has no enterprise extension (/ResourceTypes schemaExtensions)',
  caseInsensitiveUserName: "the server's User schema says userName caseExact true (RFC 7643 §4.1.1 says false; discovery.schemas reports that)",
  title: "the server's User schema has no title (an optional attribute of RFC 7643 §4.1.1)",
  nickName: "the server's User schema has no nickName (an optional attribute of RFC 7643 §4.1.1)",
  uniqueGroupName:
    'the server\'s Group schema says displayName uniqueness "none": RFC 7643 §4.2 allows two groups with one name (Entra ID expects 409; scimkit: uniqueGroupDisplayName)',
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const supported = (v: unknown): boolean => obj(v)?.supported === true;

function resourcesOf(body: unknown): Json[] {
  const b = obj(body);
  if (Array.isArray(body)) return body.filter((x) => obj(x)) as Json[];
  return Array.isArray(b?.Resources) ? ((b.Resources as unknown[]).filter((x) => obj(x)) as Json[]) : [];
}

/** Reads the three discovery documents; never throws (an unreadable one is a problem, features off). */
export async function readCapabilities(client: CheckClient): Promise<Capabilities> {
  const features = new Set<Feature>();
  const problems: string[] = [];
  const caps: Capabilities = { features, users: '/Users', groups: '/Groups', userType: 'User', problems };
  const get = async (path: string): Promise<unknown> => {
    try {
      const r = await client.send('GET', path);
      if (r.status === 200 && r.json !== undefined) return r.json;
      problems.push(`GET ${path} answered ${r.status}`);
    } catch (e) {
      problems.push((e as Error).message);
    }
    return undefined;
  };
  const spc = obj(await get('/ServiceProviderConfig'));
  if (spc) {
    if (supported(spc.patch)) features.add('patch');
    if (supported(spc.bulk)) features.add('bulk');
    if (supported(spc.filter)) features.add('filter');
    if (supported(spc.sort)) features.add('sort');
    if (supported(spc.etag)) features.add('etag');
    if (obj(spc.pagination)?.cursor === true) features.add('cursor');
    const size = obj(spc.bulk)?.maxPayloadSize;
    if (typeof size === 'number' && size > 0) caps.maxPayloadSize = size;
    const max = obj(spc.filter)?.maxResults;
    if (typeof max === 'number' && max > 0) caps.maxResults = max;
  }
  const types = resourcesOf(await get('/ResourceTypes'));
  const user = types.find((t) => t.schema === 'urn:ietf:params:scim:schemas:core:2.0:User');
  const group = types.find((t) => t.schema === 'urn:ietf:params:scim:schemas:core:2.0:Group');
  if (typeof user?.endpoint === 'string') caps.users = user.endpoint;
  if (typeof user?.name === 'string') caps.userType = user.name;
  if (typeof group?.endpoint === 'string') caps.groups = group.endpoint;
  // without a readable /ResourceTypes, Groups are assumed: their scenarios then fail visibly, not skip silently
  if (group || types.length === 0) features.add('groups');
  const extensions = Array.isArray(user?.schemaExtensions) ? (user.schemaExtensions as unknown[]) : [];
  if (extensions.some((e) => obj(e)?.schema === 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User')) features.add('enterprise');
  const schemas = resourcesOf(await get('/Schemas'));
  const groupSchema = schemas.find((s) => s.id === 'urn:ietf:params:scim:schemas:core:2.0:Group');
  const displayName = (Array.isArray(groupSchema?.attributes) ? (groupSchema.attributes as unknown[]) : []).map(obj).find((a) => a?.name === 'displayName');
  if (displayName && displayName.uniqueness !== undefined && displayName.uniqueness !== 'none') features.add('uniqueGroupName');
  // the User schema's own word on userName and the optional attributes some scenarios write;
  // without a readable schema, RFC 7643's core User schema is assumed
  const userSchema = schemas.find((s) => s.id === 'urn:ietf:params:scim:schemas:core:2.0:User');
  const userAttributes = Array.isArray(userSchema?.attributes) ? (userSchema.attributes as unknown[]).map(obj) : undefined;
  const userName = userAttributes?.find((a) => a?.name === 'userName');
  if (userName?.caseExact !== true) features.add('caseInsensitiveUserName');
  for (const name of ['title', 'nickName'] as const) if (!userAttributes || userAttributes.some((a) => a?.name === name)) features.add(name);
  return caps;
}
