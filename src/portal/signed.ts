/**
 * Signed tokens: a JSON payload and its HMAC-SHA256, both base64url, for setup links and
 * session cookies. Verification compares in constant time and refuses anything malformed.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature of `payload` under `key` for `purpose` (a link's signature is never a session's). */
function signature(key: string, purpose: string, payload: string): Buffer {
  return createHmac('sha256', key).update(`${purpose}\n${payload}`).digest();
}

/** `payload` as a signed token for `purpose`. */
export function sign(key: string, purpose: string, payload: object): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${signature(key, purpose, body).toString('base64url')}`;
}

/** The payload of a token signed for `purpose` under `key`, or undefined when it is not one (tampered, malformed, too long). */
export function verify(key: string, purpose: string, token: string): Record<string, unknown> | undefined {
  if (typeof token !== 'string' || token.length > 2048) return undefined;
  const dot = token.indexOf('.');
  if (dot < 1 || dot !== token.lastIndexOf('.')) return undefined;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = signature(key, purpose, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A keyed digest of `text` (CSRF tokens): base64url, 32 characters. */
export function digest(key: string, purpose: string, text: string): string {
  return signature(key, purpose, text).subarray(0, 24).toString('base64url');
}

/** Whether two strings are equal, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
