// HTTP through each adapter, with autocannon on loopback, side by side with a bare node:http
// ceiling and scimmy + scimmy-routers on Express. Each server runs in its own process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { fmt, type Section } from './harness.js';

const KINDS = ['bare', 'bare-express', 'node', 'express', 'koa', 'fetch', 'scimmy'] as const;
const LABEL: Record<(typeof KINDS)[number], string> = {
  bare: 'bare node:http, fixed User (ceiling)',
  'bare-express': 'bare Express 5, fixed User (its ceiling)',
  node: 'scimkit/node',
  express: 'scimkit/express',
  koa: 'scimkit/koa',
  fetch: 'scimkit/fetch (Hono)',
  scimmy: 'scimmy + scimmy-routers (Express)',
};
const headers = { authorization: `Bearer ${'bench'.repeat(8)}`, 'content-type': 'application/scim+json' };

/** One benchmark server in its own process (pinned to `cpu` with taskset when given); resolves once it is seeded. */
export function startServer(
  kind: string,
  cpu?: number,
): Promise<{ port: number; userId: string; groupId: string; reserve?: string[]; pid: number; stop: () => void }> {
  return startScript('http-server.ts', [kind], cpu);
}

/**
 * A bench server script of this folder run with `args` in its own process (pinned to `cpu` with
 * taskset when given); resolves with the first JSON line it prints (once it is seeded), its pid
 * and a way to stop it.
 */
export function startScript<T>(script: string, args: string[], cpu?: number): Promise<T & { pid: number; stop: () => void }> {
  const argv = [process.execPath, '--import', 'tsx', join(import.meta.dirname, script), ...args];
  const proc = spawn(cpu === undefined ? argv[0]! : 'taskset', cpu === undefined ? argv.slice(1) : ['-c', String(cpu), ...argv], {
    env: { ...process.env, TSX_TSCONFIG_PATH: join(import.meta.dirname, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += String(d);
      // a whole line: the reserve ids make it longer than one chunk
      const line = out.split('\n').find((l, i, all) => l.startsWith('{') && i < all.length - 1);
      // taskset execs the server: its pid is the server's, for the CPU time it used (/proc/<pid>/stat)
      if (line) resolve({ ...JSON.parse(line), pid: proc.pid!, stop: () => proc.kill('SIGKILL') });
    });
    proc.on('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited ${code}`)));
  });
}

async function load(opts: autocannon.Options): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  const r = await autocannon({ connections: 10, duration: 3, ...opts });
  // total over duration: autocannon's per-second average reads 0 below one request a second
  return { rps: r.requests.total / r.duration, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

export async function run(): Promise<Section[]> {
  const rows: Record<string, string>[] = [];
  const results: Record<string, Record<string, number>> = {};
  for (const kind of KINDS) {
    const s = await startServer(kind);
    const url = `http://127.0.0.1:${s.port}/scim/v2`;
    let n = 0;
    const cases: [string, autocannon.Options][] = [
      ['GET /Users/{id}', { url: `${url}/Users/${s.userId}`, headers }],
      ['GET /Users?filter=userName eq (10,000 users)', { url: `${url}/Users?filter=${encodeURIComponent('userName eq "user4321@example.com"')}`, headers }],
      [
        'POST /Users',
        {
          url: `${url}/Users`,
          method: 'POST',
          headers,
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `new-${process.pid}-${n++}@example.com` }),
              }),
            },
          ],
        },
      ],
      [
        'PATCH add a member to a 10,000-member group',
        {
          url: `${url}/Groups/${s.groupId}`,
          method: 'PATCH',
          headers,
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                body: JSON.stringify({
                  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                  Operations: [{ op: 'add', path: 'members', value: [{ value: s.reserve?.length ? s.reserve[n++ % s.reserve.length] : `m-${n++}` }] }],
                }),
              }),
            },
          ],
        },
      ],
    ];
    results[kind] = {};
    for (const [name, opts] of cases) {
      const r = await load(opts);
      results[kind][name] = r.rps;
      rows.push({
        request: name,
        server: LABEL[kind],
        'req/s': r.rps === 0 ? 'none finished in 3 s' : fmt(r.rps, r.rps < 10 ? 2 : 0),
        'p99 ms': r.rps === 0 ? '> 3,000' : fmt(r.p99, 1),
        'errors / non-2xx': `${r.errors} / ${r.non2xx}`,
      });
    }
    s.stop();
  }
  for (const row of rows) {
    const kind = (Object.keys(LABEL) as (typeof KINDS)[number][]).find((k) => LABEL[k] === row.server)!;
    const req = row.request!;
    const scimmy = results.scimmy![req]!;
    row['vs scimmy'] = kind === 'scimmy' || kind.startsWith('bare') ? '' : scimmy === 0 ? 'scimmy finished none' : `${fmt(results[kind]![req]! / scimmy, 1)}×`;
    const ceiling = kind === 'node' ? results.bare : kind === 'express' ? results['bare-express'] : undefined;
    row['vs ceiling'] = ceiling && req === 'GET /Users/{id}' ? `${fmt((100 * results[kind]![req]!) / ceiling[req]!)}%` : '';
  }
  return [
    {
      title: 'HTTP: each adapter, the bare ceiling and scimmy (autocannon, 10 connections, 3 s, loopback)',
      notes:
        'Each server in its own process with 10,000 users and a group of 10,000 members. Targets: scimkit/node at 70% or more of the bare ceiling on GET by id; every adapter at 3× scimmy or more on every row. The bare rows answer every request with one fixed User whatever it asks (their POST and PATCH rows measure only the transport); scimkit/express is compared with Express answering the same way, since Express alone sets its limit. non-2xx counts answers that were not 2xx (scimmy answers some PATCHes with errors under load).',
      rows,
    },
  ];
}
