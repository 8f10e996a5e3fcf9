/**
 * Which IdP sent a request, from its User-Agent: for the activity log and per-client defaults.
 * @module
 */
import type { ScimClient } from '../../stores/activity-log.js';

/**
 * User-Agent patterns as the IdPs send them (docs/idp-compatibility.md has the sources):
 * Entra ID "Microsoft Azure AD SCIM provisioning …", Okta "Okta SCIM Client 1.0.0", and the
 * others' names, which they put in their agents.
 */
const AGENTS: readonly [RegExp, ScimClient][] = [
  [/azure ad|microsoft|entra|aad/i, 'entra'],
  [/okta/i, 'okta'],
  [/google/i, 'google'],
  [/onelogin/i, 'onelogin'],
  [/jumpcloud/i, 'jumpcloud'],
  [/ping ?(identity|federate|one)/i, 'ping'],
];

/** The client a User-Agent names, or `unknown`. */
export function clientOf(userAgent: string | undefined): ScimClient {
  if (!userAgent) return 'unknown';
  const ua = userAgent.length > 300 ? userAgent.slice(0, 300) : userAgent;
  for (const [pattern, client] of AGENTS) if (pattern.test(ua)) return client;
  return 'unknown';
}

/** The names a person reads. */
export const CLIENT_NAMES: Readonly<Record<ScimClient, string>> = {
  entra: 'Entra ID',
  okta: 'Okta',
  google: 'Google Workspace',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  ping: 'Ping Identity',
  unknown: 'an unknown client',
};
