/**
 * Telling a promise from a value, for the host's functions that may answer either way: a
 * value is used at once, since an `await` of it would cost the request a turn of the
 * microtask queue.
 * @module
 */

/** Whether a host's function answered with a promise (or any thenable) rather than a value. */
export function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as PromiseLike<T> | undefined)?.then === 'function';
}
