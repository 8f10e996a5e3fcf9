/**
 * A response body's JSON text, made once: the adapter that writes the response and the
 * activity record that counts its bytes share it.
 * @module
 */
import type { ScimResponse } from './request.js';

const texts = new WeakMap<ScimResponse, string>();

/** The JSON text of a response's body (`''` without one), serialised at most once per response. */
export function responseText(res: ScimResponse): string {
  if (res.body === undefined) return '';
  let t = texts.get(res);
  if (t === undefined) {
    t = JSON.stringify(res.body);
    texts.set(res, t);
  }
  return t;
}
