// `scimkit check` as a command: output, exit codes, reports, options and usage errors, against
// a real server on 127.0.0.1.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { BREAKS } from '../check/breaks.js';
import { type BrokenServer, startBrokenServer, TOKEN } from '../check/broken-server.js';

let server: BrokenServer;
const dir = mkdtempSync(join(tmpdir(), 'scimkit-check-'));
beforeAll(async () => {
  server = await startBrokenServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], io: { tty?: boolean; env?: Record<string, string> } = {}) {
  let out = '';
  let err = '';
  const code = await main(['check', ...args], { out: (t) => void (out += t), err: (t) => void (err += t), ...io });
  return { code, out, err };
}

describe('scimkit check', () => {
  it('prints a line per scenario and a summary, and exits 0 when nothing failed', async () => {
    const r = await run([server.baseUrl, '--token', TOKEN, '--only', 'users,etag']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS {2}users\.create {2}create a user/m);
    expect(r.out).toMatch(/^PASS {2}etag\.if-match /m);
    expect(r.out).not.toMatch(/groups\.|FAIL/);
    expect(r.out).toMatch(
      /\n\d+ passed, 0 failed, 0 skipped in \d+\.\d s \(http:\/\/127\.0\.0\.1:\d+\/scim\/v2; claims: bulk, caseInsensitiveUserName, cursor, enterprise, etag/,
    );
    // not a terminal: plain text, no progress line
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal escape is what is tested
    expect(r.out).not.toMatch(/\u001b|\r/);
  });

  it('exits 1 on a failure and shows the reason, the source, and with --verbose the exchanges', async () => {
    server.use(BREAKS['users.filter-case']);
    try {
      const plain = await run([server.baseUrl, '--token', TOKEN, '--only', 'users.filter-case']);
      expect(plain.code).toBe(1);
      expect(plain.out).toMatch(/^FAIL {2}users\.filter-case .*\n {6}userName eq "SCIMKIT-CHECK-.*" found 0 users, expected the one named scimkit-check-/m);
      expect(plain.out).toContain('source: RFC 7643 §4.1.1');
      expect(plain.out).not.toContain('> GET');
      const verbose = await run([server.baseUrl, '--token', TOKEN, '--only', 'users.filter-case', '--verbose']);
      expect(verbose.out).toMatch(/ {4}> GET http:\/\/127\.0\.0\.1:\d+\/scim\/v2\/Users\?filter=userName%20eq%20%22SCIMKIT/);
      expect(verbose.out).toContain('    > authorization: Bearer …');
      expect(verbose.out).not.toContain(TOKEN);
      expect(verbose.out).toMatch(/ {4}< 200 \(\d+ ms\)\n(?: {4}< [a-z-]+: .*\n)* {4}< content-type: application\/scim\+json/);
    } finally {
      server.use(undefined);
    }
  });

  it('writes JSON and JUnit reports for CI', async () => {
    server.use(BREAKS['groups.rename']);
    try {
      const json = join(dir, 'report.json');
      const junit = join(dir, 'report.xml');
      const r = await run([server.baseUrl, '--token', TOKEN, '--only', 'groups', '--json', json, '--junit', junit]);
      expect(r.code).toBe(1);
      const report = JSON.parse(readFileSync(json, 'utf8')) as { summary: { failed: number; passed: number }; results: { id: string; status: string }[] };
      expect(report.summary.failed).toBe(1);
      expect(report.results.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual(['groups.rename']);
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="scimkit check http:\/\/127.0.0.1:\d+\/scim\/v2" tests="11" failures="1" skipped="0"/,
      );
      expect(xml).toContain('<testsuite name="scimkit check: groups" tests="11" failures="1"');
      expect(xml).toMatch(
        /<testcase classname="scimkit\.check\.groups" name="groups\.rename: PATCH replace displayName reads back the new name" time="[\d.]+">\n {6}<failure message="after the PATCH, displayName is &quot;/,
      );
    } finally {
      server.use(undefined);
    }
  });

  it('on a terminal: colours and a progress line (n of N, elapsed); NO_COLOR and --no-color turn colour off', async () => {
    const tty = await run([server.baseUrl, '--token', TOKEN, '--only', 'auth'], { tty: true, env: {} });
    expect(tty.out).toContain('\u001b[32mPASS\u001b[0m  auth.missing-token');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal escape is what is tested
    expect(tty.out).toMatch(/\r\u001b\[2K\[1\/2 \d+\.\d s\] auth\.missing-token/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal escape is what is tested
    expect(tty.out).toMatch(/\r\u001b\[2K\[2\/2 \d+\.\d s\] auth\.wrong-token/);
    for (const r of [
      await run([server.baseUrl, '--token', TOKEN, '--only', 'auth', '--no-color'], { tty: true, env: {} }),
      await run([server.baseUrl, '--token', TOKEN, '--only', 'auth'], { tty: true, env: { NO_COLOR: '1' } }),
    ]) {
      expect(r.out).not.toContain('\u001b[32m');
      expect(r.out).toContain('PASS  auth.missing-token');
    }
  });

  it('takes the token from SCIM_TOKEN, and extra headers from --header', async () => {
    let seen: string | undefined;
    server.use({ before: (r) => void (seen = r.headers.get('x-tenant') ?? undefined) });
    try {
      const r = await run([server.baseUrl, '--only', 'users.get', '--header', 'X-Tenant: acme'], { env: { SCIM_TOKEN: TOKEN } });
      expect(r.code).toBe(0);
      expect(seen).toBe('acme');
    } finally {
      server.use(undefined);
    }
  });

  it('fails, not hangs, when the server does not answer within --timeout, or is not there', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const r = await run([`http://127.0.0.1:${port}/scim/v2`, '--token', TOKEN, '--only', 'users.get', '--timeout', '200']);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/FAIL {2}users\.get .*\n {6}POST \/Users: no response within 200 ms/);
      expect(r.out).toContain('discovery: GET /ServiceProviderConfig: no response within 200 ms');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    const gone = await run([`http://127.0.0.1:${port}/scim/v2`, '--token', TOKEN, '--only', 'users.get']);
    expect(gone.code).toBe(1);
    expect(gone.out).toMatch(/FAIL {2}users\.get .*\n {6}POST \/Users: ECONNREFUSED/);
  });

  it('usage errors exit 2 and say what is wrong; --list prints the catalogue', async () => {
    expect(await run([])).toMatchObject({ code: 2, err: expect.stringContaining('the base URL is missing') });
    expect(await run(['ftp://x'])).toMatchObject({ code: 2, err: expect.stringContaining('not an http(s) URL: ftp://x') });
    expect(await run([server.baseUrl, '--only', 'nope'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('no scenario or group "nope"; groups: discovery, auth, users'),
    });
    expect(await run([server.baseUrl, '--header', 'novalue'])).toMatchObject({ code: 2, err: expect.stringContaining('--header needs "name: value"') });
    expect(await run([server.baseUrl, '--timeout', 'soon'])).toMatchObject({ code: 2, err: expect.stringContaining('--timeout needs milliseconds') });
    expect(await run([server.baseUrl, '--frobnicate'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--frobnicate'") });
    const list = await run(['--list', '--only', 'etag']);
    expect(list.code).toBe(0);
    expect(list.out.match(/^etag\.\S+/gm)).toEqual(['etag.headers', 'etag.if-none-match', 'etag.if-match']);
    expect((await run(['--help'])).out).toContain('usage: scimkit check <base-url>');
  });

  it('runs as a command (npx scimkit check), with the exit code', async () => {
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/bin.ts'), 'check', server.baseUrl, '--only', 'discovery'],
        {
          cwd: join(import.meta.dirname, '../..'),
          env: { ...process.env, SCIM_TOKEN: TOKEN },
          stdio: 'ignore',
        },
      );
      p.on('exit', resolve);
    });
    expect(code).toBe(0);
  });
});
