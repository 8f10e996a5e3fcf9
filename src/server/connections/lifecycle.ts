/**
 * The lifecycle API of connections (`scim.connections`): create, update, credentials (issue,
 * rotate with an overlap, revoke, an OAuth client), disable and enable, delete, read, health,
 * Test connection (connection-test.ts), a first sync in preview (preview.ts). Every change is
 * recorded in the tenant's activity log with its actor (lifecycle-record.ts), and this
 * instance's caches drop what it changed at once (other instances within their `cacheMs`).
 * @module
 */
import { ScimError } from '../../core/errors.js';
import type { JsonObject } from '../../core/schema/resource.js';
import type { ActivityLog, ConnectionAction, ConnectionActivity } from '../../stores/activity-log.js';
import type { Connection, ConnectionMode, ConnectionStore } from '../../stores/connections.js';
import type { EventOutbox } from '../../stores/outbox.js';
import type { SoftDeletingStore } from '../../stores/soft-delete.js';
import type { Engine } from '../engine.js';
import type { ScimRequest, ScimResponse } from '../request.js';
import type { ConnectionAuthenticator } from './connection-auth.js';
import { type ConnectionTestResult, testConnection } from './connection-test.js';
import { CredentialChanges, lostVersion, TRIES } from './credential-changes.js';
import { type CredentialSummary, credentialSummary, summaryOf } from './credential-summary.js';
import { newId } from './credentials.js';
import { domainsOf } from './domain-rules.js';
import { type ConnectionHealth, healthOf } from './health.js';
import { expiryOf, jsonObject, overlapOf, text } from './lifecycle-input.js';
import { lifecycleRecord } from './lifecycle-record.js';
import type { ConnectionsOptions, Entitlement } from './options.js';
import { ConnectionPreview, modeOf, refuseKeptResources } from './preview.js';
import type { PreviewReport } from './preview-report.js';
import type { ResolveInput } from './resolution.js';
import type { ConnectionWriteRules } from './write-rules.js';

/** A secret, returned once, and its credential record (which keeps only the secret's hash). */
export interface IssuedToken {
  /** The bearer token: show it once; it cannot be read again. */
  token: string;
  /** Its record as the admin sees it (id, expiry, last use; never the secret's hash). */
  credential: CredentialSummary;
}

/** An OAuth client of a connection: its id and secret (returned once), for the IdP's OAuth settings. */
export interface IssuedClient {
  /** The client id (Entra ID: Client Identifier). */
  clientId: string;
  /** The client secret (Entra ID: Client Secret): show it once. */
  clientSecret: string;
  /** Its record as the admin sees it (never the secret's hash). */
  credential: CredentialSummary;
}

/** Who makes a change: the actor string kept in the record and the activity log (an admin's e-mail, `cli`, …). */
export interface ActorOption {
  /** Who makes the change. */
  actor: string;
}

/** What {@link ScimConnections.create} takes. */
export interface NewConnection extends ActorOption {
  /** The tenant it provisions (one connection per tenant). */
  tenant: string;
  /** Its display name (default: the tenant). */
  name?: string;
  /** The host's settings (checked by `connections.settings`; default `{}`, checked too). */
  settings?: JsonObject;
  /** The IdP the admin chose (`entra`, `okta`, …). */
  idp?: string | null;
  /** `preview`: its first sync is held for an admin's approval; `live`: delivered at once (default: `connections.defaultMode`, else `live`). */
  mode?: ConnectionMode;
  /** The e-mail and userName domains its users may have (the host verified them; a subdomain counts); default none: any. */
  domains?: string[];
}

/** What {@link ScimConnections.update} changes. */
export interface ConnectionUpdate extends ActorOption {
  /** A new display name. */
  name?: string;
  /** New host settings (checked by `connections.settings`). */
  settings?: JsonObject;
  /** The IdP the admin chose. */
  idp?: string | null;
  /** New allowed domains (an empty list: any). */
  domains?: string[];
}

