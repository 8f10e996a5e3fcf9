/**
 * The write pipeline of PUT, PATCH and DELETE on one resource (RFC 7644 §3.5.1, §3.5.2, §3.6),
 * written once:
 *
 * read → If-Match → the method's change (a PUT body validated, a PATCH applied) → the host's
 * hook (`beforeUpdate` / `beforeDelete`) → the link hook → the store's compare-and-swap write,
 * with its events in the same atomic step → on a lost compare-and-swap, read again and retry →
 * delivery woken → `setPassword` → the method's answer.
 *
 * Each method ({@link WriteMethod}, in resources.ts) supplies only what differs: whether it reads
 * the members, the change it makes, the version its write must still find, the store call, its
 * events and its answer. Nothing here awaits between the read and the write unless a host's
 * hook or a method's extra read asks for it: every await there widens the window another writer
 * wins the compare-and-swap in.
 * @module
 */
import { ScimError } from '../core/errors.js';
import { entityTags, preconditionMatches } from '../core/rules/preconditions.js';
import type { ResourceType } from '../core/schema/registry.js';
import type { ScimResource } from '../core/schema/resource.js';
import type { EventDraft } from '../stores/outbox.js';
import type { GetOptions, StoreContext, WriteOptions, WriteOutcome } from '../stores/store.js';
import type { WriteRules } from './connections/write-rules.js';
import type { Engine } from './engine.js';
import { eventPrefix } from './hooks.js';
import { type LinkDecision, linkChanged } from './linking.js';
import type { ScimResponse } from './request.js';

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

/** What the client's `If-Match` asks of the write: the version the store must still be at, if any. */
export interface Precondition {
  /** The version matched; absent without `If-Match` (or with `*`). */
  ifVersion?: string;
}

/** The change one attempt makes, as its method made it from the resource read. */
export interface Change {
  /** The resource as read (a PATCH may have read it again, with its members): `previous` to the hooks. */
  existing: ScimResource;
  /** The resource to write (PUT, PATCH), its password taken out; undefined for DELETE. */
  resource: ScimResource | undefined;
  /** The password taken out of `resource`, set through the host's hook once the write committed. */
  password: string | undefined;
  /** A PATCH's member delta, shown to `beforeUpdate`. */
  members?: WriteOptions['members'];
}

/** A method's answer without a write (a PATCH that changes nothing). */
export interface Answered {
  /** The response. */
  answer: ScimResponse;
}

/** The write one attempt makes, planned once the hooks ran. */
export interface PlannedWrite {
  /** The version the store must still find (412 when it moved); undefined: the write applies to whatever is current. */
  ifVersion: string | undefined;
  /** The write's events, from what the store did (called inside the store's atomic step). */
  events(outcome: WriteOutcome): EventDraft[];
  /** The store call, with `options` (the recording's and `ifVersion`; a fresh object the method may add to). */
  write(options: WriteOptions): Promise<WriteOutcome>;
}

/** What PUT, PATCH or DELETE supplies to {@link writeResource}. */
export interface WriteMethod<C extends Change> {
  /** Whether each attempt reads the resource with its members. */
  readonly readMembers: boolean;
  /**
   * The change the request makes to the resource read, or the answer when it writes nothing.
   * Synchronous unless it must read again: see the module comment.
   */
  change(existing: ScimResource): C | Answered | Promise<C | Answered>;
  /** The write of `resource` as the hooks left it (undefined for DELETE), with the link hook's decision. */
  plan(change: C, resource: ScimResource | undefined, link: LinkDecision | undefined, precondition: Precondition, attempt: number): PlannedWrite;
  /** The answer once the write committed and the password was set. */
  respond(change: C, outcome: WriteOutcome): ScimResponse | Promise<ScimResponse>;
}

/** How many attempts {@link writeResource} makes, and how. */
export interface Rounds {
  /** Attempts at most. */
  readonly attempts: number;
  /** Read the resource for update (the caller holds a store transaction). */
  readonly lock: boolean;
  /**
   * When the last attempt loses its compare-and-swap too: `throw` its 412 (PUT and DELETE,
   * whose last attempt applies to whatever is current: a 412 then is the store's own answer),
   * or `return` undefined (PATCH: its caller queues behind the resource's other writers).
   */
  readonly whenAllLost: 'throw' | 'return';
}

/** 404 for a resource that is not there (the id cut to 100 characters: it is the client's). */
export function notFound(type: ResourceType, id: string): ScimError {
  return ScimError.notFound(`${type.name} ${JSON.stringify(id.slice(0, 100))} not found`);
}

/**
 * 412 unless the client's `If-Match` names the current version (or `*`). Returns the
 * version the store must still be at when it writes (atomically): the one matched, or
 * none when the client sent no precondition (or `*`): the write then applies to the
 * current version.
 */
