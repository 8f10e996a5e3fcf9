/**
 * Compatibility profiles: which quirks run, chosen per server.
 * @module
 */

import { type ResolvedOperation, targetOf } from '../target.js';
import { memberExtras, objectForMultiValued, schemaUrnAliases, singleValueArray } from './common.js';
import { booleanStrings, createMissingTypedElement, managerAsString, opNameCase, pathKeysInValue, removeMembersByValue } from './entra.js';
import { ignoreMatchingId } from './okta.js';
import type { PatchQuirk, PatchQuirkName, QuirkContext } from './quirk.js';

/** Every quirk, in the order they run. */
export const PATCH_QUIRKS: readonly PatchQuirk[] = [
  opNameCase,
  pathKeysInValue,
  ignoreMatchingId,
  memberExtras,
  removeMembersByValue,
  singleValueArray,
  objectForMultiValued,
  booleanStrings,
  managerAsString,
  createMissingTypedElement,
  schemaUrnAliases,
];

/**
 * How tolerant PATCH and resource bodies are: `strict` (RFC 7643/7644 only), `lenient` (every
 * quirk; the default), `entra`, `okta`, `onelogin` or `jumpcloud` (that client's quirks), or an explicit list.
 */
export type PatchCompatibility = 'strict' | 'lenient' | 'entra' | 'okta' | 'onelogin' | 'jumpcloud' | QuirkList;

/** An explicit choice of quirks. */
export interface QuirkList {
  /** The quirks to run. */
  quirks: readonly PatchQuirkName[];
}

/** The quirk names a compatibility setting turns on. */
export function quirksOf(c: PatchCompatibility = 'lenient'): ReadonlySet<PatchQuirkName> {
  return typeof c === 'object' ? new Set(c.quirks) : PROFILES[c];
}

const byClient = (client: string) => new Set(PATCH_QUIRKS.filter((q) => q.client.includes(client)).map((q) => q.name));
const PROFILES: Record<Exclude<PatchCompatibility, QuirkList>, ReadonlySet<PatchQuirkName>> = {
  strict: new Set(),
  lenient: new Set(PATCH_QUIRKS.map((q) => q.name)),
  entra: byClient('Entra'),
  okta: byClient('Okta'),
  onelogin: byClient('OneLogin'),
  jumpcloud: byClient('JumpCloud'),
};

/** Runs the enabled quirks over the operations, in order. */
export function normalizeOperations(ops: ResolvedOperation[], quirks: ReadonlySet<PatchQuirkName>, ctx: QuirkContext): ResolvedOperation[] {
  let out = ops;
  for (const q of PATCH_QUIRKS) {
    if (!q.normalize || !quirks.has(q.name)) continue;
    // a plain loop: Array.prototype.flatMap measured ~30 µs per request here
    const next: ResolvedOperation[] = [];
    for (const op of out) {
      targetOf(ctx.type, op);
      for (const o of q.normalize(op, ctx)) next.push(o);
    }
    out = next;
  }
  return out;
}

export type { PatchQuirk, PatchQuirkName, QuirkContext } from './quirk.js';
