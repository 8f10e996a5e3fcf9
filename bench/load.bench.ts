// A realistic mix against the Express adapter for 30 s, twice: errors, p99, and whether the heap
// after the second run stays within 10% of the heap after the first (no leak).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { fmt, type Section } from './harness.js';

const headers = { authorization: 'Bearer bench', 'content-type': 'application/scim+json' };

export async function run(): Promise<Section[]> {
  const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'http-server.ts'), 'express'], {
    env: { ...process.env, TSX_TSCONFIG_PATH: join(import.meta.dirname, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  let waiting: ((l: Record<string, unknown>) => void) | undefined;
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += String(d);
    for (;;) {
      const i = buf.indexOf('\n');
      if (i < 0) break;
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.startsWith('{')) continue;
      const obj = JSON.parse(line) as Record<string, unknown>;
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w(obj);
      } else lines.push(obj);
    }
  });
  const nextLine = () => new Promise<Record<string, unknown>>((r) => (lines.length ? r(lines.shift()!) : (waiting = r)));
  const { port, userId } = (await nextLine()) as { port: number; userId: string };
  const base = `http://127.0.0.1:${port}/scim/v2`;
  let n = 0;
  const mix: autocannon.Request[] = [
    { method: 'GET', path: `/scim/v2/Users?filter=${encodeURIComponent('userName eq "user1234@example.com"')}`, headers },
    { method: 'GET', path: `/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`, headers },
    {
      method: 'POST',
      path: '/scim/v2/Users',
      headers,
      setupRequest: (r) => ({
        ...r,
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `load-${process.pid}-${n++}@example.com`, active: true }),
      }),
    },
    {
      method: 'PATCH',
      path: `/scim/v2/Users/${userId}`,
      headers,
      setupRequest: (r) => ({
        ...r,
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'title', value: `t${n++}` }] }),
      }),
    },
  ];
  const rows: Record<string, string>[] = [];
  const heaps: number[] = [];
  for (const round of [1, 2, 3]) {
    const r = await autocannon({ url: base, connections: 10, duration: 20, requests: mix });
    proc.kill('SIGUSR2');
    const heap = Number((await nextLine()).heapUsed) / 2 ** 20;
    heaps.push(heap);
    rows.push({
      run: String(round),
      requests: fmt(r.requests.total),
      'req/s': fmt(r.requests.total / r.duration),
      'p99 ms': fmt(r.latency.p99, 1),
      errors: String(r.errors + r.timeouts),
      'non-2xx': String(r.non2xx),
      'heap after (MiB)': fmt(heap, 1),
    });
  }
  proc.kill('SIGKILL');
  const growth = (100 * (heaps[1]! - heaps[0]!)) / heaps[0]!;
  const later = (100 * (heaps[2]! - heaps[1]!)) / heaps[1]!;
  return [
    {
      title: 'Load: Entra-style mix for 20 s, three times (Express adapter, MemoryStore with 10,000 users)',
      notes: `Mix: a userName look-up that hits, one that misses, a PATCH of one user, and a Bulk request that creates a user and deletes it. Heap after the second run vs the first: ${growth >= 0 ? '+' : ''}${fmt(growth, 1)}%; third vs second: ${later >= 0 ? '+' : ''}${fmt(later, 1)}%. Target: zero errors, heap within 10%.`,
      rows,
    },
  ];
}
