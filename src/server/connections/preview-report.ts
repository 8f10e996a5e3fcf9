/**
 * The match report of a connection in preview (`scim.connections.preview`): what approving the
 * first sync would do to the app, computed from what the IdP sent (the tenant's users and groups
 * as stored), the host's account look-up run as a dry run (`linkUser` with `dryRun: true`), the
 * connection's domain rule and the admin's resolutions. Nothing is written. Approval computes
 * the same decisions once more (approval.ts), so what is delivered is what the report showed
 * unless the app's accounts changed in between.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ScimError } from '../../core/errors.js';
import type { ResourceType } from '../../core/schema/registry.js';
import type { ScimResource } from '../../core/schema/resource.js';
import type { ActivityLog } from '../../stores/activity-log.js';
import type { Connection, UserResolution } from '../../stores/connections.js';
import type { EventOutbox } from '../../stores/outbox.js';
import type { StoreContext } from '../../stores/store.js';
import type { Engine } from '../engine.js';
import { eventPrefix } from '../hooks.js';
import type { LinkDecision } from '../linking.js';
import { outsideAddress, outsideDomainsError, refusedAddress } from './domain-rules.js';
import type { GroupPreview, PreviewGroupHook } from './options.js';

/**
 * What approving would do for one user: `new` (a new account), `link` (an existing account),
 * `conflict` (the host's look-up refused it, or another user claims the same account),
 * `outsideDomain` (an address outside the connection's domains, kept for review), `deactivate`
 * (an existing account the IdP sends inactive), `skip` (an admin left it out).
 */
export type PreviewOutcome = 'new' | 'link' | 'conflict' | 'outsideDomain' | 'deactivate' | 'skip';

/** One user of the report. */
export interface PreviewUser {
  /** The user's SCIM id (what `resolve` takes). */
  id: string;
  /** Its userName. */
  userName: string;
  /** What approving would do. */
  outcome: PreviewOutcome;
  /** The host's account it links to (`link`, `deactivate`). */
  account?: string;
  /** How it links: by `externalId`, by `email`, by the host's rule (`host`), or by an admin's resolution (`admin`). */
  by?: 'externalId' | 'email' | 'host' | 'admin';
  /** Why a `conflict` or `outsideDomain` (the refusal's detail). */
  reason?: string;
  /** The admin's decision, when one was made (it decides the outcome). */
  resolution?: UserResolution;
}

/** A user the domain rule refused (it is not stored): read back from the tenant's activity log. */
export interface RefusedUser {
  /** The address the rule refused, as the IdP sent it. */
  address: string;
  /** The refusal's detail. */
  reason: string;
  /** When it was last refused (ISO 8601). */
  at: string;
}

/** One group of the report: the team it becomes and what the host's mapping would grant. */
export interface PreviewGroup extends GroupPreview {
  /** The group's SCIM id. */
  id: string;
  /** Its displayName. */
  displayName: string;
  /** `link` when the host's mapping names an existing team, else `new`. */
  outcome: 'new' | 'link';
  /** Its members' ids. */
  members: string[];
}

/** How many users have each outcome, and the rest of the report in numbers. */
export interface PreviewCounts {
  /** Users that get a new account. */
  new: number;
  /** Users linked to an existing account. */
  link: number;
  /** Users with a conflict to resolve. */
  conflict: number;
  /** Users outside the domains: kept for review, and refused (`refused`). */
  outsideDomain: number;
  /** Existing accounts that would be deactivated. */
  deactivate: number;
  /** Users an admin skipped. */
  skip: number;
  /** Groups. */
  groups: number;
  /** Lifecycle events held (delivered on approval). */
  heldEvents: number;
}

/** The match report of a connection (`scim.connections.preview`). */
export interface PreviewReport {
  /** The connection. */
  connectionId: string;
  /** Its tenant. */
  tenant: string;
  /** Its mode now (a report of a live connection shows what the look-up would decide today; nothing is held). */
  mode: Connection['mode'];
  /** When the report was made (ISO 8601). */
  generatedAt: string;
  /** Every user the IdP sent, by id. */
  users: PreviewUser[];
  /** Every group, by id. */
  groups: PreviewGroup[];
  /** Users the domain rule refused, by address. */
  refused: RefusedUser[];
  /** The numbers. */
  counts: PreviewCounts;
  /** Whether approval would go through now: no `conflict` or `outsideDomain` user without a resolution. */
  ready: boolean;
}

