/**
 * What {@link adminPortal} takes, and the check that refuses a bad option when the portal is
 * made (a TypeError then, not a broken page later).
 * @module
 */
import type { Connection, JsonObject } from 'scimkit';
import { checkBrand, LOCAL_OR_HTTPS, type PortalBrand } from './brand.js';
import type { IdpSetup, PortalIdp } from './idp-setup.js';
import type { LinkRedemptions } from './links.js';
import { parseSetupText } from './setup-text.js';
import type { PortalStrings } from './strings.js';

/** Who is using the portal: the tenant whose connection they manage, and the actor their changes are recorded under. */
export interface PortalViewer {
  /** The tenant (the host's organization id). */
  tenant: string;
  /** Who it is (an e-mail): kept with every change in the connection's audit trail. */
  actor: string;
}

/** One choice of a select field. */
export interface PortalFieldOption {
  /** The value saved in the connection's settings. */
  value: string;
  /** What the admin sees. */
  label: string;
}

/** A host field: a setting of the host's kept on the connection (`settings[name]`). */
export type PortalField = PortalSelectField | PortalTextField;

/** What every host field has. */
interface PortalFieldBase {
  /** The settings key (`workspace`, `defaultRole`, …; `workspace` and `defaultRole` reach every request's context). */
  name: string;
  /** The label. */
  label: string;
  /** A line of help under it. */
  help?: string;
  /** Whether a value must be given (default true for a select, false for text). */
  required?: boolean;
}

/** A choice among options: static, or loaded for the tenant when the page is shown. */
export interface PortalSelectField extends PortalFieldBase {
  /** A select. */
  type: 'select';
  /** The choices, or a function that loads them for the tenant. */
  options: readonly PortalFieldOption[] | ((viewer: PortalViewer) => readonly PortalFieldOption[] | Promise<readonly PortalFieldOption[]>);
}

/** Free text (trimmed), e.g. the name of the IdP group that grants admin. */
export interface PortalTextField extends PortalFieldBase {
  /** A text input. */
  type: 'text';
  /** The longest value (default 200). */
  maxLength?: number;
}

/** What changed through the portal: the host hears of each change after it was saved. */
export interface PortalChange {
  /** What was done. */
  kind: 'created' | 'settings' | 'rotated' | 'revoked' | 'oauthClient' | 'disabled' | 'enabled' | 'deleted';
  /** Who did it. */
  viewer: PortalViewer;
  /** The connection as it is now (as it was, for `deleted`). */
  connection: Connection;
  /** The credential made (`created`, `rotated`, `oauthClient`) or revoked (`revoked`). */
  credentialId?: string;
  /** A rotation's overlap, in hours. */
  overlapHours?: number;
}

/** Options of {@link adminPortal}. */
export interface AdminPortalOptions {
  /** The path the portal is mounted at, e.g. `/scim-admin` (no trailing slash). */
  basePath: string;
  /**
   * The SCIM base URL an IdP is given for a tenant: a string with `{tenant}` where the tenant
   * goes (`https://app.example.com/scim/v2/{tenant}`), or a function.
   */
  scimUrl: string | ((tenant: string) => string);
  /**
   * The host's own sign-in: the viewer a request is from, or null when it is not signed in
   * (or may not manage SCIM). Optional when only setup links are used.
   */
  authorize?: (request: Request) => PortalViewer | null | Promise<PortalViewer | null>;
  /** The host's settings of a connection, shown on Setup and Settings (validated, saved on the connection). */
  fields?: readonly PortalField[];
  /** Colours, font, radius, logo and name, so that it looks like the host's app. */
  brand?: PortalBrand;
  /** Translations or the host's own words for any string of {@link PORTAL_STRINGS}. */
  strings?: Partial<PortalStrings>;
  /** The absolute origin links are made with (`https://app.example.com`): `link()` returns an absolute URL then, else a path. */
  baseUrl?: string;
  /**
   * The key setup links and sessions are signed with (at least 32 characters). Give the same
   * one to every instance behind a load balancer; default: a random key of this process (its
   * links and sessions end when it restarts).
   */
  secret?: string;
  /** How long a session lasts after a link was opened (default 1 hour). */
  sessionMs?: number;
  /**
   * Where a setup link is marked used, so that it opens once. Default: this process's memory;
   * with several instances, give one backed by your database (an insert that fails when the id exists).
   */
  linkRedemptions?: LinkRedemptions;
  /** Origins that may embed the portal in an iframe (`frame-ancestors`); default none. */
  frameAncestors?: readonly string[];
  /** Told of each change after it was saved (the host applies new settings, say). */
  onChange?: (change: PortalChange) => void | Promise<void>;
  /**
   * The e-mail and userName domains the tenant verified in your app: a connection the portal
   * creates allows only these (a user outside them is refused with a 400 naming the rule), and
   * Settings shows them read-only. Default: none, any domain.
   */
  domains?: (viewer: PortalViewer) => readonly string[] | Promise<readonly string[]>;
  /** The connection's display name when the portal creates it (default: the tenant). */
  connectionName?: (viewer: PortalViewer) => string | Promise<string>;
  /** Portal actions (form posts and API writes) per viewer per minute (default 60). */
  actionsPerMinute?: number;
  /**
   * Behind a reverse proxy that terminates TLS: take the scheme and host from
   * `X-Forwarded-Proto` and `X-Forwarded-Host` in `portal.node` (the session cookie is then
   * `Secure` when the proxy was reached over HTTPS). Default false.
   */
  trustProxy?: boolean;
  /**
   * Where a page asked for without a session sends the browser (the host's sign-in), with
   * `next` (the page's path and query) added; a path on the host or an https URL. Without it,
   * such a page is a 401. The JSON API is a 401 either way.
   */
  signInUrl?: string;
  /** How long the secret tokens the portal issues work (ms; default: until rotated or revoked). */
  tokenLifetimeMs?: number;
  /** The IdP setups in force: your translations or wording over the built-in ones (idp-setup.ts). */
  idps?: Partial<Record<PortalIdp, IdpSetup>>;
}

