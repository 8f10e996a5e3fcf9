import { type AttributeInput, defineSchema, type SchemaDefinition } from '../attribute.js';

/** The URN of the ServiceProviderConfig schema (RFC 7643 §5). */
export const SERVICE_PROVIDER_CONFIG_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
/** The URN of the ResourceType schema (RFC 7643 §6). */
export const RESOURCE_TYPE_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
/** The URN of the Schema schema (RFC 7643 §7). */
export const SCHEMA_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

const supported: AttributeInput = { name: 'supported', type: 'boolean', required: true, mutability: 'readOnly' };
const ro = { mutability: 'readOnly' } as const;

/** The ServiceProviderConfig schema (RFC 7643 §5, §8.7.2), with RFC 9865's `pagination`. */
export const ServiceProviderConfigSchema: SchemaDefinition = defineSchema(
  SERVICE_PROVIDER_CONFIG_SCHEMA_ID,
  'Service Provider Configuration',
  "Schema for representing the service provider's configuration",
  [
    { name: 'documentationUri', type: 'reference', referenceTypes: ['external'], ...ro },
    { name: 'patch', required: true, ...ro, subAttributes: [supported] },
    {
      name: 'bulk',
      required: true,
      ...ro,
      subAttributes: [
        supported,
        { name: 'maxOperations', type: 'integer', required: true, ...ro },
        { name: 'maxPayloadSize', type: 'integer', required: true, ...ro },
      ],
    },
    { name: 'filter', required: true, ...ro, subAttributes: [supported, { name: 'maxResults', type: 'integer', required: true, ...ro }] },
    { name: 'changePassword', required: true, ...ro, subAttributes: [supported] },
    { name: 'sort', required: true, ...ro, subAttributes: [supported] },
    { name: 'etag', required: true, ...ro, subAttributes: [supported] },
    {
      name: 'authenticationSchemes',
      multiValued: true,
      required: true,
      ...ro,
      subAttributes: [
        { name: 'type', required: true, canonicalValues: ['oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', 'httpdigest'], ...ro },
        { name: 'name', required: true, ...ro },
        { name: 'description', required: true, ...ro },
        { name: 'specUri', type: 'reference', referenceTypes: ['external'], ...ro },
        { name: 'documentationUri', type: 'reference', referenceTypes: ['external'], ...ro },
        { name: 'primary', type: 'boolean', ...ro },
      ],
    },
    {
      name: 'pagination',
      ...ro,
      subAttributes: [
        { name: 'cursor', type: 'boolean', ...ro },
        { name: 'index', type: 'boolean', ...ro },
        { name: 'defaultPaginationMethod', canonicalValues: ['cursor', 'index'], ...ro },
        { name: 'defaultPageSize', type: 'integer', ...ro },
        { name: 'maxPageSize', type: 'integer', ...ro },
        { name: 'cursorTimeout', type: 'integer', ...ro },
      ],
    },
  ],
);

/** The ResourceType schema (RFC 7643 §6, §8.7.2). */
export const ResourceTypeSchema: SchemaDefinition = defineSchema(
  RESOURCE_TYPE_SCHEMA_ID,
  'ResourceType',
  'Specifies the schema that describes a SCIM resource type',
  [
    { name: 'id', ...ro },
    { name: 'name', required: true, ...ro },
    { name: 'description', ...ro },
    { name: 'endpoint', type: 'reference', referenceTypes: ['uri'], required: true, ...ro },
    { name: 'schema', type: 'reference', referenceTypes: ['uri'], required: true, caseExact: true, ...ro },
    {
      name: 'schemaExtensions',
      multiValued: true,
      ...ro,
      subAttributes: [
        { name: 'schema', type: 'reference', referenceTypes: ['uri'], required: true, caseExact: true, ...ro },
        { name: 'required', type: 'boolean', required: true, ...ro },
      ],
    },
  ],
);

const attributeCharacteristics: AttributeInput[] = [
  { name: 'name', required: true, caseExact: true, ...ro },
  { name: 'type', required: true, canonicalValues: ['string', 'complex', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary'], ...ro },
  { name: 'multiValued', type: 'boolean', required: true, ...ro },
  { name: 'description', ...ro },
  { name: 'required', type: 'boolean', ...ro },
  { name: 'canonicalValues', multiValued: true, caseExact: true, ...ro },
  { name: 'caseExact', type: 'boolean', ...ro },
  { name: 'mutability', canonicalValues: ['readOnly', 'readWrite', 'immutable', 'writeOnly'], ...ro },
  { name: 'returned', canonicalValues: ['always', 'never', 'default', 'request'], ...ro },
  { name: 'uniqueness', canonicalValues: ['none', 'server', 'global'], ...ro },
  { name: 'referenceTypes', multiValued: true, ...ro },
];

/** The Schema schema (RFC 7643 §7, §8.7.2). */
export const SchemaSchema: SchemaDefinition = defineSchema(SCHEMA_SCHEMA_ID, 'Schema', 'Specifies the schema attribute', [
  { name: 'id', required: true, ...ro },
  { name: 'name', ...ro },
  { name: 'description', ...ro },
  {
    name: 'attributes',
    multiValued: true,
    required: true,
    ...ro,
    subAttributes: [...attributeCharacteristics, { name: 'subAttributes', multiValued: true, ...ro, subAttributes: [...attributeCharacteristics] }],
  },
]);
