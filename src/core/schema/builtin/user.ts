import { type AttributeInput, defineSchema, type SchemaDefinition } from '../attribute.js';

/** The URN of the core User schema (RFC 7643 §4.1). */
export const USER_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** A multi-valued complex attribute with the RFC 7643 §2.4 sub-attributes value, display, type and primary. */
function multi(name: string, types: string[], description: string, value: Partial<AttributeInput> = {}): AttributeInput {
  return {
    name,
    multiValued: true,
    description,
    subAttributes: [{ name: 'value', ...value }, { name: 'display' }, { name: 'type', canonicalValues: types }, { name: 'primary', type: 'boolean' }],
  };
}

/** The core User schema, complete as in RFC 7643 §8.7.1. */
export const UserSchema: SchemaDefinition = defineSchema(USER_SCHEMA_ID, 'User', 'User Account', [
  {
    name: 'userName',
    required: true,
    uniqueness: 'server',
    description: 'Unique identifier for the User, typically used by the user to directly authenticate to the service provider.',
  },
  {
    name: 'name',
    description: "The components of the user's real name.",
    subAttributes: [
      { name: 'formatted' },
      { name: 'familyName' },
      { name: 'givenName' },
      { name: 'middleName' },
      { name: 'honorificPrefix' },
      { name: 'honorificSuffix' },
    ],
  },
  { name: 'displayName', description: 'The name of the User, suitable for display to end-users.' },
  { name: 'nickName', description: 'The casual way to address the user in real life.' },
  {
    name: 'profileUrl',
    type: 'reference',
    referenceTypes: ['external'],
    description: "A fully qualified URL pointing to a page representing the User's online profile.",
  },
  { name: 'title', description: 'The user\'s title, such as "Vice President".' },
  { name: 'userType', description: 'Used to identify the relationship between the organization and the user.' },
  { name: 'preferredLanguage', description: "Indicates the User's preferred written or spoken language." },
  { name: 'locale', description: "Used to indicate the User's default location for purposes of localizing items." },
  { name: 'timezone', description: "The User's time zone in the 'Olson' time zone database format." },
  { name: 'active', type: 'boolean', description: "A Boolean value indicating the User's administrative status." },
  { name: 'password', mutability: 'writeOnly', returned: 'never', description: "The User's cleartext password." },
  multi('emails', ['work', 'home', 'other'], 'Email addresses for the user.'),
  multi('phoneNumbers', ['work', 'home', 'mobile', 'fax', 'pager', 'other'], 'Phone numbers for the User.'),
  multi('ims', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'], 'Instant messaging addresses for the User.'),
  multi('photos', ['photo', 'thumbnail'], 'URLs of photos of the User.', { type: 'reference', referenceTypes: ['external'] }),
  {
    name: 'addresses',
    multiValued: true,
    description: 'A physical mailing address for this User.',
    subAttributes: [
      { name: 'formatted' },
      { name: 'streetAddress' },
      { name: 'locality' },
      { name: 'region' },
      { name: 'postalCode' },
      { name: 'country' },
      { name: 'type', canonicalValues: ['work', 'home', 'other'] },
      { name: 'primary', type: 'boolean' },
    ],
  },
  {
    name: 'groups',
    multiValued: true,
    mutability: 'readOnly',
    description: 'A list of groups to which the user belongs, either through direct membership or through nested groups.',
    subAttributes: [
      { name: 'value', mutability: 'readOnly' },
      { name: '$ref', type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'readOnly' },
      { name: 'display', mutability: 'readOnly' },
      { name: 'type', canonicalValues: ['direct', 'indirect'], mutability: 'readOnly' },
    ],
  },
  multi('entitlements', [], 'A list of entitlements for the User that represent a thing the User has.'),
  multi('roles', [], 'A list of roles for the User that collectively represent who the User is.'),
  multi('x509Certificates', [], 'A list of certificates issued to the User.', { type: 'binary' }),
]);
