/**
 * A connection's lifecycle record: each change an admin makes through `scim.connections`,
 * kept in the tenant's activity log with its actor, so the customer's admin can read who did
 * what (operation `connection`; no HTTP request behind it, so no client, status 200, 0 ms).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ActivityRecord, ConnectionAction, ConnectionActivity } from '../../stores/activity-log.js';

/** The record of `action` on connection `connectionId` of `tenant` by `actor` at `at` (ISO 8601); `extra`: a resolution's user and decision. */
export function lifecycleRecord(
  tenant: string,
  actor: string,
  at: string,
  action: ConnectionAction,
  connectionId: string,
  credentialId?: string,
  extra: Partial<ConnectionActivity> = {},
): ActivityRecord {
  return {
    startedAt: at,
    requestId: randomUUID(),
    tenant,
    authenticated: true,
    client: 'unknown',
    method: 'POST',
    path: `/connections/${connectionId}/${action}`,
    operation: 'connection',
    status: 200,
    ms: 0,
    actor: actor.length > 200 ? actor.slice(0, 200) : actor,
    connection: { ...extra, action, connectionId, ...(credentialId === undefined ? {} : { credentialId }) },
  };
}
