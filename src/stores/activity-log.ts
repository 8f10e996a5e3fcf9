/**
 * The activity record: what one SCIM request was and what it was answered, as a support
 * engineer reads it. One per request, authenticated or not; never a token or a password.
 * @module
 */

/** The client that sent a request, from its User-Agent (and the PATCH dialect it used when that says more). */
export type ScimClient = 'entra' | 'okta' | 'google' | 'onelogin' | 'jumpcloud' | 'ping' | 'unknown';

/** What a request asked for. */
export type ActivityOperation = 'create' | 'get' | 'list' | 'search' | 'replace' | 'patch' | 'delete' | 'bulk' | 'discovery' | 'connection' | 'unknown';

/** What an admin (or the server) did to a connection: the `action` of a lifecycle record. */
export type ConnectionAction =
  | 'create'
  | 'update'
  | 'issueToken'
  | 'rotate'
  | 'revoke'
  | 'disable'
  | 'enable'
  | 'oauthClient'
  | 'delete'
  | 'resolve'
  | 'approve'
  | 'discard';

/**
 * A connection's lifecycle record (operation `connection`): no SCIM request, a change an admin
 * made through `scim.connections`, kept in the tenant's log as its audit trail.
 */
export interface ConnectionActivity {
  /** What was done. */
  action: ConnectionAction;
  /** The connection. */
  connectionId: string;
  /** The credential it concerned (issued, rotated in, revoked), when one. */
  credentialId?: string;
  /** The user a `resolve` decided for, when one. */
  userId?: string;
  /** What a `resolve` decided (`link`, `create`, `skip`), with the account of a link. */
  resolution?: {
    /** What the admin decided. */
    action: 'link' | 'create' | 'skip';
    /** The host's account, for `link`. */
    account?: string;
  };
}

/** One operation of a Bulk request, as it was answered. */
export interface BulkActivity {
  /** The operation's method. */
  method: string;
  /** Its path (`/Users`, `/Groups/…`), truncated. */
  path: string;
  /** Its `bulkId`, when it had one. */
  bulkId?: string;
  /** The status it was answered. */
  status: number;
  /** Its error's `scimType`. */
  scimType?: string;
  /** Its error's `detail`, truncated. */
  detail?: string;
}

/** One SCIM request and its answer. */
export interface ActivityRecord {
  /** When the request arrived (ISO 8601). */
  startedAt: string;
  /** The response's `X-Request-Id`: the client's, when it sent a plain one, else new. */
  requestId: string;
  /** The authenticated tenant (absent for a refused request). Never the token. */
  tenant?: string;
  /**
   * For a request refused before it was authenticated, the tenant its path named
   * (`tenantInPath`). Such records are kept apart from the tenant's own (`refused: true` in a
   * query), so anyone can make them but they never crowd out or impersonate its history.
   */
  tenantHint?: string;
  /** Whether the credentials were accepted. */
  authenticated: boolean;
  /** Set when the token was refused: missing, unknown, expired or revoked (401), or without the scope the request needs (403). */
  rejectedToken?: true;
  /** The id of the token that authenticated it (`TenantToken.tokenId`). */
  tokenId?: string;
  /** The client, from its User-Agent. */
  client: ScimClient;
  /** The User-Agent, truncated. */
  userAgent?: string;
  /** The client's address as the connection shows it. */
  remoteAddress?: string;
  /** The HTTP method. */
  method: string;
  /** The path below the SCIM base URL, without the query, truncated. */
  path: string;
  /** The operation. */
  operation: ActivityOperation;
  /** The resource type (`User`, `Group`, …) the request named. */
  resourceType?: string;
  /** The resource id: the one in the path, or the created resource's. */
  resourceId?: string;
  /** The filter of a list or search, truncated. */
  filter?: string;
  /** A PATCH request's operations in brief (`replace active; add members (2)`), truncated. */
  patch?: string;
  /** The operations of a Bulk request, as answered (the first 100). */
  bulk?: BulkActivity[];
  /** The status answered. */
  status: number;
  /** The error's `scimType`. */
  scimType?: string;
  /** The error's `detail`, truncated. */
  detail?: string;
  /** Milliseconds from arrival to answer. */
  ms: number;
  /** The request body's size in bytes (when it arrived as text or bytes). */
  requestBytes?: number;
  /** The response body's size in bytes, as the adapter wrote it (absent when `handle` was called directly and nothing wrote it). */
  responseBytes?: number;
  /** The request body, masked, when the server keeps bodies (`activity.bodies`). */
  requestBody?: unknown;
  /** The response body, masked, when the server keeps bodies. */
  responseBody?: unknown;
  /** Who made a lifecycle change (the actor string the host passed), on `connection` records. */
  actor?: string;
  /** What a lifecycle change was, on `connection` records (operation `connection`; no HTTP request behind it). */
  connection?: ConnectionActivity;
}

