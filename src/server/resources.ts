/**
 * GET, POST, PUT, PATCH and DELETE on one resource type (RFC 7644 §3.3–3.6).
 * @module
 */
import { ScimError } from '../core/errors.js';
import { applyPatch, NeedsMembers, type PatchResult } from '../core/patch/apply.js';
import { entityTags, preconditionMatches } from '../core/rules/preconditions.js';
import { Projection } from '../core/schema/project.js';
import type { ResourceType } from '../core/schema/registry.js';
import { isObject, type ScimResource } from '../core/schema/resource.js';
import { sameJson, validateResource } from '../core/schema/validate.js';
import type { AppliedMembers, GroupRef, StoreContext } from '../stores/store.js';
import type { Engine, RequestScope } from './engine.js';
import { eventPrefix, eventsFor, membershipEvents } from './hooks.js';
import { type LinkDecision, linkChanged } from './linking.js';
import { locationOf, present, projectionRequest } from './location.js';
import { normalizeResourceBody } from './normalize.js';
import { jsonResponse, type ScimResponse } from './request.js';

/** Request details the resource handlers read. */
export interface ResourceRequest {
  /** `If-Match` header. */
  ifMatch?: string;
  /** `If-None-Match` header. */
  ifNoneMatch?: string;
  /** `attributes` query parameter. */
  attributes?: string;
  /** `excludedAttributes` query parameter. */
  excludedAttributes?: string;
}

