/**
 * `runChecks`: reads what the server claims, runs the chosen scenarios one after another with
 * their own data, removes that data, and reports each result.
 * @module
 */
import { type Capabilities, readCapabilities, WHY_NOT_CLAIMED } from './capabilities.js';
import { CATALOGUE } from './catalogue/index.js';
import { groupBody, userBody } from './catalogue/shapes.js';
import type { Exchange } from './exchange.js';
import { CheckClient, type CheckResponse, type FetchFunction } from './http.js';
import { type CheckContext, CheckFailure, CheckSkip, type Created, describeResponse, type Scenario, type ScenarioGroup } from './scenario.js';

/** Options of {@link runChecks}. */
export interface CheckOptions {
  /** The SCIM base URL (the tenant URL an IdP is given), e.g. `https://app.example.com/scim/v2`. */
  baseUrl: string;
  /** The bearer token. */
  token?: string;
  /** Headers sent with every request (e.g. a tenant header, a proxy's credentials). */
  headers?: Record<string, string>;
  /** Scenario groups (`users`, `etag`…) or ids (`users.filter-case`) to run; all when absent. */
  only?: readonly string[];
  /** Milliseconds each request may take (default 10,000). */
  timeoutMs?: number;
  /** Told before and after each scenario: for a progress line. */
  onProgress?: (progress: CheckProgress) => void;
  /** The fetch function (default: the global one). */
  fetch?: FetchFunction;
  /** The scenarios to choose from (default: {@link CATALOGUE}). */
  catalogue?: readonly Scenario[];
}

/** Where a run is. */
export interface CheckProgress {
  /** The 1-based number of the scenario. */
  index: number;
  /** How many scenarios the run has. */
  total: number;
  /** The scenario. */
  scenario: Scenario;
  /** Its result, once it has one. */
  result?: CheckResult;
  /** Milliseconds since the run started. */
  elapsedMs: number;
}

/** The outcome of a scenario. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One scenario's result. */
export interface CheckResult {
  /** The scenario id. */
  id: string;
  /** Its group. */
  group: ScenarioGroup;
  /** What it checks. */
  title: string;
  /** Where the rule comes from. */
  source: string;
  /** Passed, failed or skipped. */
  status: CheckStatus;
  /** Why it failed or was skipped. */
  reason?: string;
  /** Milliseconds it took, cleanup included. */
  durationMs: number;
  /** A failed scenario's requests and responses, the failing one last (empty otherwise). */
  exchanges: Exchange[];
  /** Resources it created and could not delete. */
  leftovers?: string[];
}

/** A whole run. */
export interface CheckReport {
  /** The base URL checked. */
  baseUrl: string;
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** Milliseconds the run took. */
  durationMs: number;
  /** What the server claimed (the features read from its discovery documents). */
  claimed: string[];
  /** Discovery documents that could not be read (their features count as not claimed): the exit code is 1 then. */
  problems: string[];
  /** The run's id: every user and group it made is named `scimkit-check-<run>-…`. */
  run: string;
  /** Resources of this run the final sweep found and deleted (its cleanup had missed them). */
  swept: number;
  /** Each scenario's result, in order. */
  results: CheckResult[];
  /** The counts. */
  summary: {
    /** Scenarios that passed. */
    passed: number;
    /** Scenarios that failed: the exit code is 1 when this is not 0. */
    failed: number;
    /** Scenarios skipped (the server does not claim what they need). */
    skipped: number;
  };
}

/** The scenarios `only` chooses; throws on a name that is neither a group nor an id. */
export function selectScenarios(only: readonly string[] | undefined, catalogue: readonly Scenario[] = CATALOGUE): Scenario[] {
  if (!only?.length) return [...catalogue];
  for (const name of only) {
    if (!catalogue.some((s) => s.id === name || s.group === name)) {
      throw new Error(`no scenario or group "${name}"; groups: ${[...new Set(catalogue.map((s) => s.group))].join(', ')}`);
    }
  }
  return catalogue.filter((s) => only.includes(s.id) || only.includes(s.group));
}