/** A query of a tenant's activity, newest first. */
export interface ActivityQuery {
  /** The tenant (required: activity is read per tenant). */
  tenant: string;
  /** The refused requests whose path named this tenant (`''`: that named none), instead of its own records. */
  refused?: boolean;
  /** Only records at or after this time. */
  since?: Date | string;
  /** Only records before this time (to page back: the `startedAt` of the last record read). */
  before?: Date | string;
  /** Only these statuses: a code (`401`), a class (`'4xx'`), `'error'` (≥ 400), or a list of them. */
  status?: StatusFilter | readonly StatusFilter[];
  /** Only refused credentials (401/403 from authentication). */
  rejectedTokens?: boolean;
  /** At most this many (default 100, at most 1,000). */
  limit?: number;
}

/** A status, a class of statuses, or every error. */
export type StatusFilter = number | '2xx' | '3xx' | '4xx' | '5xx' | 'error';

/** A status panel: the last request, success and failure, and counts by status over a window. */
export interface ActivitySummary {
  /** The newest request. */
  lastRequest?: ActivityRecord;
  /** The newest request answered below 400. */
  lastSuccess?: ActivityRecord;
  /** The newest request answered 400 or above. */
  lastFailure?: ActivityRecord;
  /** Requests in the window by status code. */
  byStatus: Record<string, number>;
  /** Requests in the window. */
  total: number;
  /** Requests in the window answered 400 or above. */
  errors: number;
  /** Refused credentials in the window: the tenant's own 403s for a missing scope, and the refused requests naming it. */
  rejectedTokens: number;
  /** The newest refused request naming the tenant. */
  lastRejected?: ActivityRecord;
  /** Where the window starts (ISO 8601). */
  since: string;
}

/** How long activity is kept. */
export interface ActivityRetention {
  /** Records older than this go (default 30 days). */
  maxAgeMs?: number;
  /** At most this many records per tenant (default 10,000; the memory log's default is 1,000). */
  maxPerTenant?: number;
  /** How often pruning runs in the background (default 10 minutes). */
  pruneEveryMs?: number;
  /**
   * At most this many refused requests kept per tenant they named (default 100): the
   * tenant's quota, the newest kept; refused requests naming other tenants never take from it.
   */
  maxRefusedPerTenant?: number;
  /**
   * At most this many refused requests kept, the newest, of those naming a tenant that has no
   * records of its own (default 100,000): anyone can name any number of tenants. A log in
   * memory bounds them by its count of buckets instead.
   */
  maxRefused?: number;
}

/** Where a store keeps activity: appended in batches after the responses, read per tenant. */
export interface ActivityLog {
  /**
   * At most one append per this many milliseconds while records keep coming (the first after
   * a quiet spell goes at once): a log in a database pays per statement and commit, not per
   * record. Unset: each batch is appended as soon as the one before it is in.
   */
  readonly appendEveryMs?: number;
  /** Appends records (a batch, oldest first). */
  append(records: readonly ActivityRecord[]): Promise<void>;
  /** A tenant's records, newest first. */
  list(query: ActivityQuery): Promise<ActivityRecord[]>;
  /** A tenant's status panel over the window since `since` (default: the last 24 hours). */
  summary(tenant: string, since?: Date): Promise<ActivitySummary>;
  /** Removes what retention allows; how many records went. */
  prune(retention: ActivityRetention): Promise<number>;
}

/** Records shown per query by default, and at most. */
export const ACTIVITY_PAGE = { default: 100, max: 1000 } as const;

/** Default retention of a durable activity log. */
export const DEFAULT_ACTIVITY_RETENTION: Readonly<Required<ActivityRetention>> = {
  maxAgeMs: 30 * 24 * 3600_000,
  maxPerTenant: 10_000,
  pruneEveryMs: 10 * 60_000,
  maxRefusedPerTenant: 100,
  maxRefused: 100_000,
};

/** Where refused requests are kept: apart from every tenant's own records, under the tenant they named. */
export const REFUSED_KEY_PREFIX = '\u0001refused:';

/** The key a log keeps a record under: its tenant, or for a refused request the refused bucket of the tenant it named. */
export function storageKey(r: Pick<ActivityRecord, 'tenant' | 'tenantHint'>): string {
  return r.tenant ?? `${REFUSED_KEY_PREFIX}${r.tenantHint ?? ''}`;
}

