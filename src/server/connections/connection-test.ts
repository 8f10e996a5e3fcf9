/**
 * Test connection: what the customer's admin presses after pasting the tenant URL and secret
 * into the IdP. It sends what Entra ID sends first, `GET /Users?filter=userName eq "<random>"`,
 * through the server's own pipeline as the connection (its state, a credential in force, its
 * entitlement, the tenant's rate limits, the engine and the store), and says what the IdP would
 * get. The secret itself is never needed: only its hash is kept, so the request runs as the
 * connection's newest credential in force without presenting it.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Connection, ConnectionCredential } from '../../stores/connections.js';
import type { ScimRequest, ScimResponse } from '../request.js';
import { contextOf } from './connection-auth.js';
import { inForce } from './credentials.js';
import type { Entitlement } from './options.js';
import { asProbe } from './probe.js';

/** Why a test failed before or at its request. */
export type ConnectionTestFailure = 'disabled' | 'noCredential' | 'notEntitled' | 'refused';

/** What Test connection found. */
export interface ConnectionTestResult {
  /** Whether the IdP's first request would succeed. */
  ok: boolean;
  /** Why not, when not: the connection is switched off, has no credential in force, the host's entitlement refused it, or the request got an error. */
  failure?: ConnectionTestFailure;
  /** The request sent (method, path and query), as the IdP sends it. */
  request: string;
  /** The HTTP status it got; 0 when it was not sent (disabled, no credential, not entitled). */
  status: number;
  /** The SCIM error's `scimType`, when it failed with one. */
  scimType?: string;
  /** The SCIM error's `detail` or the reason it was not sent. */
  detail?: string;
  /** Milliseconds the request took. */
  ms: number;
  /** When it ran (ISO 8601). */
  testedAt: string;
}

/** What a test works with, made by the lifecycle API. @internal */
export interface ConnectionTestParts {
  /** Sends a request through the server (admission, router, engine, activity). */
  readonly probe: (request: ScimRequest) => Promise<ScimResponse>;
  /** The connection's entitlement (the host's hook, cached as for requests). */
  readonly entitled: (connection: Connection) => Promise<Entitlement>;
  /** The path prefix of the tenant's SCIM base (`/<tenant>` with `tenantInPath`, else empty). */
  readonly tenantPrefix: (tenant: string) => string;
  readonly now: () => number;
}

/** Runs Test connection for `connection` with `credentials` (its records) on behalf of `actor`. @internal */
export async function testConnection(
  parts: ConnectionTestParts,
  connection: Connection,
  credentials: readonly ConnectionCredential[],
  actor: string,
): Promise<ConnectionTestResult> {
  const userName = `scimkit-test-${randomBytes(6).toString('hex')}`;
  const query = `filter=${encodeURIComponent(`userName eq "${userName}"`)}`;
  const request = `GET /Users?filter=userName eq "${userName}"`;
  const t0 = performance.now();
  const result = (r: Omit<ConnectionTestResult, 'request' | 'ms' | 'testedAt'>): ConnectionTestResult => ({
    ...r,
    request,
    ms: Math.round(performance.now() - t0),
    testedAt: new Date(parts.now()).toISOString(),
  });
  if (connection.state === 'disabled')
    return result({ ok: false, failure: 'disabled', status: 0, detail: 'The connection is disabled: every request of the identity provider is refused (401)' });
  const now = parts.now();
  // the newest credential a request can present: a bearer token or an OAuth client's access tokens
  const credential = credentials.filter((c) => (c.kind === 'bearer' || c.kind === 'oauthClient') && inForce(c, now)).at(-1);
  if (!credential)
    return result({ ok: false, failure: 'noCredential', status: 0, detail: 'The connection has no secret token or OAuth client in force: issue one' });
  const entitled = await parts.entitled(connection);
  if (entitled !== true) return result({ ok: false, failure: 'notEntitled', status: 0, detail: entitled.message });
  const req: ScimRequest = {
    method: 'GET',
    path: `${parts.tenantPrefix(connection.tenant)}/Users`,
    query,
    // the admin who pressed it, in the activity record of the request (truncated there)
    headers: { 'user-agent': `scimkit-test-connection (${actor.slice(0, 100)})`, accept: 'application/scim+json' },
  };
  const res = await parts.probe(asProbe(req, contextOf(connection, credential)));
  if (res.status === 200) return result({ ok: true, status: 200 });
  const body = (res.body ?? {}) as { scimType?: unknown; detail?: unknown };
  return result({
    ok: false,
    failure: 'refused',
    status: res.status,
    ...(typeof body.scimType === 'string' ? { scimType: body.scimType } : {}),
    ...(typeof body.detail === 'string' ? { detail: body.detail } : {}),
  });
}
