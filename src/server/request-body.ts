/**
 * A request's body as the engine reads it: JSON of an accepted media type, within the size and
 * nesting limits, parsed once.
 * @module
 */

import { ScimError } from '../core/errors.js';
import type { ScimLimits } from './limits.js';
import { header, type ScimRequest } from './request.js';

const JSON_TYPE = /^application\/(scim\+)?json\s*(;|$)/i;

/** The nesting depth of a parsed JSON value, measured without recursion (the input may be 100,000 levels deep). */
function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

function checkDepth(body: unknown, limits: ScimLimits): unknown {
  // every layer below recurses over request data; one bound here keeps them all safe
  if (depthOver(body, limits.maxJsonDepth)) throw ScimError.invalidSyntax(`The body is nested deeper than ${limits.maxJsonDepth} levels`);
  return body;
}

/**
 * The request's parsed body, or undefined when it sent none (or only whitespace). A body an
 * adapter already parsed is checked for depth only. Throws 415 for another media type, 413 over
 * `maxBodyBytes`, 400 for JSON that does not parse or nests deeper than `maxJsonDepth`.
 */
export function readBody(req: ScimRequest, limits: ScimLimits): unknown {
  const b = req.body;
  if (b === undefined || b === null || b === '') return undefined;
  const type = header(req, 'content-type');
  if (type !== undefined && !JSON_TYPE.test(type)) throw ScimError.unsupportedMediaType('Send application/scim+json or application/json');
  if (typeof b !== 'string' && !(b instanceof Uint8Array)) return checkDepth(b, limits);
  const bytes = typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.byteLength;
  if (bytes > limits.maxBodyBytes) throw ScimError.payloadTooLarge(`The body is ${bytes} bytes; the limit is ${limits.maxBodyBytes}`);
  const text = typeof b === 'string' ? b : new TextDecoder('utf-8', { fatal: false }).decode(b);
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const where = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
    throw ScimError.invalidSyntax(`The body is not valid JSON${where ? ` (at position ${where})` : ''}`);
  }
  return checkDepth(parsed, limits);
}
