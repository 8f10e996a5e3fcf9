/**
 * `scimkit connection create|rotate|disable|enable|list`: an operator's hands on the SCIM
 * connections of a PostgreSQL database (`DATABASE_URL`), through the same lifecycle API as
 * `scim.connections` (each change in the tenant's activity log, the actor `cli:<os user>`).
 * A new secret is printed once: only its hash is kept.
 * @module
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { type Connection, createScimServer, type ScimConnections, ScimError, silentLogger } from 'scimkit';
import { PostgresStore, type SqlPool } from 'scimkit/postgres';
import type { CommandIO } from './check.js';
import { durationMs } from './duration.js';

/** The usage text of `scimkit connection`. */
export const CONNECTION_USAGE = `usage: scimkit connection <command> [options]

Manages the SCIM connections (one per tenant) of the PostgresStore at $DATABASE_URL; the
store's tables are migrated first. Changes are recorded in the tenant's activity log as cli:<os user>.

commands:
  create --tenant <t> [--name <n>]   a connection for a tenant, and its bearer token (shown once)
  rotate <id> [--overlap 24h]        a new bearer token; the current one works for the overlap
  disable <id>                       refuse the connection's requests (its tokens are kept)
  enable <id>                        accept them again
  list [--tenant <t>]                the connections

options:
  --json            machine-readable output
  --schema <name>   the PostgreSQL schema of the store's tables (PostgresStore's schema option)

exit code: 0 when done, 1 when it failed (no DATABASE_URL, an unknown id, a bad value), 2 on a usage error.
`;

/** What the command was asked. */
interface Request {
  command: 'create' | 'rotate' | 'disable' | 'enable' | 'list';
  id: string | undefined;
  tenant: string | undefined;
  name: string | undefined;
  overlap: string | undefined;
  schema: string | undefined;
  json: boolean;
}

const COMMANDS = new Set<string>(['create', 'rotate', 'disable', 'enable', 'list']);

/** A failure the operator can act on: one line, exit code 1. */
class Refused extends Error {}

/** A usage error: the message and the usage, exit code 2. */
class Misused extends Error {}

function parse(args: readonly string[]): Request | 'help' {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      name: { type: 'string' },
      overlap: { type: 'string' },
      schema: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, id, ...extra] = positionals;
  if (values.help) return 'help';
  if (command === undefined) throw new Misused('a command is needed');
  if (!COMMANDS.has(command)) throw new Misused(`unknown command ${JSON.stringify(command)}`);
  const takesId = command === 'rotate' || command === 'disable' || command === 'enable';
  if (takesId && id === undefined) throw new Misused(`${command} needs the connection's id`);
  if ((!takesId && id !== undefined) || extra.length > 0) throw new Misused(`unexpected argument ${JSON.stringify(takesId ? extra[0] : id)}`);
  if (command === 'create' && values.tenant === undefined) throw new Misused('create needs --tenant');
  if (values.overlap !== undefined && command !== 'rotate') throw new Misused('--overlap is an option of rotate');
  return {
    command: command as Request['command'],
    id,
    tenant: values.tenant,
    name: values.name,
    overlap: values.overlap,
    schema: values.schema,
    json: values.json,
  };
}

/** Who the activity log names for a change made here: the operating-system user. */
function actor(env: Record<string, string | undefined>): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    // a container's user without a passwd entry has no name there
  }
  return `cli:${name || env.USER || env.USERNAME || 'unknown'}`;
}

/** `pg`, a peer dependency the host installs with PostgresStore; loaded only by this command. */
async function loadPg(): Promise<{
  Pool: new (config: {
    connectionString: string;
    max: number;
    connectionTimeoutMillis: number;
  }) => SqlPool & { end(): Promise<void>; on(event: 'error', f: () => void): unknown };
}> {
  try {
    const pg = (await import('pg')) as { default?: unknown };
    return (pg.default ?? pg) as Awaited<ReturnType<typeof loadPg>>;
  } catch {
    throw new Refused('the pg package is needed (npm install pg)');
  }
}

