/**
 * RFC 9865 cursors: opaque, signed with a server secret, bound to the query, expiring.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ScimError } from '../core/errors.js';

/** Encodes and checks cursors for one server. */
export class CursorCodec {
  readonly #secret: Buffer;
  readonly #timeout: number;

  /** A codec with `secret` (random when absent: cursors then die with the process) and a timeout in seconds. */
  constructor(secret: string | undefined, timeoutSeconds: number) {
    this.#secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    this.#timeout = timeoutSeconds;
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url').slice(0, 22);
  }

  /** A cursor for the page starting at `index` of the query identified by `queryKey`, with the store's keyset position when it has one. */
  encode(queryKey: string, index: number, after?: string): string {
    const parts: unknown[] = [index, Math.floor(Date.now() / 1000), this.#sign(queryKey)];
    if (after !== undefined) parts.push(after);
    const payload = Buffer.from(JSON.stringify(parts)).toString('base64url');
    return `${payload}.${this.#sign(payload)}`;
  }

  /** The start index (and keyset position) a cursor stands for; 400 invalidCursor when tampered with or for another query, expiredCursor when old. */
  decode(queryKey: string, cursor: string): { index: number; after?: string } {
    const [payload, mac] = cursor.split('.');
    // lengths in bytes, not characters: a cursor of non-ASCII text must be a 400, not a throw
    const given = Buffer.from(mac ?? '', 'utf8');
    const good = payload && given.length === 22 && timingSafeEqual(given, Buffer.from(this.#sign(payload)));
    if (!good) throw ScimError.invalidCursor('The cursor is not valid');
    let parts: unknown;
    try {
      parts = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw ScimError.invalidCursor('The cursor is not valid');
    }
    if (!Array.isArray(parts) || typeof parts[0] !== 'number' || typeof parts[1] !== 'number') throw ScimError.invalidCursor('The cursor is not valid');
    if (parts[2] !== this.#sign(queryKey)) throw ScimError.invalidCursor('The cursor belongs to another query');
    if (Date.now() / 1000 - parts[1] > this.#timeout) throw ScimError.expiredCursor('The cursor has expired');
    return typeof parts[3] === 'string' ? { index: parts[0], after: parts[3] } : { index: parts[0] };
  }
}
