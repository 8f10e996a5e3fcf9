/**
 * GET, POST, PUT, PATCH and DELETE on one resource type (RFC 7644 §3.3–3.6). PUT, PATCH and
 * DELETE are each a {@link WriteMethod} of the one write pipeline (write-pipeline.ts): here is
 * only what differs between them.
 * @module
 */
import { ScimError } from '../core/errors.js';
import { applyPreparedPatch, NeedsMembers, type PatchResult, type PreparedPatch, preparePatch } from '../core/patch/apply.js';
import { preconditionMatches } from '../core/rules/preconditions.js';
import { Projection } from '../core/schema/project.js';
import type { ResourceType } from '../core/schema/registry.js';
import type { ScimResource } from '../core/schema/resource.js';
import { sameJson, validateResource } from '../core/schema/validate.js';
import type { AppliedMembers, GroupRef, StoreContext, WriteOutcome } from '../stores/store.js';
import type { Engine, RequestScope } from './engine.js';
import { eventPrefix, eventsFor, membershipEvents } from './hooks.js';
import { locationOf, present, projectionRequest } from './location.js';
import { normalizeResourceBody } from './normalize.js';
import { type ReadsNow, readNow } from './read-now.js';
import { jsonResponse, type ScimResponse } from './request.js';
import {
  type Answered,
  type Change,
  notFound,
  type ResourceRequest,
  type Rounds,
  setPassword,
  takePassword,
  unchanged,
  type WriteMethod,
  writeResource,
} from './write-pipeline.js';

export type { ResourceRequest } from './write-pipeline.js';

function etagHeaders(engine: Engine, r: ScimResource): Record<string, string> {
  return engine.features.etag && r.meta?.version ? { etag: r.meta.version } : {};
}

function respond(
  engine: Engine,
  scope: RequestScope,
  type: ResourceType,
  r: ScimResource,
  status: number,
  req: ResourceRequest,
  extra: Record<string, string> = {},
): ScimResponse {
  const projection = new Projection(type, projectionRequest(req.attributes, req.excludedAttributes));
  return jsonResponse(status, present(scope, type, r, projection), { ...etagHeaders(engine, r), ...extra });
}

function memberIds(r: ScimResource | undefined): Set<string> {
  return new Set(Array.isArray(r?.members) ? (r.members as { value?: unknown }[]).map((m) => m.value).filter((v): v is string => typeof v === 'string') : []);
}

function diffMembers(before: ScimResource | undefined, after: ScimResource | undefined): { added: string[]; removed: string[] } {
  const a = memberIds(before);
  const b = memberIds(after);
  return { added: [...b].filter((x) => !a.has(x)), removed: [...a].filter((x) => !b.has(x)) };
}

/** Whether a PATCH result carries a non-empty member delta. */
function touchedMembers(r: PatchResult): boolean {
  return r.members !== undefined && (r.members.removeAll || r.members.added.length > 0 || r.members.removed.length > 0);
}

/** GET /{type}/{id}. */
export async function getResource(
  engine: Engine,
  ctx: StoreContext,
  scope: RequestScope,
  type: ResourceType,
  id: string,
  req: ResourceRequest,
): Promise<ScimResponse> {
  const projection = new Projection(type, projectionRequest(req.attributes, req.excludedAttributes));
  const r = await engine.store.get(ctx, type, id, { members: projection.wants('', 'members') });
  return gotten(engine, scope, type, id, req, projection, r, false);
}

/** GET /{type}/{id} from a store that answers at once: the answer {@link getResource} gives, without a promise (read-now.ts). Throws its 404. */
export function getResourceNow(
  engine: Engine,
  store: ReadsNow,
  ctx: StoreContext,
  scope: RequestScope,
  type: ResourceType,
  id: string,
  req: ResourceRequest,
): ScimResponse {
  const projection = new Projection(type, projectionRequest(req.attributes, req.excludedAttributes));
  // the store's own data, uncopied: the projection makes the answer's one copy (a 304 and a 404 make none)
  const r = store[readNow](ctx, type, id, { members: projection.wants('', 'members') }, false);
  return gotten(engine, scope, type, id, req, projection, r, true);
}

/**
 * The answer to a GET of `r` as the store gave it (undefined: 404, thrown): 304 when
 * `If-None-Match` matches its version. `owned`: `r` is the store's own data, copied here.
 */
