/**
 * The SCIM attribute model of RFC 7643 §2 and §7.
 * @module
 */

/** An attribute's data type (RFC 7643 §2.3). */
export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'binary' | 'complex';

/** Whether and when a client may write an attribute (RFC 7643 §7). */
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

/** When an attribute is returned in a response (RFC 7643 §7). */
export type Returned = 'always' | 'never' | 'default' | 'request';

/** How an attribute's values must be unique (RFC 7643 §7). */
export type Uniqueness = 'none' | 'server' | 'global';

/** One attribute definition, in the shape `/Schemas` serves (RFC 7643 §7). */
export interface AttributeDefinition {
  /** The attribute's name, in its canonical spelling. */
  name: string;
  /** The data type. */
  type: AttributeType;
  /** Whether the value is an array. */
  multiValued: boolean;
  /** A human description. */
  description?: string;
  /** Whether a client must send it on create and replace (never enforced for readOnly). */
  required: boolean;
  /** Whether string comparison is case-sensitive. */
  caseExact: boolean;
  /** The write rules. */
  mutability: Mutability;
  /** The read rules. */
  returned: Returned;
  /** The uniqueness rule. */
  uniqueness: Uniqueness;
  /** Suggested values; advisory unless the server enforces them. */
  canonicalValues?: string[];
  /** For `reference`: what it may point to (`User`, `Group`, `external`, `uri`). */
  referenceTypes?: string[];
  /** For `complex`: the sub-attributes. */
  subAttributes?: AttributeDefinition[];
}

/** A schema definition, in the shape `/Schemas` serves (RFC 7643 §7). */
export interface SchemaDefinition {
  /** The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`. */
  id: string;
  /** A short name. */
  name: string;
  /** A human description. */
  description?: string;
  /** The top-level attributes. */
  attributes: AttributeDefinition[];
}

/** The characteristics an attribute takes when a definition leaves them out (RFC 7643 §2.2). */
const DEFAULTS = {
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
} as const;

/** An attribute definition where every characteristic but name and type may be left out. */
export interface AttributeInput extends Partial<Omit<AttributeDefinition, 'subAttributes' | 'name'>> {
  /** The attribute's name. */
  name: string;
  /** The sub-attributes, themselves partial. */
  subAttributes?: AttributeInput[];
}

/**
 * Completes an attribute definition with the RFC 7643 §2.2 defaults
 * (`type` string, readWrite, returned default, not required, not caseExact, uniqueness none).
 * @internal
 */
export function defineAttribute(input: AttributeInput): AttributeDefinition {
  const { subAttributes, ...rest } = input;
  const type = rest.type ?? (subAttributes ? 'complex' : 'string');
  const out: AttributeDefinition = { ...DEFAULTS, ...rest, type };
  if (subAttributes) out.subAttributes = subAttributes.map(defineAttribute);
  return out;
}

/** Builds a schema definition from partial attribute definitions. @internal */
export function defineSchema(id: string, name: string, description: string, attributes: AttributeInput[]): SchemaDefinition {
  return { id, name, description, attributes: attributes.map(defineAttribute) };
}
