/**
 * What the portal does, for its pages and its JSON API alike: each operation takes the viewer
 * (whose tenant bounds everything it reaches) and goes through `scim.connections`, which
 * records every change in the tenant's activity log with the viewer as its actor.
 * @module
 */
import {
  type ActivityQuery,
  type ActivityRecord,
  type ActivitySummary,
  type Connection,
  type ConnectionHealth,
  type ConnectionMode,
  type ConnectionTestResult,
  type CredentialSummary,
  type JsonObject,
  type PreviewReport,
  type ScimConnections,
  ScimError,
  type ScimResource,
  type ScimServer,
  softDeletedAt,
} from 'scimkit';
import { parseFilter } from 'scimkit/store-kit';
import type { PortalIdp } from './idp-setup.js';
import { PORTAL_IDPS } from './idp-setup.js';
import type { AdminPortalOptions, FieldValues, PortalChange, PortalField, PortalFieldOption, PortalViewer } from './options.js';
import { fill, type PortalStrings } from './strings.js';

/** A server the portal can serve: one made with `connections`. */
export type PortalServer = ScimServer & {
  /** Its connections (the server was made with the `connections` option). */
  readonly connections: ScimConnections;
};

/** The connection of a tenant with what its pages show. */
export interface ConnectionView {
  /** The record. */
  connection: Connection;
  /** Its health. */
  health: ConnectionHealth;
  /** Its bearer tokens and OAuth clients, newest first. */
  credentials: CredentialSummary[];
}

/** A secret made by an action, to be shown once. */
export interface ShownOnce {
  /** A bearer token. */
  token?: string;
  /** An OAuth client's id and secret. */
  client?: {
    /** The client id (Entra ID: Client Identifier). */
    clientId: string;
    /** The client secret (Entra ID: Client Secret). */
    clientSecret: string;
  };
}

/** A page of the directory. */
export interface DirectoryPage {
  /** `users` or `groups`. */
  type: 'users' | 'groups';
  /** The search text. */
  q: string;
  /** 1-based index of the first row. */
  startIndex: number;
  /** How many match in all. */
  total: number;
  /** The rows. */
  rows: DirectoryRow[];
}

/** One user or group as the directory shows it (read-only). */
export interface DirectoryRow {
  /** Its SCIM id. */
  id: string;
  /** userName or displayName. */
  name: string;
  /** A user's display name or formatted name (empty for a group). */
  detail: string;
  /** A user's `active`. */
  active?: boolean;
  /** When it was soft-deleted (kept), if it was. */
  deletedAt?: string;
  /** `meta.lastModified`. */
  lastModified?: string;
}

/** The activity the Activity page shows. */
export interface ActivityView {
  /** `''` (all), `error`, `4xx`, `5xx` or `rejected`. */
  filter: string;
  /** The summary of 24 hours. */
  summary: ActivitySummary;
  /** The records, newest first. */
  records: ActivityRecord[];
  /** Refused requests naming the tenant (rejected credentials), newest first. */
  rejected: ActivityRecord[];
}

/** The filters the Activity page offers. */
export const ACTIVITY_FILTERS = ['', 'error', '4xx', '5xx', 'rejected'] as const;
const PAGE = 50;

/** The portal's operations over one server. */
export class PortalService {
  readonly #scim: PortalServer;
  readonly #options: AdminPortalOptions;
  readonly #strings: PortalStrings;

  /** Operations over `scim` with the portal's options and words. */
  constructor(scim: PortalServer, options: AdminPortalOptions, strings: PortalStrings) {
    this.#scim = scim;
    this.#options = options;
    this.#strings = strings;
  }

  /** The tenant's SCIM base URL, as the IdP is given it. */
  tenantUrl(tenant: string): string {
    const u = this.#options.scimUrl;
    return typeof u === 'function' ? u(tenant) : u.replace('{tenant}', encodeURIComponent(tenant));
  }

  /** The OAuth token endpoint of a tenant (`connections.tokenPath` below its base). */
  tokenEndpoint(tenant: string): string {
    return `${this.tenantUrl(tenant).replace(/\/+$/, '')}/oauth/token`;
  }

  /** The tenant's connection, or undefined when it has none. */
  async connectionOf(viewer: PortalViewer): Promise<Connection | undefined> {
    const [c] = await this.#scim.connections.list({ tenant: viewer.tenant });
    return c;
  }

