/**
 * The deprovisioning policy of a server: what an IdP's `DELETE` of a user does, and what its
 * `active: false` does (docs/deprovisioning.md).
 * @module
 */

/** What `DELETE /Users/{id}` and `active: false` do on this server. */
export interface DeprovisioningPolicy {
  /**
   * `delete` (default): the user is gone (`user.deleted`). `softDelete`: the user is kept, hidden
   * from every read, list and filter, and out of its groups (`user.deleted` with `retained: true`);
   * a later create with its userName or externalId restores it under the same id
   * (`user.created` with `restored: true`) instead of answering 409. Users only: groups are deleted.
   */
  onDelete?: 'delete' | 'softDelete';
}
