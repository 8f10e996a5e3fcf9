// `scimkit connection`: an operator creates, rotates, disables, enables and lists connections
// in a PostgreSQL database; the secrets it prints are checked the only way that matters, by a
// SCIM server on the same database answering requests over HTTP with them. A database of its
// own per run (DATABASE_URL's server); skipped without DATABASE_URL.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { createScimServer, type ScimServer, silentLogger } from 'scimkit';
import { toNodeHandler } from 'scimkit/node';
import { PostgresStore } from 'scimkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { type ScratchDatabase, scratchDatabase } from '../scratch-database.js';

const run = async (args: string[], env: Record<string, string | undefined>) => {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => void (out += t), err: (t) => void (err += t), env });
  return { code, out, err };
};

describe('scimkit connection without a database', () => {
  it('says DATABASE_URL is missing, on one line, exit code 1', async () => {
    const r = await run(['connection', 'list'], {});
    expect(r).toEqual({ code: 1, out: '', err: 'scimkit connection list: DATABASE_URL is not set (postgres://user:password@host:5432/database)\n' });
  });

  it('a usage error is exit code 2 with the usage; --help is 0', async () => {
    expect(await run(['connection', 'create'], {})).toMatchObject({ code: 2, err: expect.stringContaining('create needs --tenant') });
    expect(await run(['connection', 'rotate'], {})).toMatchObject({ code: 2, err: expect.stringContaining("rotate needs the connection's id") });
    expect(await run(['connection', 'frob'], {})).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "frob"') });
    expect(await run(['connection', 'list', '--bogus'], {})).toMatchObject({ code: 2, err: expect.stringContaining('--bogus') });
    expect(await run(['connection', 'disable', '--overlap', '1h', 'x'], {})).toMatchObject({ code: 2 });
    expect(await run(['connection', '--help'], {})).toMatchObject({ code: 0, out: expect.stringContaining('rotate <id> [--overlap 24h]') });
    expect(await run(['--help'], {})).toMatchObject({ code: 0, out: expect.stringContaining('connection create|rotate|disable|enable|list') });
  });
});

