/**
 * A connection's health, for a settings page: its requests over the last 24 hours from the
 * activity log (lifecycle records left out), its credentials that expire soon, whether the
 * host entitles it, and how delivery of its lifecycle events goes (from the outbox), so the
 * page can say "users are not reaching the app" while the IdP sees 201s.
 *
 * The `failing` rule: of the connection's newest requests in the last 24 hours (up to 10, at
 * least 3 of them), more than half were answered 400 or above. It is decided when health is
 * read, and written to the record then (`active` ⇄ `failing`; `pending` and `disabled` stay).
 * @module
 */
import type { ActivityLog, ActivityRecord, ScimClient } from '../../stores/activity-log.js';
import type { Connection, ConnectionCredential, ConnectionState } from '../../stores/connections.js';
import type { EventOutbox } from '../../stores/outbox.js';
import { type CredentialSummary, summaryOf } from './credential-summary.js';
import { endedAt, inForce } from './credentials.js';
import type { Entitlement } from './options.js';

/** How delivery of a connection's lifecycle events goes. */
export interface EventDeliveryHealth {
  /** Events not yet delivered and not yet failed. */
  pending: number;
  /** Events whose delivery failed at least once and will be tried again. */
  retrying: number;
  /** Events past their last attempt (dead letters; `scim.events.replay` sends them again). */
  dead: number;
  /** The newest delivery error of an undelivered event, or null. */
  lastError: string | null;
}

/** A connection's health (`scim.connections.health(id)`). */
export interface ConnectionHealth {
  /** Where it stands, by the rule of this module (written to the record when it moved between `active` and `failing`). */
  state: ConnectionState;
  /** When its newest SCIM request arrived, or null. */
  lastRequestAt: string | null;
  /** When its newest request answered below 400 arrived, or null. */
  lastSuccessAt: string | null;
  /** Its newest request answered 400 or above, or null. */
  lastFailure: {
    /** When it arrived. */
    at: string;
    /** The status it was answered. */
    status: number;
    /** The error's detail, or null. */
    detail: string | null;
  } | null;
  /** Its requests in the last 24 hours. */
  requests24h: number;
  /** Of those, the ones answered 400 or above. */
  failures24h: number;
  /** The client its newest identified request came from (`entra`, `okta`, …), else the one detected before, or null. */
  client: ScimClient | string | null;
  /** Its credentials in force that expire within 14 days, soonest first. */
  credentialsExpiringSoon: CredentialSummary[];
  /**
   * Its revoked or expired credentials presented after they ended, within the last 24 hours,
   * newest use first: an IdP still sending the old token after a rotation or revocation (each
   * use answered 401). Their `lastUsedAt` and `lastUsedFrom` say when and from where.
   */
  endedCredentialsInUse: CredentialSummary[];
  /** Whether the host entitles it now (`true`), or the message its requests are refused with. */
  entitled: Entitlement;
  /** Delivery of its lifecycle events. */
  events: EventDeliveryHealth;
}

/** The window of the request counts. */
const WINDOW_MS = 24 * 3600_000;
/** How far ahead an expiry is "soon". */
const SOON_MS = 14 * 24 * 3600_000;
/** Records read per page, and pages at most: a tenant's log is bounded by retention (10,000 by default). */
const PAGE = 1000;
const MAX_PAGES = 20;
/** The newest requests the failing rule looks at, and how many it needs. */
const RECENT = 10;
const RECENT_MIN = 3;

/** What {@link healthOf} reads. */
export interface HealthSources {
  /** The activity log (undefined: the server keeps none). */
  log: ActivityLog | undefined;
  /** The store's outbox (undefined: none, nothing is counted). */
  outbox: EventOutbox | undefined;
  /** The entitlement now. */
  entitled: Entitlement;
  /** The connection's credentials. */
  credentials: readonly ConnectionCredential[];
  /** The time, epoch ms. */
  now: number;
}

/**
 * The request figures of a tenant's log: counts and the newest request, success and failure
 * from its summary (one statement on PostgreSQL), the client and the recent requests from its
 * newest page. Lifecycle records are no requests (the summary leaves them out too).
 */
