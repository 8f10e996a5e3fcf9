/**
 * The cached look-ups behind connection authentication: a credential by the hash of its
 * secret, a connection by id, and a connection's entitlement, each trusted for `cacheMs` at
 * most, so a change made on another instance takes effect within that bound. Unknown secrets
 * are remembered too, so a flood of bad tokens costs the database one query per distinct
 * token per `cacheMs`, not one per request. Concurrent misses for one key share one query.
 * Every container is bounded; answers come back synchronously when cached (no microtask turn
 * on a warm request).
 * @module
 */
import { Lru } from '../../core/lru.js';
import type { Connection, ConnectionCredential, ConnectionStore } from '../../stores/connections.js';
import { isThenable } from '../thenable.js';
import type { Entitlement } from './options.js';

/** Entries each cache holds at most (each a record of a few hundred bytes, keyed by a fixed-size hash or a server-made id). */
const MAX_ENTRIES = 10_000;

/** A cached answer and until when (epoch ms) it is trusted. */
interface Held<V> {
  value: V;
  until: number;
}

/** A value now, or a promise of it. */
export type Maybe<V> = V | Promise<V>;

/** One bounded cache with its in-flight loads. */
class TimedCache<V> {
  readonly #entries = new Lru<string, Held<V>>(MAX_ENTRIES);
  /** Loads under way, by key: one query per key however many requests wait for it; removed when it settles. */
  readonly #loading = new Map<string, Promise<V>>();

  /** The value for `key`: cached when fresh at `now`, else loaded (and cached for `ttl` ms). A failed load is not cached. */
  get(key: string, now: number, ttl: number, load: () => Promise<V>): Maybe<V> {
    const held = this.#entries.get(key);
    if (held && held.until > now) return held.value;
    const running = this.#loading.get(key);
    if (running) return running;
    const loading: Promise<V> = load().then(
      (value) => {
        // a load this instance's own change overtook (forget) is answered to its waiters, not cached
        if (this.#loading.get(key) === loading) {
          this.#loading.delete(key);
          if (ttl > 0) this.#entries.set(key, { value, until: now + ttl });
        }
        return value;
      },
      (e: unknown) => {
        if (this.#loading.get(key) === loading) this.#loading.delete(key);
        throw e;
      },
    );
    this.#loading.set(key, loading);
    return loading;
  }

  /**
   * Drops `key` (this instance changed it): the next request loads it again, and a load under
   * way (which may have read the record before the change) is not cached when it lands.
   */
  forget(key: string): void {
    this.#entries.delete(key);
    this.#loading.delete(key);
  }
}

/** The three look-ups of one authenticator. */
export class ConnectionLookups {
  readonly #store: ConnectionStore;
  readonly #ttl: number;
  readonly #entitled: ((c: Connection) => Maybe<Entitlement>) | undefined;
  /** Credentials by hash; `null` for a secret the store does not know (the negative entries). */
  readonly #credentials = new TimedCache<ConnectionCredential | null>();
  readonly #connections = new TimedCache<Connection | null>();
  readonly #entitlements = new TimedCache<Entitlement>();

  /** Look-ups in `store`, trusted for `ttl` ms; `entitled` is the host's hook, if any. */
  constructor(store: ConnectionStore, ttl: number, entitled: ((c: Connection) => Maybe<Entitlement>) | undefined) {
    this.#store = store;
    this.#ttl = ttl;
    this.#entitled = entitled;
  }

  /** The credential whose secret hashes to `hash`, or null. */
  credential(hash: string, now: number): Maybe<ConnectionCredential | null> {
    return this.#credentials.get(hash, now, this.#ttl, async () => (await this.#store.findCredential({ hash })) ?? null);
  }

  /** The connection `id`, or null. */
  connection(id: string, now: number): Maybe<Connection | null> {
    return this.#connections.get(id, now, this.#ttl, async () => (await this.#store.getConnection({ id })) ?? null);
  }

  /** Whether `connection` is entitled now (always, without the host's hook). A hook that throws refuses nothing: the error goes up (a 5xx). */
  entitlement(connection: Connection, now: number): Maybe<Entitlement> {
    const hook = this.#entitled;
    if (!hook) return true;
    return this.#entitlements.get(connection.id, now, this.#ttl, async () => {
      const e = hook(connection);
      const value = isThenable(e) ? await e : e;
      return value === true ? true : { message: String((value as { message?: unknown })?.message ?? 'SCIM is not available for this organisation') };
    });
  }

  /** Drops what this instance changed: a credential (by its hash) or a connection (by id, with its entitlement). */
  forget(change: { hash?: string; connectionId?: string }): void {
    if (change.hash !== undefined) this.#credentials.forget(change.hash);
    if (change.connectionId !== undefined) {
      this.#connections.forget(change.connectionId);
      this.#entitlements.forget(change.connectionId);
    }
  }
}
