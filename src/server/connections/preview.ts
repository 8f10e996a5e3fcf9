/**
 * A connection's first sync in preview, as `scim.connections` offers it: the match report,
 * an admin's resolutions, approval and discard, each recorded in the tenant's activity log
 * with its actor. The lifecycle API (lifecycle.ts) hands these four calls here.
 * @module
 */
import { ScimError } from '../../core/errors.js';
import type { ActivityLog, ConnectionAction, ConnectionActivity } from '../../stores/activity-log.js';
import type { Connection, ConnectionMode } from '../../stores/connections.js';
import type { EventOutbox } from '../../stores/outbox.js';
import type { SoftDeletingStore } from '../../stores/soft-delete.js';
import type { Engine } from '../engine.js';
import { approvePreview, discardPreview, inPreview, type PreviewActionParts } from './approval.js';
import { text } from './lifecycle-input.js';
import type { ConnectionsOptions } from './options.js';
import { type PreviewReport, previewReport, typeOf } from './preview-report.js';
import { type ResolveInput, resolutionOf } from './resolution.js';

/** What the preview calls need of the lifecycle API: some of its parts, and its read, versioned change and audit record. @internal */
export interface PreviewLifecycle {
  readonly engine: Engine;
  readonly outbox: EventOutbox | undefined;
  readonly log: ActivityLog | undefined;
  readonly options: ConnectionsOptions;
  readonly softDeletes: SoftDeletingStore | undefined;
  readonly now: () => number;
  readonly wake: () => void;
  get(id: string): Promise<Connection>;
  change(id: string, actor: string, edit: (c: Connection) => Partial<Connection>): Promise<Connection>;
  note(c: Connection, actor: string, action: ConnectionAction, extra?: Partial<ConnectionActivity>): Promise<void>;
}

/** A new connection's mode: as asked, else the host's default; `preview` only where the store's outbox holds events (400). @internal */
export function modeOf(mode: unknown, options: ConnectionsOptions, outbox: EventOutbox | undefined): ConnectionMode {
  const m = mode ?? options.defaultMode ?? 'live';
  if (m !== 'live' && m !== 'preview') throw ScimError.invalidValue('mode must be "live" or "preview"');
  if (m === 'preview' && !outbox?.held)
    throw ScimError.invalidValue('mode "preview" needs a store whose outbox holds events (MemoryStore, PostgresStore); this store has none');
  return m;
}

/**
 * 409 when the tenant already has users or groups (a connection deleted without purge left
 * them): a preview would report them as new, and its discard would delete them unheard. @internal
 */
export async function refuseKeptResources(engine: Engine, tenant: string): Promise<void> {
  for (const type of engine.registry.resourceTypes()) {
    const found = await engine.store.search({ tenant, requestId: `preview-check-${tenant}` }, type, { startIndex: 1, count: 0, members: false });
    if (found.totalResults > 0)
      throw ScimError.conflict(
        `tenant ${JSON.stringify(tenant)} already has ${type.name} resources: a preview reviews a first sync only (purge them, or create the connection live)`,
      );
  }
}

/** The preview calls of one server's lifecycle API. @internal */
export class ConnectionPreview {
  readonly #l: PreviewLifecycle;

  constructor(lifecycle: PreviewLifecycle) {
    this.#l = lifecycle;
  }

  /** The match report (preview-report.ts); 404 for an unknown connection. */
  async report(id: string): Promise<PreviewReport> {
    return previewReport(this.#parts(), await this.#l.get(id));
  }

  /** Keeps an admin's decision for `userId` in the connection's record (a second one replaces the first). */
  async resolve(id: string, userId: string, input: ResolveInput): Promise<Connection> {
    const resolution = resolutionOf(input, new Date(this.#l.now()).toISOString());
    const c = await this.#l.get(id);
    inPreview(c, 'resolve');
    const type = typeOf(this.#l.engine, 'user');
    const user =
      type && typeof userId === 'string' ? await this.#l.engine.store.get({ tenant: c.tenant, requestId: `resolve-${c.id}` }, type, userId) : undefined;
    if (!user) throw ScimError.notFound(`User ${JSON.stringify(String(userId).slice(0, 100))} not found in tenant ${JSON.stringify(c.tenant)}`);
    if (resolution.account !== undefined) await this.#accountOfTenant(c.tenant, resolution.account);
    // refused once approval or discard has begun: approval would not see it
    const next = await this.#l.change(id, resolution.actor, (x) => {
      inPreview(x, 'resolve');
      return { resolutions: { ...x.resolutions, [userId]: resolution } };
    });
    const { action, account } = resolution;
    await this.#l.note(next, resolution.actor, 'resolve', { userId, resolution: account === undefined ? { action } : { action, account } });
    return next;
  }

  /** Refuses (400) an account the host does not say is the tenant's: a typed id must not reach another tenant's account. */
  async #accountOfTenant(tenant: string, account: string): Promise<void> {
    const check = this.#l.options.account;
    if (!check)
      throw ScimError.invalidValue('Linking a user to an account needs the connections.account option, which says whether the account is the tenant’s');
    if ((await check({ tenant }, account)) !== true)
      throw ScimError.invalidValue(`account ${JSON.stringify(account.slice(0, 100))} is not an account of this organization`);
  }

  /** Approves the preview (approval.ts); the live connection. */
  async approve(id: string, o: { actor: string }): Promise<Connection> {
    const actor = text(o?.actor, 'actor');
    const c = await approvePreview(this.#parts(), await this.#l.get(id), actor);
    await this.#l.note(c, actor, 'approve');
    return c;
  }

  /** Discards the preview (approval.ts); the connection, still in preview. */
  async discard(id: string, o: { actor: string }): Promise<Connection> {
    const actor = text(o?.actor, 'actor');
    const c = await discardPreview(this.#parts(), await this.#l.get(id), actor);
    await this.#l.note(c, actor, 'discard');
    return c;
  }

  #parts(): PreviewActionParts {
    const { engine, outbox, log, options, now, softDeletes, wake, change } = this.#l;
    return { engine, outbox, log, previewGroup: options.previewGroup, now, held: outbox?.held, softDeletes, wake, change: (...a) => change(...a) };
  }
}