/** The key a query reads: the tenant's own records, or with `refused` the refused requests that named it. */
export function queryKey(q: Pick<ActivityQuery, 'tenant' | 'refused'>): string {
  return q.refused ? `${REFUSED_KEY_PREFIX}${q.tenant}` : q.tenant;
}

/** Whether a key is a refused bucket. */
export function isRefusedKey(key: string): boolean {
  return key.startsWith(REFUSED_KEY_PREFIX);
}

const STATUS_CLASSES = new Set(['2xx', '3xx', '4xx', '5xx', 'error']);

/**
 * Checks a query as every log must before answering it, so that all of them refuse the same
 * mistakes alike (a TypeError, the host's bug): a limit that is no number, a status that is
 * no HTTP status or class, a time that is no time.
 */
export function checkQuery(q: ActivityQuery): void {
  if (typeof q?.tenant !== 'string') throw new TypeError('activity query: tenant must be a string');
  if (q.limit !== undefined && !Number.isFinite(q.limit)) throw new TypeError(`activity query: limit ${String(q.limit)} is not a number`);
  for (const [name, t] of [
    ['since', q.since],
    ['before', q.before],
  ] as const)
    if (t !== undefined && Number.isNaN(new Date(t).getTime())) throw new TypeError(`activity query: ${name} ${JSON.stringify(String(t))} is not a time`);
  if (q.status === undefined) return;
  const list: readonly unknown[] = Array.isArray(q.status) ? q.status : [q.status];
  for (const s of list)
    if (!(typeof s === 'number' ? Number.isInteger(s) && s >= 100 && s <= 599 : typeof s === 'string' && STATUS_CLASSES.has(s)))
      throw new TypeError(`activity query: status ${JSON.stringify(s)} is no HTTP status, class (2xx…5xx) or 'error'`);
}

/** Whether a status passes a status filter. @internal */
export function statusMatches(status: number, filter: ActivityQuery['status']): boolean {
  if (filter === undefined) return true;
  const list: readonly StatusFilter[] = Array.isArray(filter) ? filter : [filter as StatusFilter];
  return list.some((f) => (typeof f === 'number' ? status === f : f === 'error' ? status >= 400 : Math.floor(status / 100) === Number(f[0])));
}

/** The time bounds of a query in epoch ms. */
export function timeBounds(query: Pick<ActivityQuery, 'since' | 'before'>): { since: number; before: number } {
  return {
    since: query.since === undefined ? Number.NEGATIVE_INFINITY : new Date(query.since).getTime(),
    before: query.before === undefined ? Number.POSITIVE_INFINITY : new Date(query.before).getTime(),
  };
}

/** The page size of a query: the default when absent, clamped to 1…1,000. */
export function pageSize(limit: number | undefined): number {
  return Math.min(ACTIVITY_PAGE.max, Math.max(1, Math.floor(limit ?? ACTIVITY_PAGE.default)));
}

/** Whether a record answers a query (its tenant aside): the rule every activity log keeps. */
export function matchesQuery(r: ActivityRecord, query: ActivityQuery, bounds = timeBounds(query)): boolean {
  const t = Date.parse(r.startedAt);
  if (t < bounds.since || t >= bounds.before) return false;
  if (query.rejectedTokens && !r.rejectedToken) return false;
  return statusMatches(r.status, query.status);
}

/**
 * The status panel of a tenant's records (any order) at or after `since`, and the newest of
 * each kind overall; `refused`, the refused requests naming it, count as rejected tokens only.
 */
export function summarise(records: Iterable<ActivityRecord>, since: Date, refused: Iterable<ActivityRecord> = []): ActivitySummary {
  const from = since.getTime();
  const out: ActivitySummary = { byStatus: {}, total: 0, errors: 0, rejectedTokens: 0, since: since.toISOString() };
  const newer = (a: ActivityRecord | undefined, b: ActivityRecord) => !a || b.startedAt > a.startedAt;
  for (const r of records) {
    // an admin's lifecycle change is in the log as its audit trail, but it is no SCIM request
    if (r.operation === 'connection') continue;
    if (newer(out.lastRequest, r)) out.lastRequest = r;
    if (r.status < 400 && newer(out.lastSuccess, r)) out.lastSuccess = r;
    if (r.status >= 400 && newer(out.lastFailure, r)) out.lastFailure = r;
    if (Date.parse(r.startedAt) < from) continue;
    out.total++;
    out.byStatus[r.status] = (out.byStatus[r.status] ?? 0) + 1;
    if (r.status >= 400) out.errors++;
    if (r.rejectedToken) out.rejectedTokens++;
  }
  for (const r of refused) {
    if (newer(out.lastRejected, r)) out.lastRejected = r;
    if (Date.parse(r.startedAt) >= from) out.rejectedTokens++;
  }
  return out;
}
