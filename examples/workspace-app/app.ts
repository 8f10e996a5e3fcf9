// A small SaaS app with Organization settings → Security → SCIM, provisioning through scimkit's hooks.
import express from 'express';
import { type ActivityQuery, consoleLogger, createScimServer, generateToken, type LifecycleEvent, MemoryStore, ScimError, type ScimLogger } from 'scimkit';
import { scimRouter } from 'scimkit/express';
import { checkSettings, mirrorOf, settingsOf } from './connection-settings.js';
import { LoginThrottle } from './login-throttle.js';
import { MemberAccess } from './member-access.js';
import {
  type Admin,
  checkPassword,
  expiryIn,
  grantsAdmin,
  newAdmin,
  newOrganization,
  type Organization,
  ROLES,
  type ScimConnection,
  TOKEN_LIFETIMES,
} from './model.js';
import {
  ACTIVITY_FILTERS,
  type ActivityView,
  type ConnectionView,
  loginPage,
  OVERLAPS,
  type SettingsOptions,
  scimSettingsPage,
  teamsPage,
  usersPage,
} from './pages.js';
import { type Session, Sessions, validPost } from './session.js';

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

  // the server was made with `connections`: it has them
  const connections = scim.connections!;
  /**
   * Saves the organization's SCIM settings in its connection. The first time, the connection
   * is made with its first token, which is returned to be shown once; later, only the
   * settings change (tokens are rotated or revoked on their own).
   */
  async function connect(o: Organization, settings: Omit<ScimConnection, 'connectionId'>, actor: string): Promise<string | undefined> {
    if (o.scim) {
      o.scim = mirrorOf(await connections.update(o.scim.connectionId, { settings: settingsOf(settings), actor }));
      return undefined;
    }
    const made = await connections.create({ tenant: o.id, name: o.name, settings: settingsOf(settings), actor });
    o.scim = mirrorOf(made);
    const expiresAt = expiryIn(settings.tokenLifetimeDays);
    return (await connections.issueToken(made.id, { actor, ...(expiresAt ? { expiresAt } : {}) })).token;
  }

  /** The connection as the settings page shows it: its record, health and bearer tokens (newest first). */
  async function connectionView(o: Organization): Promise<ConnectionView | undefined> {
    if (!o.scim) return undefined;
    const id = o.scim.connectionId;
    // health counts the activity log's records, written just after each response: the waiting ones too
    await scim.activity.flush();
    const [health, credentials] = await Promise.all([connections.health(id), connections.credentials(id)]);
    // read after health, which writes `active` ⇄ `failing` when it moved
    const connection = await connections.get(id);
    o.scim = mirrorOf(connection);
    return { connection, health, tokens: credentials.filter((c) => c.kind === 'bearer').reverse() };
  }

  const app = express();
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use('/scim/v2', scimRouter(scim));
  app.use(express.urlencoded({ extended: false }));
  const base = (req: express.Request) => `${req.protocol}://${req.get('host')}`;
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
  /** The activity the settings page shows, filtered as the admin chose. */
  async function activityOf(o: Organization, filter: string): Promise<ActivityView> {
    // records are written just after each response: read what is waiting too
    await scim.activity.flush();
    const query: ActivityQuery = { tenant: o.id, limit: 50 };
    if (filter === 'rejected') {
      query.rejectedTokens = true;
      query.refused = true;
    } else if (filter) query.status = filter as ActivityQuery['status'] & string;
    const [summary, records, rejected] = await Promise.all([
      scim.activity.summary(o.id),
      scim.activity.list(query),
      // the refused requests naming this organization are kept apart: anyone can send them
      scim.activity.list({ tenant: o.id, refused: true, limit: 10 }),
    ]);
    return { summary, records, rejected, filter };
  }
  /** A local path to go back to after sign-in (never another site). */
  const localPath = (next: unknown) =>
    typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/orgs/acme/settings/security/scim';

  app.get('/', (_req, res) => res.redirect('/orgs/acme/settings/security/scim'));
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
  app.get('/orgs/:org/settings/security/scim', async (req, res) => {
    const a = adminOf(req, res);
    if (!a) return;
    const filter = ACTIVITY_FILTERS.some(([v]) => v === req.query.status) ? String(req.query.status) : '';
    const activity = a.o.scim ? await activityOf(a.o, filter) : undefined;
    await sendSettings(req, res, a, { configuring: req.query.configure === '1', ...(activity ? { activity } : {}) });
  });
  /** The settings page, with the connection's record, health and tokens (and the activity, on GET). */
  async function sendSettings(req: express.Request, res: express.Response, a: { o: Organization; session: Session }, opts: SettingsOptions = {}) {
    const view = await connectionView(a.o);
    res.type('html').send(scimSettingsPage(a.o, base(req), viewer(a.session), { ...opts, ...(view ? { connection: view } : {}) }));
  }
  app.post('/orgs/:org/settings/security/scim', async (req, res) => {
    const a = adminOf(req, res);
    if (!a) return;
    const o = a.o;
    const workspaceId = String(req.body.workspace);
    const defaultRole = String(req.body.role);
    if (!o.workspaces.some((w) => w.id === workspaceId) || !(ROLES as readonly string[]).includes(defaultRole))
      return void res.status(400).send('Choose a workspace and a role');
    const lifetime = Number(req.body.lifetime ?? 365);
    if (!(TOKEN_LIFETIMES as readonly number[]).includes(lifetime)) return void res.status(400).send('Choose a token lifetime');
    const adminGroup = String(req.body.adminGroup ?? '')
      .trim()
      .slice(0, 200);
    // the first save makes the connection and its token (shown once, kept by the kit as a hash)
    const token = await connect(o, { workspaceId, defaultRole, tokenLifetimeDays: lifetime, ...(adminGroup ? { adminGroup } : {}) }, a.session.email);
    o.events.push(`scim.configured ${workspaceId} ${defaultRole}`);
    // another admin group (or none): every member's role follows it now, not at its next event
    for (const [ws, members] of o.members) syncRoles(o, ws, members.keys());
    await sendSettings(req, res, a, token ? { token } : {});
  });
  /** The SCIM connection of the page's organization, or a redirect to the page when it has none. */
  const connectionOf = (req: express.Request, res: express.Response) => {
    const a = adminOf(req, res);
    if (a && !a.o.scim) res.redirect(`/orgs/${encodeURIComponent(a.o.id)}/settings/security/scim`);
    return a?.o.scim ? { ...a, id: a.o.scim.connectionId, actor: a.session.email } : undefined;
  };
  // Rotate: a new token; the newest one before keeps working for the overlap, so a running
  // sync goes on while the admin pastes the new one into the IdP
  app.post('/orgs/:org/settings/security/scim/rotate', async (req, res) => {
    const a = connectionOf(req, res);
    if (!a) return;
    const hours = Number(req.body.overlap ?? 24);
    if (!OVERLAPS.some(([h]) => h === hours)) return void res.status(400).send('Choose an overlap');
    // the new token gets the organization's token lifetime, as the first one did
    const expiresAt = expiryIn(a.o.scim!.tokenLifetimeDays);
    const { token } = await connections.rotate(a.id, { overlapMs: hours * 3600_000, actor: a.actor, ...(expiresAt ? { expiresAt } : {}) });
    a.o.events.push(`scim.token.rotated overlap ${hours} h`);
    await sendSettings(req, res, a, { token });
  });
  // Revoke: one token stops now (the old one after a rotation, once the IdP has the new one)
  app.post('/orgs/:org/settings/security/scim/tokens/:credential/revoke', async (req, res) => {
    const a = connectionOf(req, res);
    if (!a) return;
    await connections.revoke(a.id, String(req.params.credential), { actor: a.actor });
    a.o.events.push('scim.token.revoked');
    res.redirect(`/orgs/${encodeURIComponent(a.o.id)}/settings/security/scim`);
  });
  // The switch: disabled, every request of the IdP is refused (401) until it is enabled again
  for (const state of ['enable', 'disable'] as const)
    app.post(`/orgs/:org/settings/security/scim/${state}`, async (req, res) => {
      const a = connectionOf(req, res);
      if (!a) return;
      await connections[state](a.id, { actor: a.actor });
      a.o.events.push(`scim.${state}d`);
      res.redirect(`/orgs/${encodeURIComponent(a.o.id)}/settings/security/scim`);
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
  // an unknown token or a refused setting from the connections API: its message, not a 500
  app.use((e: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (e instanceof ScimError) res.status(e.status).send(e.detail);
    else next(e);
  });
  return { app, orgs, scim, store, admin, onEvent, connect };
}
