import { defineSchema, type SchemaDefinition } from '../attribute.js';

/** The URN of the Enterprise User extension (RFC 7643 §4.3). */
export const ENTERPRISE_USER_SCHEMA_ID = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The Enterprise User extension, complete as in RFC 7643 §8.7.1. */
export const EnterpriseUserSchema: SchemaDefinition = defineSchema(ENTERPRISE_USER_SCHEMA_ID, 'EnterpriseUser', 'Enterprise User', [
  { name: 'employeeNumber', description: 'Numeric or alphanumeric identifier assigned to a person.' },
  { name: 'costCenter', description: 'Identifies the name of a cost center.' },
  { name: 'organization', description: 'Identifies the name of an organization.' },
  { name: 'division', description: 'Identifies the name of a division.' },
  { name: 'department', description: 'Identifies the name of a department.' },
  {
    name: 'manager',
    description: "The User's manager.",
    subAttributes: [
      { name: 'value', caseExact: true, description: "The id of the SCIM resource representing the User's manager." },
      { name: '$ref', type: 'reference', referenceTypes: ['User'], description: "The URI of the SCIM resource representing the User's manager." },
      { name: 'displayName', mutability: 'readOnly', description: "The displayName of the User's manager." },
    ],
  },
]);
