/**
 * The shapes scenarios build and expect: request bodies the way the IdPs send them, and the
 * ListResponse and Error bodies of RFC 7644.
 * @module
 */
import { ENTERPRISE_USER_SCHEMA_ID, ERROR_SCHEMA, GROUP_SCHEMA_ID, LIST_RESPONSE_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA_ID } from 'scimkit';
import type { CheckResponse } from '../http.js';
import { bodyOf, type CheckContext, CheckFailure, expectStatus, expectThat } from '../scenario.js';

export { ENTERPRISE_USER_SCHEMA_ID, GROUP_SCHEMA_ID, USER_SCHEMA_ID };

type Json = Record<string, unknown>;

/** A user as Okta's SPEC test and Entra ID create one: realistic names, a work e-mail, active. */
export function userBody(userName: string, extra: Json = {}): Json {
  const [given = 'Check', family = 'User'] = userName.split('-').slice(-2);
  return {
    schemas: [USER_SCHEMA_ID],
    userName,
    externalId: `ext-${userName}`,
    name: { givenName: given, familyName: family, formatted: `${given} ${family}` },
    displayName: `${given} ${family}`,
    emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
    // inactive unless a scenario needs otherwise: on a live app an active user may get an invitation or a seat
    active: false,
    ...extra,
  };
}

/** A group as Entra ID creates one. */
export function groupBody(displayName: string, extra: Json = {}): Json {
  return { schemas: [GROUP_SCHEMA_ID], displayName, externalId: `ext-${displayName}`, ...extra };
}

/** A PatchOp request body. */
export function patchOps(...Operations: Json[]): Json {
  return { schemas: [PATCH_OP_SCHEMA], Operations };
}

/** A filter value as a SCIM string literal. */
export const literal = (s: string): string => JSON.stringify(s);

/** A list response's Resources, after checking the ListResponse shape (RFC 7644 §3.4.2). */
export function listOf(r: CheckResponse, what = 'the list'): Json[] {
  expectStatus(r, 200);
  const b = bodyOf(r);
  expectThat(Array.isArray(b.schemas) && b.schemas.includes(LIST_RESPONSE_SCHEMA), `${what} does not name the ListResponse schema (RFC 7644 §3.4.2)`);
  expectThat(typeof b.totalResults === 'number', `${what} has no numeric totalResults (RFC 7644 §3.4.2)`);
  if (b.Resources === undefined) {
    expectThat(b.totalResults === 0 || r.exchange.request.url.includes('count=0'), `${what} says totalResults ${b.totalResults} but has no Resources`);
    return [];
  }
  expectThat(Array.isArray(b.Resources), `${what}: Resources is not an array`);
  return b.Resources as Json[];
}

/** The totalResults of a list response. */
export const totalOf = (r: CheckResponse): number => bodyOf(r).totalResults as number;

/** Checks an error response: the status, the Error schema, `status` as a string, and the scimType when given (RFC 7644 §3.12). */
export function expectError(r: CheckResponse, status: number | readonly number[], scimType?: string): void {
  expectStatus(r, status);
  const b = bodyOf(r);
  expectThat(
    Array.isArray(b.schemas) && b.schemas.includes(ERROR_SCHEMA),
    `the ${r.status} body does not name the Error schema ${ERROR_SCHEMA} (RFC 7644 §3.12)`,
  );
  expectThat(
    String(b.status) === String(r.status),
    `the ${r.status} body says status ${JSON.stringify(b.status)} (RFC 7644 §3.12: the HTTP status, as a string)`,
  );
  if (scimType) expectThat(b.scimType === scimType, `the ${r.status} body has scimType ${JSON.stringify(b.scimType)}, expected "${scimType}" (RFC 7644 §3.12)`);
}

/** The user or group at `id`, read back with GET (200 expected). */
export async function readBack(ctx: CheckContext, endpoint: string, id: string): Promise<Json> {
  const r = await ctx.send('GET', `${endpoint}/${encodeURIComponent(id)}`);
  expectStatus(r, 200, `reading it back (GET ${endpoint}/${id})`);
  return bodyOf(r);
}

/** Sends a PATCH and accepts 200 with the resource or 204 (RFC 7644 §3.5.2). */
export async function patch(ctx: CheckContext, endpoint: string, id: string, ...ops: Json[]): Promise<CheckResponse> {
  const r = await ctx.send('PATCH', `${endpoint}/${encodeURIComponent(id)}`, { body: patchOps(...ops) });
  expectStatus(r, [200, 204]);
  // 200 is "with the entire resource" (RFC 7644 §3.5.2), 204 without one
  if (r.status === 200) expectThat(bodyOf(r).id === id, `a PATCH answered 200 without the resource (RFC 7644 §3.5.2: 200 "and the entire resource", or 204)`);
  return r;
}

/** A group's members, asked for by name (a server may return them only on request: RFC 7643 §7 `returned`). */
export async function membersOf(ctx: CheckContext, id: string): Promise<string[]> {
  const r = await ctx.send('GET', `${ctx.capabilities.groups}/${encodeURIComponent(id)}?attributes=members`);
  expectStatus(r, 200, `reading its members back (GET ${ctx.capabilities.groups}/${id}?attributes=members)`);
  return memberIds(bodyOf(r));
}

/** A filter query string. */
export const filter = (expression: string, extra = ''): string => `?filter=${encodeURIComponent(expression)}${extra}`;

/** The parts of a path: `name.givenName`, or `<schema URN>:manager.value` (the URN, whose dots are its own, first). */
function partsOf(path: string): string[] {
  if (!path.startsWith('urn:')) return path.split('.');
  const at = path.lastIndexOf(':');
  return [path.slice(0, at), ...path.slice(at + 1).split('.')];
}

/** A value of a (possibly dotted, possibly URN-prefixed) attribute. */
export function valueAt(resource: Json, path: string): unknown {
  let at: unknown = resource;
  for (const part of partsOf(path)) at = at && typeof at === 'object' ? (at as Json)[part] : undefined;
  return at;
}

/** Fails unless `resource[path]` is `expected`. */
export function expectValue(resource: Json, path: string, expected: unknown, when: string): void {
  const actual = valueAt(resource, path);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new CheckFailure(`${when}, ${path} is ${actual === undefined ? 'absent' : JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

/** The ids of a list's resources. */
export const idsOf = (resources: Json[]): string[] => resources.map((r) => String(r.id));

/** The member ids of a group. */
export const memberIds = (group: Json): string[] => (Array.isArray(group.members) ? group.members : []).map((m) => String((m as Json).value));