/** What a report and an approval read. @internal */
export interface ReportParts {
  readonly engine: Engine;
  readonly outbox: EventOutbox | undefined;
  readonly log: ActivityLog | undefined;
  readonly previewGroup: PreviewGroupHook | undefined;
  readonly now: () => number;
}

/** Resources read per page. */
const PAGE = 200;

/**
 * Every resource of `type` in the tenant, page by page: by keyset where the store pages so
 * (a resource deleted meanwhile skips no other, and PostgreSQL reads no earlier rows again),
 * else by index.
 */
export async function* resourcesOf(engine: Engine, ctx: StoreContext, type: ResourceType, members: boolean): AsyncGenerator<ScimResource> {
  const keyset = engine.store.capabilities.keyset === true;
  let after: string | undefined;
  for (let start = 1; ; start += PAGE) {
    const page = await engine.store.search(ctx, type, { startIndex: start, count: PAGE, members, ...(keyset && after !== undefined ? { after } : {}) });
    for (const r of page.resources) if (typeof r.id === 'string') yield r;
    if (page.resources.length < PAGE || (keyset && page.next === undefined)) return;
    after = page.next;
  }
}

/** The registered type whose events are `user.*` or `group.*`. */
export function typeOf(engine: Engine, prefix: 'user' | 'group'): ResourceType | undefined {
  return engine.registry.resourceTypes().find((t) => eventPrefix(t) === prefix);
}

/** A user's decision as approval applies it: its link (undefined without a link hook or resolution), or `skip`. @internal */
export type UserDecision = { user: PreviewUser; link: LinkDecision | undefined } | { user: PreviewUser; link: 'skip' };

/**
 * The decision for each user of `c`'s tenant: resolutions first, then the domain rule, then
 * the host's link hook (`dryRun` as given: true for the report, false for approval).
 */
export async function decideUsers(parts: ReportParts, c: Connection, dryRun: boolean): Promise<UserDecision[]> {
  const { engine } = parts;
  const type = typeOf(engine, 'user');
  if (!type) return [];
  const ctx: StoreContext = { tenant: c.tenant, requestId: `preview-${randomUUID()}` };
  const out: UserDecision[] = [];
  for await (const r of resourcesOf(engine, ctx, type, false)) out.push(await decideUser(engine, ctx, c, r, dryRun));
  // two IdP users for one account: neither is linked until an admin says which
  const byAccount = new Map<string, UserDecision[]>();
  for (const d of out) {
    if (d.link === 'skip' || d.link?.accountId === undefined) continue;
    const list = byAccount.get(d.link.accountId) ?? [];
    list.push(d);
    byAccount.set(d.link.accountId, list);
  }
  for (const [account, list] of byAccount) {
    if (list.length < 2) continue;
    for (const d of list) {
      if (d.user.resolution) continue;
      const others = list.filter((x) => x !== d).map((x) => JSON.stringify(x.user.userName));
      d.user.outcome = 'conflict';
      d.user.reason = `the account ${JSON.stringify(account)} is also claimed by ${others.slice(0, 5).join(', ')}`;
      d.link = undefined;
    }
  }
  return out;
}

/** One user's decision. */
async function decideUser(engine: Engine, ctx: StoreContext, c: Connection, r: ScimResource, dryRun: boolean): Promise<UserDecision> {
  const user: PreviewUser = { id: r.id as string, userName: typeof r.userName === 'string' ? r.userName : '', outcome: 'new' };
  const resolution = c.resolutions?.[user.id];
  if (resolution) {
    user.resolution = resolution;
    if (resolution.action === 'skip') return { user: { ...user, outcome: 'skip' }, link: 'skip' };
    if (resolution.action === 'create') return { user, link: { by: 'new' } };
    // an admin's decision, checked against the host's accounts (connections.account) when made
    const decided: LinkDecision = { by: 'admin', accountId: resolution.account!, decidedBy: resolution.actor };
    return { user: withLink(user, r, decided), link: decided };
  }
  const address = outsideAddress(r, c.domains ?? []);
  if (address !== undefined) return { user: { ...user, outcome: 'outsideDomain', reason: outsideDomainsError(address, c.domains).detail }, link: undefined };
  const hook = engine.hooks.linkUser;
  if (!hook) return { user: r.active === false ? { ...user, outcome: 'deactivate' } : user, link: undefined };
  let link: LinkDecision | undefined;
  try {
    link = (await hook({ ctx, resource: r, dryRun })) ?? undefined;
  } catch (e) {
    if (!(e instanceof ScimError)) throw e;
    return { user: { ...user, outcome: 'conflict', reason: e.detail }, link: undefined };
  }
  return { user: withLink(user, r, link), link };
}

