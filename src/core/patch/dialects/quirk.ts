/**
 * The shape of an IdP quirk: a named, documented normaliser run before the RFC engine.
 * @module
 */
import type { ResourceType } from '../../schema/registry.js';
import type { ScimResource } from '../../schema/resource.js';
import type { ResolvedOperation } from '../target.js';

/** The names of the quirks scimkit knows. */
export type PatchQuirkName =
  | 'opNameCase'
  | 'pathKeysInValue'
  | 'ignoreMatchingId'
  | 'memberExtras'
  | 'removeMembersByValue'
  | 'singleValueArray'
  | 'booleanStrings'
  | 'managerAsString'
  | 'createMissingTypedElement'
  | 'schemaUrnAliases'
  | 'objectForMultiValued';

/** What a quirk sees besides the operation. */
export interface QuirkContext {
  /** The resource type patched. */
  type: ResourceType;
  /** The resource as stored before the PATCH. */
  resource: ScimResource;
}

/** One client quirk. */
export interface PatchQuirk {
  /** Its name, as used in the compatibility option. */
  name: PatchQuirkName;
  /** Which clients send it. */
  client: string;
  /** What it accepts, in one sentence. */
  description: string;
  /** Rewrites one operation into zero or more; absent when the engine applies the quirk itself. */
  normalize?: (op: ResolvedOperation, ctx: QuirkContext) => ResolvedOperation[];
}
