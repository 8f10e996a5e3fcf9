/**
 * What authentication resolves a request to, and the scopes a credential may carry: shared by
 * the authenticators (auth.ts) and the token records (tokens.ts), so in a file of its own.
 * @module
 */

/** What a credential may do: `read` (GET and searches), `write` (the rest). */
export type TokenScope = 'read' | 'write';

/** What authentication resolves a request to (the store context less the request id). */
export interface AuthContext {
  /** The tenant; every store call is scoped to it. */
  tenant: string;
  /** The host's workspace this connection provisions into. */
  workspace?: string;
  /** The role the host gives new users. */
  defaultRole?: string;
  /** The authenticated subject. */
  principal?: string;
  /** What the token may do; both `read` and `write` when absent. */
  scopes?: readonly TokenScope[];
  /** The host's id for the token or connection (for logs and "last used"); never the secret or its hash. */
  tokenId?: string;
}
