/**
 * What `createScimServer({ connections })` and {@link connectionAuth} take: the host's settings
 * check, its entitlement hook, how long look-ups are cached, and the OAuth token endpoint's
 * path, lifetime and rate. Defaults decided once here.
 * @module
 */
import type { JsonObject, ScimResource } from '../../core/schema/resource.js';
import type { Connection, ConnectionMode } from '../../stores/connections.js';
import type { StoreContext } from '../../stores/store.js';
import type { RateBudget } from '../ratelimit.js';

/** Whether a connection may use SCIM now: `true`, or the message its requests are refused with (403). */
export type Entitlement =
  | true
  | {
      /** Why not: the detail of the 403 its requests get (the customer's admin reads it in the IdP). */
      message: string;
    };

/** Options of the look-up behind {@link connectionAuth}. */
export interface ConnectionAuthOptions {
  /**
   * Whether the connection's tenant may use SCIM now (plan, trial, suspension). When not, its
   * SCIM requests are answered 403 with `message` as detail (never 401: that would have the
   * admin rotate tokens) and nothing is written. Cached like the look-up (`cacheMs`).
   */
  entitled?: (connection: Connection) => Entitlement | Promise<Entitlement>;
  /**
   * How long a look-up (credential, connection, entitlement, and an unknown secret) is trusted,
   * in ms. Default 4,000: a revocation or disable made on another instance takes effect within
   * 5 s; the instance that made it drops its entry at once.
   */
  cacheMs?: number;
  /** The clock, epoch ms (tests). */
  now?: () => number;
}

/** What the host's mapping would make of a group, for the match report (`previewGroup`). */
export interface GroupPreview {
  /** The team (or workspace, channel, …) the group becomes, as the admin knows it. */
  team?: string;
  /** Whether that team exists in the app already (the report's outcome is then `link`). */
  existing?: boolean;
  /** The role grants membership would give (`editor`, `billing-admin`, …). */
  grants?: string[];
}

/**
 * The host's group mapping, asked for the match report: what `group` would become in the app.
 * It must write nothing (`dryRun` is always true).
 */
export type PreviewGroupHook = (intent: {
  ctx: StoreContext;
  group: ScimResource;
  dryRun: true;
}) => GroupPreview | undefined | Promise<GroupPreview | undefined>;

/** Options of `createScimServer({ connections })`: the connections the server keeps, authenticates and serves tokens for. */
export interface ConnectionsOptions extends ConnectionAuthOptions {
  /**
   * Checks (and may normalise) a connection's host settings on create and update; throw a
   * `ScimError` (400) to refuse them. Default: any JSON object.
   */
  settings?: (settings: JsonObject) => JsonObject;
  /**
   * Whether `accountId` is an account of `tenant` that an admin may link an IdP user to
   * (`scim.connections.resolve` with `link`, during a preview). Without it, such a resolution
   * is refused (400): the server cannot tell the tenant's accounts from another tenant's, and
   * an admin of one tenant must not reach another's account through a typed id.
   */
  account?: (ctx: { tenant: string }, accountId: string) => boolean | Promise<boolean>;
  /** The OAuth token endpoint's path below the base URL (and the tenant, with `tenantInPath`). Default `oauth/token`. */
  tokenPath?: string;
  /** How long an OAuth access token lives, in ms (default 1 hour). */
  accessTokenMs?: number;
  /** Token requests per client address (default a burst of 10, then 1 a second); `false` for none. Failures also count in the failed-auth lockout. */
  tokenRate?: RateBudget | false;
  /**
   * The mode of a connection created without one: `live` (the default) or `preview` (its first
   * sync held for an admin's approval: docs/deprovisioning.md). Needs a store whose outbox
   * holds events (MemoryStore, PostgresStore).
   */
  defaultMode?: ConnectionMode;
  /**
   * A user outside its connection's `domains`: `refuse` (the default: 400 invalidValue naming
   * the rule and the address; the report lists it from the activity log) or `review` (while the
   * connection is in preview, accepted and shown in the report as `outsideDomain` for an admin
   * to resolve; once live, refused).
   */
  outsideDomains?: 'refuse' | 'review';
  /** The host's group mapping, run as a dry run for the match report: the team and grants each group would give. */
  previewGroup?: PreviewGroupHook;
}

/** A day, the default overlap of a rotation, in ms. */
export const DAY_MS = 24 * 3600_000;

/** The look-up's staleness bound by default: under the 5 s a revocation may take on another instance. */
export const DEFAULT_CACHE_MS = 4_000;

/** The defaults of the token endpoint. */
export const TOKEN_DEFAULTS = { path: 'oauth/token', accessTokenMs: 3600_000, rate: { burst: 10, perSecond: 1 } as RateBudget } as const;

/** `cacheMs` as given, else the default; a negative or non-number one is a TypeError (the host's bug). */
export function cacheMsOf(options: ConnectionAuthOptions): number {
  const ms = options.cacheMs ?? DEFAULT_CACHE_MS;
  if (typeof ms !== 'number' || !(ms >= 0)) throw new TypeError(`connections: cacheMs must be a number of ms ≥ 0, not ${String(ms)}`);
  return ms;
}

/**
 * The token endpoint's options, checked when the server is made: a lifetime that is not a
 * positive number of ms, or a path that is not a plain path, is the host's bug (a TypeError
 * now, not a 500 at the first token request).
 */
export function checkConnectionsOptions(options: ConnectionsOptions): void {
  cacheMsOf(options);
  if (options.defaultMode !== undefined && options.defaultMode !== 'live' && options.defaultMode !== 'preview')
    throw new TypeError(`connections: defaultMode must be 'live' or 'preview', not ${JSON.stringify(options.defaultMode)}`);
  if (options.outsideDomains !== undefined && options.outsideDomains !== 'refuse' && options.outsideDomains !== 'review')
    throw new TypeError(`connections: outsideDomains must be 'refuse' or 'review', not ${JSON.stringify(options.outsideDomains)}`);
  const ms = options.accessTokenMs;
  if (ms !== undefined && (typeof ms !== 'number' || !Number.isFinite(ms) || !(ms > 0)))
    throw new TypeError(`connections: accessTokenMs must be a number of ms > 0, not ${String(ms)}`);
  const path = options.tokenPath;
  if (path !== undefined && (typeof path !== 'string' || !/^\/?[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$/.test(path)))
    throw new TypeError(`connections: tokenPath must be a path such as "oauth/token", not ${JSON.stringify(path)}`);
}
