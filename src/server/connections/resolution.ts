/**
 * An admin's decision for one user of a sync in preview (`scim.connections.resolve`): link it to
 * an account of the app, create a new account whatever matched, or leave it out. Kept in the
 * connection's record (`resolutions`, by user id) until approval applies it, and recorded in the
 * tenant's activity log with its actor.
 * @module
 */
import { ScimError } from '../../core/errors.js';
import type { UserResolution } from '../../stores/connections.js';
import { text } from './lifecycle-input.js';

/** What `scim.connections.resolve` takes: the decision and who makes it. */
export interface ResolveInput {
  /** `link` the user to `account`; `create` a new account for it; `skip` it (not provisioned; the IdP's next change of it is linked live). */
  action: 'link' | 'create' | 'skip';
  /** The host's account, for `link` (required then, refused otherwise). */
  account?: string;
  /** Who decides. */
  actor: string;
}

/** The resolution `input` makes at `at` (ISO 8601); 400 for an unknown action, a link without an account or another action with one. */
export function resolutionOf(input: ResolveInput, at: string): UserResolution {
  const actor = text(input?.actor, 'actor');
  const action = input.action;
  if (action !== 'link' && action !== 'create' && action !== 'skip') throw ScimError.invalidValue('action must be "link", "create" or "skip"');
  if (action !== 'link') {
    if (input.account !== undefined) throw ScimError.invalidValue(`account is only for "link", not "${action}"`);
    return { action, actor, at };
  }
  return { action, account: text(input.account, 'account'), actor, at };
}
