/**
 * How much of a refused request body (over `maxBodyBytes`) is still read and thrown away
 * before the 413 is written.
 *
 * Most HTTP clients send the whole body before they read the answer. A server that answers
 * and closes while the client is still sending leaves unread bytes in its socket, so the
 * kernel resets the connection: the client gets EPIPE or ECONNRESET instead of the 413 (and
 * a reset may drop the 413 already on its way). Reading the rest lets the client finish and
 * read the answer; the bound keeps a refused body from costing more than a few accepted ones.
 * Past the bound, or when the declared Content-Length is already past it, the answer is
 * written at once and the connection closed: that client may see a reset.
 * @module
 */
import type { ScimLimits } from './limits.js';

/** Bytes of a body read in all (kept and discarded) and milliseconds spent discarding before giving up. */
export interface DiscardBound {
  /** Most bytes of the whole body read; past them reading stops. */
  bytes: number;
  /** Most milliseconds spent discarding (Infinity: no time bound). */
  ms: number;
}

/** The floor of the byte bound: a 5 MB PATCH an IdP sends against the default 1 MiB limit is read to its end. */
const MIN_DISCARD_BYTES = 16 * 1024 * 1024;

/**
 * The discard bound of a server's limits: 4 × `maxBodyBytes`, at least 16 MiB, read within
 * `requestTimeoutMs` (the time a request may take anyway). For an adapter of your own, as the
 * adapters of scimkit bound the bodies they refuse.
 */
export function discardBoundOf(limits: Pick<ScimLimits, 'maxBodyBytes' | 'requestTimeoutMs'>): DiscardBound {
  return { bytes: Math.max(4 * limits.maxBodyBytes, MIN_DISCARD_BYTES), ms: limits.requestTimeoutMs };
}

/**
 * Arms `onTimeUp` after `ms` (none when it is not finite), capped at setTimeout's longest
 * delay (past it setTimeout fires after 1 ms); returns the clear function. An adapter arms it
 * with {@link DiscardBound.ms} while it discards a refused body.
 */
export function discardTimer(ms: number, onTimeUp: () => void): () => void {
  if (!Number.isFinite(ms)) return () => undefined;
  const timer = setTimeout(onTimeUp, Math.min(0x7fffffff, Math.max(0, ms)));
  return () => clearTimeout(timer);
}
