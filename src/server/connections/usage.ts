/**
 * What authenticated requests leave in the connection records: a credential's `lastUsedAt` and
 * `lastUsedFrom`, written at most once a minute per credential, and a `pending` connection
 * made `active` (with the client its requests came from) once. The request path only notes a
 * use (O(1), nothing awaited); the writes run after the response: when the server says it
 * answered, or on the next turn of the event loop for an authenticator used on its own.
 * @module
 */
import { Lru } from '../../core/lru.js';
import type { ScimClient } from '../../stores/activity-log.js';
import type { Connection, ConnectionCredential, ConnectionStore } from '../../stores/connections.js';
import type { ScimLogger } from '../activity/logger.js';
import { endedAt } from './credentials.js';

/** How often a credential's last use is written, at most. */
export const USED_EVERY_MS = 60_000;

/** Credentials and connections remembered as written (a server-made id each). */
const MAX_REMEMBERED = 10_000;

/** Writes waiting for the response at most; beyond, a use is written by a later request. */
const MAX_WAITING = 1_000;

/** One write to make after the response. */
type UseWrite =
  | { kind: 'used'; credentialId: string; at: string; from: string | null }
  | { kind: 'activate'; connectionId: string; client: ScimClient; at: string };

/** The use bookkeeping of one authenticator. */
export class ConnectionUsage {
  readonly #store: ConnectionStore;
  readonly #logger: Pick<ScimLogger, 'error'>;
  /** When this instance last wrote each credential's use (epoch ms). */
  readonly #written = new Lru<string, number>(MAX_REMEMBERED);
  /** Connections this instance made active (or saw active): never written again. */
  readonly #activated = new Lru<string, true>(MAX_REMEMBERED);
  #waiting: UseWrite[] = [];
  #scheduled = false;
  /** Whether the server calls {@link flush} after each response; else writes run on the next turn (setImmediate). */
  afterResponse = false;

  /** Bookkeeping writing to `store`; failures go to `logger`. */
  constructor(store: ConnectionStore, logger: Pick<ScimLogger, 'error'>) {
    this.#store = store;
    this.#logger = logger;
  }

  /** Notes that `credential` of `connection` authenticated a request at `now` from `from`: O(1), nothing awaited. */
  note(credential: ConnectionCredential, connection: Connection, now: number, from: string | undefined, client: ScimClient): void {
    this.#used(credential, now, from, undefined);
    if (connection.state === 'pending' && !this.#activated.has(connection.id) && this.#waiting.length < MAX_WAITING) {
      this.#activated.set(connection.id, true);
      this.#waiting.push({ kind: 'activate', connectionId: connection.id, client, at: new Date(now).toISOString() });
    }
    this.#schedule();
  }

  /**
   * Notes that `credential` was presented at `now` from `from` and refused (revoked, expired, or
   * its connection disabled): a credential still in use after it ended (an IdP that kept the old
   * token after a rotation) is what health reports, from any instance, by the same bounded
   * write of its last use; the first use after its end is written at once.
   */
  noteRefused(credential: ConnectionCredential, now: number, from: string | undefined): void {
    this.#used(credential, now, from, endedAt(credential, now));
    this.#schedule();
  }

  /** Queues the write of a use unless one was written within a minute (and after `ended`, when the credential ended). */
  #used(credential: ConnectionCredential, now: number, from: string | undefined, ended: number | undefined): void {
    const last = Math.max(
      this.#written.get(credential.id) ?? Number.NEGATIVE_INFINITY,
      credential.lastUsedAt ? Date.parse(credential.lastUsedAt) : Number.NEGATIVE_INFINITY,
    );
    const firstSinceEnd = ended !== undefined && last < ended;
    if ((now - last >= USED_EVERY_MS || firstSinceEnd) && this.#waiting.length < MAX_WAITING) {
      this.#written.set(credential.id, now);
      this.#waiting.push({ kind: 'used', credentialId: credential.id, at: new Date(now).toISOString(), from: from ?? null });
    }
  }

  #schedule(): void {
    if (this.#waiting.length && !this.afterResponse && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Starts the writes waiting (not awaited by anyone's request); returns when they are done (tests), undefined when none waited. */
  flush(): Promise<void> | undefined {
    this.#scheduled = false;
    if (!this.#waiting.length) return undefined;
    const batch = this.#waiting;
    this.#waiting = [];
    return Promise.all(batch.map((w) => this.#write(w).catch((e: unknown) => this.#failed(w, e)))).then(() => undefined);
  }

  /** Forgets that a connection was activated (it was disabled and enabled again here: its state is the store's). */
  forgetActivation(connectionId: string): void {
    this.#activated.delete(connectionId);
  }

  async #write(w: UseWrite): Promise<void> {
    if (w.kind === 'used') {
      await this.#store.updateCredential(w.credentialId, { lastUsedAt: w.at, lastUsedFrom: w.from });
      return;
    }
    // written once: a connection another instance activated (or an admin disabled meanwhile) is left as it is
    for (let attempt = 0; attempt < 3; attempt++) {
      const c = await this.#store.getConnection({ id: w.connectionId });
      if (c?.state !== 'pending') return;
      const next: Connection = {
        ...c,
        state: 'active',
        updatedAt: w.at,
        ...(c.detectedIdp === null && w.client !== 'unknown' ? { detectedIdp: w.client } : {}),
      };
      try {
        await this.#store.updateConnection(next, c.version);
        return;
      } catch (e) {
        if ((e as { status?: unknown })?.status !== 412) throw e;
      }
    }
  }

  #failed(w: UseWrite, e: unknown): void {
    // written again by a later request
    if (w.kind === 'used') this.#written.delete(w.credentialId);
    else this.#activated.delete(w.connectionId);
    try {
      this.#logger.error({ ...w, error: e instanceof Error ? e.message : String(e) }, 'connections: writing a use failed');
    } catch {
      // a logger that throws costs nothing more
    }
  }
}
