/**
 * The changes of a connection's credentials (issue, rotate, revoke, for bearer tokens and OAuth
 * clients), made so that the "at most two in force" rule holds however many run at once, on this
 * instance or on others over the same store. The lifecycle API (lifecycle.ts) checks the input
 * and records each change in the activity log; this module makes the change itself.
 * @module
 */
import { ScimError } from '../../core/errors.js';
import type { Connection, ConnectionCredential, ConnectionStore, CredentialKind } from '../../stores/connections.js';
import type { ConnectionAuthenticator } from './connection-auth.js';
import { inForce, newCredential, newId } from './credentials.js';

/** Tries of a change that lost its version to a concurrent change (the lifecycle API's own edits use it too). */
export const TRIES = 5;

/** What credential changes work with: the lifecycle API's store, authenticator and clock, and its reader of connections. */
export interface CredentialChangeParts {
  readonly store: ConnectionStore;
  /** The server's authenticator when it is a connection one: its cache drops what changed at once. */
  readonly authenticator: ConnectionAuthenticator | undefined;
  readonly now: () => number;
  /** The connection `id`, or a 404 ScimError. */
  readonly get: (id: string) => Promise<Connection>;
}

/** A credential just made: its secret (nowhere else: the record keeps its hash), its record, and the connection after the change. */
export interface MadeCredential {
  readonly secret: string;
  readonly credential: ConnectionCredential;
  readonly connection: Connection;
}

/** Whether `e` says that a write lost its version to a concurrent change (412). */
export function lostVersion(e: unknown): boolean {
  return (e as { status?: unknown })?.status === 412;
}

/** The credential changes of the connections of one server instance. */
export class CredentialChanges {
  readonly #parts: CredentialChangeParts;
  /** The credential changes of each connection under way on this instance: each waits for the one before (removed when the last ends). */
  readonly #queues = new Map<string, Promise<void>>();

  /** Changes over `parts`. */
  constructor(parts: CredentialChangeParts) {
    this.#parts = parts;
  }

  /** Issues a bearer token to connection `id` by `actor`, ending at `expiresAt` (null: never); 409 when two are in force already. */
  issueBearer(id: string, actor: string, expiresAt: string | null): Promise<MadeCredential> {
    return this.#change(id, actor, async (c) => {
      const t = this.#parts.now();
      const live = (await this.#parts.store.listCredentials(id)).filter((x) => x.kind === 'bearer' && inForce(x, t));
      if (live.length >= 2) throw ScimError.conflict('Two bearer tokens are in force: rotate, or revoke one, first');
      return this.#add(c, 'bearer', actor, { expiresAt });
    });
  }

  /**
   * Replaces the credentials of `kind` in force by a new one ending at `expiresAt` (null: never):
   * the newest one before ends after `overlapMs`, any other now.
   */
  rotate(id: string, kind: 'bearer' | 'oauthClient', actor: string, overlapMs: number, expiresAt: string | null): Promise<MadeCredential> {
    return this.#change(id, actor, async (c) => {
      const t = this.#parts.now();
      const live = (await this.#parts.store.listCredentials(id)).filter((x) => x.kind === kind && inForce(x, t));
      // a new client id at every try: the one of a try that lost stays with its revoked client
      const made = await this.#add(c, kind, actor, { expiresAt, ...(kind === 'oauthClient' ? { clientId: newId('client') } : {}) });
      try {
        const newest = live[live.length - 1];
        if (newest) await this.#end([newest], this.#iso(t + overlapMs), 'expiresAt');
        await this.#end(live.slice(0, -1), this.#iso(t), 'expiresAt');
      } catch (e) {
        await this.#end([made.credential], this.#iso(), 'revokedAt').catch(() => undefined);
        throw e;
      }
      return made;
    });
  }

  /** Revokes credential `credentialId` of connection `id` now (an OAuth client with the access tokens it obtained); 404 when it has none of that id. */
  async revoke(id: string, credentialId: string): Promise<ConnectionCredential> {
    const { store, now } = this.#parts;
    const cred = typeof credentialId === 'string' ? await store.findCredential({ id: credentialId }) : undefined;
    if (!cred || cred.connectionId !== id) throw ScimError.notFound(`Credential ${JSON.stringify(String(credentialId).slice(0, 100))} not found`);
    const at = this.#iso();
    if (cred.revokedAt === null) await this.#end([cred], at, 'revokedAt');
    if (cred.kind === 'oauthClient') {
      const t = now();
      const issued = (await store.listCredentials(id)).filter((x) => x.kind === 'oauthAccess' && x.clientId === cred.clientId && inForce(x, t));
      await this.#end(issued, at, 'revokedAt');
    }
    return (await store.findCredential({ id: cred.id })) ?? cred;
  }

  #iso(ms = this.#parts.now()): string {
    return new Date(ms).toISOString();
  }

  /** Makes a credential of `kind` for connection `c` and stores it. */
  async #add(c: Connection, kind: CredentialKind, actor: string, extra: { expiresAt?: string | null; clientId?: string | null }) {
    const made = newCredential(kind, c.id, actor, this.#iso(), extra);
    const credential = await this.#parts.store.addCredential(made.credential);
    // a secret someone presented before it existed is remembered as unknown: not any more
    this.#parts.authenticator?.lookups.forget({ hash: credential.hash });
    return { secret: made.secret, credential };
  }

  /** Ends credentials now or at `until` (an earlier expiry stays), and drops them from this instance's cache. */
  async #end(credentials: readonly ConnectionCredential[], until: string, how: 'expiresAt' | 'revokedAt'): Promise<void> {
    for (const c of credentials) {
      const at = how === 'expiresAt' && c.expiresAt !== null && c.expiresAt < until ? c.expiresAt : until;
      await this.#parts.store.updateCredential(c.id, { [how]: at });
      this.#parts.authenticator?.lookups.forget({ hash: c.hash });
    }
  }

  /** Runs `work` after the credential changes of connection `id` this instance started before it. */
  #serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    const result = (this.#queues.get(id) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(id, tail);
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id);
    });
    return result;
  }

  /**
   * A change of a connection's credentials that must see every other one (the "at most two
   * in force" rule): `work` reads the credentials of `c`, adds one and ends others; then the
   * connection's version is bumped with a compare-and-swap. One instance runs these one at a
   * time per connection; between instances, the one whose swap loses (another change won in
   * between) revokes the credential it made and runs again on what the winner left, so the
   * rule holds whatever runs at once. A failure after the credential was made revokes it too:
   * nobody holds its secret, and it must not count as one in force.
   */
  #change(id: string, actor: string, work: (c: Connection) => Promise<{ secret: string; credential: ConnectionCredential }>): Promise<MadeCredential> {
    const { store, authenticator, get } = this.#parts;
    return this.#serially(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const c = await get(id);
        const made = await work(c);
        try {
          const connection = await store.updateConnection({ ...c, updatedAt: this.#iso(), updatedBy: actor }, c.version);
          authenticator?.lookups.forget({ connectionId: id });
          return { ...made, connection };
        } catch (e) {
          await this.#end([made.credential], this.#iso(), 'revokedAt').catch(() => undefined);
          if (!lostVersion(e) || attempt >= TRIES) throw e;
        }
      }
    });
  }
}
