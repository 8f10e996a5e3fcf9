// Every example starts, prints its tenant URL and token, serves SCIM, and stops cleanly on SIGINT.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/check/index.js';
import { scratchDatabase } from '../scratch-database.js';

const root = join(import.meta.dirname, '../..');
const running: ChildProcess[] = [];
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

/**
 * Starts an example and waits for its tenant URL and token lines. `tokens` holds the secrets
 * printed; a later start of `npm start` on the same data prints a note instead of its secret
 * (only the hash is kept), which is not in `tokens`.
 */
function start(
  example: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<{ proc: ChildProcess; urls: string[]; tokens: string[]; out: () => string }> {
  const file = example.startsWith('quickstart/') ? `examples/${example}.ts` : `examples/${example}/server.ts`;
  const proc = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    // in memory unless a test names a data directory: the default would write into the repository
    env: { ...process.env, PORT: '0', SCIM_DATA: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    // a hang guard: tsx and PGlite's first initdb took over 20 s on a busy 2-core machine
    const timer = setTimeout(() => reject(new Error(`${example} did not start: ${out}`)), 60_000);
    proc.stderr!.on('data', (d) => {
      out += String(d);
    });
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const urls = [...out.matchAll(/SCIM tenant URL: (\S+)/g)].map((m) => m[1]!);
      const printed = [...out.matchAll(/Secret token: +(\S+)/g)].map((m) => m[1]!);
      if (urls.length && printed.length === urls.length && (example !== 'multi-tenant' || urls.length === 2)) {
        clearTimeout(timer);
        resolve({ proc, urls, tokens: printed.filter((t) => !t.startsWith('(')), out: () => out });
      }
    });
    proc.on('exit', (code) => reject(new Error(`${example} exited with ${code}: ${out}`)));
  });
}

function stop(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    proc.removeAllListeners('exit');
    proc.on('exit', (code) => resolve(code));
    proc.kill('SIGINT');
  });
}

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' });

describe.each(['express', 'node', 'koa', 'hono', 'fastify', 'quickstart/express', 'quickstart/koa', 'quickstart/fetch'])('examples/%s', (example) => {
  it('serves SCIM with its token and stops on Ctrl-C', async () => {
    const { proc, urls, tokens } = await start(example, { SCIM_TOKEN: `tok-${example}-0123456789-0123456789-0123456789` });
    expect(tokens[0]).toBe(`tok-${example}-0123456789-0123456789-0123456789`);
    const spc = await fetch(`${urls[0]}/ServiceProviderConfig`, { headers: auth(tokens[0]!) });
    expect(spc.status).toBe(200);
    expect(((await spc.json()) as { patch: { supported: boolean } }).patch.supported).toBe(true);
    expect((await fetch(`${urls[0]}/Users`)).status).toBe(401);
    const u = await fetch(`${urls[0]}/Users`, {
      method: 'POST',
      headers: auth(tokens[0]!),
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'smoke' }),
    });
    expect(u.status).toBe(201);
    expect(await stop(proc)).toBe(0);
  });
});

