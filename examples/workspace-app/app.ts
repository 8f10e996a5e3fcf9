// A small SaaS app whose Organization settings → Security → SCIM is scimkit's admin portal,
// provisioning through scimkit's hooks.
import express from 'express';
import { type Connection, consoleLogger, createScimServer, generateToken, type LifecycleEvent, MemoryStore, type ScimLogger } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import type { PortalChange } from 'scimkit/portal';
import { checkSettings, mirrorOf, settingsOf } from './connection-settings.js';
import { LoginThrottle } from './login-throttle.js';
import { MemberAccess } from './member-access.js';
import { type Admin, checkPassword, expiryIn, grantsAdmin, newAdmin, newOrganization, type Organization, ROLES, type ScimConnection } from './model.js';
import { eventsPage, loginPage, teamsPage, usersPage } from './pages.js';
import { PORTAL_PATH, workspacePortal } from './scim-portal.js';
import { type Session, Sessions, validPost } from './session.js';

/** A Host header that is a host name or address, with an optional port. */
const HOST = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

/** Options of {@link createWorkspaceApp}. */
export interface WorkspaceAppOptions {
  /** The password of admin@acme.io (default: a new random one, see the returned `admin`). */
  adminPassword?: string;
  /** Where SCIM logs its request lines (default: warnings and errors on the console). */
  logger?: ScimLogger;
  /** Told of each lifecycle event after the app applied it (tests replay them: delivery is at least once). */
  observe?: (event: LifecycleEvent) => void;
  /**
   * Development only (default off): members sign in by their userName alone, standing in for
   * the IdP's SSO of a real app. `POST /orgs/:org/login/:userName` gives anyone a session and
   * an API token of any active member, and `GET` tells whether one may sign in.
   */
  ssoStandIn?: boolean;
  /**
   * The origin IdPs reach the app at (`https://app.example.com`, default `http://127.0.0.1:8090`):
   * the SCIM settings give `{publicUrl}/scim/v2/{org}` as the tenant URL. Configured, never taken
   * from a request's Host header, which anyone can set.
   */
  publicUrl?: string;
  /**
   * Express's `trust proxy` (e.g. `'loopback'`, a hop count), for an app behind a reverse
   * proxy: the sign-in limit per address then counts the client's address from
   * X-Forwarded-For, not the proxy's, which every admin would share. Default: not trusted.
   */
  trustProxy?: boolean | number | string;
}

