/**
 * A portal request's body: a form (urlencoded) or JSON, at most 64 KB; anything else is an
 * empty body. Read once, before the CSRF check (a form carries its token).
 * @module
 */

import { readLimited } from 'scimkit';

/** The most a portal body may be. */
export const MAX_BODY_BYTES = 64 * 1024;
/** How long a body may take to arrive. */
const BODY_TIMEOUT_MS = 10_000;

/** Thrown for a body over {@link MAX_BODY_BYTES}, one that did not arrive in time, or JSON that does not parse to an object. */
export class BadBody extends Error {
  /** The status to answer (413, 408 or 400). */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body's fields (a form's values, or a JSON object's members). */
export async function bodyOf(request: Request): Promise<Record<string, unknown>> {
  if (request.method === 'GET' || request.method === 'HEAD' || !request.body) return {};
  const length = Number(request.headers.get('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) throw new BadBody(413, `The body is over ${MAX_BODY_BYTES} bytes`);
  // the project's bounded reader: a body over the limit, or one that has not arrived in time, is refused
  const read = await readLimited(request.body, MAX_BODY_BYTES, undefined, Date.now() + BODY_TIMEOUT_MS);
  if (read.tooLarge) throw new BadBody(413, `The body is over ${MAX_BODY_BYTES} bytes`);
  if (read.late) throw new BadBody(408, `The body did not arrive within ${BODY_TIMEOUT_MS / 1000} s`);
  const text = Buffer.from(read.bytes).toString('utf8');
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (type === 'application/json' || type.endsWith('+json')) {
    if (text.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new BadBody(400, `The body is not JSON: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadBody(400, 'The body must be a JSON object');
    return parsed as Record<string, unknown>;
  }
  return {};
}