async function requestFigures(log: ActivityLog | undefined, tenant: string, now: number) {
  const out = {
    lastRequest: undefined as ActivityRecord | undefined,
    lastSuccess: undefined as ActivityRecord | undefined,
    lastFailure: undefined as ActivityRecord | undefined,
    client: undefined as ScimClient | undefined,
    requests: 0,
    failures: 0,
    recent: [] as ActivityRecord[],
  };
  if (!log) return out;
  const since = now - WINDOW_MS;
  const [summary, newest] = await Promise.all([log.summary(tenant, new Date(since)), log.list({ tenant, limit: PAGE })]);
  const requests = newest.filter((r) => r.operation !== 'connection');
  out.lastRequest = summary.lastRequest;
  out.lastSuccess = summary.lastSuccess;
  out.lastFailure = summary.lastFailure;
  out.requests = summary.total;
  out.failures = summary.errors;
  // the newest identified client among the newest page; else the connection's detected one
  out.client = requests.find((r) => r.client !== 'unknown')?.client;
  out.recent = requests.filter((r) => Date.parse(r.startedAt) >= since).slice(0, RECENT);
  return out;
}

/** Counts a tenant's undelivered events by state, reading its change log in pages. */
async function eventFigures(outbox: EventOutbox | undefined, tenant: string): Promise<EventDeliveryHealth> {
  const out: EventDeliveryHealth = { pending: 0, retrying: 0, dead: 0, lastError: null };
  if (!outbox) return out;
  let after: number | undefined;
  for (let page = 0; page < MAX_PAGES * 5; page++) {
    // the undelivered ones only: the delivered ones kept for the change log are not read
    const events = await outbox.list({ tenant, limit: PAGE, undelivered: true, ...(after === undefined ? {} : { after }) });
    for (const e of events) {
      if (e.state === 'delivered') continue;
      if (e.state === 'dead') out.dead++;
      else if (e.lastError !== undefined) out.retrying++;
      else out.pending++;
      // in sequence order: the last one seen is the newest
      if (e.lastError !== undefined) out.lastError = e.lastError;
    }
    if (events.length < PAGE) break;
    after = events[events.length - 1]!.seq;
  }
  return out;
}

/** Credentials presented after they ended, in the window, newest use first. */
function endedInUse(credentials: readonly ConnectionCredential[], now: number): ConnectionCredential[] {
  return credentials
    .filter((c) => {
      const end = endedAt(c, now);
      const used = c.lastUsedAt === null ? undefined : Date.parse(c.lastUsedAt);
      return end !== undefined && used !== undefined && used >= end && used >= now - WINDOW_MS;
    })
    .sort((a, b) => Date.parse(b.lastUsedAt!) - Date.parse(a.lastUsedAt!));
}

/**
 * The state the figures say: `failing` or `active` for a connection in use; `pending` and
 * `disabled` as they are. An ended credential presented after the last success makes it
 * `failing` too: the IdP's requests are refused before any reaches the tenant's log.
 */
export function stateBy(connection: Connection, recent: readonly ActivityRecord[], ended: readonly ConnectionCredential[] = []): ConnectionState {
  if (connection.state === 'pending' || connection.state === 'disabled') return connection.state;
  const lastSuccess = recent.find((r) => r.status < 400);
  const newestEnded = ended[0]?.lastUsedAt;
  if (newestEnded !== undefined && newestEnded !== null && (lastSuccess === undefined || Date.parse(newestEnded) > Date.parse(lastSuccess.startedAt)))
    return 'failing';
  if (recent.length < RECENT_MIN) return 'active';
  const failed = recent.filter((r) => r.status >= 400).length;
  return failed * 2 > recent.length ? 'failing' : 'active';
}

/** A connection's health from its sources. */
export async function healthOf(connection: Connection, sources: HealthSources): Promise<ConnectionHealth> {
  const [requests, events] = await Promise.all([requestFigures(sources.log, connection.tenant, sources.now), eventFigures(sources.outbox, connection.tenant)]);
  const soon = sources.now + SOON_MS;
  const expiring = sources.credentials
    .filter((c) => c.kind !== 'oauthAccess' && inForce(c, sources.now) && c.expiresAt !== null && Date.parse(c.expiresAt) <= soon)
    .sort((a, b) => Date.parse(a.expiresAt!) - Date.parse(b.expiresAt!));
  const f = requests.lastFailure;
  const ended = endedInUse(sources.credentials, sources.now);
  return {
    state: stateBy(connection, requests.recent, ended),
    lastRequestAt: requests.lastRequest?.startedAt ?? null,
    lastSuccessAt: requests.lastSuccess?.startedAt ?? null,
    lastFailure: f ? { at: f.startedAt, status: f.status, detail: f.detail ?? null } : null,
    requests24h: requests.requests,
    failures24h: requests.failures,
    client: requests.client ?? connection.detectedIdp,
    credentialsExpiringSoon: expiring.map((c) => summaryOf(c, sources.now)),
    endedCredentialsInUse: ended.map((c) => summaryOf(c, sources.now)),
    entitled: sources.entitled,
    events,
  };
}