function notFound(type: ResourceType, id: string): ScimError {
  return ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 100))} not found`);
}

function etagHeaders(engine: Engine, r: ScimResource): Record<string, string> {
  return engine.features.etag && r.meta?.version ? { etag: r.meta.version } : {};
}

/**
 * 412 unless the client's `If-Match` names the current version (or `*`). Returns the
 * version the store must still be at when it writes (atomically): the one matched, or
 * none when the client sent no precondition (or `*`): the write then applies to the
 * current version.
 */
function checkIfMatch(engine: Engine, req: ResourceRequest, current: ScimResource): { ifVersion?: string } {
  if (!engine.features.etag || req.ifMatch === undefined) return {};
  if (!preconditionMatches(req.ifMatch, current.meta?.version))
    throw ScimError.preconditionFailed(`If-Match ${req.ifMatch.slice(0, 40)} does not match the current version ${current.meta?.version}`);
  const any = entityTags(req.ifMatch).every((t) => t === '*');
  return any || !current.meta?.version ? {} : { ifVersion: current.meta.version };
}

/** Whether a store answered a write with the version it already had: nothing changed (store/version.ts). */
function unchanged(before: ScimResource, after: ScimResource): boolean {
  return before.meta?.version !== undefined && before.meta.version === after.meta?.version;
}

function takePassword(r: ScimResource): string | undefined {
  const p = r.password;
  delete r.password;
  return typeof p === 'string' ? p : undefined;
}

async function setPassword(engine: Engine, ctx: StoreContext, id: string, password: string | undefined): Promise<void> {
  if (password === undefined || !engine.hooks.setPassword) return;
  try {
    await engine.hooks.setPassword(ctx, id, password);
  } catch (e) {
    engine.logger.error({ id, tenant: ctx.tenant, error: e instanceof Error ? e.message : String(e) }, 'setPassword hook failed after commit');
    throw e instanceof ScimError ? e : ScimError.internal('The resource was saved, but setting the password failed');
  }
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
  if (!r) throw notFound(type, id);
  if (engine.features.etag && req.ifNoneMatch !== undefined && preconditionMatches(req.ifNoneMatch, r.meta?.version)) {
    return { status: 304, headers: etagHeaders(engine, r) };
  }
  return jsonResponse(200, present(scope, type, r, projection), etagHeaders(engine, r));
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
  // linked before the write: a refusal writes nothing, and the decision travels with the event
  const link = engine.hooks.linkUser && eventPrefix(type) === 'user' ? await engine.hooks.linkUser({ ctx, resource }) : undefined;
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

/**
 * The link hook asked again when an update changes a user's externalId or e-mails (a refusal
 * throws: nothing is written). Undefined, without a promise, when it is not asked: an await
 * between the read and the compare-and-swap widens the window other writers win it in.
 */
function relink(
  engine: Engine,
  ctx: StoreContext,
  type: ResourceType,
  previous: ScimResource,
  next: ScimResource,
): Promise<LinkDecision | undefined> | undefined {
  if (!engine.hooks.linkUser || eventPrefix(type) !== 'user' || !linkChanged(previous, next)) return undefined;
  return Promise.resolve(engine.hooks.linkUser({ ctx, resource: next, previous }));
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
  for (let attempt = 0; ; attempt++) {
    const existing = await engine.store.get(ctx, type, id, { members: true });
    if (!existing) throw notFound(type, id);
    const precondition = checkIfMatch(engine, req, existing);
    let resource = validateResource(type, normalizeResourceBody(engine, type, body), { context: 'replace', existing, ...engine.policy });
    const password = takePassword(resource);
    if (engine.hooks.beforeUpdate) resource = (await engine.hooks.beforeUpdate({ ctx, resourceType: type, resource, previous: existing })) ?? resource;
    const relinking = relink(engine, ctx, type, existing, resource);
    const link = relinking && (await relinking);
    let stored: ScimResource;
    const recording = engine.events.forWrite(({ stored: after }) =>
      after && !unchanged(existing, after)
        ? eventsFor('update', type, id, after, existing, type.coreAttribute('members') ? diffMembers(existing, after) : undefined, {
            link,
            groupUpdatedOnMemberChange: engine.groupUpdatedOnMemberChange,
          })
        : [],
    );
    try {
      stored = await engine.store.replace(ctx, type, id, resource, { ...casFor(req, precondition, existing, attempt), ...recording.options });
    } catch (e) {
      if (retryable(e, req, attempt)) continue;
      throw e;
    }
    await recording.done(ctx, { stored });
    await setPassword(engine, ctx, id, password);
    return respond(engine, scope, type, stored, 200, req);
  }
}

/** Compare-and-swap attempts of a PUT or DELETE without If-Match before it applies to whatever is current. */
const CAS_ATTEMPTS = 5;

/**
 * The version a write must still find. With If-Match, the one matched (a 412 when it moved).
 * Without, the version read (so events describe the change against what was really there),
 * retried a few times and then none: a client that sent no precondition never gets a 412.
 */
function casFor(req: ResourceRequest, precondition: { ifVersion?: string }, existing: ScimResource, attempt: number): { ifVersion?: string } {
  if (req.ifMatch !== undefined) return precondition;
  return attempt < CAS_ATTEMPTS && existing.meta?.version ? { ifVersion: existing.meta.version } : {};
}

/** Whether a failed write was the compare-and-swap of a client without If-Match: read again and retry. */
function retryable(e: unknown, req: ResourceRequest, attempt: number): boolean {
  return e instanceof ScimError && e.status === 412 && req.ifMatch === undefined && attempt < CAS_ATTEMPTS;
}

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
  const optimistic = await patchAttempts(engine, ctx, scope, type, id, body, req, OPTIMISTIC_ATTEMPTS, false);
  if (optimistic) return optimistic;
  // Contention: other writers won every compare-and-swap. From here one writer at a time for
  // this resource: queued in this process, and (in a store transaction, the row read locked)
  // across instances. A client that sent no If-Match never gets a 412.
  return engine.writers.run(`${ctx.tenant}\u0000${type.name}\u0000${id}`, async () => {
    const serialised = () => patchAttempts(engine, ctx, scope, type, id, body, req, SERIALISED_ATTEMPTS, true);
    const store = engine.store;
    const { result, flush } = await engine.events.deferred(() => (store.transaction ? store.transaction(ctx, serialised) : serialised()));
    await flush();
    if (!result) throw ScimError.unavailable(`${type.name} ${id} is being changed by many writers at once; try again`, 1);
    return result;
  });
}

/** Compare-and-swap attempts of a PATCH without If-Match before it queues behind the other writers of the resource. */
const OPTIMISTIC_ATTEMPTS = 3;
/** Attempts once queued (and, on a store with transactions, with the row locked): losing them all takes writers that do not queue. */
const SERIALISED_ATTEMPTS = 20;

/**
 * Up to `attempts` rounds of read, apply, compare-and-swap. Undefined when every round lost
 * the compare-and-swap to another writer and the client sent no If-Match (with If-Match that
 * is the client's 412). `lock`: read the resource for update (the caller holds a transaction).
 */
async function patchAttempts(
  engine: Engine,
  ctx: StoreContext,
  scope: RequestScope,
  type: ResourceType,
  id: string,
  body: unknown,
  req: ResourceRequest,
  attempts: number,
  lock: boolean,
): Promise<ScimResponse | undefined> {
  const deltas = engine.store.capabilities.memberDeltas && type.coreAttribute('members') !== undefined;
  const options = {
    type,
    compatibility: engine.compatibility,
    paths: engine.paths,
    maxOperations: engine.limits.maxPatchOperations,
    maxFilterCost: engine.limits.maxFilterCost,
    ...engine.policy,
  };
  for (let attempt = 0; attempt < attempts; attempt++) {
    let existing = await engine.store.get(ctx, type, id, { members: !deltas, ...(lock ? { forUpdate: true } : {}) });
    if (!existing) throw notFound(type, id);
    const precondition = checkIfMatch(engine, req, existing);
    let result: PatchResult;
    let inline = !deltas;
    try {
      result = applyPatch(existing, body, { ...options, members: deltas ? 'delta' : 'inline' });
    } catch (e) {
      if (!(e instanceof NeedsMembers)) throw e;
      existing = await engine.store.get(ctx, type, id, { members: true });
      if (!existing) throw notFound(type, id);
      result = applyPatch(existing, body, { ...options, members: 'inline' });
      inline = true;
    }
    if (!result.changed) {
      if (engine.patchResponse === 'noContent') return { status: 204, headers: etagHeaders(engine, existing) };
      const current = inline ? existing : await engine.store.get(ctx, type, id, { members: true });
      return respond(engine, scope, type, current ?? existing, 200, req);
    }
    let resource = { ...result.resource };
    const password = takePassword(resource);
    if (engine.hooks.beforeUpdate) {
      resource =
        (await engine.hooks.beforeUpdate({ ctx, resourceType: type, resource, previous: existing, ...(result.members ? { members: result.members } : {}) })) ??
        resource;
    }
    const relinking = relink(engine, ctx, type, existing, resource);
    const link = relinking && (await relinking);
    // A delta that only touches members commutes with other writers: no version check
    // (unless the client asked for one). Anything else is compare-and-swap on the version read.
    const membersOnly = result.members !== undefined && !inline && sameJson(resource, existing);
    const ifVersion = membersOnly ? precondition.ifVersion : existing.meta?.version;
    // members only: the store keeps the attributes it has (a concurrent rename stands)
    let stored: ScimResource;
    let applied: AppliedMembers | undefined;
    const delta = result.members && !inline ? result.members : undefined;
    const recording = engine.events.forWrite((o) => {
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
    });
    try {
      stored = await engine.store.replace(ctx, type, id, resource, {
        ...recording.options,
        ...(ifVersion ? { ifVersion } : {}),
        ...(result.members && !inline
          ? {
              members: result.members,
              ...(membersOnly ? { keepAttributes: true } : {}),
              onMembersApplied: (a: AppliedMembers) => {
                applied = a;
              },
            }
          : {}),
      });
    } catch (e) {
      // another writer changed it since we read it: read again and re-apply (bounded)
      if (e instanceof ScimError && e.status === 412 && req.ifMatch === undefined) continue;
      throw e;
    }
    await recording.done(ctx, { stored, ...(applied ? { applied } : {}) });
    await setPassword(engine, ctx, id, password);
    const asked = req.attributes !== undefined || req.excludedAttributes !== undefined;
    if (engine.patchResponse === 'noContent' || (engine.patchResponse === 'auto' && !inline && !asked && touchedMembers(result))) {
      return { status: 204, headers: etagHeaders(engine, stored) };
    }
    const wantsMembers = new Projection(type, projectionRequest(req.attributes, req.excludedAttributes)).wants('', 'members');
    const full = !inline && wantsMembers && type.coreAttribute('members') ? ((await engine.store.get(ctx, type, id, { members: true })) ?? stored) : stored;
    return respond(engine, scope, type, full, 200, req);
  }
  return undefined;
}

/** DELETE /{type}/{id}. */
export async function deleteResource(engine: Engine, ctx: StoreContext, type: ResourceType, id: string, req: ResourceRequest): Promise<ScimResponse> {
  for (let attempt = 0; ; attempt++) {
    const existing = await engine.store.get(ctx, type, id, { members: false });
    if (!existing) throw notFound(type, id);
    const precondition = checkIfMatch(engine, req, existing);
    await engine.hooks.beforeDelete?.({ ctx, resourceType: type, id, previous: existing });
    let left: GroupRef[] = [];
    const retained = engine.softDeletes?.applies(type) === true;
    const recording = engine.events.forWrite(({ groups = [] }) => {
      const events = eventsFor('delete', type, id, undefined, existing, undefined, { retained });
      // the groups it was in lost a member: the host's teams must hear of it like any removal
      for (const g of groups) {
        const groupType = engine.registry.resourceType(g.type);
        if (groupType) events.push(...membershipEvents(groupType, g.id, [id]));
      }
      return events;
    });
    try {
      await engine.store.delete(ctx, type, id, {
        ...casFor(req, precondition, existing, attempt),
        ...recording.options,
        onMembershipsRemoved: (groups) => {
          left = groups;
        },
      });
    } catch (e) {
      if (retryable(e, req, attempt)) continue;
      throw e;
    }
    await recording.done(ctx, { groups: left });
    return { status: 204, headers: {} };
  }
}

/** Whether a parsed body is a JSON object (the resource endpoints take nothing else). */
export function isBody(v: unknown): v is Record<string, unknown> {
  return isObject(v);
}
