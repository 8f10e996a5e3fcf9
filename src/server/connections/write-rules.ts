/**
 * What a tenant's connection asks of the writes made in its tenant: whether it is in preview
 * (the link hook waits for the match report and approval, its events are held by the store)
 * and which domains its users may have (domain-rules.ts). Read per tenant through a short
 * cache, as connection authentication reads credentials (`cacheMs`); a write that the cache
 * says is in preview reads the record again, so an approval anywhere is seen by the next write
 * (a stale "preview" would skip the link hook of a user delivered live).
 * @module
 */
import { ScimError } from '../../core/errors.js';
import { Lru } from '../../core/lru.js';
import type { ScimResource } from '../../core/schema/resource.js';
import type { ConnectionStore } from '../../stores/connections.js';
import { addressesOf } from '../linking.js';
import { isThenable } from '../thenable.js';
import { outsideAddress, outsideDomainsError } from './domain-rules.js';
import { type ConnectionsOptions, cacheMsOf } from './options.js';

/** What a tenant's writes follow now. @internal */
export interface WriteRules {
  /** The tenant's connection is in preview (the link hook waits for approval). */
  preview: boolean;
  /** Its preview is being discarded: the tenant's user writes are refused (503) until that ends. */
  discarding: boolean;
  /** The domains its users may have (empty: any). */
  domains: readonly string[];
}

/** Writes of a tenant without a connection (or of a server without connections): live, any domain. */
const NONE: WriteRules = { preview: false, discarding: false, domains: [] };

/** Tenants whose rules are cached at most. */
const MAX_TENANTS = 10_000;

/** The rules of each tenant's connection, for the write path. @internal */
export class ConnectionWriteRules {
  readonly #store: ConnectionStore;
  readonly #ttl: number;
  readonly #now: () => number;
  /** `connections.outsideDomains`: whether a preview keeps a user outside the domains for review. */
  readonly #review: boolean;
  readonly #cache = new Lru<string, { rules: WriteRules; until: number }>(MAX_TENANTS);

  constructor(store: ConnectionStore, options: { ttl: number; now: () => number; outsideDomains?: 'refuse' | 'review' }) {
    this.#store = store;
    this.#ttl = options.ttl;
    this.#now = options.now;
    this.#review = options.outsideDomains === 'review';
  }

  /** The tenant's rules: cached when fresh (no promise then), else read. */
  of(tenant: string): WriteRules | Promise<WriteRules> {
    const held = this.#cache.get(tenant);
    if (held && held.until > this.#now()) return held.rules;
    return this.#read(tenant);
  }

  /** The tenant's rules for a write that links users: a preview read from the store, never from the cache. */
  async confirmed(tenant: string): Promise<WriteRules> {
    const rules = this.of(tenant);
    if (isThenable(rules)) return rules;
    return rules.preview || rules.discarding ? this.#read(tenant) : rules;
  }

  /** Drops a tenant's entry (this instance changed its connection). */
  forget(tenant: string): void {
    this.#cache.delete(tenant);
  }

  /**
   * Refuses (400) a user whose addresses `rules` do not allow: on a create every address counts,
   * on an update only those `previous` did not have (an IdP can still deactivate or delete a
   * user that was there before the rule). In a preview whose host reviews such users, none is
   * refused: the match report shows them.
   */
  check(rules: WriteRules, user: ScimResource, previous?: ScimResource): void {
    // a user written while its tenant's preview is discarded would be left without its created event
    if (rules.discarding) throw ScimError.unavailable('The organization’s first sync is being discarded; try again shortly', 5);
    if (!rules.domains.length || (rules.preview && this.#review)) return;
    const had = new Set(previous ? addressesOf(previous).map((a) => a.key) : []);
    const address = outsideAddress(
      previous
        ? {
            ...user,
            emails: addressesOf(user)
              .filter((a) => !had.has(a.key))
              .map((a) => ({ value: a.text })),
            userName: undefined,
          }
        : user,
      rules.domains,
    );
    if (address !== undefined) throw outsideDomainsError(address, rules.domains);
  }

  async #read(tenant: string): Promise<WriteRules> {
    const at = this.#now();
    const c = await this.#store.getConnection({ tenant });
    const rules: WriteRules = c ? { preview: c.mode === 'preview', discarding: c.mode === 'discarding', domains: c.domains ?? [] } : NONE;
    if (this.#ttl > 0) this.#cache.set(tenant, { rules, until: at + this.#ttl });
    return rules;
  }
}

/** The rules of a server made with `connections` over `store`: cached for `cacheMs`, as authentication's look-ups. @internal */
export function connectionWriteRules(store: ConnectionStore, options: ConnectionsOptions): ConnectionWriteRules {
  return new ConnectionWriteRules(store, { ttl: cacheMsOf(options), now: options.now ?? Date.now, outsideDomains: options.outsideDomains });
}