/** How many exchanges a failure keeps (the last ones: the failing request and what led to it). */
const KEPT_EXCHANGES = 8;

/**
 * Runs the catalogue (or `only` of it) against a SCIM server over HTTP. Every user and group
 * it creates is uniquely named and deleted after its scenario, so a live server can be checked.
 *
 * @example
 * ```ts
 * import { runChecks } from 'scimkit/check';
 *
 * const report = await runChecks({ baseUrl: 'http://127.0.0.1:8080/scim/v2', token: process.env.SCIM_TOKEN });
 * for (const r of report.results) if (r.status === 'fail') console.log(r.id, r.reason);
 * ```
 */
export async function runChecks(options: CheckOptions): Promise<CheckReport> {
  const scenarios = selectScenarios(options.only, options.catalogue);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const run = crypto.randomUUID().slice(0, 8);
  let exchanges: Exchange[] = [];
  const client = new CheckClient({
    baseUrl: options.baseUrl,
    ...(options.token ? { token: options.token } : {}),
    headers: options.headers ?? {},
    timeoutMs: options.timeoutMs ?? 10_000,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    record: (e) => exchanges.push(e),
  });
  const capabilities = await readCapabilities(client);
  const results: CheckResult[] = [];
  let counter = 0;
  for (const [i, scenario] of scenarios.entries()) {
    const progress = { index: i + 1, total: scenarios.length, scenario };
    options.onProgress?.({ ...progress, elapsedMs: performance.now() - started });
    exchanges = [];
    const t0 = performance.now();
    const cleanup: string[] = [];
    const ctx = contextOf(client, capabilities, cleanup, (label) => `scimkit-check-${run}-${label}-${++counter}`);
    let status: CheckStatus = 'pass';
    let reason: string | undefined;
    const missing = scenario.requires?.find((f) => !capabilities.features.has(f));
    if (missing) {
      status = 'skip';
      reason = WHY_NOT_CLAIMED[missing];
    } else {
      try {
        await scenario.run(ctx);
      } catch (e) {
        status = e instanceof CheckSkip ? 'skip' : 'fail';
        reason =
          e instanceof CheckFailure || e instanceof CheckSkip
            ? e.message
            : `${(e as Error).name === 'NoResponse' ? '' : 'the scenario threw: '}${(e as Error).message}`;
      }
    }
    const kept = status === 'fail' ? exchanges.slice(-KEPT_EXCHANGES) : [];
    const leftovers = await removeAll(client, cleanup);
    const result: CheckResult = {
      id: scenario.id,
      group: scenario.group,
      title: scenario.title,
      source: scenario.source,
      status,
      ...(reason ? { reason } : {}),
      durationMs: Math.round(performance.now() - t0),
      exchanges: kept,
      ...(leftovers.length ? { leftovers } : {}),
    };
    results.push(result);
    options.onProgress?.({ ...progress, result, elapsedMs: performance.now() - started });
  }
  const swept = await sweep(client, capabilities, `scimkit-check-${run}-`);
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return {
    baseUrl: client.shownBase,
    run,
    swept,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    claimed: [...capabilities.features].sort(),
    problems: capabilities.problems,
    results,
    summary: { passed: count('pass'), failed: count('fail'), skipped: count('skip') },
  };
}

/**
 * After the run: deletes whatever still carries this run's prefix (a create that timed out, a
 * Location the server did not give): only names this run made, found by filter. How many it
 * found (0 when cleanup was complete).
 */
