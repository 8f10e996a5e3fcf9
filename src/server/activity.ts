/**
 * From an answered request to its activity record: what the request path hands over (in O(1))
 * and how, after the response, it becomes a record.
 * @module
 */

import type { SchemaRegistry } from '../core/schema/registry.js';
import type { ActivityOperation, ActivityRecord, BulkActivity } from '../stores/activity-log.js';
import { clientOf } from './activity/client.js';
import { isoTime } from './activity/iso-time.js';
import type { BodyMask } from './activity/mask.js';
import { capitalisedOps, MAX_TEXT, patchSummary, truncate } from './activity/summary.js';
import type { BuiltActivity } from './activity/writer.js';
import type { AuthContext } from './auth.js';
import { header, queryOf, type ScimRequest, type ScimResponse } from './request.js';
import { writtenText } from './response-text.js';

/** What the request path hands to the activity writer: references only, nothing computed. */
export interface PendingActivity {
  /** Arrival, epoch ms. */
  started: number;
  /** Duration in ms. */
  ms: number;
  req: ScimRequest;
  method: string;
  /** The path segments below the tenant. */
  segs: string[] | undefined;
  tenantHint: string | undefined;
  auth: AuthContext | undefined;
  rejectedToken: boolean;
  requestId: string;
  /** The parsed body, when it was parsed. */
  body: unknown;
  response: ScimResponse;
  /** The error behind a 5xx (undefined otherwise). */
  error: unknown;
}

