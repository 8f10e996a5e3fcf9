// GET by id through scimkit/node and scimkit/express against their bare ceilings, as #20's
// targets ask: alternating rounds (ABBA), every server pinned to CPU 1 and the load generator
// (autocannon's CLI) to CPU 0, so neither steals the other's core.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fmt, type Section } from './harness.js';
import { startServer } from './http.bench.js';

const run$ = promisify(execFile);
const PAIRS = [
  ['bare', 'node'],
  ['bare-express', 'express'],
] as const;
const LABEL: Record<string, string> = {
  bare: 'bare node:http, fixed User',
  node: 'scimkit/node',
  'bare-express': 'bare Express 5, fixed User',
  express: 'scimkit/express',
};
const TARGET: Record<string, number> = { node: 0.7, express: 0.8 };
const ROUNDS = 4;
const AUTH = `authorization=Bearer ${'bench'.repeat(8)}`;

async function load(url: string): Promise<number> {
  const cli = join(import.meta.dirname, '../node_modules/autocannon/autocannon.js');
  const { stdout } = await run$('taskset', ['-c', '0', process.execPath, cli, '-c', '10', '-d', '3', '-j', '-H', AUTH, url], { maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { requests: { total: number }; duration: number; non2xx: number };
  if (r.non2xx) throw new Error(`${url}: ${r.non2xx} answers were not 2xx`);
  return r.requests.total / r.duration;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<Section[]> {
  const servers = new Map<string, { url: string; stop: () => void }>();
  for (const kind of PAIRS.flat()) {
    const s = await startServer(kind, 1);
    servers.set(kind, { url: `http://127.0.0.1:${s.port}/scim/v2/Users/${s.userId ?? 'fixed'}`, stop: s.stop });
  }
  const rps = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  try {
    for (const [bare, kind] of PAIRS) for (const k of [bare, kind]) await load(servers.get(k)!.url); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [bare, kind] of PAIRS) {
        const order = round % 2 === 0 ? [bare, kind] : [kind, bare];
        const got: Record<string, number> = {};
        for (const k of order) {
          got[k] = await load(servers.get(k)!.url);
          rps.set(k, [...(rps.get(k) ?? []), got[k]!]);
        }
        ratios.set(kind, [...(ratios.get(kind) ?? []), got[kind]! / got[bare]!]);
      }
    }
  } finally {
    for (const s of servers.values()) s.stop();
  }
  const rows = PAIRS.flatMap(([bare, kind]) => [
    { server: LABEL[bare]!, 'req/s (median of rounds)': fmt(median(rps.get(bare)!)), 'vs its ceiling (median of round ratios)': '', target: '' },
    {
      server: LABEL[kind]!,
      'req/s (median of rounds)': fmt(median(rps.get(kind)!)),
      'vs its ceiling (median of round ratios)': `${median(ratios.get(kind)!).toFixed(2)}× (rounds: ${ratios
        .get(kind)!
        .map((r) => r.toFixed(2))
        .join(', ')})`,
      target: `${TARGET[kind]}×: ${median(ratios.get(kind)!) >= TARGET[kind]! ? 'met' : 'missed'}`,
    },
  ]);
  return [
    {
      title: 'HTTP: GET by id against the bare ceiling (alternating rounds, server on CPU 1, autocannon on CPU 0)',
      notes: `Each server in its own process pinned to CPU 1 (taskset), 10,000 users; autocannon's CLI pinned to CPU 0, 10 connections, 3 s per run, ${ROUNDS} rounds in ABBA order after a warm-up. The bare servers answer one fixed User whatever is asked.`,
      rows,
    },
  ];
}