/** The connections of a server (`scim.connections`). Errors are ScimErrors: 404 for an unknown connection or credential, 400 for bad input, 409 for a second connection of a tenant. */
export interface ScimConnections {
  /** Creates the tenant's connection, `pending` until its first authenticated request. */
  create(input: NewConnection): Promise<Connection>;
  /** Changes its name, settings or IdP. */
  update(id: string, change: ConnectionUpdate): Promise<Connection>;
  /** Issues a bearer token (at most two in force at once: 409 past that; rotate instead). */
  issueToken(id: string, options: ActorOption & { expiresAt?: Date | string }): Promise<IssuedToken>;
  /**
   * Issues a new bearer token; the newest one in force before ends after `overlapMs` (default
   * 24 h), any other in force ends now: at most two work at once, and a running sync goes on.
   * Calls that run at once (here or on other instances) take turns: each ends what the one
   * before it issued. `expiresAt`: when the new token stops working (a time in the future, as
   * for issueToken; default never).
   */
  rotate(id: string, options: ActorOption & { overlapMs?: number; expiresAt?: Date | string }): Promise<IssuedToken>;
  /** Revokes a credential now (an OAuth client with the access tokens it obtained). */
  revoke(id: string, credentialId: string, options: ActorOption): Promise<CredentialSummary>;
  /** Switches the connection off: every request with its credentials is 401 `invalid_token`. */
  disable(id: string, options: ActorOption): Promise<Connection>;
  /** Switches it on again (`active` when it was used before, else `pending`). */
  enable(id: string, options: ActorOption): Promise<Connection>;
  /**
   * An OAuth 2.0 client (client credentials grant) for the connection; called again, a new
   * client replaces it and the previous one ends after `overlapMs` (default 24 h).
   */
  oauthClient(id: string, options: ActorOption & { overlapMs?: number }): Promise<IssuedClient>;
  /** Deletes the connection and its credentials; the tenant's resources stay unless `purge` (then deleted with their events). */
  delete(id: string, options: ActorOption & { purge?: boolean }): Promise<void>;
  /** One connection; 404 when there is none. */
  get(id: string): Promise<Connection>;
  /** The connections (of one tenant), by id. */
  list(query?: { tenant?: string }): Promise<Connection[]>;
  /** Its health: requests, failures, client, expiring credentials, entitlement, event delivery (health.ts). */
  health(id: string): Promise<ConnectionHealth>;
  /** Its bearer tokens and OAuth clients, oldest first, revoked and expired ones included, each with whether it is in force now; 404 when there is no such connection. */
  credentials(id: string): Promise<CredentialSummary[]>;
  /**
   * Test connection: sends what Entra ID sends first (`GET /Users?filter=userName eq "<random>"`)
   * through the server as the connection (its state, newest credential in force, entitlement,
   * rate limits, engine and store) and says what the IdP would get. The request is in the
   * tenant's activity log with the actor in its User-Agent; it does not make a `pending`
   * connection `active` (only the IdP's own first request does). 404 for an unknown connection.
   */
  test(id: string, options: ActorOption): Promise<ConnectionTestResult>;
  /**
   * The match report of its sync: each user the IdP sent as `new`, `link`, `conflict`,
   * `outsideDomain`, `deactivate` or `skip`, each group with what the host's mapping makes of
   * it, the users the domain rule refused, counts. The host's `linkUser` runs with
   * `dryRun: true`; nothing is written. 404 for an unknown connection.
   */
  preview(id: string): Promise<PreviewReport>;
  /** Records an admin's decision for one user of a preview (link to an account, create, skip), applied on approval; 409 when not in preview, 404 for an unknown user. */
  resolve(id: string, userId: string, input: ResolveInput): Promise<Connection>;
  /**
   * Approves the preview: the held events are delivered in order (at least once, as every
   * event) with the decisions of the report and the resolutions, and the connection goes live.
   * 409 while a user is a conflict or outside the domains without a resolution, or when not in preview.
   */
  approve(id: string, options: ActorOption): Promise<Connection>;
  /** Discards the preview: the tenant's provisioned resources and held events are deleted, nothing is delivered; the connection stays in preview for the IdP's next cycle. 409 when not in preview. */
  discard(id: string, options: ActorOption): Promise<Connection>;
}