/** `user` with the outcome of `link`: linked (or deactivated, for a user sent inactive), else new. */
function withLink(user: PreviewUser, r: ScimResource, link: LinkDecision | undefined): PreviewUser {
  if (link === undefined || link.by === 'new' || link.accountId === undefined) return user;
  return { ...user, outcome: r.active === false ? 'deactivate' : 'link', account: link.accountId, by: link.by };
}

/** The report of connection `c`. */
export async function previewReport(parts: ReportParts, c: Connection): Promise<PreviewReport> {
  const users = (await decideUsers(parts, c, true)).map((d) => d.user);
  const groups = await groupsOf(parts, c);
  const stored = new Set(users.flatMap((u) => [u.userName.toLowerCase()]));
  const refused = (await refusedOf(parts.log, c)).filter((r) => !stored.has(r.address.toLowerCase()));
  const counts: PreviewCounts = { new: 0, link: 0, conflict: 0, outsideDomain: refused.length, deactivate: 0, skip: 0, groups: groups.length, heldEvents: 0 };
  for (const u of users) counts[u.outcome]++;
  if (c.mode === 'preview') counts.heldEvents = await heldCount(parts.outbox, c.tenant);
  return {
    connectionId: c.id,
    tenant: c.tenant,
    mode: c.mode,
    generatedAt: new Date(parts.now()).toISOString(),
    users,
    groups,
    refused,
    counts,
    ready: users.every((u) => u.outcome !== 'conflict' && u.outcome !== 'outsideDomain'),
  };
}

/** The tenant's groups, each with what the host's mapping says of it (dry run). */
async function groupsOf(parts: ReportParts, c: Connection): Promise<PreviewGroup[]> {
  const type = typeOf(parts.engine, 'group');
  if (!type) return [];
  const ctx: StoreContext = { tenant: c.tenant, requestId: `preview-${randomUUID()}` };
  const out: PreviewGroup[] = [];
  for await (const g of resourcesOf(parts.engine, ctx, type, true)) {
    const members = Array.isArray(g.members) ? (g.members as { value?: unknown }[]).flatMap((m) => (typeof m.value === 'string' ? [m.value] : [])) : [];
    const mapped = (await parts.previewGroup?.({ ctx, group: g, dryRun: true })) ?? {};
    out.push({
      ...mapped,
      id: g.id as string,
      displayName: typeof g.displayName === 'string' ? g.displayName : '',
      outcome: mapped.existing ? 'link' : 'new',
      members,
    });
  }
  return out;
}

/** The users the domain rule refused since the connection was made, by address (the newest refusal of each). */
async function refusedOf(log: ActivityLog | undefined, c: Connection): Promise<RefusedUser[]> {
  if (!log) return [];
  const records = await log.list({ tenant: c.tenant, status: 400, since: c.createdAt, limit: 1000 });
  const out = new Map<string, RefusedUser>();
  for (const r of records) {
    const address = refusedAddress(r.detail);
    if (address === undefined || out.has(address.toLowerCase())) continue;
    out.set(address.toLowerCase(), { address, reason: r.detail!, at: r.startedAt });
  }
  return [...out.values()];
}

/** How many of the tenant's events are pending (all held, in preview). */
async function heldCount(outbox: EventOutbox | undefined, tenant: string): Promise<number> {
  if (!outbox) return 0;
  let n = 0;
  for (let after = 0; ; ) {
    const page = await outbox.list({ tenant, after, limit: 1000 });
    n += page.filter((e) => e.state === 'pending').length;
    if (page.length < 1000) return n;
    after = page[page.length - 1]!.seq;
  }
}