export function checkIfMatch(engine: Engine, req: ResourceRequest, current: ScimResource): Precondition {
  if (!engine.features.etag || req.ifMatch === undefined) return {};
  if (!preconditionMatches(req.ifMatch, current.meta?.version))
    throw ScimError.preconditionFailed(`If-Match ${req.ifMatch.slice(0, 40)} does not match the current version ${current.meta?.version}`);
  const any = entityTags(req.ifMatch).every((t) => t === '*');
  return any || !current.meta?.version ? {} : { ifVersion: current.meta.version };
}

/** Whether a store answered a write with the version it already had: nothing changed (core/rules/version.ts). */
export function unchanged(before: ScimResource, after: ScimResource): boolean {
  return before.meta?.version !== undefined && before.meta.version === after.meta?.version;
}

/** Takes `password` out of a resource about to be written: scimkit never stores it, the host's hook sets it. */
export function takePassword(r: ScimResource): string | undefined {
  const p = r.password;
  delete r.password;
  return typeof p === 'string' ? p : undefined;
}

/** Hands a written resource's password to the host's `setPassword` hook, after commit. */
export async function setPassword(engine: Engine, ctx: StoreContext, id: string, password: string | undefined): Promise<void> {
  if (password === undefined || !engine.hooks.setPassword) return;
  try {
    await engine.hooks.setPassword(ctx, id, password);
  } catch (e) {
    engine.logger.error({ id, tenant: ctx.tenant, error: e instanceof Error ? e.message : String(e) }, 'setPassword hook failed after commit');
    throw e instanceof ScimError ? e : ScimError.internal('The resource was saved, but setting the password failed');
  }
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
  rules: WriteRules | undefined,
): Promise<LinkDecision | undefined> | undefined {
  if (!engine.hooks.linkUser || eventPrefix(type) !== 'user' || !linkChanged(previous, next)) return undefined;
  // in preview, approval links every user as it then is: an update links nothing yet
  if (rules?.preview) return undefined;
  return Promise.resolve(engine.hooks.linkUser({ ctx, resource: next, previous }));
}

/** Whether a failed write was the compare-and-swap of a client without If-Match: another writer got there first. */
function lostSwap(e: unknown, req: ResourceRequest): boolean {
  return e instanceof ScimError && e.status === 412 && req.ifMatch === undefined;
}

/**
 * Writes one resource by `method`, in up to `rounds.attempts` rounds of the pipeline (module
 * comment). Undefined when every round lost its compare-and-swap and `rounds.whenAllLost` is
 * `return`; a client that sent If-Match gets the 412 of the version it named instead.
 */
export async function writeResource<C extends Change>(
  engine: Engine,
  ctx: StoreContext,
  type: ResourceType,
  id: string,
  req: ResourceRequest,
  method: WriteMethod<C>,
  rounds: Rounds,
): Promise<ScimResponse | undefined> {
  const reading: GetOptions = rounds.lock ? { members: method.readMembers, forUpdate: true } : { members: method.readMembers };
  // the connection's rules (preview, domains) once, before the first read: no await between a read and its write
  // (a preview is confirmed from the record: a stale one would leave a user delivered live unlinked)
  const rules = eventPrefix(type) === 'user' ? await engine.connectionRules?.confirmed(ctx.tenant) : undefined;
  for (let attempt = 0; attempt < rounds.attempts; attempt++) {
    const read = await engine.store.get(ctx, type, id, reading);
    if (!read) throw notFound(type, id);
    const precondition = checkIfMatch(engine, req, read);
    const made = method.change(read);
    const change = made instanceof Promise ? await made : made;
    if ('answer' in change) return change.answer;
    const previous = change.existing;
    let resource = change.resource;
    if (resource === undefined) {
      if (engine.hooks.beforeDelete) await engine.hooks.beforeDelete({ ctx, resourceType: type, id, previous });
    } else if (engine.hooks.beforeUpdate) {
      const members = change.members;
      resource = (await engine.hooks.beforeUpdate({ ctx, resourceType: type, resource, previous, ...(members ? { members } : {}) })) ?? resource;
    }
    if (resource && rules) engine.connectionRules!.check(rules, resource, previous);
    const relinking = resource && relink(engine, ctx, type, previous, resource, rules);
    const link = relinking && (await relinking);
    const planned = method.plan(change, resource, link, precondition, attempt);
    const recording = engine.events.forWrite(planned.events);
    const options: WriteOptions = { ...recording.options };
    if (planned.ifVersion) options.ifVersion = planned.ifVersion;
    let outcome: WriteOutcome;
    try {
      outcome = await planned.write(options);
    } catch (e) {
      // another writer changed it since it was read: read again and re-apply (bounded)
      if (lostSwap(e, req) && (attempt + 1 < rounds.attempts || rounds.whenAllLost === 'return')) continue;
      throw e;
    }
    await recording.done(ctx, outcome);
    if (change.password !== undefined) await setPassword(engine, ctx, id, change.password);
    return method.respond(change, outcome);
  }
  return undefined;
}