/** What the lifecycle API works with, made by the server. @internal */
export interface LifecycleParts {
  readonly store: ConnectionStore;
  readonly options: ConnectionsOptions;
  /** The server's authenticator when it is a connection one: told of changes at once. */
  readonly authenticator: ConnectionAuthenticator | undefined;
  /** The activity log lifecycle records go to (undefined: none). */
  readonly log: ActivityLog | undefined;
  readonly outbox: EventOutbox | undefined;
  /** Deletes a tenant's resources with their events; how many. */
  readonly purge: (tenant: string) => Promise<number>;
  readonly now: () => number;
  /** Sends a request through the server (Test connection). */
  readonly probe: (request: ScimRequest) => Promise<ScimResponse>;
  /** The path prefix of a tenant's SCIM base (`/<tenant>` with `tenantInPath`, else empty). */
  readonly tenantPrefix: (tenant: string) => string;
  /** What a preview's report, approval and discard need besides (preview.ts). */
  readonly preview: {
    /** The engine: the tenant's resources, the link hook, the registry. */
    readonly engine: Engine;
    /** The write path's rules of each tenant (told of this instance's changes at once). */
    readonly rules: ConnectionWriteRules | undefined;
    /** With soft delete: the store's soft-deleting view (a discard deletes for good). */
    readonly softDeletes: SoftDeletingStore | undefined;
    /** Wakes event delivery (an approval's held events). */
    readonly wake: () => void;
  };
}

/**
 * The lifecycle API over the parts the server made. Credential changes are made by
 * {@link CredentialChanges} (credential-changes.ts); this class checks the input, makes the
 * other changes, and records each one in the activity log.
 */
class ConnectionLifecycle implements Omit<ScimConnections, 'preview' | 'resolve' | 'approve' | 'discard'> {
  readonly #parts: LifecycleParts;
  readonly #credentials: CredentialChanges;
  /** The preview's report, resolutions, approval and discard (preview.ts). */
  readonly previewing: ConnectionPreview;

  constructor(parts: LifecycleParts) {
    this.#parts = parts;
    this.#credentials = new CredentialChanges({ ...parts, get: (id) => this.get(id) });
    this.previewing = new ConnectionPreview({
      ...parts,
      ...parts.preview,
      get: (id) => this.get(id),
      change: (id, actor, edit) => this.#change(id, actor, edit),
      note: (c, actor, action, extra) => this.#note(c, actor, action, undefined, extra),
    });
  }

  async create(input: NewConnection): Promise<Connection> {
    const actor = text(input?.actor, 'actor');
    const at = this.#iso();
    const tenant = text(input.tenant, 'tenant');
    const mode = modeOf(input.mode, this.#parts.options, this.#parts.outbox);
    if (mode === 'preview') await refuseKeptResources(this.#parts.preview.engine, tenant);
    const c = await this.#parts.store.createConnection({
      id: newId('conn'),
      tenant,
      name: input.name === undefined ? tenant : text(input.name, 'name'),
      state: 'pending',
      idp: idpOf(input.idp),
      detectedIdp: null,
      settings: this.#settingsOf(input.settings ?? {}),
      mode,
      domains: domainsOf(input.domains),
      resolutions: {},
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
      version: 1,
    });
    this.#parts.preview.rules?.forget(tenant);
    await this.#note(c, actor, 'create');
    return c;
  }

  async update(id: string, u: ConnectionUpdate): Promise<Connection> {
    const edit: Partial<Connection> = {};
    if (u?.name !== undefined) edit.name = text(u.name, 'name');
    if (u?.settings !== undefined) edit.settings = this.#settingsOf(u.settings);
    if (u?.idp !== undefined) edit.idp = idpOf(u.idp);
    if (u?.domains !== undefined) edit.domains = domainsOf(u.domains);
    const c = await this.#change(id, u?.actor, () => edit);
    await this.#note(c, u.actor, 'update');
    return c;
  }

