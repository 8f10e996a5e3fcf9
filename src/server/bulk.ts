/**
 * /Bulk (RFC 7644 §3.7): an I/O-free planner that orders operations by their bulkId
 * references and finds cycles, and an executor that runs each operation on its own.
 * @module
 */
import { ScimError } from '../core/errors.js';
import { isObject, setOwn } from '../core/schema/resource.js';
import type { ScimResponse } from './request.js';

/** The BulkRequest message URN. */
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
/** The BulkResponse message URN. */
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** One operation of a Bulk request, checked. */
export interface BulkOperation {
  /** Its position in the request. */
  index: number;
  /** POST, PUT, PATCH or DELETE. */
  method: string;
  /** The client's id for a POST, referenced elsewhere as `bulkId:<id>`. */
  bulkId?: string;
  /** `If-Match` for this operation. */
  version?: string;
  /** The target, e.g. `/Users` or `/Groups/bulkId:qwerty`. */
  path: string;
  /** The body. */
  data?: unknown;
  /** The bulkIds it references. */
  refs: string[];
}

/** An operation the planner refused. */
export interface BulkFailure {
  /** The operation. */
  op: BulkOperation;
  /** Why it cannot run (409 for cycles and dangling references). */
  error: ScimError;
}

/** The plan: operations in an order where each comes after those it references; cycles and dangling references fail. */
export interface BulkPlan {
  /** Operations to run, in order. */
  order: BulkOperation[];
  /** Operations that cannot run, with their error. */
  failed: BulkFailure[];
  /** How many errors end the run (`failOnErrors`), or Infinity. */
  failOnErrors: number;
}

const REF = /bulkId:([^"\s/?#]+)/g;

function refsOf(v: unknown, out: Set<string>): void {
  if (typeof v === 'string') {
    for (const m of v.matchAll(REF)) out.add(m[1]!);
  } else if (Array.isArray(v)) for (const x of v) refsOf(x, out);
  else if (isObject(v)) for (const k of Object.keys(v)) refsOf(v[k], out);
}

/** Checks a Bulk body and orders its operations. Does no I/O. @internal */
export function planBulk(body: unknown, maxOperations: number): BulkPlan {
  if (!isObject(body)) throw ScimError.invalidSyntax('The Bulk request must be a JSON object');
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())) {
    throw ScimError.invalidSyntax(`schemas must be ["${BULK_REQUEST_SCHEMA}"]`);
  }
  const raw = body.Operations;
  if (!Array.isArray(raw)) throw ScimError.invalidSyntax('Operations must be an array');
  if (raw.length > maxOperations) throw ScimError.payloadTooLarge(`The Bulk request has ${raw.length} operations; the limit is ${maxOperations}`);
  const failOnErrors = body.failOnErrors === undefined ? Number.POSITIVE_INFINITY : Number(body.failOnErrors);
  if (!Number.isInteger(failOnErrors) && failOnErrors !== Number.POSITIVE_INFINITY) throw ScimError.invalidValue('failOnErrors must be an integer');
  const ops: BulkOperation[] = raw.map((o, index) => {
    if (!isObject(o)) throw ScimError.invalidSyntax(`Operations[${index}] must be an object`);
    const method = typeof o.method === 'string' ? o.method.toUpperCase() : '';
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) throw ScimError.invalidValue(`Operations[${index}].method must be POST, PUT, PATCH or DELETE`);
    if (typeof o.path !== 'string' || !o.path.startsWith('/')) throw ScimError.invalidValue(`Operations[${index}].path must be a path such as /Users`);
    if (method === 'POST' && (typeof o.bulkId !== 'string' || o.bulkId === '')) throw ScimError.invalidValue(`Operations[${index}]: a POST needs a bulkId`);
    if (method !== 'DELETE' && o.data === undefined) throw ScimError.invalidValue(`Operations[${index}]: ${method} needs data`);
    const refs = new Set<string>();
    refsOf(o.path, refs);
    refsOf(o.data, refs);
    const op: BulkOperation = { index, method, path: o.path, refs: [...refs] };
    if (typeof o.bulkId === 'string') op.bulkId = o.bulkId;
    if (typeof o.version === 'string') op.version = o.version;
    if (o.data !== undefined) op.data = o.data;
    return op;
  });
  const byBulkId = new Map<string, BulkOperation>();
  for (const op of ops) {
    if (op.bulkId === undefined) continue;
    if (byBulkId.has(op.bulkId)) throw ScimError.invalidValue(`bulkId ${JSON.stringify(op.bulkId.slice(0, 40))} is used twice`);
    byBulkId.set(op.bulkId, op);
  }
  // depth-first, in request order: an operation runs after the POSTs it references
  const state = new Map<BulkOperation, 'visiting' | 'done' | ScimError>();
  const order: BulkOperation[] = [];
  const failed: BulkFailure[] = [];
  const visit = (op: BulkOperation): ScimError | undefined => {
    const s = state.get(op);
    if (s === 'done') return undefined;
    if (s instanceof ScimError) return s;
    if (s === 'visiting') return ScimError.conflict(`bulkId references form a cycle through operation ${op.index}`);
    state.set(op, 'visiting');
    for (const ref of op.refs) {
      const dep = byBulkId.get(ref);
      const err =
        dep === undefined
          ? ScimError.conflict(`bulkId:${ref.slice(0, 40)} refers to no POST in this request`)
          : dep === op
            ? ScimError.conflict(`operation ${op.index} refers to its own bulkId`)
            : visit(dep);
      if (err) {
        const mine = err.status === 409 ? ScimError.conflict(err.detail) : err;
        state.set(op, mine);
        failed.push({ op, error: mine });
        return mine;
      }
    }
    state.set(op, 'done');
    order.push(op);
    return undefined;
  };
  for (const op of ops) visit(op);
  return { order, failed, failOnErrors };
}

