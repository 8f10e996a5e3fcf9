/**
 * How connection records and credentials are made: server-made ids, secrets (shown once,
 * stored only as their SHA-256), OAuth client ids, and which credentials are in force.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ConnectionCredential, CredentialKind } from '../../stores/connections.js';
import { generateToken, hashToken } from '../tokens.js';

/** A new opaque id with a prefix that says what it names (`conn_…`, `cred_…`). */
export function newId(prefix: 'conn' | 'cred' | 'client'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** A new credential of `kind` for a connection, with its secret (returned once; the record keeps its hash). */
export function newCredential(
  kind: CredentialKind,
  connectionId: string,
  actor: string,
  at: string,
  extra: { expiresAt?: string | null; clientId?: string | null } = {},
): { secret: string; credential: ConnectionCredential } {
  const secret = generateToken();
  return {
    secret,
    credential: {
      id: newId('cred'),
      connectionId,
      kind,
      hash: hashToken(secret),
      clientId: extra.clientId ?? null,
      createdAt: at,
      createdBy: actor,
      expiresAt: extra.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
      lastUsedFrom: null,
    },
  };
}

/** Whether a credential works at `now` (epoch ms): not revoked, not expired. */
export function inForce(c: ConnectionCredential, now: number): boolean {
  return c.revokedAt === null && (c.expiresAt === null || now < Date.parse(c.expiresAt));
}

/** When a credential ended (revoked, or its expiry passed by `now`), epoch ms; undefined while it is in force. */
export function endedAt(c: ConnectionCredential, now: number): number | undefined {
  if (c.revokedAt !== null) return Date.parse(c.revokedAt);
  if (c.expiresAt !== null && Date.parse(c.expiresAt) <= now) return Date.parse(c.expiresAt);
  return undefined;
}
