/**
 * TypeScript shapes of the built-in resources (RFC 7643 §4.1, §4.2, §4.3), as scimkit stores
 * and returns them: canonical attribute names, every attribute optional but those the schema
 * requires. Extensions of a host's own stay possible: each extends {@link ScimResource}.
 * @module
 */
import type { ScimResource } from '../resource.js';

/** A value of a multi-valued attribute such as `emails` (RFC 7643 §2.4). */
export interface MultiValue<T = string> {
  /** The value. */
  value?: T;
  /** A human-readable name. */
  display?: string;
  /** Its kind: `work`, `home`, `other`, … */
  type?: string;
  /** Whether it is the preferred one (at most one per attribute). */
  primary?: boolean;
}

/** A User's `name` (RFC 7643 §4.1.1). */
export interface ScimName {
  /** The full name, formatted for display. */
  formatted?: string;
  /** The family (last) name. */
  familyName?: string;
  /** The given (first) name. */
  givenName?: string;
  /** The middle name(s). */
  middleName?: string;
  /** E.g. "Ms.". */
  honorificPrefix?: string;
  /** E.g. "III". */
  honorificSuffix?: string;
}

/** A User's postal address (RFC 7643 §4.1.2). */
export interface ScimAddress {
  /** The full address, formatted for display. */
  formatted?: string;
  /** Street, house number, … */
  streetAddress?: string;
  /** City. */
  locality?: string;
  /** State or region. */
  region?: string;
  /** Postal code. */
  postalCode?: string;
  /** Country (ISO 3166-1 alpha-2). */
  country?: string;
  /** `work`, `home` or `other`. */
  type?: string;
  /** Whether it is the preferred address. */
  primary?: boolean;
}

/** A group a User belongs to (readOnly, derived from group membership). */
export interface ScimUserGroup {
  /** The group's id. */
  value?: string;
  /** The group's URI. */
  $ref?: string;
  /** The group's displayName. */
  display?: string;
  /** `direct` or `indirect`. */
  type?: string;
}

/** The Enterprise User extension (RFC 7643 §4.3), under its URN on a User. */
export interface EnterpriseUser {
  /** The employee number. */
  employeeNumber?: string;
  /** The cost center. */
  costCenter?: string;
  /** The organization. */
  organization?: string;
  /** The division. */
  division?: string;
  /** The department. */
  department?: string;
  /** The user's manager. */
  manager?: ScimManager;
}

/** A User's manager in the Enterprise extension. */
export interface ScimManager {
  /** The manager's User id. */
  value?: string;
  /** The manager's URI. */
  $ref?: string;
  /** The manager's displayName (readOnly). */
  displayName?: string;
}

/** A User (RFC 7643 §4.1), with the Enterprise extension when present. */
export interface ScimUser extends ScimResource {
  /** The unique name the IdP signs the user in with. */
  userName: string;
  /** The user's name, in parts. */
  name?: ScimName;
  /** The name to display. */
  displayName?: string;
  /** The casual name. */
  nickName?: string;
  /** A URL of the user's profile. */
  profileUrl?: string;
  /** The user's title, e.g. "Vice President". */
  title?: string;
  /** E.g. "Employee", "Contractor". */
  userType?: string;
  /** E.g. "en-US". */
  preferredLanguage?: string;
  /** E.g. "en-US". */
  locale?: string;
  /** An Olson time zone, e.g. "Europe/Paris". */
  timezone?: string;
  /** Whether the user may sign in (`false`: deactivated). */
  active?: boolean;
  /** E-mail addresses. */
  emails?: MultiValue[];
  /** Phone numbers. */
  phoneNumbers?: MultiValue[];
  /** Instant-messaging addresses. */
  ims?: MultiValue[];
  /** Photo URLs. */
  photos?: MultiValue[];
  /** Postal addresses. */
  addresses?: ScimAddress[];
  /** The groups the user is in (readOnly). */
  groups?: ScimUserGroup[];
  /** Entitlements. */
  entitlements?: MultiValue[];
  /** Roles. */
  roles?: MultiValue[];
  /** Certificates (base64). */
  x509Certificates?: MultiValue[];
  /** The Enterprise User extension. */
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'?: EnterpriseUser;
}

/** A member of a Group: a User's or a Group's id. */
export interface ScimMember {
  /** The member's id. */
  value: string;
  /** The member's URI (computed when presented). */
  $ref?: string;
  /** `User` or `Group`. */
  type?: string;
  /** The member's name, when the client sent one. */
  display?: string;
}

/** A Group (RFC 7643 §4.2). */
export interface ScimGroup extends ScimResource {
  /** The group's name (unique per tenant when the server asks: Entra ID matches by it). */
  displayName: string;
  /** The members (may be left out of large groups: `excludedAttributes=members`). */
  members?: ScimMember[];
}