/** Runs `fn` on the lifecycle API of the connections at `url`, after the store's migrations; closes everything after. */
async function onDatabase<T>(url: string, schema: string | undefined, fn: (connections: ScimConnections) => Promise<T>): Promise<T> {
  const { Pool } = await loadPg();
  let store: PostgresStore;
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
  // an idle connection the server ends must not end the command with an unhandled 'error'
  pool.on('error', () => undefined);
  try {
    try {
      store = new PostgresStore(pool, schema === undefined ? {} : { schema });
    } catch (e) {
      throw new Refused((e as Error).message);
    }
    await store.migrate();
    const scim = createScimServer({ store, connections: {}, logger: silentLogger });
    try {
      return await fn(scim.connections!);
    } finally {
      // writes the activity records of the changes
      await scim.close();
    }
  } finally {
    await pool.end();
  }
}

const line = (c: Connection) => `${c.id}  ${c.tenant}  ${c.name}  ${c.state}${c.idp ? `  ${c.idp}` : ''}`;

/** Does what `r` asks on `connections`; the text to print. */
async function perform(r: Request, connections: ScimConnections, by: string): Promise<string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  switch (r.command) {
    case 'create': {
      const connection = await connections.create({ tenant: r.tenant!, name: r.name ?? r.tenant!, settings: {}, actor: by });
      const { token, credential } = await connections.issueToken(connection.id, { actor: by });
      if (r.json) return json({ connection, token, credential });
      return [
        `connection ${connection.id} for tenant ${connection.tenant} (${connection.name}): ${connection.state}`,
        `token: ${token}`,
        '',
        'Give the token to the IdP now: it will not be shown again (only its hash is kept).',
        '',
      ].join('\n');
    }
    case 'rotate': {
      const overlapMs = r.overlap === undefined ? undefined : durationMs(r.overlap);
      if (overlapMs === null) throw new Refused(`--overlap must be a duration such as 24h, 30m or 0, not ${JSON.stringify(r.overlap)}`);
      const before = Date.now();
      const { token, credential } = await connections.rotate(r.id!, { actor: by, ...(overlapMs === undefined ? {} : { overlapMs }) });
      const previousUntil = new Date(before + (overlapMs ?? 24 * 3600_000)).toISOString();
      if (r.json) return json({ token, credential, previousUntil });
      return [
        `token: ${token}`,
        '',
        `Give the new token to the IdP now: it will not be shown again. The previous token works until ${previousUntil}.`,
        '',
      ].join('\n');
    }
    case 'disable':
    case 'enable': {
      const c = r.command === 'disable' ? await connections.disable(r.id!, { actor: by }) : await connections.enable(r.id!, { actor: by });
      return r.json ? json(c) : `connection ${c.id} for tenant ${c.tenant}: ${c.state}\n`;
    }
    case 'list': {
      const all = await connections.list(r.tenant === undefined ? {} : { tenant: r.tenant });
      if (r.json) return json(all);
      return all.length === 0 ? 'no connections\n' : `${all.map(line).join('\n')}\n`;
    }
  }
}

/** Runs `scimkit connection` with its arguments; the exit code. */
export async function connection(args: readonly string[], io: CommandIO): Promise<number> {
  const env = io.env ?? process.env;
  let r: Request | 'help';
  try {
    r = parse(args);
  } catch (e) {
    io.err(`scimkit connection: ${(e as Error).message}\n\n${CONNECTION_USAGE}`);
    return 2;
  }
  if (r === 'help') {
    io.out(CONNECTION_USAGE);
    return 0;
  }
  const { command } = r;
  const fail = (message: string) => {
    io.err(`scimkit connection ${command}: ${message.replace(/\s+/g, ' ').trim()}\n`);
    return 1;
  };
  const url = env.DATABASE_URL;
  if (!url) return fail('DATABASE_URL is not set (postgres://user:password@host:5432/database)');
  try {
    const request = r;
    io.out(await onDatabase(url, r.schema, (connections) => perform(request, connections, actor(env))));
    return 0;
  } catch (e) {
    if (e instanceof Refused) return fail(e.message);
    if (e instanceof ScimError) return fail(e.detail);
    return fail(`the database failed: ${(e as Error)?.message ?? String(e)}`);
  }
}
