import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { hashToken } from '../../src/index.js';

const run = async (args: string[]) => {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
};

describe('scimkit token', async () => {
  it('prints a new token and the hash bearerTokens stores for it', async () => {
    const a = await run(['token']);
    expect(a.code).toBe(0);
    const token = /token: (\S+)/.exec(a.out)![1]!;
    const hash = /hash: +(\S+)/.exec(a.out)![1]!;
    expect(token).toMatch(/^scimkit_[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(hashToken(token));
    expect((await run(['token'])).out).not.toContain(token);
  });

  it('--json gives both for a script', async () => {
    const { token, tokenHash } = JSON.parse((await run(['token', '--json'])).out) as { token: string; tokenHash: string };
    expect(tokenHash).toBe(hashToken(token));
  });

  it('an unknown command is exit code 2 with the usage', async () => {
    const r = await run(['frobnicate']);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('unknown command "frobnicate"')]);
    expect((await run([])).code).toBe(2);
    expect(await run(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('token [--json]') });
  });

  it('runs as a command', async () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/bin.ts'), 'token', '--json'], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
    });
    const { token, tokenHash } = JSON.parse(out) as { token: string; tokenHash: string };
    expect(tokenHash).toBe(hashToken(token));
  });
});