  /** The tenant's connection, or a 404 ScimError the pages turn into "set up first". */
  async #required(viewer: PortalViewer): Promise<Connection> {
    const c = await this.connectionOf(viewer);
    if (!c) throw ScimError.notFound(this.#strings.errorNoConnection);
    return c;
  }

  /** The connection with its health and credentials (the activity waiting is written first, so health counts it). */
  async view(viewer: PortalViewer): Promise<ConnectionView | undefined> {
    const c = await this.connectionOf(viewer);
    if (!c) return undefined;
    await this.#scim.activity.flush();
    const [health, credentials] = await Promise.all([this.#scim.connections.health(c.id), this.#scim.connections.credentials(c.id)]);
    // health writes active ⇄ failing when it moved: read the record after it
    const connection = await this.#scim.connections.get(c.id);
    // the host's delivery error (its onEvent's or webhook's exception) is the host's to read, not its customer's
    const events = { ...health.events, lastError: null };
    return { connection, health: { ...health, events }, credentials: credentials.reverse() };
  }

  /** The host fields with their options loaded for the viewer. */
  async fields(viewer: PortalViewer): Promise<{ field: PortalField; options: readonly PortalFieldOption[] }[]> {
    return Promise.all(
      (this.#options.fields ?? []).map(async (field) => ({
        field,
        options: field.type === 'select' ? (typeof field.options === 'function' ? await field.options(viewer) : field.options) : [],
      })),
    );
  }

  /** The settings `values` make, each host field checked; other settings of the connection are kept. */
  async settingsFrom(viewer: PortalViewer, values: Readonly<Record<string, unknown>>, current: JsonObject = {}): Promise<FieldValues> {
    const s = this.#strings;
    const settings: JsonObject = { ...current };
    for (const { field, options } of await this.fields(viewer)) {
      const raw = values[field.name];
      const value = typeof raw === 'string' ? raw.trim() : '';
      const required = field.required ?? field.type === 'select';
      if (value === '') {
        if (required) return { ok: false, message: fill(s.fieldRequired, { field: field.label }) };
        delete settings[field.name];
        continue;
      }
      if (field.type === 'select' && !options.some((o) => o.value === value)) return { ok: false, message: fill(s.fieldChoose, { field: field.label }) };
      const max = field.type === 'text' ? (field.maxLength ?? 200) : 1000;
      if (value.length > max) return { ok: false, message: fill(s.fieldTooLong, { field: field.label, max }) };
      settings[field.name] = value;
    }
    return { ok: true, settings };
  }

