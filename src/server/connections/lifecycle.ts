/**
 * The lifecycle API of connections (`scim.connections`): create, update, credentials (issue,
 * rotate with an overlap, revoke, an OAuth client), disable and enable, delete, read, health.
 * Every change is recorded in the tenant's activity log with its actor (lifecycle-record.ts),
 * and this instance's authentication cache drops what it changed at once (other instances
 * within their `cacheMs`).
 * @module
 */
import { ScimError } from '../../core/errors.js';
import type { JsonObject } from '../../core/schema/resource.js';
import type { ActivityLog, ActivityRecord, ConnectionAction } from '../../stores/activity-log.js';
import type { Connection, ConnectionCredential, ConnectionStore, CredentialKind } from '../../stores/connections.js';
import type { EventOutbox } from '../../stores/outbox.js';
import type { ConnectionAuthenticator } from './connection-auth.js';
import { inForce, newCredential, newId } from './credentials.js';
import { type ConnectionHealth, healthOf } from './health.js';
import { lifecycleRecord } from './lifecycle-record.js';
import { type ConnectionsOptions, DAY_MS, type Entitlement } from './options.js';

/** A secret, returned once, and its credential record (which keeps only the secret's hash). */
export interface IssuedToken {
  /** The bearer token: show it once; it cannot be read again. */
  token: string;
  /** Its record (id, expiry, last use). */
  credential: ConnectionCredential;
}

/** An OAuth client of a connection: its id and secret (returned once), for the IdP's OAuth settings. */
export interface IssuedClient {
  /** The client id (Entra ID: Client Identifier). */
  clientId: string;
  /** The client secret (Entra ID: Client Secret): show it once. */
  clientSecret: string;
  /** Its record. */
  credential: ConnectionCredential;
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
  /** Its display name. */
  name: string;
  /** The host's settings (checked by `connections.settings`). */
  settings: JsonObject;
  /** The IdP the admin chose (`entra`, `okta`, …). */
  idp?: string | null;
}

/** What {@link ScimConnections.update} changes. */
export interface ConnectionUpdate extends ActorOption {
  /** A new display name. */
  name?: string;
  /** New host settings (checked by `connections.settings`). */
  settings?: JsonObject;
  /** The IdP the admin chose. */
  idp?: string | null;
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
   * before it issued.
   */
  rotate(id: string, options: ActorOption & { overlapMs?: number }): Promise<IssuedToken>;
  /** Revokes a credential now (an OAuth client with the access tokens it obtained). */
  revoke(id: string, credentialId: string, options: ActorOption): Promise<ConnectionCredential>;
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
}

/** Tries of a read-change-write that lost its version to a concurrent change. */
const TRIES = 5;

function text(value: unknown, name: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    throw ScimError.invalidValue(`${name} must be a non-empty string of at most ${max} characters`);
  return value;
}

function jsonObject(value: unknown): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw ScimError.invalidValue('settings must be a JSON object');
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function overlapOf(ms: unknown): number {
  if (ms === undefined) return DAY_MS;
  if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) throw ScimError.invalidValue('overlapMs must be a number of ms ≥ 0');
  return ms;
}