export function createWorkspaceApp(options: WorkspaceAppOptions = {}) {
  const admin = { email: 'admin@acme.io', password: options.adminPassword ?? generateToken().slice(8, 28) };
  const orgs = new Map<string, Organization>();
  orgs.set(
    'acme',
    newOrganization(
      'acme',
      'Acme Corp',
      [
        { id: 'ws-eng', name: 'Engineering' },
        { id: 'ws-sales', name: 'Sales' },
      ],
      [newAdmin(admin.email, admin.password)],
    ),
  );
  const sessions = new Sessions();
  const access = new MemberAccess();
  const decoy = newAdmin('decoy@invalid', generateToken());
  const logger = options.logger ?? consoleLogger({ level: 'warn' });

  /**
   * Groups to roles, by the default role's rule: the IdP's admin group grants admin to its
   * members and leaving it restores the default role, unless an admin set the role here
   * (`local`): then the IdP never changes it.
   */
  const syncRoles = (org: Organization, ws: string, ids: Iterable<string>) => {
    const members = org.members.get(ws)!;
    const teams = [...org.teams.get(ws)!.values()];
    for (const id of ids) {
      const m = members.get(id);
      if (!m || m.roleSource === 'local') continue;
      const granted = teams.some((t) => t.members.has(id) && grantsAdmin(org.scim, t.name));
      if (granted && m.roleSource !== 'group') Object.assign(m, { role: 'admin', roleSource: 'group' });
      else if (!granted && m.roleSource === 'group') Object.assign(m, { role: org.scim?.defaultRole ?? 'member', roleSource: 'default' });
    }
  };

  // one selected workspace per organization: the SCIM connection knows which
  const onEvent = (e: LifecycleEvent) => {
    const org = orgs.get(e.ctx.tenant)!;
    const ws = e.ctx.workspace!;
    const members = org.members.get(ws)!;
    const teams = org.teams.get(ws)!;
    const name = String(e.resource?.userName ?? e.resource?.displayName ?? e.previous?.userName ?? e.previous?.displayName ?? e.id);
    org.events.push(`${e.type} ${name}`);
    switch (e.type) {
      case 'user.created': {
        // a soft-deleted member the IdP created again: back, with the role it had
        const kept = members.get(e.id);
        if (e.restored && kept?.removed) {
          Object.assign(kept, { removed: false, userName: String(e.resource.userName), active: e.resource.active !== false });
          break;
        }
        // delivered again (at least once): the member as it is now stands, its role included
        if (kept) break;
        // the default role, on create only: later IdP updates never touch the role
        members.set(e.id, {
          scimId: e.id,
          userName: String(e.resource.userName),
          displayName: String(e.resource.displayName ?? e.resource.userName),
          role: e.ctx.defaultRole ?? 'member',
          roleSource: 'default',
          active: e.resource.active !== false,
        });
        break;
      }
      case 'user.deactivated':
        // no more sign-in: the flag below, and every session and API token it already has
        access.revoke(org.id, e.id);
        break;
      case 'user.updated': {
        const m = members.get(e.id);
        if (m) {
          m.userName = String(e.resource.userName);
          m.displayName = String(e.resource.displayName ?? e.resource.userName);
          m.active = e.resource.active !== false;
        }
        break;
      }
      case 'user.deleted':
        access.revoke(org.id, e.id);
        for (const t of teams.values()) t.members.delete(e.id);
        // soft delete (retained): the member is kept, signed out and hidden, until the IdP creates it again
        if (e.retained && members.has(e.id)) Object.assign(members.get(e.id)!, { active: false, removed: true });
        else members.delete(e.id);
        break;
      case 'group.created': {
        // delivered again: the team as later events left it stands (its first members may be gone)
        if (teams.has(e.id)) break;
        // a group may arrive with its members (JumpCloud never creates an empty one)
        const team = { scimId: e.id, name: String(e.resource.displayName), members: new Set((e.resource.members ?? []).map((m) => m.value)) };
        teams.set(e.id, team);
        syncRoles(org, ws, team.members);
        break;
      }
      case 'group.renamed': {
        const team = teams.get(e.id)!;
        team.name = String(e.resource.displayName);
        syncRoles(org, ws, team.members);
        break;
      }
      case 'group.membersAdded':
        for (const id of e.memberIds ?? []) teams.get(e.id)?.members.add(id);
        syncRoles(org, ws, e.memberIds ?? []);
        break;
      case 'group.membersRemoved':
        for (const id of e.memberIds ?? []) teams.get(e.id)?.members.delete(id);
        syncRoles(org, ws, e.memberIds ?? []);
        break;
      case 'group.deleted': {
        const gone = teams.get(e.id)?.members ?? new Set<string>();
        teams.delete(e.id);
        syncRoles(org, ws, gone);
        break;
      }
      default:
        break;
    }
    options.observe?.(e);
  };

  const store = new MemoryStore();
  const scim = createScimServer({
    tenantInPath: true,
    uniqueGroupDisplayName: true,
    store,
    // each organization's SCIM connection is a record of the kit's: its tokens (kept as hashes,
    // rotated with an overlap), its state (pending, active, failing, disabled) and health. No
    // `authenticate`: a request's token is looked up in the connections (cached, 4 s at most stale).
    connections: { settings: checkSettings },
    hooks: { onEvent },
    // an IdP's DELETE keeps the user (hidden) so that its data and role survive a re-hire
    deprovisioning: { onDelete: 'softDelete' },
    logger,
    // the model is this process's memory: the pages show each change once the IdP's request returns
    events: { mode: 'beforeResponse' },
  });

  /**
   * The organization's connection was made or its settings changed (through the portal, or
   * {@link connect}): the app's copy of its settings follows, and every member's role follows
   * the admin group now, not at its next event.
   */
  const settingsSaved = (o: Organization, connection: Connection) => {
    o.scim = mirrorOf(connection);
    o.events.push(`scim.configured ${o.scim.workspaceId} ${o.scim.defaultRole}`);
    for (const [ws, members] of o.members) syncRoles(o, ws, members.keys());
  };
  /** The event log's line of each other change of the connection made in the portal. */
  const CHANGE_LOG: Record<Exclude<PortalChange['kind'], 'created' | 'settings'>, string> = {
    rotated: 'scim.token.rotated',
    revoked: 'scim.credential.revoked',
    oauthClient: 'scim.oauthClient.created',
    disabled: 'scim.disabled',
    enabled: 'scim.enabled',
    deleted: 'scim.deleted',
  };
  /** The portal's `onChange`: told after the kit saved each change (the kit records it in the activity log with its actor). */
  const portalChanged = (change: PortalChange) => {
    const o = orgs.get(change.viewer.tenant);
    if (!o) return;
    if (change.kind === 'created' || change.kind === 'settings') return settingsSaved(o, change.connection);
    if (change.kind === 'deleted') o.scim = undefined;
    o.events.push(CHANGE_LOG[change.kind]);
  };

  // the server was made with `connections`: it has them
  const connections = scim.connections!;
  /**
   * What the portal's setup and settings do, for code (tests, an import): saves the
   * organization's settings in its connection. The first time, the connection is made with
   * its first token (expiring after `tokenLifetimeDays` when given), which is returned to be
   * shown once; later, only the settings change.
   */
  async function connect(
    o: Organization,
    settings: Omit<ScimConnection, 'connectionId'> & { tokenLifetimeDays?: number },
    actor: string,
  ): Promise<string | undefined> {
    if (o.scim) {
      settingsSaved(o, await connections.update(o.scim.connectionId, { settings: settingsOf(settings), actor }));
      return undefined;
    }
    const made = await connections.create({ tenant: o.id, name: o.name, settings: settingsOf(settings), actor });
    settingsSaved(o, made);
    const expiresAt = expiryIn(settings.tokenLifetimeDays ?? 0);
    return (await connections.issueToken(made.id, { actor, ...(expiresAt ? { expiresAt } : {}) })).token;
  }

  const portal = workspacePortal(scim, { orgs, sessions, publicUrl: options.publicUrl ?? 'http://127.0.0.1:8090', onChange: portalChanged });
  const app = express();
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use('/scim/v2', scimRouter(scim));
  // Organization settings → Security → SCIM: a page asked for without the app's sign-in goes to
  // it (the portal alone answers 401); the portal reads the session itself (`authorize`), and
  // checks its own forms. Before the body parser: the portal reads its bodies itself.
  app.use(PORTAL_PATH, (req, res, next) => {
    // portal.node makes a URL of the Host header: one that is no host would throw there (a 500)
    if (!HOST.test(req.headers.host ?? '')) return void res.status(400).send('Bad Host header');
    if ((req.method === 'GET' || req.method === 'HEAD') && !sessions.of(req)) return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
    next();
  });
  app.use(portal.node);
  app.use(express.urlencoded({ extended: false }));
  /** The organization of the path, when the signed-in admin manages it; else a redirect to sign in (GET) or 403. */
  const adminOf = (req: express.Request, res: express.Response): { o: Organization; session: Session } | undefined => {
    const session = sessions.of(req);
    const o = orgs.get(String(req.params.org));
    if (session && o && session.org === o.id) {
      if (req.method === 'POST' && !validPost(req, session)) {
        res.status(403).send('This form expired or did not come from this app; reload the page and try again');
        return undefined;
      }
      return { o, session };
    }
    if (req.method === 'GET') res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
    else res.status(403).send('Sign in as the organization’s admin');
    return undefined;
  };
  const viewer = (s: Session) => ({ email: s.email, csrf: s.csrf });
  /** A local path to go back to after sign-in (never another site). */
  const localPath = (next: unknown) =>
    typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : `${PORTAL_PATH}/`;

  app.get('/', (_req, res) => res.redirect(`${PORTAL_PATH}/`));
  app.get('/login', (req, res) => void res.type('html').send(loginPage({ next: localPath(req.query.next) })));
  // 10 sign-in attempts a minute per client address and per account: an account guessed from
  // many addresses is cut off too. Unknown e-mails count like known ones, so a cut-off does
  // not tell which e-mails exist.
  const attempts = new LoginThrottle({ limit: 10, windowMs: 60_000 });
  app.post('/login', async (req, res) => {
    const email = String(req.body.email ?? '');
    const password = String(req.body.password ?? '');
    // req.ip: the socket's address, or the client's from X-Forwarded-For under trustProxy
    const keys = [`address ${req.ip ?? ''}`, `account ${email.trim().toLowerCase()}`];
    const attempt = attempts.take(keys);
    if (!attempt.taken)
      return void res
        .status(429)
        .set('retry-after', String(Math.ceil(attempt.retryAfterMs / 1000)))
        .type('html')
        .send(loginPage({ error: 'Too many attempts; wait a minute', next: localPath(req.body.next) }));
    let found: { org: string; admin: Admin } | undefined;
    for (const o of orgs.values()) for (const a of o.admins) if (a.email === email) found = { org: o.id, admin: a };
    // an unknown e-mail costs the same scrypt: the time does not tell which e-mails exist
    const ok = await checkPassword(found?.admin ?? decoy, password);
    if (found && ok) {
      attempts.giveBack(keys);
      sessions.start(res, found.org, email, req.secure);
      return res.redirect(localPath(req.body.next));
    }
    res
      .status(401)
      .type('html')
      .send(loginPage({ error: 'Wrong e-mail or password', next: localPath(req.body.next) }));
  });
  app.post('/logout', (req, res) => {
    const s = sessions.of(req);
    if (s && !validPost(req, s)) return void res.status(403).send('Reload the page and try again');
    sessions.end(req, res);
    res.redirect('/login');
  });
  // the page's old address: the portal now (bookmarks and links keep working)
  app.get('/orgs/:org/settings/security/scim', (req, res) => {
    if (adminOf(req, res)) res.redirect(`${PORTAL_PATH}/`);
  });
  app.get('/orgs/:org/events', (req, res) => {
    const a = adminOf(req, res);
    if (a) res.type('html').send(eventsPage(a.o, viewer(a.session)));
  });
  app.get('/orgs/:org/users', (req, res) => {
    const a = adminOf(req, res);
    if (a) res.type('html').send(usersPage(a.o, viewer(a.session)));
  });
  app.post('/orgs/:org/users/:id/role', (req, res) => {
    const a = adminOf(req, res);
    if (!a) return;
    const o = a.o;
    const role = String(req.body.role);
    for (const members of o.members.values()) {
      const m = members.get(String(req.params.id));
      if (m && (ROLES as readonly string[]).includes(role)) {
        m.role = role;
        m.roleSource = 'local';
        o.events.push(`role.changed ${m.userName} ${role}`);
      }
    }
    res.redirect(`/orgs/${encodeURIComponent(o.id)}/users`);
  });
  app.get('/orgs/:org/teams', (req, res) => {
    const a = adminOf(req, res);
    if (a) res.type('html').send(teamsPage(a.o, viewer(a.session)));
  });
  // The members' sign-in, standing in for the IdP's SSO: development only (ssoStandIn), since
  // it trusts the userName alone. A real app signs members in through SAML or OIDC and then
  // checks the same thing: a deactivated or removed member gets no session.
  if (options.ssoStandIn) {
    // sign-in check: a deactivated (active: false) or removed user cannot log in
    app.get('/orgs/:org/login/:userName', (req, res) => {
      const o = orgs.get(String(req.params.org));
      if (!o) return void res.status(404).send('No such organization');
      for (const members of o.members.values())
        for (const m of members.values())
          if (m.userName === req.params.userName && !m.removed) return void res.status(m.active ? 200 : 403).send(m.active ? 'welcome' : 'deactivated');
      res.status(403).send('unknown user');
    });
    // a member signs in (through the IdP's SSO in a real app): a session and a personal API token
    app.post('/orgs/:org/login/:userName', (req, res) => {
      const o = orgs.get(String(req.params.org));
      for (const members of o?.members.values() ?? [])
        for (const m of members.values())
          if (m.userName === req.params.userName && !m.removed) {
            if (!m.active) return void res.status(403).json({ error: 'deactivated' });
            return void res.json(access.issue(o!.id, m.scimId));
          }
      res.status(403).json({ error: 'unknown user' });
    });
  }
  // the app's API: a member's session (X-Session) or API token (Bearer), until SCIM deprovisions the member
  app.get('/orgs/:org/api/me', (req, res) => {
    const bearer = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const session = req.get('x-session');
    const who = bearer ? access.resolve('token', bearer) : session ? access.resolve('session', session) : undefined;
    const m = who && who.org === req.params.org ? [...(orgs.get(who.org)?.members.values() ?? [])].map((ms) => ms.get(who.scimId)).find(Boolean) : undefined;
    if (!m?.active || m.removed) return void res.status(401).json({ error: 'signed out' });
    res.json({ userName: m.userName, role: m.role });
  });
  return { app, orgs, scim, store, admin, onEvent, connect, portal };
}
