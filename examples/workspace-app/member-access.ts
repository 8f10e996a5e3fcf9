// Members' sign-in sessions and personal API tokens, and their revocation when SCIM deprovisions
// the member (user.deactivated, user.deleted): the host's half of deprovisioning (docs/deprovisioning.md).
import { createHash, randomBytes } from 'node:crypto';

/** A member's credential: which organization and SCIM user it speaks for. */
export interface MemberCredential {
  org: string;
  scimId: string;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/** Sessions and API tokens of members, kept as hashes (in memory: a real app keeps them in its database). */
export class MemberAccess {
  readonly #sessions = new Map<string, MemberCredential>();
  readonly #tokens = new Map<string, MemberCredential>();

  /** Signs a member in: a new session and a new personal API token, each shown once. */
  issue(org: string, scimId: string): { session: string; token: string } {
    const session = randomBytes(32).toString('base64url');
    const token = `wsk_${randomBytes(32).toString('base64url')}`;
    this.#sessions.set(hash(session), { org, scimId });
    this.#tokens.set(hash(token), { org, scimId });
    return { session, token };
  }

  /** Who a session or an API token speaks for, while it is not revoked. */
  resolve(kind: 'session' | 'token', secret: string): MemberCredential | undefined {
    return (kind === 'session' ? this.#sessions : this.#tokens).get(hash(secret));
  }

  /** Revokes every session and token of a member; returns how many. A reactivated member signs in again. */
  revoke(org: string, scimId: string): number {
    let n = 0;
    for (const m of [this.#sessions, this.#tokens])
      for (const [k, c] of m)
        if (c.org === org && c.scimId === scimId) {
          m.delete(k);
          n++;
        }
    return n;
  }
}
