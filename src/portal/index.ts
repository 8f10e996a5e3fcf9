/**
 * `scimkit/portal`: the customer-facing half — the admin portal a SaaS app mounts for its
 * customers' IT admins: setup per IdP, settings, Test connection, status and activity, the
 * directory, credentials; setup links; a headless JSON API.
 * @packageDocumentation
 * @module scimkit/portal
 */
export type { PortalBrand } from './brand.js';
export { type Explanation, explainFailure } from './explain.js';
export { IDP_SETUPS, type IdpSetup, PORTAL_IDPS, type PortalIdp, type SetupCredential } from './idp-setup.js';
export { type LinkRedemptions, MemoryLinkRedemptions, type PortalLinkOptions } from './links.js';
export type {
  AdminPortalOptions,
  PortalChange,
  PortalField,
  PortalFieldOption,
  PortalSelectField,
  PortalTextField,
  PortalViewer,
} from './options.js';
export { type AdminPortal, adminPortal } from './portal.js';
export type { ActivityView, ConnectionView, DirectoryPage, DirectoryRow, PortalServer, ShownOnce } from './service.js';
export type { PortalSession } from './session.js';
export { PORTAL_STRINGS, type PortalStringKey, type PortalStrings } from './strings.js';
