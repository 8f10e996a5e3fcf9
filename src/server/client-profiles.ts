/**
 * Per-client defaults: the compatibility profile a request gets from the client its
 * User-Agent names (activity/client.ts), so one IdP's quirks never run for another's requests.
 * @module
 */

import type { PatchCompatibility } from '../core/patch/dialects/index.js';
import type { ScimClient } from '../stores/activity-log.js';
import { clientOf } from './activity/client.js';
import type { Engine } from './engine.js';

/** A compatibility profile per client; clients not named get the server's `compatibility`. */
export type CompatibilityByClient = Partial<Record<ScimClient, PatchCompatibility>>;

/**
 * Each IdP with quirks of its own gets exactly those: Entra ID's, Okta's, OneLogin's and
 * JumpCloud's profiles. Google Workspace and Ping send RFC requests (docs/idp-compatibility.md).
 *
 * @example
 * ```ts
 * createScimServer({ authenticate, compatibility: 'strict', compatibilityByClient: CLIENT_PROFILES });
 * ```
 */
export const CLIENT_PROFILES: Readonly<CompatibilityByClient> = Object.freeze({ entra: 'entra', okta: 'okta', onelogin: 'onelogin', jumpcloud: 'jumpcloud' });

/**
 * The engine of a request by its User-Agent: the server's, or (per client) a copy with that
 * client's profile. Undefined without profiles: every request then uses `engine`, and no
 * request pays for the look-up. @internal
 */
export function engineForClient(engine: Engine, byClient: CompatibilityByClient | undefined): ((userAgent: string | undefined) => Engine) | undefined {
  if (!byClient || Object.keys(byClient).length === 0) return undefined;
  // one copy per client, made once: the caches, queues and store stay the server's
  const copies = new Map<ScimClient, Engine>();
  return (userAgent) => {
    const client = clientOf(userAgent);
    const profile = byClient[client];
    if (profile === undefined) return engine;
    let e = copies.get(client);
    if (!e) copies.set(client, (e = { ...engine, compatibility: profile }));
    return e;
  };
}