function gotten(
  engine: Engine,
  scope: RequestScope,
  type: ResourceType,
  id: string,
  req: ResourceRequest,
  projection: Projection,
  r: ScimResource | undefined,
  owned: boolean,
): ScimResponse {
  if (!r) throw notFound(type, id);
  if (engine.features.etag && req.ifNoneMatch !== undefined && preconditionMatches(req.ifNoneMatch, r.meta?.version)) {
    return { status: 304, headers: etagHeaders(engine, r) };
  }
  return jsonResponse(200, present(scope, type, r, projection, owned), etagHeaders(engine, r));
}

/** POST /{type}. */
export async function createResource(
  engine: Engine,
  ctx: StoreContext,
  scope: RequestScope,
  type: ResourceType,
  body: unknown,
  req: ResourceRequest,
): Promise<ScimResponse> {
  let resource = validateResource(type, normalizeResourceBody(engine, type, body), { context: 'create', ...engine.policy });
  const password = takePassword(resource);
  if (engine.hooks.beforeCreate) resource = (await engine.hooks.beforeCreate({ ctx, resourceType: type, resource })) ?? resource;
  const user = eventPrefix(type) === 'user';
  // the tenant's connection: its domain rule, and in preview no link yet (the match report and
  // approval decide it, so the IdP's first cycle is not refused)
  const rules = user && engine.connectionRules ? await engine.connectionRules.confirmed(ctx.tenant) : undefined;
  if (rules) engine.connectionRules!.check(rules, resource);
  // linked before the write: a refusal writes nothing, and the decision travels with the event
  const link = engine.hooks.linkUser && user && !rules?.preview ? await engine.hooks.linkUser({ ctx, resource }) : undefined;
  // under soft delete, a create that names a soft-deleted user's userName or externalId restores it
  const deleted = engine.softDeletes ? await engine.softDeletes.restorable(ctx, type, resource) : undefined;
  const recording = engine.events.forWrite((o) =>
    eventsFor('create', type, o.stored!.id as string, o.stored, undefined, undefined, { link, restored: deleted !== undefined }),
  );
  const stored = deleted
    ? await engine.softDeletes!.restore(ctx, type, deleted, resource, recording.options)
    : await engine.store.create(ctx, type, resource, recording.options);
  const id = stored.id as string;
  await recording.done(ctx, { stored });
  await setPassword(engine, ctx, id, password);
  return respond(engine, scope, type, stored, 201, req, { location: locationOf(scope, type, id) });
}

/** Compare-and-swap attempts of a PUT or DELETE without If-Match before it applies to whatever is current. */
const CAS_ATTEMPTS = 5;

/** PUT and DELETE: compared attempts, then one that applies to whatever is current (a client without If-Match never gets a 412). */
const REPLACE_ROUNDS: Rounds = { attempts: CAS_ATTEMPTS + 1, lock: false, whenAllLost: 'throw' };

/**
 * The version a PUT or DELETE must still find. With If-Match, the one matched (a 412 when it
 * moved). Without, the version read (so events describe the change against what was really
 * there), for the first attempts, and then none.
 */
function casFor(req: ResourceRequest, precondition: { ifVersion?: string }, existing: ScimResource, attempt: number): string | undefined {
  if (req.ifMatch !== undefined) return precondition.ifVersion;
  return attempt < CAS_ATTEMPTS && existing.meta?.version ? existing.meta.version : undefined;
}

/** PUT /{type}/{id}. */
export async function replaceResource(
  engine: Engine,
  ctx: StoreContext,
  scope: RequestScope,
  type: ResourceType,
  id: string,
  body: unknown,
  req: ResourceRequest,
): Promise<ScimResponse> {
  const put: WriteMethod<Change> = {
    readMembers: true,
    change: (existing) => {
      const resource = validateResource(type, normalizeResourceBody(engine, type, body), { context: 'replace', existing, ...engine.policy });
      return { existing, resource, password: takePassword(resource) };
    },
    plan: ({ existing }, resource, link, precondition, attempt) => ({
      ifVersion: casFor(req, precondition, existing, attempt),
      events: ({ stored: after }) =>
        after && !unchanged(existing, after)
          ? eventsFor('update', type, id, after, existing, type.coreAttribute('members') ? diffMembers(existing, after) : undefined, {
              link,
              groupUpdatedOnMemberChange: engine.groupUpdatedOnMemberChange,
            })
          : [],
      write: async (options) => ({ stored: await engine.store.replace(ctx, type, id, resource!, options) }),
    }),
    respond: (_, { stored }) => respond(engine, scope, type, stored!, 200, req),
  };
  return (await writeResource(engine, ctx, type, id, req, put, REPLACE_ROUNDS))!;
}

