/**
 * Domain rules of a connection: the e-mail and userName domains its users may have (the host
 * verified them). Without a rule an organisation's connection could provision
 * `ceo@another-company.com`, and with e-mail adoption on, that is a path to another tenant's
 * identity. A user outside them is refused with a 400 naming the rule and the address, or, in a
 * preview whose host prefers it (`connections.outsideDomains: 'review'`), kept for an admin's
 * decision in the match report.
 * @module
 */
import { ScimError } from '../../core/errors.js';
import { identityKey } from '../../core/rules/identity.js';
import type { ScimResource } from '../../core/schema/resource.js';
import { addressesOf } from '../linking.js';

/** The most domains a connection may allow. */
const MAX_DOMAINS = 100;

/** A domain name as a rule keeps it: labels of letters, digits and hyphens (any script, folded), at least two. */
const DOMAIN = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)(\.(?!-)[\p{L}\p{N}-]{1,63}(?<!-))+$/u;

/** How every refusal's detail begins, so the match report can find the refusals in the activity log. */
export const OUTSIDE_DOMAINS = 'outside the connection’s allowed domains';

/** A connection's domains as given: folded as identity keys (case, width, trailing dot), each once; 400 for anything else. */
export function domainsOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_DOMAINS)
    throw ScimError.invalidValue(`domains must be a list of at most ${MAX_DOMAINS} domain names (such as "acme.io")`);
  const out: string[] = [];
  for (const d of value) {
    const key = typeof d === 'string' ? identityKey(d).replace(/\.+$/, '') : '';
    if (key.length > 253 || !DOMAIN.test(key)) throw ScimError.invalidValue(`domains: ${JSON.stringify(String(d).slice(0, 100))} is not a domain name`);
    if (!out.includes(key)) out.push(key);
  }
  return out;
}

/** Whether an address's domain (of its identity key) is one of `domains` or below one. */
function allowed(key: string, domains: readonly string[]): boolean {
  const domain = key.slice(key.lastIndexOf('@') + 1);
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/**
 * The first address of `user` (its e-mails, and its userName when that is an address) whose
 * domain `domains` do not allow, as the user wrote it; undefined when every one is allowed, or
 * when there is no rule (no domains).
 */
export function outsideAddress(user: ScimResource, domains: readonly string[]): string | undefined {
  if (!domains.length) return undefined;
  return addressesOf(user).find((a) => !allowed(a.key, domains))?.text;
}

/** The 400 for a user whose `address` is outside `domains`: the rule and the address named, for the admin who reads it in the IdP. */
export function outsideDomainsError(address: string, domains: readonly string[]): ScimError {
  return ScimError.invalidValue(
    `${OUTSIDE_DOMAINS}: "${address.slice(0, 200)}" is not in ${domains.slice(0, 10).join(', ')}${domains.length > 10 ? ', …' : ''}. The app's administrator allows the domains of this SCIM connection; give the user an address in one of them`,
  ).withHint('connections: the connection’s domains refuse this user (scim.connections.update(id, { domains }) changes them)');
}

/** The address a refusal's detail names (the match report reads refusals back from the activity log). */
export function refusedAddress(detail: string | undefined): string | undefined {
  if (!detail?.startsWith(OUTSIDE_DOMAINS)) return undefined;
  return /^[^"]*"([^"]*)"/.exec(detail)?.[1];
}
