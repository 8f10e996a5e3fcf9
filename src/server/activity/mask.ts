/**
 * Masking of bodies the activity log keeps: a password never leaves the request, and neither
 * does any attribute the host lists.
 * @module
 */

/** What a masked value is replaced with. */
export const MASKED = '[masked]';

/**
 * Attributes always masked, whatever the host lists: a user's password, and the secrets of the
 * OAuth token endpoint (RFC 6749: the access token it answers, a client secret a framework's
 * form parser made part of a body).
 */
const ALWAYS = ['password', 'access_token', 'refresh_token', 'client_secret'];

/** The masking rule of one server: attribute names (any case, optionally URN-qualified) whose values are never kept. */
export class BodyMask {
  readonly #names: ReadonlySet<string>;

  /** `names`: attributes to mask besides `password` (`phoneNumbers`, `urn:…:User:employeeNumber`). */
  constructor(names: readonly string[] = []) {
    this.#names = new Set([...ALWAYS, ...names].map((n) => n.toLowerCase()));
  }

  /** Whether an attribute (a key, with the URN of the extension it sits in) is masked. */
  masks(key: string, urn?: string): boolean {
    const k = key.trim().toLowerCase();
    if (this.#names.has(k) || (urn !== undefined && this.#names.has(`${urn.toLowerCase()}:${k}`))) return true;
    // a URN-qualified name (`urn:…:core:2.0:User:password`), as validation accepts it: its last segment
    const colon = k.startsWith('urn:') ? k.lastIndexOf(':') : -1;
    return colon > 0 && this.#names.has(k.slice(colon + 1));
  }

  /** Whether a PATCH path (`password`, `emails[type eq "work"].value`, `urn:…:employeeNumber`) names a masked attribute. */
  masksPath(path: string): boolean {
    const clean = path
      .replace(/\[[^\]]*\]/g, '')
      .trim()
      .toLowerCase();
    if (this.#names.has(clean)) return true;
    // `urn:…:User:employeeNumber` and `name.givenName`: any segment after the URN
    const colon = clean.lastIndexOf(':');
    const urn = colon < 0 ? undefined : clean.slice(0, colon);
    const first = (colon < 0 ? clean : clean.slice(colon + 1)).split('.')[0]!;
    return this.#names.has(first) || (urn !== undefined && this.#names.has(`${urn}:${first}`));
  }

  /** A copy of a JSON body with masked values replaced by {@link MASKED}, nested at most `maxDepth` levels. */
  apply(body: unknown, maxDepth = 32): unknown {
    return this.#apply(body, undefined, maxDepth);
  }

  #apply(v: unknown, urn: string | undefined, depth: number): unknown {
    if (v === null || typeof v !== 'object') return v;
    if (depth <= 0) return '[nested too deep]';
    if (Array.isArray(v)) return v.map((x) => this.#apply(x, urn, depth - 1));
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    // a PATCH operation whose path names a masked attribute: its value goes (the keys in any
    // case, as the PATCH parser reads them)
    let path: unknown;
    for (const k in o) if (k.toLowerCase() === 'path') path = o[k];
    const maskedOp = typeof path === 'string' && this.masksPath(path);
    for (const [k, x] of Object.entries(o)) {
      if (maskedOp && k.toLowerCase() === 'value') out[k] = MASKED;
      else if (this.masks(k, urn)) out[k] = MASKED;
      else out[k] = this.#apply(x, k.toLowerCase().startsWith('urn:') ? k : urn, depth - 1);
    }
    return out;
  }
}