/** DELETE /{type}/{id}. */
export async function deleteResource(engine: Engine, ctx: StoreContext, type: ResourceType, id: string, req: ResourceRequest): Promise<ScimResponse> {
  const del: WriteMethod<Change> = {
    readMembers: false,
    change: (existing) => ({ existing, resource: undefined, password: undefined }),
    plan: ({ existing }, _resource, _link, precondition, attempt) => {
      const retained = engine.softDeletes?.applies(type) === true;
      return {
        ifVersion: casFor(req, precondition, existing, attempt),
        events: ({ groups = [] }) => {
          const events = eventsFor('delete', type, id, undefined, existing, undefined, { retained });
          // the groups it was in lost a member: the host's teams must hear of it like any removal
          for (const g of groups) {
            const groupType = engine.registry.resourceType(g.type);
            if (groupType) events.push(...membershipEvents(groupType, g.id, [id]));
          }
          return events;
        },
        write: async (options) => {
          let left: GroupRef[] = [];
          options.onMembershipsRemoved = (groups) => {
            left = groups;
          };
          await engine.store.delete(ctx, type, id, options);
          return { groups: left };
        },
      };
    },
    respond: () => ({ status: 204, headers: {} }),
  };
  return (await writeResource(engine, ctx, type, id, req, del, REPLACE_ROUNDS))!;
}

/** Compare-and-swap rounds of a PATCH without If-Match before it queues behind the other writers of the resource. */
const OPTIMISTIC_ROUNDS: Rounds = { attempts: 3, lock: false, whenAllLost: 'return' };
/** Rounds once queued (and, on a store with transactions, with the row locked): losing them all takes writers that do not queue. */
const SERIALISED_ROUNDS: Rounds = { attempts: 20, lock: true, whenAllLost: 'return' };

/** PATCH /{type}/{id}: compare-and-swap against the version read, retried when another writer got there first. */
export async function patchResource(
  engine: Engine,
  ctx: StoreContext,
  scope: RequestScope,
  type: ResourceType,
  id: string,
  body: unknown,
  req: ResourceRequest,
): Promise<ScimResponse> {
  const method = patchMethod(engine, ctx, scope, type, id, body, req);
  const optimistic = await writeResource(engine, ctx, type, id, req, method, OPTIMISTIC_ROUNDS);
  if (optimistic) return optimistic;
  // Contention: other writers won every compare-and-swap. From here one writer at a time for
  // this resource: queued in this process, and (in a store transaction, the row read locked)
  // across instances. A client that sent no If-Match never gets a 412.
  return engine.writers.run(`${ctx.tenant}\u0000${type.name}\u0000${id}`, async () => {
    const serialised = () => writeResource(engine, ctx, type, id, req, method, SERIALISED_ROUNDS);
    const store = engine.store;
    const { result, flush } = await engine.events.deferred(() => (store.transaction ? store.transaction(ctx, serialised) : serialised()));
    await flush();
    if (!result) throw ScimError.unavailable(`${type.name} ${id} is being changed by many writers at once; try again`, 1);
    return result;
  });
}

/** A PATCH's change: the patch's result, and whether the members are in the resource (`inline`) or a delta. */
interface PatchChange extends Change {
  resource: ScimResource;
  result: PatchResult;
  inline: boolean;
}

/**
 * PATCH as a {@link WriteMethod}. The body is parsed, and each operation normalised by the
 * client's quirks, once per request: every attempt applies the same prepared patch.
 */