  async issueToken(id: string, o: ActorOption & { expiresAt?: Date | string }): Promise<IssuedToken> {
    const actor = text(o?.actor, 'actor');
    const r = await this.#credentials.issueBearer(id, actor, expiryOf(o.expiresAt, this.#parts.now()));
    await this.#note(r.connection, actor, 'issueToken', r.credential.id);
    return { token: r.secret, credential: summaryOf(r.credential, this.#parts.now()) };
  }

  async rotate(id: string, o: ActorOption & { overlapMs?: number; expiresAt?: Date | string }): Promise<IssuedToken> {
    const overlap = overlapOf(o?.overlapMs);
    const expiresAt = expiryOf(o?.expiresAt, this.#parts.now());
    const actor = text(o?.actor, 'actor');
    const r = await this.#credentials.rotate(id, 'bearer', actor, overlap, expiresAt);
    await this.#note(r.connection, actor, 'rotate', r.credential.id);
    return { token: r.secret, credential: summaryOf(r.credential, this.#parts.now()) };
  }

  async revoke(id: string, credentialId: string, o: ActorOption): Promise<CredentialSummary> {
    const actor = text(o?.actor, 'actor');
    const c = await this.get(id);
    const revoked = await this.#credentials.revoke(id, credentialId);
    await this.#note(c, actor, 'revoke', revoked.id);
    return summaryOf(revoked, this.#parts.now());
  }

  async disable(id: string, o: ActorOption): Promise<Connection> {
    const c = await this.#change(id, o?.actor, () => ({ state: 'disabled' }));
    await this.#note(c, o.actor, 'disable');
    return c;
  }

  async enable(id: string, o: ActorOption): Promise<Connection> {
    const used = (await this.#parts.store.listCredentials(id)).some((x) => x.lastUsedAt !== null);
    const c = await this.#change(id, o?.actor, (x) => (x.state === 'disabled' ? { state: used ? 'active' : 'pending' } : {}));
    this.#parts.authenticator?.usage.forgetActivation(id);
    await this.#note(c, o.actor, 'enable');
    return c;
  }

  async oauthClient(id: string, o: ActorOption & { overlapMs?: number }): Promise<IssuedClient> {
    const overlap = overlapOf(o?.overlapMs);
    const actor = text(o?.actor, 'actor');
    const r = await this.#credentials.rotate(id, 'oauthClient', actor, overlap, null);
    await this.#note(r.connection, actor, 'oauthClient', r.credential.id);
    return { clientId: r.credential.clientId!, clientSecret: r.secret, credential: summaryOf(r.credential, this.#parts.now()) };
  }

  async delete(id: string, o: ActorOption & { purge?: boolean }): Promise<void> {
    const { store, authenticator } = this.#parts;
    const actor = text(o?.actor, 'actor');
    const c = await this.get(id);
    // held events are due once their connection is gone: a preview's would reach the host unreviewed
    if (c.mode !== 'live' && o.purge !== true)
      throw ScimError.conflict(`connection ${JSON.stringify(id)} holds a first sync in preview: discard it first, or delete with purge`);
    const credentials = await store.listCredentials(id);
    await this.#note(c, actor, 'delete');
    if (o.purge === true) await this.#parts.purge(c.tenant);
    await store.deleteConnection(id);
    for (const x of credentials) authenticator?.lookups.forget({ hash: x.hash });
    authenticator?.lookups.forget({ connectionId: id });
  }

  async get(id: string): Promise<Connection> {
    const c = typeof id === 'string' ? await this.#parts.store.getConnection({ id }) : undefined;
    if (!c) throw ScimError.notFound(`Connection ${JSON.stringify(String(id).slice(0, 100))} not found`);
    return c;
  }

  async list(query: { tenant?: string } = {}): Promise<Connection[]> {
    const out: Connection[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#parts.store.listConnections({
        limit: 100,
        ...(query.tenant === undefined ? {} : { tenant: query.tenant }),
        ...(after === undefined ? {} : { after }),
      });
      out.push(...page);
      if (page.length < 100) return out;
      after = page[page.length - 1]!.id;
    }
  }

  async health(id: string): Promise<ConnectionHealth> {
    const { store, authenticator, log, outbox } = this.#parts;
    const c = await this.get(id);
    const t = this.#parts.now();
    const entitled = await this.#entitled(c, t);
    const h = await healthOf(c, { log, outbox, entitled, credentials: await store.listCredentials(id), now: t });
    if (h.state !== c.state && (h.state === 'failing' || h.state === 'active')) {
      // written when it moves; a concurrent change wins (its state is read next time)
      await store.updateConnection({ ...c, state: h.state, updatedAt: this.#iso(t) }, c.version).catch((e: unknown) => {
        if (!lostVersion(e)) throw e;
      });
      authenticator?.lookups.forget({ connectionId: id });
    }
    return h;
  }

  async credentials(id: string): Promise<CredentialSummary[]> {
    await this.get(id);
    const t = this.#parts.now();
    const all = await this.#parts.store.listCredentials(id);
    return all.flatMap((c) => (c.kind === 'oauthAccess' ? [] : [credentialSummary({ ...c, kind: c.kind }, t)]));
  }

  async test(id: string, o: ActorOption): Promise<ConnectionTestResult> {
    const actor = text(o?.actor, 'actor');
    const c = await this.get(id);
    const credentials = await this.#parts.store.listCredentials(id);
    return testConnection({ ...this.#parts, entitled: (x) => this.#entitled(x, this.#parts.now()) }, c, credentials, actor);
  }

  /** The host's entitlement of `c` (cached as for requests when the server authenticates by connections). */
  async #entitled(c: Connection, t: number): Promise<Entitlement> {
    const { options, authenticator } = this.#parts;
    return authenticator ? await authenticator.lookups.entitlement(c, t) : options.entitled ? await options.entitled(c) : true;
  }

  #iso(ms = this.#parts.now()): string {
    return new Date(ms).toISOString();
  }

  /** The host's settings as `connections.settings` makes them (a copy when there is no such check). */
  #settingsOf(s: unknown): JsonObject {
    const settings = this.#parts.options.settings;
    return settings ? jsonObject(settings(jsonObject(s))) : jsonObject(s);
  }

  /** Records `action` on `c` by `actor` in the tenant's activity log. */
  async #note(c: Connection, actor: string, action: ConnectionAction, credentialId?: string, extra?: Partial<ConnectionActivity>): Promise<void> {
    await this.#parts.log?.append([lifecycleRecord(c.tenant, actor, this.#iso(), action, c.id, credentialId, extra)]);
  }

  /** Reads, changes and writes a connection at its version, again when another change won meanwhile. */
  async #change(id: string, actor: string, edit: (c: Connection) => Partial<Connection>): Promise<Connection> {
    text(actor, 'actor');
    for (let attempt = 1; ; attempt++) {
      const c = await this.get(id);
      try {
        const next = await this.#parts.store.updateConnection({ ...c, ...edit(c), updatedAt: this.#iso(), updatedBy: actor }, c.version);
        this.#parts.authenticator?.lookups.forget({ connectionId: id });
        this.#parts.preview.rules?.forget(next.tenant);
        return next;
      } catch (e) {
        if (!lostVersion(e) || attempt >= TRIES) throw e;
      }
    }
  }
}

/** The IdP the admin chose: null when not given, else a short string (400 otherwise). */
function idpOf(idp: unknown): string | null {
  return idp === undefined || idp === null ? null : text(idp, 'idp', 100);
}

/** The lifecycle API over `parts`. @internal */
export function scimConnections(parts: LifecycleParts): ScimConnections {
  const l = new ConnectionLifecycle(parts);
  // each method bound: a host may take them apart (`const { rotate } = scim.connections`)
  return {
    create: (input) => l.create(input),
    update: (id, change) => l.update(id, change),
    issueToken: (id, options) => l.issueToken(id, options),
    rotate: (id, options) => l.rotate(id, options),
    revoke: (id, credentialId, options) => l.revoke(id, credentialId, options),
    disable: (id, options) => l.disable(id, options),
    enable: (id, options) => l.enable(id, options),
    oauthClient: (id, options) => l.oauthClient(id, options),
    delete: (id, options) => l.delete(id, options),
    get: (id) => l.get(id),
    list: (query) => l.list(query),
    health: (id) => l.health(id),
    credentials: (id) => l.credentials(id),
    test: (id, options) => l.test(id, options),
    preview: (id) => l.previewing.report(id),
    resolve: (id, userId, input) => l.previewing.resolve(id, userId, input),
    approve: (id, options) => l.previewing.approve(id, options),
    discard: (id, options) => l.previewing.discard(id, options),
  };
}
