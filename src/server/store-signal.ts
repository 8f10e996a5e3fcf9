/**
 * The abort signal a request's store calls get (`StoreContext.signal`), made only when a store
 * asks for it: most requests never do.
 * @module
 */

import type { ScimRequest } from './request.js';

/** A request's store signal and what aborts it at its deadline. */
export interface LazyAbort {
  /** The signal, made on first call. */
  signal(): AbortSignal;
  /** Aborts the signal (made or not yet): the request's deadline passed. */
  abort(): void;
}

/**
 * A request's store signal, made on first use: one AbortController (AbortSignal.timeout and
 * AbortSignal.any cost ~18 µs, on every write that looked at the signal), aborted when the
 * client's signal aborts or when `abort` is called (the deadline).
 */
export function lazyAbort(req: ScimRequest): LazyAbort {
  let controller: AbortController | undefined;
  let late = false;
  return {
    signal() {
      if (!controller) {
        controller = new AbortController();
        const c = controller;
        if (late || req.signal?.aborted) c.abort();
        else req.signal?.addEventListener('abort', () => c.abort(), { once: true });
      }
      return controller.signal;
    },
    abort() {
      late = true;
      controller?.abort();
    },
  };
}