/** The lifecycle API over `parts`. @internal */
export function scimConnections(parts: LifecycleParts): ScimConnections {
  const { store, options, authenticator, now } = parts;
  const iso = (ms = now()) => new Date(ms).toISOString();
  const settingsOf = (s: unknown) => (options.settings ? jsonObject(options.settings(jsonObject(s))) : jsonObject(s));
  const idpOf = (idp: unknown) => (idp === undefined || idp === null ? null : text(idp, 'idp', 100));

  const record = async (r: ActivityRecord) => parts.log?.append([r]);
  const note = (c: Connection, actor: string, action: ConnectionAction, credentialId?: string) =>
    record(lifecycleRecord(c.tenant, actor, iso(), action, c.id, credentialId));

  async function get(id: string): Promise<Connection> {
    const c = typeof id === 'string' ? await store.getConnection({ id }) : undefined;
    if (!c) throw ScimError.notFound(`Connection ${JSON.stringify(String(id).slice(0, 100))} not found`);
    return c;
  }

  /** Reads, changes and writes a connection at its version, again when another change won meanwhile. */
  async function change(id: string, actor: string, edit: (c: Connection) => Partial<Connection>): Promise<Connection> {
    text(actor, 'actor');
    for (let attempt = 1; ; attempt++) {
      const c = await get(id);
      try {
        const next = await store.updateConnection({ ...c, ...edit(c), updatedAt: iso(), updatedBy: actor }, c.version);
        authenticator?.lookups.forget({ connectionId: id });
        return next;
      } catch (e) {
        if ((e as { status?: unknown })?.status !== 412 || attempt >= TRIES) throw e;
      }
    }
  }

  /** Ends credentials now or at `until`, and drops them from this instance's cache. */
  async function end(credentials: readonly ConnectionCredential[], until: string, how: 'expiresAt' | 'revokedAt'): Promise<void> {
    for (const c of credentials) {
      const at = how === 'expiresAt' && c.expiresAt !== null && c.expiresAt < until ? c.expiresAt : until;
      await store.updateCredential(c.id, { [how]: at });
      authenticator?.lookups.forget({ hash: c.hash });
    }
  }

  async function add(c: Connection, kind: CredentialKind, actor: string, extra: { expiresAt?: string | null; clientId?: string | null } = {}) {
    const made = newCredential(kind, c.id, actor, iso(), extra);
    const credential = await store.addCredential(made.credential);
    // a secret someone presented before it existed is remembered as unknown: not any more
    authenticator?.lookups.forget({ hash: credential.hash });
    return { secret: made.secret, credential };
  }

  /** The credential changes of each connection under way on this instance: each waits for the one before (removed when the last ends). */
  const queues = new Map<string, Promise<void>>();

  /** Runs `work` after the credential changes of connection `id` this instance started before it. */
  function serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    const result = (queues.get(id) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    queues.set(id, tail);
    void tail.then(() => {
      if (queues.get(id) === tail) queues.delete(id);
    });
    return result;
  }

  /**
   * A change of a connection's credentials that must see every other one (the "at most two
   * in force" rule): `work` reads the credentials of `c`, adds one and ends others; then the
   * connection's version is bumped with a compare-and-swap. One instance runs these one at a
   * time per connection; between instances, the one whose swap loses (another change won in
   * between) revokes the credential it made and runs again on what the winner left, so the
   * rule holds whatever runs at once. A failure after the credential was made revokes it too:
   * nobody holds its secret, and it must not count as one in force.
   */
  function credentialChange<R extends { credential: ConnectionCredential }>(
    id: string,
    actor: string,
    work: (c: Connection) => Promise<R>,
  ): Promise<R & { c: Connection }> {
    text(actor, 'actor');
    return serially(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const c = await get(id);
        const r = await work(c);
        try {
          const next = await store.updateConnection({ ...c, updatedAt: iso(), updatedBy: actor }, c.version);
          authenticator?.lookups.forget({ connectionId: id });
          return { ...r, c: next };
        } catch (e) {
          await end([r.credential], iso(), 'revokedAt').catch(() => undefined);
          if ((e as { status?: unknown })?.status !== 412 || attempt >= TRIES) throw e;
        }
      }
    });
  }

  /** Replaces the credentials of `kind` in force by a new one: the newest ends after `overlap`, any other now. */
  function rotateKind(id: string, kind: 'bearer' | 'oauthClient', actor: string, overlap: number) {
    return credentialChange(id, actor, async (c) => {
      const t = now();
      const live = (await store.listCredentials(id)).filter((x) => x.kind === kind && inForce(x, t));
      // a new client id at every try: the one of a try that lost stays with its revoked client
      const made = await add(c, kind, actor, kind === 'oauthClient' ? { clientId: newId('client') } : {});
      try {
        const newest = live[live.length - 1];
        if (newest) await end([newest], iso(t + overlap), 'expiresAt');
        await end(live.slice(0, -1), iso(t), 'expiresAt');
      } catch (e) {
        await end([made.credential], iso(), 'revokedAt').catch(() => undefined);
        throw e;
      }
      return made;
    });
  }

  return {
    async create(input) {
      const actor = text(input?.actor, 'actor');
      const at = iso();
      const c = await store.createConnection({
        id: newId('conn'),
        tenant: text(input.tenant, 'tenant'),
        name: text(input.name, 'name'),
        state: 'pending',
        idp: idpOf(input.idp),
        detectedIdp: null,
        settings: settingsOf(input.settings ?? {}),
        createdAt: at,
        createdBy: actor,
        updatedAt: at,
        updatedBy: actor,
        version: 1,
      });
      await note(c, actor, 'create');
      return c;
    },

    async update(id, u) {
      const edit: Partial<Connection> = {};
      if (u?.name !== undefined) edit.name = text(u.name, 'name');
      if (u?.settings !== undefined) edit.settings = settingsOf(u.settings);
      if (u?.idp !== undefined) edit.idp = idpOf(u.idp);
      const c = await change(id, u?.actor, () => edit);
      await note(c, u.actor, 'update');
      return c;
    },

    async issueToken(id, o) {
      const actor = text(o?.actor, 'actor');
      let expiresAt: string | null = null;
      if (o.expiresAt !== undefined) {
        const ms = o.expiresAt instanceof Date ? o.expiresAt.getTime() : Date.parse(String(o.expiresAt));
        if (!(ms > now())) throw ScimError.invalidValue('expiresAt must be a time in the future');
        expiresAt = iso(ms);
      }
      const r = await credentialChange(id, actor, async (c) => {
        const t = now();
        const live = (await store.listCredentials(id)).filter((x) => x.kind === 'bearer' && inForce(x, t));
        if (live.length >= 2) throw ScimError.conflict('Two bearer tokens are in force: rotate, or revoke one, first');
        return add(c, 'bearer', actor, { expiresAt });
      });
      await note(r.c, actor, 'issueToken', r.credential.id);
      return { token: r.secret, credential: r.credential };
    },

    async rotate(id, o) {
      const overlap = overlapOf(o?.overlapMs);
      const r = await rotateKind(id, 'bearer', o?.actor, overlap);
      await note(r.c, o.actor, 'rotate', r.credential.id);
      return { token: r.secret, credential: r.credential };
    },

    async revoke(id, credentialId, o) {
      const actor = text(o?.actor, 'actor');
      const c = await get(id);
      const cred = typeof credentialId === 'string' ? await store.findCredential({ id: credentialId }) : undefined;
      if (!cred || cred.connectionId !== id) throw ScimError.notFound(`Credential ${JSON.stringify(String(credentialId).slice(0, 100))} not found`);
      const at = iso();
      if (cred.revokedAt === null) await end([cred], at, 'revokedAt');
      if (cred.kind === 'oauthClient') {
        const t = now();
        const issued = (await store.listCredentials(id)).filter((x) => x.kind === 'oauthAccess' && x.clientId === cred.clientId && inForce(x, t));
        await end(issued, at, 'revokedAt');
      }
      await note(c, actor, 'revoke', cred.id);
      return (await store.findCredential({ id: cred.id })) ?? cred;
    },

    async disable(id, o) {
      const c = await change(id, o?.actor, () => ({ state: 'disabled' }));
      await note(c, o.actor, 'disable');
      return c;
    },

    async enable(id, o) {
      const used = (await store.listCredentials(id)).some((x) => x.lastUsedAt !== null);
      const c = await change(id, o?.actor, (x) => (x.state === 'disabled' ? { state: used ? 'active' : 'pending' } : {}));
      authenticator?.usage.forgetActivation(id);
      await note(c, o.actor, 'enable');
      return c;
    },

    async oauthClient(id, o) {
      const overlap = overlapOf(o?.overlapMs);
      const r = await rotateKind(id, 'oauthClient', o?.actor, overlap);
      await note(r.c, o.actor, 'oauthClient', r.credential.id);
      return { clientId: r.credential.clientId!, clientSecret: r.secret, credential: r.credential };
    },

    async delete(id, o) {
      const actor = text(o?.actor, 'actor');
      const c = await get(id);
      const credentials = await store.listCredentials(id);
      await note(c, actor, 'delete');
      if (o.purge === true) await parts.purge(c.tenant);
      await store.deleteConnection(id);
      for (const x of credentials) authenticator?.lookups.forget({ hash: x.hash });
      authenticator?.lookups.forget({ connectionId: id });
    },

    get,

    async list(query = {}) {
      const out: Connection[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listConnections({
          limit: 100,
          ...(query.tenant === undefined ? {} : { tenant: query.tenant }),
          ...(after === undefined ? {} : { after }),
        });
        out.push(...page);
        if (page.length < 100) return out;
        after = page[page.length - 1]!.id;
      }
    },

    async health(id) {
      const c = await get(id);
      const t = now();
      const entitled: Entitlement = authenticator ? await authenticator.lookups.entitlement(c, t) : options.entitled ? await options.entitled(c) : true;
      const h = await healthOf(c, { log: parts.log, outbox: parts.outbox, entitled, credentials: await store.listCredentials(id), now: t });
      if (h.state !== c.state && (h.state === 'failing' || h.state === 'active')) {
        // written when it moves; a concurrent change wins (its state is read next time)
        await store.updateConnection({ ...c, state: h.state, updatedAt: iso(t) }, c.version).catch((e: unknown) => {
          if ((e as { status?: unknown })?.status !== 412) throw e;
        });
        authenticator?.lookups.forget({ connectionId: id });
      }
      return h;
    },
  };
}
