// No code generation at request time: a server under `node --disallow-code-generation-from-strings`
// (the rule of Cloudflare Workers and other edge runtimes) passes the whole `scimkit check`
// catalogue and validates a custom schema. With ajv, every POST answered 500 there.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/check/index.js';

const TOKEN = 'edge-token-0123456789-0123456789-0123456789';
let proc: ChildProcess;
let baseUrl: string;

beforeAll(async () => {
  proc = spawn(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', join(import.meta.dirname, 'no-eval-server.ts')], {
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, SCIM_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 20_000);
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /SCIM tenant URL: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.stderr!.on('data', (d) => {
      out += String(d);
    });
  });
});
afterAll(() => void proc?.kill('SIGKILL'));

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('a server where code generation from strings is forbidden', () => {
  it('is really under the flag: eval throws there', async () => {
    const probe = spawn(process.execPath, ['--disallow-code-generation-from-strings', '-e', 'try { eval("1"); process.exit(0) } catch { process.exit(3) }']);
    expect(await new Promise((resolve) => probe.on('exit', resolve))).toBe(3);
  });

  it('passes the scimkit check catalogue', async () => {
    const report = await runChecks({ baseUrl, token: TOKEN });
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
  });

  it('validates a custom schema: a good device is created, a bad one gets a 400 naming the attribute', async () => {
    const D = 'urn:example:params:scim:schemas:Device';
    const ok = await call('POST', '/Devices', { schemas: [D], serial: 'SN-1', enrolled: '2024-02-29T12:00:00Z', ports: [1, 2] });
    expect(ok.status).toBe(201);
    const bad = await call('POST', '/Devices', { schemas: [D], serial: 'SN-2', enrolled: '2023-02-29T12:00:00Z', ports: [1.5] });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { scimType: string; detail: string };
    expect(body.scimType).toBe('invalidValue');
    expect(body.detail).toMatch(/enrolled must be an xsd:dateTime/);
    expect(body.detail).toMatch(/ports\[0\] must be of type integer/);
    expect((await call('POST', '/Devices', { schemas: [D] })).status).toBe(400);
  });
});