/** The settings a connection is saved with from a form's values: each field checked; the message of the first refusal. */
export type FieldValues = { ok: true; settings: JsonObject } | { ok: false; message: string };

/** Checks `options` when the portal is made. @internal */
export function checkPortalOptions(options: AdminPortalOptions): void {
  if (!options || typeof options !== 'object') throw new TypeError('adminPortal: options are required');
  const base = options.basePath;
  if (typeof base !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(base) || base.endsWith('/') || base.includes('//'))
    throw new TypeError('adminPortal: basePath must be a path like /scim-admin (no trailing slash)');
  if (typeof options.scimUrl === 'string' ? !/^https?:\/\//.test(options.scimUrl) : typeof options.scimUrl !== 'function')
    throw new TypeError('adminPortal: scimUrl must be an http(s) URL with {tenant}, or a function of the tenant');
  if (options.secret !== undefined && (typeof options.secret !== 'string' || options.secret.length < 32))
    throw new TypeError('adminPortal: secret must be a string of at least 32 characters');
  if (options.baseUrl !== undefined && !/^https?:\/\/[^/]+$/.test(options.baseUrl))
    throw new TypeError('adminPortal: baseUrl must be an origin like https://app.example.com');
  if (options.sessionMs !== undefined && !(Number.isFinite(options.sessionMs) && options.sessionMs >= 60_000 && options.sessionMs <= 24 * 3600_000))
    throw new TypeError('adminPortal: sessionMs must be between one minute and 24 hours');
  if (options.signInUrl !== undefined && (typeof options.signInUrl !== 'string' || !LOCAL_OR_HTTPS.test(options.signInUrl)))
    throw new TypeError('adminPortal: signInUrl must be a path on the host or an https URL');
  if (options.tokenLifetimeMs !== undefined && !(Number.isFinite(options.tokenLifetimeMs) && options.tokenLifetimeMs >= 3600_000))
    throw new TypeError('adminPortal: tokenLifetimeMs must be at least an hour');
  if (options.actionsPerMinute !== undefined && !(Number.isInteger(options.actionsPerMinute) && options.actionsPerMinute > 0))
    throw new TypeError('adminPortal: actionsPerMinute must be a positive integer');
  for (const o of options.frameAncestors ?? [])
    if (typeof o !== 'string' || !/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(o))
      throw new TypeError(`adminPortal: frameAncestors: ${JSON.stringify(o)} is not an origin`);
  const names = new Set<string>();
  for (const f of options.fields ?? []) {
    if (!f || typeof f.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(f.name))
      throw new TypeError(`adminPortal: field name ${JSON.stringify(f?.name)} must be an identifier`);
    if (names.has(f.name)) throw new TypeError(`adminPortal: field ${f.name} is declared twice`);
    names.add(f.name);
    if (f.type !== 'select' && f.type !== 'text') throw new TypeError(`adminPortal: field ${(f as PortalField).name}: type must be select or text`);
    if (typeof f.label !== 'string' || f.label === '') throw new TypeError(`adminPortal: field ${f.name} needs a label`);
  }
  if (options.domains !== undefined && typeof options.domains !== 'function') throw new TypeError('adminPortal: domains must be a function of the viewer');
  if (options.brand) checkBrand(options.brand);
  // the setup text of the host's own IdP steps parses now, not when a page shows it
  for (const [id, setup] of Object.entries(options.idps ?? {})) {
    if (!setup || !Array.isArray(setup.steps)) throw new TypeError(`adminPortal: idps.${id} must be an IdpSetup`);
    try {
      for (const t of [
        ...setup.steps.map((x) => x.text),
        ...setup.mappings.flatMap((m) => [m.source, m.note ?? '']),
        ...setup.troubleshooting.flatMap((x) => [x.symptom, x.fix]),
      ])
        parseSetupText(t);
    } catch (e) {
      throw new TypeError(`adminPortal: idps.${id}: ${(e as Error).message}`);
    }
  }
}
