/**
 * The context of every store call: the tenant first, then who asks and by when. Its own
 * file because the store contract and the outbox both take it.
 * @module
 */

/** Who is asking, for which tenant: the first argument of every store call and hook. */
export interface StoreContext {
  /** The tenant every read and write is scoped to. Never empty. */
  tenant: string;
  /** The host's workspace this SCIM connection provisions into, when it has one. */
  workspace?: string;
  /** The role new users get, when the host has one (applied on create only, by the host). */
  defaultRole?: string;
  /** The authenticated subject (for `/Me` and audit). */
  principal?: string;
  /** An id for logs. */
  requestId: string;
  /** Aborted when the client went away or the deadline passed: a store stops waiting and commits nothing after it. */
  signal?: AbortSignal;
  /** When the request must be answered (epoch milliseconds): a store bounds its waits by it and commits nothing after it. */
  deadline?: number;
}
