/**
 * A response body's JSON text, made once: the adapter that writes the response and the
 * activity record that counts its bytes share it.
 * @module
 */
import type { ScimResponse } from './request.js';

/** Where the text is kept on the response: a symbol, so it is never serialised or enumerated (a WeakMap measured slower under GC). */
const TEXT = Symbol('scimkit.responseText');

type WithText = ScimResponse & { [TEXT]?: string };

/** The JSON text of a response's body (`''` without one), serialised at most once per response. */
export function responseText(res: ScimResponse): string {
  if (res.body === undefined) return '';
  const r = res as WithText;
  let t = r[TEXT];
  if (t === undefined) {
    t = JSON.stringify(res.body);
    Object.defineProperty(r, TEXT, { value: t, enumerable: false, configurable: true });
  }
  return t;
}

/** The text {@link responseText} made for this response, if an adapter asked for it already. */
export function writtenText(res: ScimResponse): string | undefined {
  return res.body === undefined ? '' : (res as WithText)[TEXT];
}
