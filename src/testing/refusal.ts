/**
 * How the contract kit expects a store to refuse: a rejected promise carrying a SCIM error,
 * recognised by its shape, not `instanceof` (a store may be built against another copy of
 * scimkit).
 * @module
 * @internal
 */
import type { ScimError } from 'scimkit';
import { expect } from 'vitest';

/** Awaits `p`, expects it to reject with a SCIM error, and returns that error; `what` names the write in the failure. */
export async function rejects(p: Promise<unknown>, what?: string): Promise<ScimError> {
  try {
    await p;
  } catch (e) {
    expect(typeof (e as ScimError).status, String(e)).toBe('number');
    expect(typeof (e as ScimError).toJSON).toBe('function');
    return e as ScimError;
  }
  throw new Error(what ? `expected the store to refuse: ${what}` : 'expected the store to refuse');
}
