/**
 * The router: an admitted request, decoded (method, path segments below the tenant, query,
 * body), to the endpoint that answers it: discovery, `/.search`, Bulk, `/Me`, and each resource
 * type's list, create, get, replace, patch and delete.
 * @module
 */

import { ScimError } from '../core/errors.js';
import type { ResourceType } from '../core/schema/registry.js';
import type { ProvisioningStore, StoreContext } from '../stores/store.js';
import type { ScimLogger } from './activity/logger.js';
import { planBulk, runBulk } from './bulk.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import type { Engine, RequestScope } from './engine.js';
import { refusal } from './error-answer.js';
import { listResources, paramsFromBody, paramsFromQuery, searchAll } from './list.js';
import { decodeSegments } from './path-segments.js';
import { readerNow } from './read-now.js';
import { errorResponse, header, jsonResponse, type ScimRequest, type ScimResponse } from './request.js';
import { createResource, deleteResource, getResource, getResourceNow, patchResource, type ResourceRequest, replaceResource } from './resources.js';

/** First path segments route() answers before it looks for a resource type (lower case). */
const ROUTED_FIRST = new Set(['serviceproviderconfig', 'resourcetypes', 'schemas', 'bulk', 'me']);

function allow(methods: string): ScimError {
  return ScimError.methodNotAllowed(`Allowed: ${methods}`);
}

/** Thrown inside a Bulk operation's transaction to roll it back with the error response it answers. */
class RolledBack extends Error {
  constructor(readonly response: ScimResponse) {
    super('rolled back');
  }
}

/** Runs one Bulk operation in a store transaction: committed when it succeeds, rolled back when it answers an error. */
async function inTransaction(store: ProvisioningStore, ctx: StoreContext, dispatch: () => Promise<ScimResponse>): Promise<ScimResponse> {
  try {
    return await store.transaction!(ctx, async () => {
      const res = await dispatch();
      if (res.status >= 400) throw new RolledBack(res);
      return res;
    });
  } catch (e) {
    if (e instanceof RolledBack) return e.response;
    return errorResponse(e);
  }
}

/** The preconditions and projection a request names (`If-Match`, `If-None-Match`, `attributes`, `excludedAttributes`), for the resource handlers. */
export function resourceRequestOf(req: ScimRequest, query: URLSearchParams): ResourceRequest {
  const rr: ResourceRequest = {};
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  const attributes = query.get('attributes');
  const excluded = query.get('excludedAttributes');
  if (ifMatch !== undefined) rr.ifMatch = ifMatch;
  if (ifNoneMatch !== undefined) rr.ifNoneMatch = ifNoneMatch;
  if (attributes !== null) rr.attributes = attributes;
  if (excluded !== null) rr.excludedAttributes = excluded;
  return rr;
}

/** One server's router. The engine of each request (its client's profile) is passed in; its registry, hooks and limits are the server's. */
export class ScimRouter {
  readonly #store: ProvisioningStore;
  readonly #logger: ScimLogger;

