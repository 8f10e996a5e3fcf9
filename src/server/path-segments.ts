/**
 * A request path as the router reads it: its segments, percent-decoded.
 * @module
 */

import { ScimError } from '../core/errors.js';

/** The decoded segments of `path` (its query cut off, empty segments dropped); a malformed escape is a 404. */
export function decodeSegments(path: string): string[] {
  const q = path.indexOf('?');
  const clean = q < 0 ? path : path.slice(0, q);
  const segs: string[] = [];
  // one pass, and decodeURIComponent only for a segment with an escape: every request goes through here
  for (const s of clean.split('/')) {
    if (s === '') continue;
    if (!s.includes('%')) segs.push(s);
    else
      try {
        segs.push(decodeURIComponent(s));
      } catch {
        throw ScimError.notFound('Malformed path');
      }
  }
  return segs;
}