async function sweep(client: CheckClient, capabilities: Capabilities, prefix: string): Promise<number> {
  if (!capabilities.features.has('filter')) return 0;
  let found = 0;
  for (const [endpoint, attribute] of [
    [capabilities.groups, 'displayName'],
    [capabilities.users, 'userName'],
  ] as const) {
    if (endpoint === capabilities.groups && !capabilities.features.has('groups')) continue;
    try {
      const r = await client.send('GET', `${endpoint}?filter=${encodeURIComponent(`${attribute} sw ${JSON.stringify(prefix)}`)}&attributes=id&count=1000`);
      const resources = (r.json as { Resources?: { id?: unknown }[] } | undefined)?.Resources ?? [];
      for (const res of resources) {
        if (typeof res.id !== 'string') continue;
        found++;
        await client.send('DELETE', `${endpoint}/${encodeURIComponent(res.id)}`);
      }
    } catch {
      // a server that cannot answer now is reported by the scenarios already
    }
  }
  return found;
}

/** Deletes what a scenario created, newest first (a group before its members); what would not go. */
async function removeAll(client: CheckClient, paths: string[]): Promise<string[]> {
  const left: string[] = [];
  for (const path of [...new Set(paths)].reverse()) {
    if (!client.isUnderBase(client.url(path))) {
      left.push(`${path} (not under the base URL: not deleted)`);
      continue;
    }
    try {
      const r = await client.send('DELETE', path);
      if (r.status !== 204 && r.status !== 200 && r.status !== 404) left.push(`${path} (DELETE answered ${r.status})`);
    } catch (e) {
      left.push(`${path} (${(e as Error).message})`);
    }
  }
  return left;
}

/** The id of what a 2xx create made: from the body, else the last segment of Location or meta.location. */
function createdId(r: CheckResponse): string | undefined {
  const b = r.json as { id?: unknown; meta?: { location?: unknown } } | undefined;
  if (typeof b?.id === 'string' && b.id !== '') return b.id;
  const location = r.headers.get('location') ?? (typeof b?.meta?.location === 'string' ? b.meta.location : undefined);
  const last = location
    ?.replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .split('/')
    .pop();
  return last ? decodeURIComponent(last) : undefined;
}

function contextOf(client: CheckClient, capabilities: Capabilities, cleanup: string[], unique: (label: string) => string): CheckContext {
  // whatever a create made is deleted afterwards, even when the answer is not the 201 asked for
  const register = (endpoint: string, r: CheckResponse): string | undefined => {
    const id = r.status >= 200 && r.status < 300 ? createdId(r) : undefined;
    if (id !== undefined) cleanup.push(`${endpoint}/${encodeURIComponent(id)}`);
    return id;
  };
  const create = async (endpoint: string, body: Record<string, unknown>, what: string): Promise<Created> => {
    const r = await client.send('POST', endpoint, { body });
    const id = register(endpoint, r);
    if (r.status !== 201) throw new CheckFailure(`creating the ${what} it needs (POST ${endpoint}) answered ${describeResponse(r)}, expected 201`);
    if (id === undefined) throw new CheckFailure(`POST ${endpoint} answered 201 without an id`);
    const created = r.json !== null && typeof r.json === 'object' ? (r.json as Record<string, unknown>) : { id };
    const location = r.headers.get('location');
    const etag = r.headers.get('etag');
    return { id, body: created, ...(location === null ? {} : { location }), ...(etag === null ? {} : { etag }) };
  };
  return {
    capabilities,
    send: (method, path, options) => client.send(method, path, options),
    unique,
    createUser: (extra = {}) => {
      const userName = typeof extra.userName === 'string' ? extra.userName : unique('user');
      return create(capabilities.users, userBody(userName, extra), 'user');
    },
    createGroup: (extra = {}) => {
      const displayName = typeof extra.displayName === 'string' ? extra.displayName : unique('group');
      return create(capabilities.groups, groupBody(displayName, extra), 'group');
    },
    tryCreate: async (endpoint, options) => {
      const r = await client.send('POST', endpoint, options);
      register(endpoint, r);
      return r;
    },
    removeAfter: (location) => {
      // only one resource under the base URL: a Location elsewhere (another host, a collection) is never deleted
      const url = client.url(location);
      const path = new URL(url).pathname;
      const one = [capabilities.users, capabilities.groups].some((e) => new RegExp(`${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^/]+$`).test(path));
      if (client.isUnderBase(url) && one) cleanup.push(url);
    },
  };
}
