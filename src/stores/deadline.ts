/**
 * When a write is too late: the one rule both stores keep (docs/stores.md). A request past
 * its deadline, or whose client went away, has been (or will be) answered 503: nothing of it
 * may commit.
 * @module
 */
import { ScimError } from '../core/errors.js';
import type { StoreContext } from './store.js';

/** Whether the request's deadline passed or its signal aborted (its client went away). */
export function pastDeadline(ctx: StoreContext | undefined): boolean {
  return ctx !== undefined && ((ctx.deadline !== undefined && Date.now() >= ctx.deadline) || ctx.signal?.aborted === true);
}

/** Throws the 503 a write past its deadline answers, before it changes anything. */
export function refuseLate(ctx: StoreContext | undefined): void {
  if (pastDeadline(ctx)) throw ScimError.unavailable('The request ran out of time; nothing was changed', 1);
}
