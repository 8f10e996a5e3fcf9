import { defineSchema, type SchemaDefinition } from '../attribute.js';

/** The URN of the core Group schema (RFC 7643 §4.2). */
export const GROUP_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** The core Group schema, as in RFC 7643 §4.2 and §8.7.1. */
export const GroupSchema: SchemaDefinition = defineSchema(GROUP_SCHEMA_ID, 'Group', 'Group', [
  // §4.2 calls displayName REQUIRED though §8.7.1 lists required: false; the prose wins.
  { name: 'displayName', required: true, description: 'A human-readable name for the Group.' },
  {
    name: 'members',
    multiValued: true,
    description: 'A list of members of the Group.',
    subAttributes: [
      { name: 'value', caseExact: true, mutability: 'immutable', description: 'Identifier of the member of this Group.' },
      { name: '$ref', type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'immutable' },
      { name: 'type', canonicalValues: ['User', 'Group'], mutability: 'immutable' },
      { name: 'display', description: 'A human-readable name, primarily used for display purposes.' },
    ],
  },
]);
