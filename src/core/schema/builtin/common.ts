import { type AttributeDefinition, type AttributeInput, defineAttribute } from '../attribute.js';

/**
 * The attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`.
 * They belong to no schema's attribute list, yet filters, sort and PATCH paths name them.
 */
const common: AttributeInput[] = [
  {
    name: 'id',
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
    description: 'A unique identifier for a SCIM resource as defined by the service provider.',
  },
  {
    name: 'externalId',
    caseExact: true,
    description: 'A String that is an identifier for the resource as defined by the provisioning client.',
  },
  {
    name: 'meta',
    mutability: 'readOnly',
    description: 'A complex attribute containing resource metadata.',
    subAttributes: [
      { name: 'resourceType', caseExact: true, mutability: 'readOnly' },
      { name: 'created', type: 'dateTime', mutability: 'readOnly' },
      { name: 'lastModified', type: 'dateTime', mutability: 'readOnly' },
      { name: 'location', type: 'reference', referenceTypes: ['uri'], caseExact: true, mutability: 'readOnly' },
      { name: 'version', caseExact: true, mutability: 'readOnly' },
    ],
  },
];

/** The common attributes of RFC 7643 §3.1, completed with the RFC defaults. */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = common.map(defineAttribute);

/**
 * `schemas` as filters see it (RFC 7644 §3.4.2.2 filters on it): a multi-valued,
 * case-insensitive URI. It is no schema's attribute; validation and responses derive it.
 * @internal
 */
export const SCHEMAS_ATTRIBUTE: AttributeDefinition = defineAttribute({
  name: 'schemas',
  type: 'reference',
  referenceTypes: ['uri'],
  multiValued: true,
  mutability: 'readOnly',
  returned: 'always',
});
