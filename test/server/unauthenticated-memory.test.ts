// Memory an unauthenticated source can make a server hold is bounded in bytes: bad-token
// requests each naming a new 15,000-character tenant (`GET /scim/v2/<i + 15,000 × "x">/Users`)
// leave the heap where it was, measured after a forced GC in a process of their own.
// Before the failed-authentication budget hashed its keys, 20,000 of them grew it by ~300 MB.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const MB = 1024 * 1024;

async function growth(
  shape: 'handle' | 'express',
  requests: number,
  addresses: 'one' | 'many',
  auth: 'tokens' | 'connections' = 'tokens',
): Promise<{ growth: number; ms: number }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'test/server/unauthenticated-memory.child.ts', shape, String(requests), addresses, auth],
    { cwd: root, maxBuffer: MB },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as { growth: number; ms: number };
}

describe('memory of unauthenticated requests', () => {
  it('20,000 bad-token requests from one address, each naming a new long tenant, through handle: the heap grows by less than 8 MB', async () => {
    const r = await growth('handle', 20_000, 'one');
    expect(r.growth).toBeLessThan(8 * MB);
  });

  it('the same from 20,000 addresses (every key new, two buckets each of about 300 bytes): less than 24 MB', async () => {
    const r = await growth('handle', 20_000, 'many');
    expect(r.growth).toBeLessThan(24 * MB);
  });

  it('2,000 of them over HTTP through the multi-tenant example shape (Express, tenants in the path, activity records kept): less than 12 MB', async () => {
    // the records of refused requests are kept too: each holds copies of at most a few hundred characters, never the path they were cut from
    const r = await growth('express', 2_000, 'one');
    expect(r.growth).toBeLessThan(12 * MB);
  });

  it('20,000 through connections from 20,000 addresses, each with a new secret (every one a look-up miss the cache may keep): less than 24 MB', async () => {
    const r = await growth('handle', 20_000, 'many', 'connections');
    expect(r.growth).toBeLessThan(24 * MB);
  });
});
