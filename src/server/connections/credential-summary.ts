/**
 * A connection's credential as its admin sees it (`scim.connections.credentials(id)`), for a
 * settings page's list of tokens: what it is, who made it when, how it ends, its last use and
 * whether it works now; never the hash of its secret, which a page has no use for.
 * @module
 */
import type { ConnectionCredential } from '../../stores/connections.js';
import { inForce } from './credentials.js';

/**
 * A bearer token or OAuth client of a connection as its admin sees it
 * (`scim.connections.credentials`): the stored record's fields but its hash and connection id,
 * and whether it works now.
 */
export interface CredentialSummary extends Omit<ConnectionCredential, 'hash' | 'connectionId' | 'kind'> {
  /** A bearer token, or an OAuth client (the access tokens a client obtains are not listed: they are short-lived, `accessTokenMs`, and end with their client). */
  kind: 'bearer' | 'oauthClient';
  /** Whether it works at the time it was listed: neither revoked nor expired. */
  inForce: boolean;
}

/** The summary of bearer token or OAuth client `c` at `now` (epoch ms). */
export function credentialSummary(c: ConnectionCredential & { kind: CredentialSummary['kind'] }, now: number): CredentialSummary {
  return {
    id: c.id,
    kind: c.kind,
    clientId: c.clientId,
    createdAt: c.createdAt,
    createdBy: c.createdBy,
    expiresAt: c.expiresAt,
    revokedAt: c.revokedAt,
    lastUsedAt: c.lastUsedAt,
    lastUsedFrom: c.lastUsedFrom,
    inForce: inForce(c, now),
  };
}

/** The summary of a bearer token or OAuth client that a change just made or ended (an access token is never handed out as a record). */
export function summaryOf(c: ConnectionCredential, now: number): CredentialSummary {
  return credentialSummary(c as ConnectionCredential & { kind: CredentialSummary['kind'] }, now);
}
