/**
 * Approving or discarding a connection's preview. Approval decides each user once more (the
 * report's decisions, the link hook run for real), writes those decisions into the held
 * events (a user's link on its `user.created`; a skipped user's events dropped, its id taken
 * out of its groups' events), and then switches the connection to `live`: one change of its
 * record, from which the store's outbox hands the held events to the usual delivery (at least
 * once, in order per resource). Every step before the switch can run again, so an approval that
 * dies is approved again; one that dies after it has nothing left to do. Discarding deletes the
 * tenant's resources and its held events, so the IdP's next cycle starts clean.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ScimError } from '../../core/errors.js';
import type { JsonObject, ScimResource } from '../../core/schema/resource.js';
import type { Connection } from '../../stores/connections.js';
import type { EventData, HeldEventChange, HeldEvents, OutboxEvent } from '../../stores/outbox.js';
import type { SoftDeletingStore } from '../../stores/soft-delete.js';
import type { StoreContext } from '../../stores/store.js';
import type { LinkDecision } from '../linking.js';
import { decideUsers, type ReportParts, resourcesOf, typeOf, type UserDecision } from './preview-report.js';

/** What approval and discard work with. @internal */
export interface PreviewActionParts extends ReportParts {
  /** The store's held events (undefined: the store cannot hold, so no connection is in preview). */
  readonly held: HeldEvents | undefined;
  readonly softDeletes: SoftDeletingStore | undefined;
  /** Writes a change of connection `id` at its version (again when another change won). */
  readonly change: (id: string, actor: string, edit: (c: Connection) => Partial<Connection>) => Promise<Connection>;
  /** Wakes delivery. */
  readonly wake: () => void;
}

/** Held events revised per call. */
const BATCH = 500;

/** 409 unless `c` is in preview (resolutions, the report's decisions: not while approval or discard runs). */
export function inPreview(c: Connection, action: string): void {
  if (c.mode !== 'preview')
    throw ScimError.conflict(
      c.mode === 'live'
        ? `connection ${JSON.stringify(c.id)} is not in preview: there is nothing to ${action}`
        : `connection ${JSON.stringify(c.id)} is ${c.mode === 'approving' ? 'being approved' : 'being discarded'}: wait for it to end`,
    );
}

/** The 409 of users still needing a decision (the detail names the first five), when any. */
function undecided(decisions: readonly UserDecision[]): ScimError | undefined {
  const open = decisions.filter((d) => d.user.outcome === 'conflict' || d.user.outcome === 'outsideDomain');
  if (!open.length) return undefined;
  return ScimError.conflict(
    `${open.length} user(s) need a decision before approval (resolve each: link, create or skip): ${open
      .slice(0, 5)
      .map((d) => `${JSON.stringify(d.user.userName)} (${d.user.outcome})`)
      .join(', ')}`,
  );
}

/**
 * Approves `c`'s preview (module comment); the connection, live. 409 while a user is a
 * conflict or outside the domains without an admin's resolution (the detail names the first),
 * found by a dry run before anything is written or the host's hook runs for real. The
 * connection is `approving` while the work runs: no resolution or discard can run into it, a
 * user the IdP creates meanwhile is linked as on a live connection, and an approval that died
 * is approved again from there.
 */
export async function approvePreview(parts: PreviewActionParts, c: Connection, actor: string): Promise<Connection> {
  if (c.mode !== 'approving') {
    inPreview(c, 'approve');
    const refused = undecided(await decideUsers(parts, c, true));
    if (refused) throw refused;
  }
  // the mark, at the version the decisions above were made at (another change first: 409, look again)
  const marked = await parts.change(c.id, actor, (x) => {
    if (x.mode === 'approving') return {};
    if (x.mode !== 'preview' || x.version !== c.version)
      throw ScimError.conflict(`connection ${JSON.stringify(c.id)} changed during approval (${x.mode}): review the report and approve again`);
    return { mode: 'approving' };
  });
  const decisions = await decideUsers(parts, marked, false);
  const refused = undecided(decisions);
  if (refused) {
    // the host's hook decided otherwise for real: back to preview, for the admin to resolve
    await parts.change(c.id, actor, (x) => (x.mode === 'approving' ? { mode: 'preview' } : {}));
    throw refused;
  }
  const links = new Map<string, LinkDecision>();
  for (const d of decisions) if (d.link !== undefined && d.link !== 'skip') links.set(d.user.id, d.link);
  // skipped: from the resolutions, so an approval run again after a crash still drops the events of users it deleted
  const skipped = new Set(Object.entries(marked.resolutions ?? {}).flatMap(([id, r]) => (r.action === 'skip' ? [id] : [])));
  await deleteSkipped(parts, c.tenant, skipped);
  await reviseHeld(parts, c.tenant, (e) => revised(e, links, skipped));
  const live = await parts.change(c.id, actor, (x) => (x.mode === 'approving' ? { mode: 'live', resolutions: {} } : {}));
  // the claims that set held events aside make them due at once; after a crash here, within a minute
  await parts.held?.release(c.tenant);
  parts.wake();
  return live;
}

/**
 * Discards `c`'s preview: every resource of its tenant and every held event deleted, no event
 * delivered; the connection back in preview. It is `discarding` meanwhile: no approval can run
 * into it, and the tenant's user writes are refused (503) so none is left without its event. A
 * discard that died is discarded again from there.
 */