function substitute(v: unknown, ids: Map<string, string>): unknown {
  if (typeof v === 'string') return v.replace(REF, (whole, id: string) => ids.get(id) ?? whole);
  if (Array.isArray(v)) return v.map((x) => substitute(x, ids));
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setOwn(out, k, substitute(v[k], ids));
    return out;
  }
  return v;
}

/** Runs one operation of a Bulk request (the server's router, with the request's context). */
export type BulkDispatch = (method: string, path: string, body: unknown, ifMatch: string | undefined) => Promise<ScimResponse>;

/** Runs a plan and builds the BulkResponse; `dispatch` makes each operation atomic on its own (the server runs each in a store transaction). */
export async function runBulk(plan: BulkPlan, dispatch: BulkDispatch): Promise<Record<string, unknown>> {
  const ids = new Map<string, string>();
  const results = new Map<number, Record<string, unknown>>();
  let errors = 0;
  const record = (op: BulkOperation, res: ScimResponse) => {
    const out: Record<string, unknown> = { method: op.method, status: String(res.status) };
    if (op.bulkId !== undefined) out.bulkId = op.bulkId;
    if (res.headers.location) out.location = res.headers.location;
    if (res.headers.etag) out.version = res.headers.etag;
    if (res.status >= 400) {
      out.response = res.body;
      errors++;
    }
    results.set(op.index, out);
  };
  for (const f of plan.failed) record(f.op, { status: f.error.status, headers: {}, body: f.error.toJSON() });
  for (const op of plan.order) {
    if (errors >= plan.failOnErrors) break;
    const missing = op.refs.find((r) => !ids.has(r));
    if (missing !== undefined) {
      const e = ScimError.conflict(`bulkId:${missing.slice(0, 40)} could not be resolved: its POST failed`);
      record(op, { status: e.status, headers: {}, body: e.toJSON() });
      continue;
    }
    const res = await dispatch(op.method, substitute(op.path, ids) as string, substitute(op.data, ids), op.version);
    if (op.method === 'POST' && res.status === 201 && op.bulkId !== undefined) {
      const id = (res.body as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') ids.set(op.bulkId, id);
    }
    record(op, res);
  }
  return { schemas: [BULK_RESPONSE_SCHEMA], Operations: [...results.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r) };
}