  /** `store` is the server's own, untraced: Bulk's transactions run on it (each operation's store calls are traced inside). */
  constructor(store: ProvisioningStore, logger: ScimLogger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** The answer of the endpoint `segs` names; throws (rejects with) a ScimError for an unknown endpoint or method. */
  async route(
    eng: Engine,
    ctx: StoreContext,
    scope: RequestScope,
    method: string,
    segs: string[],
    query: URLSearchParams,
    body: unknown,
    rr: ResourceRequest,
  ): Promise<ScimResponse> {
    const [first, second, third] = segs;
    if (first === undefined) throw ScimError.notFound('Name an endpoint, e.g. /Users');
    const discovery = first.toLowerCase();
    if (discovery === 'serviceproviderconfig' || discovery === 'resourcetypes' || discovery === 'schemas') {
      if (method !== 'GET') throw allow('GET');
      if (query.has('filter')) throw ScimError.forbidden('Filtering is not supported on discovery endpoints');
      if (discovery === 'serviceproviderconfig') {
        if (second !== undefined) throw ScimError.notFound('Unknown endpoint');
        return jsonResponse(200, serviceProviderConfig(eng, scope));
      }
      if (third !== undefined) throw ScimError.notFound('Unknown endpoint');
      return jsonResponse(200, discovery === 'resourcetypes' ? resourceTypes(eng, scope, second) : schemas(eng, scope, second));
    }
    if (first === '.search') {
      if (second !== undefined) throw ScimError.notFound('Unknown endpoint');
      if (method !== 'POST') throw allow('POST');
      return jsonResponse(200, await searchAll(eng, ctx, scope, paramsFromBody(body)));
    }
    if (discovery === 'bulk') {
      if (second !== undefined) throw ScimError.notFound('Unknown endpoint');
      if (!eng.features.bulk) throw ScimError.notImplemented('Bulk is not supported');
      if (method !== 'POST') throw allow('POST');
      return this.#bulk(eng, ctx, scope, body);
    }
    if (discovery === 'me') {
      if (!eng.hooks.me) throw ScimError.notImplemented('/Me is not supported by this server');
      const id = await eng.hooks.me(ctx);
      const users = eng.registry.resourceType('User');
      if (!id || !users) throw ScimError.notFound('The authenticated subject has no User');
      return this.#resource(eng, ctx, scope, method, users, id, undefined, query, body, rr);
    }
    const type = eng.registry.byEndpoint(first);
    if (!type) throw ScimError.notFound(`Unknown endpoint /${first.slice(0, 60)}`);
    return this.#resource(eng, ctx, scope, method, type, second, third, query, body, rr);
  }

  /**
   * A GET of one resource answered at once, when the engine's store can answer at once
   * (read-now.ts): the answer {@link route} would give, without its promise. Undefined for any
   * other request, which {@link route} answers. Throws what {@link route} would reject with.
   */
  routeNow(eng: Engine, ctx: StoreContext, scope: RequestScope, method: string, segs: string[], rr: ResourceRequest): ScimResponse | undefined {
    if (method !== 'GET' || segs.length !== 2) return undefined;
    const store = readerNow(eng.store);
    if (!store) return undefined;
    const first = segs[0]!;
    const id = segs[1]!;
    // the endpoints route() answers before the resource types', and the ids it refuses, are left to it
    if (id === '.search' || id.includes('\u0000') || first === '.search' || ROUTED_FIRST.has(first.toLowerCase())) return undefined;
    const type = eng.registry.byEndpoint(first);
    return type && getResourceNow(eng, store, ctx, scope, type, id, rr);
  }

  /** A Bulk request: each operation routed as a request of its own, in a transaction when the store has them. */
  async #bulk(eng: Engine, ctx: StoreContext, scope: RequestScope, body: unknown): Promise<ScimResponse> {
    const store = this.#store;
    const plan = planBulk(body, eng.limits.maxBulkOperations);
    const out = await runBulk(plan, async (m, path, data, ifMatch) => {
      // the operation's events are recorded in its transaction; delivery waits for its commit
      const dispatch = async (): Promise<ScimResponse> => {
        try {
          if (decodeSegments(path)[0]?.toLowerCase() === 'bulk') throw ScimError.badRequest('Bulk operations cannot nest');
          const r: ResourceRequest = ifMatch === undefined ? {} : { ifMatch };
          return await this.route(eng, ctx, scope, m, decodeSegments(path), new URLSearchParams(), data, r);
        } catch (e) {
          return refusal(this.#logger, e, ctx.requestId, ctx.tenant);
        }
      };
      const { result, flush } = await eng.events.deferred(() => (store.transaction ? inTransaction(store, ctx, dispatch) : dispatch()));
      // a refused operation in a transaction was rolled back with its events
      if (!store.transaction || result.status < 400) await flush();
      return result;
    });
    return jsonResponse(200, out);
  }

  /** A resource type's endpoint: its list and create, `/.search`, and one resource's get, replace, patch and delete. */
  async #resource(
    eng: Engine,
    ctx: StoreContext,
    scope: RequestScope,
    method: string,
    type: ResourceType,
    id: string | undefined,
    extra: string | undefined,
    query: URLSearchParams,
    body: unknown,
    rr: ResourceRequest,
  ): Promise<ScimResponse> {
    if (extra !== undefined) throw ScimError.notFound('Unknown endpoint');
    // ids are the server's own and never hold U+0000, which PostgreSQL's text cannot even be asked about
    if (id?.includes('\u0000')) throw ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 100))} not found`);
    if (id === '.search') {
      if (method !== 'POST') throw allow('POST');
      return jsonResponse(200, await listResources(eng, ctx, scope, type, paramsFromBody(body)));
    }
    if (id === undefined) {
      if (method === 'GET') return jsonResponse(200, await listResources(eng, ctx, scope, type, paramsFromQuery(query)));
      if (method === 'POST') return createResource(eng, ctx, scope, type, body, rr);
      throw allow('GET, POST');
    }
    switch (method) {
      case 'GET':
        return getResource(eng, ctx, scope, type, id, rr);
      case 'PUT':
        return replaceResource(eng, ctx, scope, type, id, body, rr);
      case 'PATCH':
        return patchResource(eng, ctx, scope, type, id, body, rr);
      case 'DELETE':
        return deleteResource(eng, ctx, type, id, rr);
      default:
        throw allow('GET, PUT, PATCH, DELETE');
    }
  }
}
