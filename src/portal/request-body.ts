/**
 * A portal request's body: a form (urlencoded) or JSON, at most 64 KB; anything else is an
 * empty body. Read once, before the CSRF check (a form carries its token).
 * @module
 */

/** The most a portal body may be. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Thrown for a body over {@link MAX_BODY_BYTES} or JSON that does not parse to an object. */
export class BadBody extends Error {
  /** The status to answer (413 or 400). */
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
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new BadBody(413, `The body is over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
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