export async function discardPreview(parts: PreviewActionParts, c: Connection, actor: string): Promise<Connection> {
  if (c.mode !== 'discarding') inPreview(c, 'discard');
  await parts.change(c.id, actor, (x) => {
    if (x.mode !== 'preview' && x.mode !== 'discarding')
      throw ScimError.conflict(`connection ${JSON.stringify(c.id)} is ${x.mode}: there is nothing to discard`);
    return { mode: 'discarding', resolutions: {} };
  });
  const { engine } = parts;
  const types = [...engine.registry.resourceTypes()].reverse();
  for (const type of types) {
    const ctx = context(c.tenant);
    // by keyset where the store pages so: the rows deleted behind the cursor are not read again
    if (engine.store.capabilities.keyset === true)
      for await (const r of resourcesOf(engine, ctx, type, false)) await deleteQuietly(parts, ctx, type.name, String(r.id));
    // a store paging by index (an offset walk would skip rows as they go): the first page again until empty;
    // after a keyset walk, one empty page (or what the IdP wrote meanwhile)
    for (;;) {
      const page = await engine.store.search(ctx, type, { startIndex: 1, count: 100, members: false });
      if (!page.resources.length) break;
      for (const r of page.resources) if (typeof r.id === 'string') await deleteQuietly(parts, ctx, type.name, r.id);
    }
  }
  if (parts.softDeletes) {
    const until = new Date(parts.now() + 1000);
    for (const type of types) while ((await parts.softDeletes.purge(context(c.tenant), type, until, 100)) > 0);
  }
  await reviseHeld(parts, c.tenant, () => null);
  return parts.change(c.id, actor, (x) => (x.mode === 'discarding' ? { mode: 'preview' } : {}));
}

/** A store context of approval's own (no request behind it). */
function context(tenant: string): StoreContext {
  return { tenant, requestId: `preview-${randomUUID()}` };
}

/** Deletes one resource without events (they would be held, then dropped); one already gone is fine. */
async function deleteQuietly(parts: PreviewActionParts, ctx: StoreContext, typeName: string, id: string): Promise<void> {
  const type = parts.engine.registry.resourceType(typeName)!;
  try {
    await parts.engine.store.delete(ctx, type, id, {});
  } catch (e) {
    if (!(e instanceof ScimError && e.status === 404)) throw e;
  }
}

/** Deletes the skipped users from the store: the IdP's next change of one creates it again, linked live. */
async function deleteSkipped(parts: PreviewActionParts, tenant: string, skipped: ReadonlySet<string>): Promise<void> {
  const type = typeOf(parts.engine, 'user');
  if (!type || !skipped.size) return;
  for (const id of skipped) await deleteQuietly(parts, context(tenant), type.name, id);
}

/** Applies `revise` to every pending event of `tenant`, in sequence order, in batches: null deletes, undefined leaves it. */
async function reviseHeld(parts: PreviewActionParts, tenant: string, revise: (e: OutboxEvent) => EventData | null | undefined): Promise<void> {
  const { outbox, held } = parts;
  if (!outbox || !held) return;
  let changes: HeldEventChange[] = [];
  for (let after = 0; ; ) {
    const page = await outbox.list({ tenant, after, limit: 1000 });
    for (const e of page) {
      if (e.state !== 'pending') continue;
      const data = revise(e);
      if (data !== undefined) changes.push({ id: e.id, data });
      if (changes.length >= BATCH) {
        await held.revise(tenant, changes);
        changes = [];
      }
    }
    if (page.length < 1000) break;
    after = page[page.length - 1]!.seq;
  }
  if (changes.length) await held.revise(tenant, changes);
}

/** The data approval gives a held event (undefined: unchanged; null: dropped). */
function revised(e: OutboxEvent, links: ReadonlyMap<string, LinkDecision>, skipped: ReadonlySet<string>): EventData | null | undefined {
  if (skipped.has(e.resourceId)) return null;
  if (e.type === 'user.created') {
    const link = links.get(e.resourceId);
    if (!link || JSON.stringify(link) === JSON.stringify(e.data.link)) return undefined;
    return { ...e.data, link };
  }
  if (!skipped.size || !e.type.startsWith('group.')) return undefined;
  const data: EventData = { ...e.data };
  let changed = false;
  if (data.memberIds) {
    const kept = data.memberIds.filter((id) => !skipped.has(id));
    if (kept.length !== data.memberIds.length) {
      if (!kept.length) return null;
      data.memberIds = kept;
      changed = true;
    }
  }
  for (const key of ['resource', 'previous'] as const) {
    const r = data[key];
    const members = withoutSkipped(r, skipped);
    if (members) {
      data[key] = { ...r, members } as ScimResource;
      changed = true;
    }
  }
  return changed ? data : undefined;
}

/** A group's members without the skipped users, when it had any of them; else undefined. */
function withoutSkipped(r: ScimResource | undefined, skipped: ReadonlySet<string>): JsonObject[] | undefined {
  if (!r || !Array.isArray(r.members)) return undefined;
  const members = r.members as JsonObject[];
  const kept = members.filter((m) => !(typeof m.value === 'string' && skipped.has(m.value)));
  return kept.length === members.length ? undefined : kept;
}