/** The operation, resource type and id a request named. */
export function routeOf(
  method: string,
  segs: readonly string[] | undefined,
  registry: SchemaRegistry,
): { operation: ActivityOperation; resourceType?: string; resourceId?: string } {
  const [first, second] = segs ?? [];
  if (first === undefined) return { operation: 'unknown' };
  const f = first.toLowerCase();
  if (f === 'serviceproviderconfig' || f === 'resourcetypes' || f === 'schemas') return { operation: 'discovery' };
  if (f === 'bulk') return { operation: 'bulk' };
  if (f === '.search') return { operation: 'search' };
  const type = f === 'me' ? registry.resourceType('User') : registry.byEndpoint(first);
  if (!type) return { operation: 'unknown' };
  const id = f === 'me' ? undefined : second;
  const base = { resourceType: type.name, ...(id !== undefined && id !== '.search' ? { resourceId: truncate(id, 200) } : {}) };
  if (id === '.search') return { operation: 'search', ...base };
  if (id === undefined && f !== 'me') return { operation: method === 'POST' ? 'create' : method === 'GET' ? 'list' : 'unknown', ...base };
  const byMethod: Record<string, ActivityOperation> = { GET: 'get', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' };
  return { operation: byMethod[method] ?? 'unknown', ...base };
}

/** The path of a `Location` below the base (`https://h/scim/v2/Users/1` → `/Users/1`). */
function relative(location: string, base: string): string {
  return location.startsWith(base) ? location.slice(base.length) : location;
}

function bulkActivity(body: unknown, response: ScimResponse, base: string): BulkActivity[] | undefined {
  const answered = (response.body as { Operations?: unknown } | undefined)?.Operations;
  if (!Array.isArray(answered)) return undefined;
  const sent = (body as { Operations?: unknown } | undefined)?.Operations;
  const requested = Array.isArray(sent) ? (sent as { path?: unknown; bulkId?: unknown }[]) : [];
  // the response lists the operations in request order; when some did not run (failOnErrors) it is shorter
  const aligned = requested.length === answered.length;
  return answered.slice(0, 100).map((a: Record<string, unknown>, i) => {
    const bulkId = typeof a.bulkId === 'string' ? a.bulkId : undefined;
    const req = aligned ? requested[i] : bulkId !== undefined ? requested.find((r) => r?.bulkId === bulkId) : undefined;
    const path = typeof req?.path === 'string' ? req.path : typeof a.location === 'string' ? relative(a.location, base) : '';
    const err = a.response as { scimType?: unknown; detail?: unknown } | undefined;
    const out: BulkActivity = { method: String(a.method ?? ''), path: truncate(path, 200), status: Number(a.status) };
    if (bulkId !== undefined) out.bulkId = truncate(bulkId, 100);
    if (typeof err?.scimType === 'string') out.scimType = err.scimType;
    if (typeof err?.detail === 'string') out.detail = truncate(err.detail);
    return out;
  });
}

/** The largest body a record keeps (its JSON text, masked); a larger one is replaced by its size. */
export const MAX_KEPT_BODY = 8192;

function kept(masked: unknown): unknown {
  const text = JSON.stringify(masked);
  return text.length <= MAX_KEPT_BODY ? masked : { omitted: `${Buffer.byteLength(text, 'utf8')} bytes (more than ${MAX_KEPT_BODY} kept)` };
}

function byteLength(body: unknown): number | undefined {
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (body instanceof Uint8Array) return body.byteLength;
  return undefined;
}

/** The options of the record builder. */
export interface ActivityBuildOptions {
  registry: SchemaRegistry;
  /** Keep masked bodies in the record. */
  bodies: boolean;
  mask: BodyMask;
}

/** Builds the record of an answered request (after the response: nothing here runs on the request path). */
export function buildActivity(p: PendingActivity, o: ActivityBuildOptions): BuiltActivity {
  const { req, response, method } = p;
  const route = routeOf(method, p.segs, o.registry);
  const ua = header(req, 'user-agent');
  let client = clientOf(ua);
  if (client === 'unknown' && method === 'PATCH' && capitalisedOps(p.body)) client = 'entra';
  const path = (req.path ?? '/').split('?')[0] ?? '/';
  const r: ActivityRecord = {
    startedAt: isoTime(p.started),
    requestId: p.requestId,
    authenticated: p.auth !== undefined,
    client,
    method,
    path: truncate(path),
    operation: route.operation,
    status: response.status,
    ms: Math.round(p.ms * 10) / 10,
  };
  // a refused request's tenant is only what its path claimed: kept apart (stores/activity-log.ts)
  if (p.auth) r.tenant = p.auth.tenant;
  else if (p.tenantHint !== undefined) r.tenantHint = truncate(p.tenantHint, 200);
  if (p.rejectedToken) r.rejectedToken = true;
  if (p.auth?.tokenId !== undefined) r.tokenId = truncate(p.auth.tokenId, 200);
  if (ua !== undefined) r.userAgent = truncate(ua, 200);
  if (req.remoteAddress !== undefined) r.remoteAddress = req.remoteAddress;
  if (route.resourceType !== undefined) r.resourceType = route.resourceType;
  const created = route.operation === 'create' && response.status === 201 ? (response.body as { id?: unknown } | undefined)?.id : undefined;
  if (typeof created === 'string') r.resourceId = truncate(created, 200);
  else if (route.resourceId !== undefined) r.resourceId = route.resourceId;
  if (route.operation === 'list' || route.operation === 'search') {
    const filter = route.operation === 'list' ? queryOf(req).get('filter') : (p.body as { filter?: unknown } | undefined)?.filter;
    if (typeof filter === 'string') r.filter = truncate(filter);
  }
  if (method === 'PATCH') {
    const s = patchSummary(p.body);
    if (s !== undefined) r.patch = s;
  }
  if (route.operation === 'bulk') {
    const b = bulkActivity(p.body, response, req.baseUrl ?? '');
    if (b) r.bulk = b;
  }
  if (response.status >= 400) {
    const e = response.body as { scimType?: unknown; detail?: unknown } | undefined;
    if (typeof e?.scimType === 'string') r.scimType = e.scimType;
    if (typeof e?.detail === 'string') r.detail = truncate(e.detail, MAX_TEXT);
  }
  const requestBytes = byteLength(req.body);
  if (requestBytes !== undefined) r.requestBytes = requestBytes;
  // counted from the text the adapter wrote: serialising again only to count would double the cost of a GET
  const written = writtenText(response);
  if (written !== undefined) r.responseBytes = written.length === 0 ? 0 : Buffer.byteLength(written, 'utf8');
  if (o.bodies) {
    if (p.body !== undefined) r.requestBody = kept(o.mask.apply(p.body));
    if (response.body !== undefined) r.responseBody = kept(o.mask.apply(response.body));
  }
  return p.error === undefined ? { record: r } : { record: r, error: p.error };
}
