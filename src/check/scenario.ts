/**
 * A scenario of the catalogue and what it is given to run: the client, the server's claims,
 * unique names, fixtures that clean up after themselves, and the failures it can report.
 * @module
 */
import type { Capabilities, Feature } from './capabilities.js';
import type { CheckResponse, SendOptions } from './http.js';

/** The scenario groups, the values of `--only`. */
export type ScenarioGroup =
  | 'discovery'
  | 'auth'
  | 'users'
  | 'groups'
  | 'filter'
  | 'sort'
  | 'paging'
  | 'attributes'
  | 'search'
  | 'cursor'
  | 'etag'
  | 'bulk'
  | 'errors'
  | 'robustness';

/** One check of the catalogue. */
export interface Scenario {
  /** A stable id, `<group>.<name>`: the value of `--only` for one scenario. */
  id: string;
  /** The group it belongs to. */
  group: ScenarioGroup;
  /** What it checks, in a line. */
  title: string;
  /** Where the rule comes from: an RFC section, an IdP's documentation, a captured request. */
  source: string;
  /** The claimed features it needs; skipped (with the reason) when the server does not claim one. */
  requires?: readonly Feature[];
  /** Runs the scenario; throws {@link CheckFailure} (or any error) to fail, {@link CheckSkip} to skip. */
  run(ctx: CheckContext): Promise<void>;
}

/** A user or group the checker created: its id and the body the server answered. */
export interface Created {
  /** The server-assigned id. */
  id: string;
  /** The resource as the server answered the create. */
  body: Record<string, unknown>;
  /** The create's Location header, if it had one. */
  location?: string;
  /** The create's ETag header, if it had one. */
  etag?: string;
}

/** What a scenario runs with. */
export interface CheckContext {
  /** What the server claims. */
  readonly capabilities: Capabilities;
  /** Sends a request relative to the base URL. */
  send(method: string, path: string, options?: SendOptions): Promise<CheckResponse>;
  /** A name no other run uses: `scimkit-check-<run>-<label>-<n>`. */
  unique(label: string): string;
  /** Creates a user (201 expected) and deletes it after the scenario. */
  createUser(extra?: Record<string, unknown>): Promise<Created>;
  /** Creates a group (201 expected) and deletes it after the scenario. */
  createGroup(extra?: Record<string, unknown>): Promise<Created>;
  /** POSTs to `endpoint` a create the server may refuse; whatever it does create is deleted after the scenario. */
  tryCreate(endpoint: string, options: SendOptions): Promise<CheckResponse>;
  /** Deletes `path` after the scenario (a resource the scenario created itself). */
  removeAfter(path: string): void;
}

/** A broken rule: the scenario fails with this reason. */
export class CheckFailure extends Error {
  /** `CheckFailure`. */
  override name = 'CheckFailure';
}

/** The scenario does not apply to this server: skipped with this reason. */
export class CheckSkip extends Error {
  /** `CheckSkip`. */
  override name = 'CheckSkip';
}

/** Fails the scenario unless `condition` holds. */
export function expectThat(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new CheckFailure(reason);
}

/** What a SCIM error body says, for a failure reason: `400 invalidValue: detail`. */
export function describeResponse(r: CheckResponse): string {
  const b = r.json as { scimType?: unknown; detail?: unknown } | undefined;
  const parts = [String(r.status)];
  if (b && typeof b === 'object') {
    if (typeof b.scimType === 'string') parts.push(b.scimType);
    if (typeof b.detail === 'string') parts.push(`"${b.detail.slice(0, 200)}"`);
  } else if (r.text) parts.push(JSON.stringify(r.text.slice(0, 120)));
  return parts.join(' ');
}

/** Fails unless the status is one of `expected`; the reason names the request and what came back. */
export function expectStatus(r: CheckResponse, expected: number | readonly number[], what?: string): void {
  const list = typeof expected === 'number' ? [expected] : expected;
  if (list.includes(r.status)) return;
  const request = what ?? `${r.exchange.request.method} ${new URL(r.exchange.request.url).pathname}`;
  throw new CheckFailure(`${request} answered ${describeResponse(r)}, expected ${list.join(' or ')}`);
}

/** The body as an object; fails when it is not one. */
export function bodyOf(r: CheckResponse): Record<string, unknown> {
  if (r.json === null || typeof r.json !== 'object' || Array.isArray(r.json)) {
    throw new CheckFailure(`${r.exchange.request.method} ${new URL(r.exchange.request.url).pathname} answered ${r.status} without a JSON object body`);
  }
  return r.json as Record<string, unknown>;
}