describe.skipIf(!process.env.DATABASE_URL)('scimkit connection on PostgreSQL', () => {
  let db: ScratchDatabase;
  let env: Record<string, string | undefined>;
  let scim: ScimServer;
  let http: Server;
  let base: string;

  beforeAll(async () => {
    db = await scratchDatabase('scimkit_cli');
    env = { DATABASE_URL: db.url };
    // the server the IdP talks to, on the same database; no cache, so each change shows at once
    const store = new PostgresStore(db.pool);
    await store.migrate();
    scim = createScimServer({ store, connections: { cacheMs: 0 }, logger: silentLogger });
    http = createServer(toNodeHandler(scim));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => http?.close(() => r()));
    await scim?.close();
    await db?.drop();
  });

  const users = async (token: string) => (await fetch(`${base}/Users`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('create prints the token once, which the SCIM server accepts; --json for scripts', async () => {
    const r = await run(['connection', 'create', '--tenant', 'acme', '--name', 'Acme Corp'], env);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^connection \S+ for tenant acme \(Acme Corp\): pending\n/);
    expect(r.out).toContain('it will not be shown again');
    const token = /token: (\S+)/.exec(r.out)![1]!;
    expect(await users(token)).toBe(200);
    expect(await users(`${token}x`)).toBe(401);

    const j = await run(['connection', 'create', '--tenant', 'globex', '--json'], env);
    expect(j.code).toBe(0);
    const made = JSON.parse(j.out) as {
      connection: { id: string; tenant: string; name: string; createdBy: string };
      token: string;
      credential: Record<string, unknown>;
    };
    expect(made.connection).toMatchObject({ tenant: 'globex', name: 'globex', createdBy: `cli:${userInfo().username}` });
    expect(made.credential).toMatchObject({ kind: 'bearer', inForce: true });
    expect(made.credential).not.toHaveProperty('hash');
    expect(await users(made.token)).toBe(200);
  });

  it('a second connection for a tenant is refused on one line, exit code 1', async () => {
    await run(['connection', 'create', '--tenant', 'initech'], env);
    const r = await run(['connection', 'create', '--tenant', 'initech'], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^scimkit connection create: .+\n$/);
  });

  it('list shows the connections, by tenant too, as text or JSON', async () => {
    await run(['connection', 'create', '--tenant', 'umbrella'], env);
    const all = JSON.parse((await run(['connection', 'list', '--json'], env)).out) as { tenant: string }[];
    expect(all.map((c) => c.tenant)).toEqual(expect.arrayContaining(['umbrella']));
    const one = JSON.parse((await run(['connection', 'list', '--tenant', 'umbrella', '--json'], env)).out) as { id: string; tenant: string; state: string }[];
    expect(one).toEqual([expect.objectContaining({ tenant: 'umbrella', state: 'pending' })]);
    const text = await run(['connection', 'list', '--tenant', 'umbrella'], env);
    expect(text).toEqual({ code: 0, out: `${one[0]!.id}  umbrella  umbrella  pending\n`, err: '' });
    expect((await run(['connection', 'list', '--tenant', 'nobody'], env)).out).toBe('no connections\n');
  });

  it('rotate gives a new token; the old one works for the overlap (0: not at all)', async () => {
    const made = JSON.parse((await run(['connection', 'create', '--tenant', 'hooli', '--json'], env)).out) as { connection: { id: string }; token: string };
    const id = made.connection.id;
    const kept = await run(['connection', 'rotate', id], env);
    expect(kept.code).toBe(0);
    const second = /token: (\S+)/.exec(kept.out)![1]!;
    const until = /works until (\S+)\.$/m.exec(kept.out)![1]!;
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect([await users(made.token), await users(second)]).toEqual([200, 200]);

    const now = JSON.parse((await run(['connection', 'rotate', id, '--overlap', '0', '--json'], env)).out) as { token: string; previousUntil: string };
    expect([await users(now.token), await users(second), await users(made.token)]).toEqual([200, 401, 401]);
  });

  it('a bad --overlap or an unknown id is one line and exit code 1', async () => {
    const made = JSON.parse((await run(['connection', 'create', '--tenant', 'vandelay', '--json'], env)).out) as { connection: { id: string } };
    expect(await run(['connection', 'rotate', made.connection.id, '--overlap', 'soon'], env)).toEqual({
      code: 1,
      out: '',
      err: 'scimkit connection rotate: --overlap must be a duration such as 24h, 30m or 0, not "soon"\n',
    });
    for (const command of ['rotate', 'disable', 'enable']) {
      const r = await run(['connection', command, 'conn_nope'], env);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^scimkit connection ${command}: .*not found.*\\n$`, 'i'));
    }
  });

  it('disable refuses the tokens, enable accepts them again, each recorded with the actor', async () => {
    const made = JSON.parse((await run(['connection', 'create', '--tenant', 'wonka', '--json'], env)).out) as { connection: { id: string }; token: string };
    const id = made.connection.id;
    expect(await users(made.token)).toBe(200);
    expect(await run(['connection', 'disable', id], env)).toEqual({ code: 0, out: `connection ${id} for tenant wonka: disabled\n`, err: '' });
    expect(await users(made.token)).toBe(401);
    const enabled = JSON.parse((await run(['connection', 'enable', id, '--json'], env)).out) as { state: string };
    expect(enabled.state).toBe('active');
    expect(await users(made.token)).toBe(200);
    const records = await scim.activity.list({ tenant: 'wonka' });
    const changes = records.filter((x) => x.operation === 'connection').map((x) => [x.actor, (x as { action?: string }).action]);
    expect(changes.map(([actor]) => actor)).toEqual(Array(changes.length).fill(`cli:${userInfo().username}`));
    expect(changes.length).toBeGreaterThanOrEqual(4); // create, issueToken, disable, enable
  });

  it('--schema keeps the store in a schema of its own', async () => {
    const r = await run(['connection', 'create', '--tenant', 'acme', '--schema', 'ops', '--json'], env);
    expect(r.code).toBe(0);
    expect((await db.pool.query(`SELECT tenant FROM ops.scim_connections`)).rows).toEqual([{ tenant: 'acme' }]);
    expect(await run(['connection', 'list', '--schema', 'pg_x'], env)).toMatchObject({ code: 1, err: expect.stringContaining('pg_') });
  });

  it('runs as a command', async () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/bin.ts'), 'connection', 'list', '--json'], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, DATABASE_URL: db.url },
      encoding: 'utf8',
    });
    expect((JSON.parse(out) as { tenant: string }[]).map((c) => c.tenant)).toContain('acme');
  });
});
