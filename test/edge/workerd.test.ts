// scimkit in a real Workers runtime: workerd (Cloudflare's open-source runtime, from npm) runs
// the fetch handler bundled as a Worker, and the whole `scimkit check` catalogue passes there.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/check/index.js';

const TOKEN = 'edge-token-0123456789-0123456789-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'scimkit-workerd-'));
let proc: ChildProcess | undefined;
let baseUrl: string;
let log = '';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  // as a Worker is deployed: one ES module, node: built-ins left to the runtime (nodejs_compat)
  await esbuild.build({
    entryPoints: [join(import.meta.dirname, 'worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['node:*'],
    conditions: ['workerd', 'worker', 'import'],
    mainFields: ['module', 'main'],
    define: { SCIM_TOKEN: JSON.stringify(TOKEN) },
    outfile: join(dir, 'worker.js'),
    logLevel: 'error',
  });
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .scim) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const scim :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2026-11-01",
);
`,
  );
  const workerd = createRequire(import.meta.url).resolve('workerd/bin/workerd');
  proc = spawn(workerd, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => void (log += String(d)));
  proc.stderr!.on('data', (d) => void (log += String(d)));
  baseUrl = `http://127.0.0.1:${port}/scim/v2`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${baseUrl}/ServiceProviderConfig`);
      break;
    } catch (e) {
      if (i > 100) throw new Error(`workerd did not start: ${log || (e as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 60_000);
afterAll(() => {
  proc?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('scimkit in workerd (the Cloudflare Workers runtime)', () => {
  it('answers SCIM as a Worker', async () => {
    const r = await fetch(`${baseUrl}/Users?count=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([r.status, r.headers.get('content-type')]).toEqual([200, 'application/scim+json; charset=utf-8']);
    expect((await fetch(`${baseUrl}/Users`)).status).toBe(401);
  });

  it('passes the scimkit check catalogue', async () => {
    const report = await runChecks({ baseUrl, token: TOKEN });
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    expect(log).not.toMatch(/Uncaught|EvalError/);
  });
});