  /**
   * Creates the tenant's connection with `idp` and `settings` and its first secret token (shown
   * once), allowing the host's verified `domains`; `mode` omitted: the server's `defaultMode`.
   */
  async create(viewer: PortalViewer, idp: PortalIdp, settings: JsonObject, mode?: ConnectionMode): Promise<{ connection: Connection; shown: ShownOnce }> {
    const name = this.#options.connectionName ? await this.#options.connectionName(viewer) : viewer.tenant;
    const domains = this.#options.domains ? [...(await this.#options.domains(viewer))] : undefined;
    const connection = await this.#scim.connections.create({
      tenant: viewer.tenant,
      name,
      settings,
      idp,
      actor: viewer.actor,
      ...(mode ? { mode } : {}),
      ...(domains ? { domains } : {}),
    });
    const { token, credential } = await this.#scim.connections.issueToken(connection.id, { actor: viewer.actor, ...this.#expiry() });
    await this.#told('created', viewer, connection, { credentialId: credential.id });
    return { connection, shown: { token } };
  }

  /** Saves the IdP choice and/or host settings. */
  async update(viewer: PortalViewer, change: { idp?: PortalIdp; settings?: JsonObject }): Promise<Connection> {
    const c = await this.#required(viewer);
    const next = await this.#scim.connections.update(c.id, { ...change, actor: viewer.actor });
    if (change.settings) await this.#told('settings', viewer, next);
    return next;
  }

  /** Test connection (connections.test). */
  async test(viewer: PortalViewer): Promise<ConnectionTestResult> {
    const c = await this.#required(viewer);
    return this.#scim.connections.test(c.id, { actor: viewer.actor });
  }

  /** A new secret token; the newest before works for `overlapHours`. */
  async rotate(viewer: PortalViewer, overlapHours: number): Promise<ShownOnce> {
    const c = await this.#required(viewer);
    const { token, credential } = await this.#scim.connections.rotate(c.id, { overlapMs: overlapHours * 3600_000, actor: viewer.actor, ...this.#expiry() });
    await this.#told('rotated', viewer, c, { credentialId: credential.id, overlapHours });
    return { token };
  }

  /** Revokes one of the connection's credentials (404 for another's). */
  async revoke(viewer: PortalViewer, credentialId: string): Promise<void> {
    const c = await this.#required(viewer);
    await this.#scim.connections.revoke(c.id, credentialId, { actor: viewer.actor });
    await this.#told('revoked', viewer, c, { credentialId });
  }

  /** A new OAuth client (the previous one ends after 24 hours). */
  async oauthClient(viewer: PortalViewer): Promise<ShownOnce> {
    const c = await this.#required(viewer);
    const { clientId, clientSecret, credential } = await this.#scim.connections.oauthClient(c.id, { actor: viewer.actor });
    await this.#told('oauthClient', viewer, c, { credentialId: credential.id });
    return { client: { clientId, clientSecret } };
  }

  /** Switches the connection off or on. */
  async setEnabled(viewer: PortalViewer, enabled: boolean): Promise<Connection> {
    const c = await this.#required(viewer);
    const next = enabled
      ? await this.#scim.connections.enable(c.id, { actor: viewer.actor })
      : await this.#scim.connections.disable(c.id, { actor: viewer.actor });
    await this.#told(enabled ? 'enabled' : 'disabled', viewer, next);
    return next;
  }

  /** Deletes the connection (and the tenant's resources with `purge`). */
  async delete(viewer: PortalViewer, purge: boolean): Promise<void> {
    const c = await this.#required(viewer);
    await this.#scim.connections.delete(c.id, { actor: viewer.actor, purge });
    await this.#told('deleted', viewer, c);
  }

  /** Whether the store can hold a first sync for review (its outbox has `held`): the setup form offers it only then. */
  canPreview(): boolean {
    return this.#scim.store.outbox?.held !== undefined;
  }

  /** Whether the tenant's connection is in preview (the Review tab shows). */
  async inPreview(viewer: PortalViewer): Promise<boolean> {
    return (await this.connectionOf(viewer))?.mode === 'preview';
  }

  /** The match report of the tenant's connection (the activity waiting is written first: refused users are read from it). */
  async preview(viewer: PortalViewer): Promise<PreviewReport> {
    const c = await this.#required(viewer);
    await this.#scim.activity.flush();
    return this.#scim.connections.preview(c.id);
  }

  /** Records the viewer's decision for one user of the preview (applied on approval). */
  async resolve(viewer: PortalViewer, userId: string, decision: { action: 'link' | 'create' | 'skip'; account?: string }): Promise<Connection> {
    const c = await this.#required(viewer);
    return this.#scim.connections.resolve(c.id, userId, { ...decision, actor: viewer.actor });
  }

  /** Approves the preview: the held changes reach the host, the connection goes live (409 with the users still open). */
  async approve(viewer: PortalViewer): Promise<Connection> {
    const c = await this.#required(viewer);
    return this.#scim.connections.approve(c.id, { actor: viewer.actor });
  }

  /** Discards the preview: the tenant's provisioned resources and held changes deleted; still in preview. */
  async discard(viewer: PortalViewer): Promise<Connection> {
    const c = await this.#required(viewer);
    return this.#scim.connections.discard(c.id, { actor: viewer.actor });
  }

  /** The connection's state for the live status. */
  async status(viewer: PortalViewer): Promise<Connection['state'] | 'none'> {
    return (await this.connectionOf(viewer))?.state ?? 'none';
  }

  /** The activity of the tenant as the Activity page filters it (`before`: older than this time). */
  async activity(viewer: PortalViewer, filter: string, before?: string): Promise<ActivityView> {
    const f = (ACTIVITY_FILTERS as readonly string[]).includes(filter) ? filter : '';
    if (before !== undefined && Number.isNaN(Date.parse(before)))
      throw ScimError.invalidValue(`before must be a time (ISO 8601), not ${JSON.stringify(before.slice(0, 40))}`);
    await this.#scim.activity.flush();
    const query: ActivityQuery = { tenant: viewer.tenant, limit: PAGE, ...(before ? { before } : {}) };
    if (f === 'rejected') Object.assign(query, { refused: true, rejectedTokens: true });
    else if (f) query.status = f as ActivityQuery['status'] & string;
    const [summary, records, rejected] = await Promise.all([
      this.#scim.activity.summary(viewer.tenant),
      this.#scim.activity.list(query),
      // requests refused before authentication that named this tenant: kept apart, anyone can send them
      f === 'rejected' ? Promise.resolve([]) : this.#scim.activity.list({ tenant: viewer.tenant, refused: true, limit: 10 }),
    ]);
    return { filter: f, summary, records, rejected };
  }

  /** A page of the tenant's users or groups, searched by name or e-mail (read-only). */
  async directory(viewer: PortalViewer, type: 'users' | 'groups', q: string, startIndex: number): Promise<DirectoryPage> {
    // by code points: a cut surrogate pair would be a lone surrogate, which stores refuse
    const text = Array.from(q.trim()).slice(0, 100).join('');
    const rt = this.#scim.registry.resourceType(type === 'users' ? 'User' : 'Group');
    if (!rt) return { type, q: text, startIndex: 1, total: 0, rows: [] };
    const literal = JSON.stringify(text);
    const filter = text
      ? parseFilter(type === 'users' ? `userName co ${literal} or displayName co ${literal} or emails.value co ${literal}` : `displayName co ${literal}`)
      : undefined;
    const start = Number.isInteger(startIndex) && startIndex > 0 ? Math.min(startIndex, 1_000_000) : 1;
    const ctx = { tenant: viewer.tenant, requestId: 'portal-directory' };
    const found = await this.#scim.store.search(ctx, rt, {
      ...(filter ? { filter } : {}),
      sort: { path: type === 'users' ? 'userName' : 'displayName', order: 'ascending' },
      startIndex: start,
      count: PAGE,
      // a group's members can be 100,000: the directory lists groups by name only
      members: false,
    });
    return { type, q: text, startIndex: start, total: found.totalResults, rows: found.resources.map((r) => rowOf(type, r)) };
  }

  /** The host hears of a change after it was saved; its failure neither undoes it nor fails the request. */
  async #told(
    kind: PortalChange['kind'],
    viewer: PortalViewer,
    connection: Connection,
    detail: Pick<PortalChange, 'credentialId' | 'overlapHours'> = {},
  ): Promise<void> {
    try {
      await this.#options.onChange?.({ kind, viewer: { tenant: viewer.tenant, actor: viewer.actor }, connection, ...detail });
    } catch (e) {
      // the change is saved and a secret it made must still be shown once: the host's failure is its own to read
      console.error(`scimkit portal: onChange failed for ${kind} on tenant ${JSON.stringify(viewer.tenant)}`, e);
    }
  }

  /** The expiry of a secret token the portal issues (`tokenLifetimeMs`), if it has one. */
  #expiry(): { expiresAt?: Date } {
    const ms = this.#options.tokenLifetimeMs;
    return ms === undefined ? {} : { expiresAt: new Date(Date.now() + ms) };
  }
}

/** A credential id from its path segment; a segment that is no percent-encoding is a 404 (no credential has that id). */
export function credentialIdOf(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw ScimError.notFound('No such credential');
  }
}

/** Whether `idp` is one the portal has setup steps for. */
export function isPortalIdp(idp: unknown): idp is PortalIdp {
  return typeof idp === 'string' && (PORTAL_IDPS as readonly string[]).includes(idp);
}

/** A directory row of `r`. */
function rowOf(type: 'users' | 'groups', r: ScimResource): DirectoryRow {
  const meta = r.meta as { lastModified?: unknown } | undefined;
  const deletedAt = softDeletedAt(r);
  const base = {
    id: String(r.id),
    ...(typeof meta?.lastModified === 'string' ? { lastModified: meta.lastModified } : {}),
    ...(deletedAt ? { deletedAt } : {}),
  };
  if (type === 'groups') return { ...base, name: String(r.displayName ?? ''), detail: '' };
  const name = r.name as { formatted?: unknown } | undefined;
  const detail = typeof r.displayName === 'string' ? r.displayName : typeof name?.formatted === 'string' ? name.formatted : '';
  return { ...base, name: String(r.userName ?? ''), detail, active: r.active !== false };
}
