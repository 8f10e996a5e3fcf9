/**
 * The PatchOp message (RFC 7644 §3.5.2): its shape, checked before anything is applied.
 * @module
 */
import { ScimError } from '../errors.js';
import { isObject } from '../schema/resource.js';

/** The `schemas` URN of a PATCH request body. */
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** One operation as the client sent it; `op` is checked after the dialects ran (Entra ID sends `"Add"`). */
export interface PatchOperation {
  /** `add`, `remove` or `replace` (other spellings are a dialect's business). */
  op: string;
  /** The target path, when there is one. */
  path?: string;
  /** The value, for add and replace (and Entra ID's member removal). */
  value?: unknown;
}

/** A PATCH request body whose shape is valid. */
export interface PatchRequest {
  /** The operations, in order. */
  operations: PatchOperation[];
}

/** Limits for {@link parsePatchRequest}. */
export interface PatchRequestOptions {
  /** The most operations one request may hold (default 1000); beyond it, 413. */
  maxOperations?: number;
  /** Whether an empty `Operations` list is a no-op (default false: 400 invalidValue). */
  allowEmpty?: boolean;
}

/**
 * Checks a PATCH body's shape: `schemas` names the PatchOp URN, `Operations` is a list
 * of objects each with an `op` string, an optional `path` string and a `value`.
 */
export function parsePatchRequest(body: unknown, options: PatchRequestOptions = {}): PatchRequest {
  if (!isObject(body)) throw ScimError.invalidSyntax('The PATCH body must be a JSON object');
  let schemas: unknown;
  let ops: unknown;
  for (const key of Object.keys(body)) {
    const k = key.toLowerCase();
    if (k === 'schemas') schemas = body[key];
    else if (k === 'operations') ops = body[key];
  }
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw ScimError.invalidSyntax(`schemas must be ["${PATCH_OP_SCHEMA}"]`);
  }
  if (!Array.isArray(ops)) throw ScimError.invalidSyntax('Operations must be an array');
  const max = options.maxOperations ?? 1000;
  if (ops.length > max) throw ScimError.payloadTooLarge(`The request has ${ops.length} operations; the limit is ${max}`);
  if (ops.length === 0 && !options.allowEmpty) throw ScimError.invalidValue('Operations must not be empty');
  const operations = ops.map((raw, i): PatchOperation => {
    if (!isObject(raw)) throw ScimError.invalidSyntax(`Operations[${i}] must be an object`);
    let op: unknown;
    let path: unknown;
    let value: unknown;
    for (const key of Object.keys(raw)) {
      const k = key.toLowerCase();
      if (k === 'op') op = raw[key];
      else if (k === 'path') path = raw[key];
      else if (k === 'value') value = raw[key];
    }
    if (typeof op !== 'string') throw ScimError.invalidSyntax(`Operations[${i}].op must be "add", "remove" or "replace"`);
    if (path !== undefined && path !== null && typeof path !== 'string') throw ScimError.invalidPath(`Operations[${i}].path must be a string`);
    const out: PatchOperation = { op };
    if (typeof path === 'string' && path.trim() !== '') out.path = path;
    if (value !== undefined) out.value = value;
    return out;
  });
  return { operations };
}
