/**
 * Account linking: whether an IdP's new user is an account the host app already has. Safe
 * by default: linked by `externalId` (what the IdP itself keys on), never adopted by e-mail
 * unless the host opts in, since an IdP's e-mail may be unverified (an account takeover path).
 * Addresses compare by identity key (core/rules/identity.ts), so a look-alike of a local account's
 * address (full-width, decomposed, with a zero-width space or a trailing dot) is that address.
 * @module
 */
import { ScimError } from '../core/errors.js';
import { identityKey } from '../core/rules/identity.js';
import type { ScimResource } from '../core/schema/resource.js';
import type { StoreContext } from '../stores/store.js';

/** How an incoming user was linked to an account of the host app; it reaches the host on `user.created` as `link`. */
export interface LinkDecision {
  /**
   * How: by `externalId`, by `email` (an existing account adopted, only when the host opted in),
   * by the host's own rule, by an `admin`'s resolution of a preview (the account checked by
   * `connections.account`), or `new` (no account yet).
   */
  by: 'externalId' | 'email' | 'host' | 'admin' | 'new';
  /** The host's account the user is linked to; absent for `new`. */
  accountId?: string;
  /** For `admin`: who decided (the actor of `scim.connections.resolve`). */
  decidedBy?: string;
}

/**
 * What the link hook is asked about: a user about to be created (validated, after
 * `beforeCreate`), or updated with another externalId, other e-mails or another userName (then
 * `previous` is the stored user): an IdP could otherwise create a harmless user and then give
 * it a local account's address. A userName or e-mail counts as other when its identity key
 * differs (`identityKey`). The hook must have no side effects: the write may still fail after it.
 */
export interface LinkIntent {
  /** The tenant context. */
  ctx: StoreContext;
  /** The user about to be stored. */
  resource: ScimResource;
  /** For an update: the user as stored before it. */
  previous?: ScimResource;
  /**
   * True when nothing is being written: a preview's match report asks what the hook would decide
   * for a user already stored (`scim.connections.preview`). A refusal (a thrown ScimError) is
   * shown as a conflict; the decision as the user's link.
   */
  dryRun?: boolean;
}

/** How {@link linkAccounts} finds the host's accounts. */
export interface AccountLookup {
  /** The account the IdP created before, by the user's externalId. */
  byExternalId?(ctx: StoreContext, externalId: string): string | undefined | Promise<string | undefined>;
  /**
   * An existing local account with this address: one of the user's e-mails, or its userName
   * when that is an address (it has an `@`), given as its identity key (`identityKey`: NFKC,
   * case-folded, without invisible characters, trimmed, without the domain's trailing dot).
   * Compare it with `identityKey()` of the addresses the app stores; lower-casing them matches
   * plain ASCII addresses only.
   */
  byEmail?(ctx: StoreContext, email: string): string | undefined | Promise<string | undefined>;
  /**
   * Whether an account found by e-mail is adopted. Default false: the create is refused with
   * 409, naming the e-mail, so an IdP cannot take over a local account by claiming its
   * address. Opt in only where the IdP's e-mails are verified (or per tenant, as a function).
   */
  adoptByEmail?: boolean | ((ctx: StoreContext, accountId: string, email: string) => boolean | Promise<boolean>);
}

/** An address a user is linked by: as the user holds it (trimmed), and its identity key. @internal */
export interface LinkAddress {
  /** The address as written, trimmed (what a refusal names). */
  text: string;
  /** Its identity key (what look-ups and comparisons use). */
  key: string;
}

/**
 * The addresses of a user: its e-mails, the primary one first, then its userName when that is
 * an address (its identity key has an `@`); each once by identity key, empty ones left out.
 * @internal
 */
export function addressesOf(resource: ScimResource | undefined): LinkAddress[] {
  const list = Array.isArray(resource?.emails) ? (resource.emails as { value?: unknown; primary?: unknown }[]) : [];
  const sorted = [...list].sort((a, b) => Number(b.primary === true) - Number(a.primary === true));
  const values = sorted.map((e) => e.value);
  values.push(resource?.userName);
  const seen = new Set<string>();
  const out: LinkAddress[] = [];
  for (const [i, v] of values.entries()) {
    if (typeof v !== 'string') continue;
    const key = identityKey(v);
    // the userName (last) only as an address: with an @, full-width ones included
    if (key === '' || seen.has(key) || (i === values.length - 1 && !key.includes('@'))) continue;
    seen.add(key);
    out.push({ text: v.trim(), key });
  }
  return out;
}

/**
 * Whether an update changes what a user is linked by: its externalId, its userName (by identity
 * key: a host's own hook may link by it) or its e-mails (by identity key): then the link hook
 * is asked again. A new spelling of the same name or address is no change.
 * @internal
 */
export function linkChanged(previous: ScimResource, next: ScimResource): boolean {
  if ((previous.externalId ?? null) !== (next.externalId ?? null)) return true;
  const keys = (r: ScimResource) =>
    JSON.stringify([
      typeof r.userName === 'string' ? identityKey(r.userName) : null,
      addressesOf(r)
        .map((a) => a.key)
        .sort(),
    ]);
  return keys(previous) !== keys(next);
}

/**
 * A `linkUser` hook: by externalId first, then by address (the e-mails, and the userName when it
 * is an address) only as the host allows; a user with an address of an existing local account,
 * in any spelling of the same identity key, is refused (409) unless adopted.
 *
 * @example
 * ```ts
 * createScimServer({
 *   authenticate,
 *   hooks: {
 *     linkUser: linkAccounts({
 *       byExternalId: (ctx, externalId) => db.accounts.idByScimExternalId(ctx.tenant, externalId),
 *       byEmail: (ctx, email) => db.accounts.idByEmail(ctx.tenant, email),
 *       adoptByEmail: false, // the default: refuse, never adopt
 *     }),
 *     onEvent: (e) => (e.type === 'user.created' ? accounts.provision(e.resource, e.link) : undefined),
 *   },
 * });
 * ```
 */
export function linkAccounts(lookup: AccountLookup): (intent: LinkIntent) => Promise<LinkDecision> {
  return async ({ ctx, resource }) => {
    const externalId = typeof resource.externalId === 'string' ? resource.externalId : undefined;
    if (externalId && lookup.byExternalId) {
      const accountId = await lookup.byExternalId(ctx, externalId);
      if (accountId !== undefined) return { by: 'externalId', accountId };
    }
    if (lookup.byEmail) {
      for (const { text: email, key } of addressesOf(resource)) {
        const accountId = await lookup.byEmail(ctx, key);
        if (accountId === undefined) continue;
        const adopt = typeof lookup.adoptByEmail === 'function' ? await lookup.adoptByEmail(ctx, accountId, key) : lookup.adoptByEmail === true;
        if (adopt) return { by: 'email', accountId };
        // the detail is read by the customer's admin in the IdP; the option is the host's, for its log
        throw ScimError.uniqueness(
          `an account with the e-mail "${email}" already exists in the app and is not linked to this user; it is not taken over by e-mail, which could hand it to someone else. Have the app's administrator link that account to this user, or give the user another e-mail`,
        ).withHint(
          'linkAccounts refused to adopt an existing account by e-mail: byExternalId can return it, or adoptByEmail (true, or a function per tenant) adopts it where the IdP verifies e-mails',
        );
      }
    }
    return { by: 'new' };
  };
}