describe('examples/express keeps its data in an embedded PostgreSQL', () => {
  it('keeps data across restarts in the SCIM_DATA directory, and generates a token when none is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimkit-data-'));
    try {
      const data = join(dir, 'data');
      const first = await start('express', { SCIM_DATA: data, SCIM_TOKEN: '' });
      expect(first.tokens[0]!.length).toBeGreaterThanOrEqual(40);
      expect(first.out()).toContain(`Data:            ${data}`);
      const created = await fetch(`${first.urls[0]}/Users`, {
        method: 'POST',
        headers: auth(first.tokens[0]!),
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'persisted@x.io' }),
      });
      expect(created.status).toBe(201);
      expect(await stop(first.proc)).toBe(0);
      const second = await start('express', { SCIM_DATA: data, SCIM_TOKEN: 'again-0123456789-0123456789-0123456789' });
      const found = await fetch(`${second.urls[0]}/Users?filter=${encodeURIComponent('userName eq "persisted@x.io"')}`, {
        headers: auth('again-0123456789-0123456789-0123456789'),
      });
      expect(((await found.json()) as { totalResults: number }).totalResults).toBe(1);
      expect(await stop(second.proc)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps its generated token with its data: the first token works after a restart, --new-token replaces it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimkit-token-'));
    const users = (url: string, token: string) => fetch(`${url}/Users?count=0`, { headers: auth(token) }).then((r) => r.status);
    try {
      const data = join(dir, 'data');
      const first = await start('express', { SCIM_DATA: data, SCIM_TOKEN: '' });
      const made = first.tokens[0]!;
      expect(made).toMatch(/^scimkit_/);
      expect(await users(first.urls[0]!, made)).toBe(200);
      expect(await stop(first.proc)).toBe(0);

      // the token pasted into the IdP still works; the secret is not printed again (only its hash is kept)
      const second = await start('express', { SCIM_DATA: data, SCIM_TOKEN: '' });
      expect(await users(second.urls[0]!, made)).toBe(200);
      expect(await users(second.urls[0]!, 'scimkit_not-the-token-0123456789-0123456789')).toBe(401);
      expect(first.out()).toContain('npm start -- --new-token');
      expect(second.tokens).toEqual([]);
      expect(second.out()).not.toContain(made);
      expect(second.out()).toMatch(/Secret token: +\(the one made on \d{4}-\d\d-\d\d/);
      expect(second.out()).toContain('npm start -- --new-token');
      expect(await stop(second.proc)).toBe(0);

      // a new token: printed once, the old one refused from then on, the new one kept for the next start
      const third = await start('express', { SCIM_DATA: data, SCIM_TOKEN: '' }, ['--new-token']);
      const renewed = third.tokens[0]!;
      expect(renewed).toMatch(/^scimkit_/);
      expect(renewed).not.toBe(made);
      expect(await users(third.urls[0]!, renewed)).toBe(200);
      expect(await users(third.urls[0]!, made)).toBe(401);
      expect(await stop(third.proc)).toBe(0);
      const fourth = await start('express', { SCIM_DATA: data, SCIM_TOKEN: '' });
      expect([await users(fourth.urls[0]!, renewed), await users(fourth.urls[0]!, made)]).toEqual([200, 401]);
      expect(await stop(fourth.proc)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('SCIM_DATA=memory makes a new token at each start and says so', async () => {
    const { proc, tokens, out } = await start('express', { SCIM_DATA: 'memory', SCIM_TOKEN: '' });
    expect(tokens[0]).toMatch(/^scimkit_/);
    // the line under the token may come in a later chunk
    await expect.poll(out).toContain('a new one at each start');
    expect(await stop(proc)).toBe(0);
  });

  it('--new-token with SCIM_TOKEN set is refused: the token in use is SCIM_TOKEN, not the data folder’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimkit-token-'));
    try {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'examples/express/server.ts', '--new-token'], {
        cwd: root,
        env: { ...process.env, PORT: '0', SCIM_DATA: join(dir, 'data'), SCIM_TOKEN: 'env-token-0123456789-0123456789-0123456789' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.push(proc);
      let err = '';
      proc.stderr!.on('data', (d) => (err += String(d)));
      const code = await new Promise((r) => proc.once('exit', r));
      expect(code).toBe(1);
      expect(err).toContain('SCIM_TOKEN');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('kill -9 during a steady stream of creates loses no acknowledged create', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimkit-kill-'));
    try {
      const data = join(dir, 'data');
      const token = 'kill-token-0123456789-0123456789-0123456789';
      const acked: string[] = [];
      for (let round = 0; round < 2; round++) {
        const { proc, urls } = await start('express', { SCIM_DATA: data, SCIM_TOKEN: token });
        // creates one after another, as an IdP's initial sync sends them, until the process is killed
        let alive = true;
        const stream = (async () => {
          for (let i = 0; alive; i++) {
            try {
              const r = await fetch(`${urls[0]}/Users`, {
                method: 'POST',
                headers: auth(token),
                body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `k${round}-${i}@x.io` }),
              });
              if (r.status === 201) acked.push(((await r.json()) as { userName: string }).userName);
            } catch {
              return; // the connection died with the process
            }
          }
        })();
        await new Promise((r) => setTimeout(r, 700 + round * 300));
        proc.removeAllListeners('exit');
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
        alive = false;
        await stream;
      }
      expect(acked.length).toBeGreaterThan(5);
      const { proc, urls } = await start('express', { SCIM_DATA: data, SCIM_TOKEN: token });
      const missing: string[] = [];
      for (const userName of acked) {
        const r = await fetch(`${urls[0]}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, { headers: auth(token) });
        if (((await r.json()) as { totalResults: number }).totalResults !== 1) missing.push(userName);
      }
      expect(missing).toEqual([]);
      expect(await stop(proc)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('SCIM_DATA=memory keeps nothing on disk', async () => {
    const { proc, out } = await start('express', { SCIM_DATA: 'memory', SCIM_TOKEN: 'memory-token-0123456789-0123456789-01' });
    expect(out()).toContain('in memory only');
    expect(await stop(proc)).toBe(0);
  });
});

describe('examples/multi-tenant', () => {
  it('gives each organization its own URL and connection token, and keeps them apart', async () => {
    const { proc, urls, tokens, out } = await start('multi-tenant');
    const [acme, globex] = urls as [string, string];
    expect(acme).toMatch(/\/scim\/v2\/acme$/);
    // each token is a connection's secret (scim.connections.issueToken), printed once
    expect(tokens).toHaveLength(2);
    for (const t of tokens) expect(t).toMatch(/^scimkit_/);
    expect(out()).toMatch(/\[acme\].*workspace=acme-engineering defaultRole=member connection=\S+/);
    const created = await fetch(`${acme}/Users`, {
      method: 'POST',
      headers: auth(tokens[0]!),
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a@acme.io' }),
    });
    expect(created.status).toBe(201);
    // acme's token on globex's path: refused as a token, not as a missing one
    const crossed = await fetch(`${globex}/Users`, { headers: auth(tokens[0]!) });
    expect(crossed.status).toBe(401);
    expect(crossed.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const theirs = await fetch(`${globex}/Users`, { headers: auth(tokens[1]!) });
    expect(((await theirs.json()) as { totalResults: number }).totalResults).toBe(0);
    expect(await stop(proc)).toBe(0);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('examples/postgres', () => {
  it('serves SCIM from PostgreSQL and keeps data across restarts', async () => {
    const first = await start('postgres', { SCIM_DATA: '', SCIM_TOKEN: 'pg-example-0123456789-0123456789-0123' });
    const userName = `pg-example-${Date.now()}@x.io`;
    const created = await fetch(`${first.urls[0]}/Users`, {
      method: 'POST',
      headers: auth('pg-example-0123456789-0123456789-0123'),
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName }),
    });
    expect(created.status).toBe(201);
    expect(await stop(first.proc)).toBe(0);
    const second = await start('postgres', { SCIM_DATA: '', SCIM_TOKEN: 'pg-example-0123456789-0123456789-0123' });
    const found = await fetch(`${second.urls[0]}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, {
      headers: auth('pg-example-0123456789-0123456789-0123'),
    });
    expect(((await found.json()) as { totalResults: number }).totalResults).toBe(1);
    expect(await stop(second.proc)).toBe(0);
  });
});

// `scimkit check` is the regression net of the examples: every scenario a server claims passes.
describe.each([
  ['express', 'npm start: embedded PostgreSQL (PGlite) in a data directory'],
  ['postgres', 'PostgreSQL (a database of its own; PGlite without DATABASE_URL)'],
  ['node', 'in memory'],
  ['koa', 'in memory'],
  ['hono', 'in memory'],
  ['fastify', 'in memory'],
])('scimkit check on examples/%s (%s)', (example) => {
  it('passes every scenario the example claims', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimkit-check-'));
    const db = example === 'postgres' && process.env.DATABASE_URL ? await scratchDatabase('check_example') : undefined;
    const env: Record<string, string> = { SCIM_TOKEN: `tok-check-${example}-0123456789-0123456789` };
    if (example === 'express') env.SCIM_DATA = join(dir, 'data');
    if (example === 'postgres') Object.assign(env, db ? { SCIM_DATA: '', DATABASE_URL: db.url } : { SCIM_DATA: 'memory' });
    try {
      const { proc, urls, tokens } = await start(example, env);
      const report = await runChecks({ baseUrl: urls[0]!, token: tokens[0]! });
      expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
      expect(report.summary.passed).toBeGreaterThan(40);
      expect(report.results.filter((r) => r.leftovers)).toEqual([]);
      expect(await stop(proc)).toBe(0);
    } finally {
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('examples/express behind a proxy', () => {
  it('prints SCIM_BASE_URL as the tenant URL and uses it in Location, ignoring X-Forwarded-*', async () => {
    const { proc, urls, tokens, out } = await start('express', {
      SCIM_TOKEN: 'tok-proxy-0123456789-0123456789-0123',
      SCIM_BASE_URL: 'https://sp.example.com/scim/v2',
    });
    expect(urls[0]).toBe('https://sp.example.com/scim/v2');
    // the public URL is printed for the IdP; the server itself listens on its own address
    const local = await new Promise<string>((resolve) => {
      const found = () => /Listening on: +(\S+)/.exec(out())?.[1];
      const poll = setInterval(() => {
        const url = found();
        if (url) {
          clearInterval(poll);
          resolve(url);
        }
      }, 20);
    });
    const u = await fetch(`${local}/Users`, {
      method: 'POST',
      headers: { ...auth(tokens[0]!), 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'javascript' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'proxied' }),
    });
    expect(u.status).toBe(201);
    expect(u.headers.get('location')).toMatch(/^https:\/\/sp\.example\.com\/scim\/v2\/Users\//);
    expect(await stop(proc)).toBe(0);
  });
});

describe('npm start logs every request', () => {
  /** Runs the default example with `env` and an Entra-style session, and gives back what it printed. */
  async function session(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
    const token = 'log-token-0123456789-0123456789-0123456789';
    const proc = spawn(process.execPath, ['--import', 'tsx', 'examples/express/server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', SCIM_DATA: 'memory', SCIM_TOKEN: token, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d) => (stdout += String(d)));
    proc.stderr!.on('data', (d) => (stderr += String(d)));
    await expect.poll(() => /(http:\/\/127\.0\.0\.1:\d+\/scim\/v2)/.test(stdout), { timeout: 20_000 }).toBe(true);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/scim\/v2)/.exec(stdout)![1]!;
    const headers = { ...auth(token), 'user-agent': 'Microsoft Azure AD SCIM provisioning 1.0.0' };
    await fetch(`${url}/Users?filter=${encodeURIComponent('userName eq "probe@x.io"')}`, { headers, signal: AbortSignal.timeout(5000) });
    const created = await fetch(`${url}/Users`, {
      method: 'POST',
      headers: { ...headers, 'x-request-id': 'entra-cycle-1' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'log@x.io', password: 'Pa55w0rd!' }),
    });
    expect(created.headers.get('x-request-id')).toBe('entra-cycle-1');
    const id = ((await created.json()) as { id: string }).id;
    await fetch(`${url}/Users/${id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }),
    });
    await fetch(`${url}/Users`, { headers: { authorization: 'Bearer wrong-token-0123456789-0123456789-0123' } });
    await fetch(`${url}/Users?filter=bad`, { headers });
    await fetch(`${url}/Users`, { method: 'POST', headers, body: '{"schemas": [' });
    await new Promise((r) => setTimeout(r, 300));
    proc.removeAllListeners('exit');
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT');
    await exited;
    return { stdout, stderr };
  }

  it('readable lines on a terminal: one per request, 4xx with their detail, never the token or a password', async () => {
    const { stdout, stderr } = await session({});
    const all = stdout + stderr;
    expect(all).toMatch(/INFO +GET \/Users 200 [\d.]+ms tenant=default client=entra filter="userName eq \\"probe@x.io\\""/);
    expect(all).toMatch(/INFO +POST \/Users 201 .*requestId=entra-cycle-1/);
    expect(all).toMatch(/INFO +PATCH \/Users\/\S+ 200 .*patch="Replace active"/);
    expect(all).toMatch(/WARN +GET \/Users 401 /);
    expect(all).toMatch(/WARN +GET \/Users 400 .*scimType=invalidFilter/);
    expect(all).toMatch(/WARN +POST \/Users 400 .*scimType=invalidSyntax/);
    expect(all).toMatch(/INFO +event user.created/);
    expect(all).not.toContain('Pa55w0rd!');
    expect(all).not.toContain('wrong-token');
  }, 40_000);

  it('SCIM_LOG=json: JSON lines with method, path, status, ms, tenant and requestId; the secret stays off them', async () => {
    const { stdout, stderr } = await session({ SCIM_LOG: 'json' });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => typeof l.status === 'number');
    expect(requests.map((l) => l.status)).toEqual([200, 201, 200, 401, 400, 400]);
    for (const l of requests) for (const k of ['method', 'path', 'status', 'ms', 'requestId']) expect(l, k).toHaveProperty(k);
    expect(requests[1]).toMatchObject({ tenant: 'default', requestId: 'entra-cycle-1', level: 30 });
    expect(requests[3]).toMatchObject({ level: 40, rejectedToken: true });
    expect(stdout).not.toContain('log-token-0123456789');
    expect(stderr).toContain('Secret token: log-token-0123456789');
  }, 40_000);
});