function patchMethod(
  engine: Engine,
  ctx: StoreContext,
  scope: RequestScope,
  type: ResourceType,
  id: string,
  body: unknown,
  req: ResourceRequest,
): WriteMethod<PatchChange> {
  const deltas = engine.store.capabilities.memberDeltas && type.coreAttribute('members') !== undefined;
  const options = {
    type,
    compatibility: engine.compatibility,
    paths: engine.paths,
    maxOperations: engine.limits.maxPatchOperations,
    maxFilterCost: engine.limits.maxFilterCost,
    ...engine.policy,
  };
  // prepared at the first attempt's apply, after the read: a missing resource is still a 404 whatever the body
  let prepared: PreparedPatch | undefined;
  const apply = (existing: ScimResource, members: 'delta' | 'inline') =>
    applyPreparedPatch(existing, (prepared ??= preparePatch(body, options)), { ...options, members });

  /** The change of a patch result, or the answer to one that changes nothing. */
  const settle = (existing: ScimResource, result: PatchResult, inline: boolean): PatchChange | Answered | Promise<Answered> => {
    if (!result.changed) {
      if (engine.patchResponse === 'noContent') return { answer: { status: 204, headers: etagHeaders(engine, existing) } };
      if (inline) return { answer: respond(engine, scope, type, existing, 200, req) };
      return engine.store.get(ctx, type, id, { members: true }).then((current) => ({ answer: respond(engine, scope, type, current ?? existing, 200, req) }));
    }
    const resource = { ...result.resource };
    return { existing, resource, password: takePassword(resource), members: result.members, result, inline };
  };

  /** An operation needs the member list (NeedsMembers): read it and apply the patch inline. */
  const withMembers = async (): Promise<PatchChange | Answered> => {
    const existing = await engine.store.get(ctx, type, id, { members: true });
    if (!existing) throw notFound(type, id);
    return settle(existing, apply(existing, 'inline'), true);
  };

  return {
    readMembers: !deltas,
    change: (existing) => {
      let result: PatchResult;
      try {
        result = apply(existing, deltas ? 'delta' : 'inline');
      } catch (e) {
        if (!(e instanceof NeedsMembers)) throw e;
        return withMembers();
      }
      return settle(existing, result, !deltas);
    },
    plan: ({ existing, result, inline }, hooked, link, precondition) => {
      const resource = hooked!;
      // A delta that only touches members commutes with other writers: no version check
      // (unless the client asked for one). Anything else is compare-and-swap on the version read.
      const membersOnly = result.members !== undefined && !inline && sameJson(resource, existing);
      // members only: the store keeps the attributes it has (a concurrent rename stands)
      const delta = result.members && !inline ? result.members : undefined;
      return {
        ifVersion: membersOnly ? precondition.ifVersion : existing.meta?.version,
        events: (o) => {
          const after = o.stored;
          if (!after) return [];
          // a members-only write changed something exactly when the store applied a member change;
          // a store that found nothing to change (a current member added again) records no event
          const nothing = membersOnly && o.applied ? o.applied.added.length === 0 && o.applied.removed.length === 0 : unchanged(existing, after);
          if (nothing) return [];
          const members = delta
            ? // what the store really changed; a store that cannot tell gets the request's ids
              (o.applied ?? { added: delta.added.map((m) => m.value), removed: delta.removed })
            : type.coreAttribute('members')
              ? diffMembers(existing, after)
              : undefined;
          // a members-only write left the attributes as they are now: compare those with themselves, so
          // a concurrent rename or deactivation (which records its own events) is not reported again
          return eventsFor('update', type, id, after, membersOnly ? { ...after, members: undefined } : existing, members, {
            link,
            groupUpdatedOnMemberChange: engine.groupUpdatedOnMemberChange,
          });
        },
        write: async (options) => {
          let applied: AppliedMembers | undefined;
          if (delta) {
            options.members = delta;
            if (membersOnly) options.keepAttributes = true;
            options.onMembersApplied = (a) => {
              applied = a;
            };
          }
          const stored = await engine.store.replace(ctx, type, id, resource, options);
          return applied ? { stored, applied } : { stored };
        },
      };
    },
    respond: async ({ result, inline }, outcome: WriteOutcome) => {
      const stored = outcome.stored!;
      const asked = req.attributes !== undefined || req.excludedAttributes !== undefined;
      if (engine.patchResponse === 'noContent' || (engine.patchResponse === 'auto' && !inline && !asked && touchedMembers(result))) {
        return { status: 204, headers: etagHeaders(engine, stored) };
      }
      const wantsMembers = new Projection(type, projectionRequest(req.attributes, req.excludedAttributes)).wants('', 'members');
      const full = !inline && wantsMembers && type.coreAttribute('members') ? ((await engine.store.get(ctx, type, id, { members: true })) ?? stored) : stored;
      return respond(engine, scope, type, full, 200, req);
    },
  };
}
