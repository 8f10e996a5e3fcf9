// GET by id through scimkit/node and scimkit/express against their bare ceilings, as #34's
// targets ask: alternating rounds (ABBA), every server pinned to CPU 1 and the load generator
// (autocannon's CLI) to CPU 0, so neither steals the other's core. The target is the server
// CPU time per request (/proc/<pid>/stat) against the bare server's in the same round; req/s
// is shown beside it, and two calibration servers (the bare ceiling plus 5 and 20 µs of busy
// work per request) show what a few µs of a server's own work cost in req/s on this machine.
// The scimkit servers are bench/ceiling-server.ts over a build directory: this one's, and with
// SCIMKIT_PREVIOUS (a directory holding an earlier dist/ and package.json) that build's too.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fmt, type Section } from './harness.js';
import { startScript, startServer } from './http.bench.js';

const run$ = promisify(execFile);
const PREVIOUS = process.env.SCIMKIT_PREVIOUS;
const PAIRS: [string, string][] = [
  ['bare', 'node'],
  ...(PREVIOUS ? ([['bare', 'node-previous']] as [string, string][]) : []),
  ['bare', 'bare-spin-5'],
  ['bare', 'bare-spin-20'],
  ['bare-express', 'express'],
  ...(PREVIOUS ? ([['bare-express', 'express-previous']] as [string, string][]) : []),
];
const LABEL: Record<string, string> = {
  bare: 'bare node:http, fixed User',
  node: 'scimkit/node',
  'node-previous': 'scimkit/node, previous build',
  'bare-spin-5': 'calibration: bare node:http + 5 µs of busy work per request',
  'bare-spin-20': 'calibration: bare node:http + 20 µs of busy work per request',
  'bare-express': 'bare Express 5, fixed User',
  express: 'scimkit/express',
  'express-previous': 'scimkit/express, previous build',
};
/** #34's targets: server CPU per request at most this many times its bare server's, in the same round. */
const TARGET: Record<string, number> = { node: 2, express: 1.5 };
const ROUNDS = 6;
const CONNECTIONS = 32;

/** A scimkit server of the build in `dir` (bench/ceiling-server.ts), pinned to `cpu`. */
function startBuild(kind: 'node' | 'express', dir: string, cpu: number) {
  return startScript<{ port: number; userId: string }>('ceiling-server.ts', [kind, dir], cpu);
}
const AUTH = `authorization=Bearer ${'bench'.repeat(8)}`;
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const TICKS_PER_S = 100;

/** User and system CPU seconds the process has used so far (fields 14 and 15 of /proc/<pid>/stat). */
function cpuOf(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / TICKS_PER_S, system: Number(fields[12]) / TICKS_PER_S };
}

interface Run {
  rps: number;
  /** Server CPU µs per request, user and system. */
  userUs: number;
  systemUs: number;
}

/**
 * The load generator: wrk where it is installed (C, one thread: it keeps every connection's
 * next request waiting and spends far less CPU per request than the servers it drives),
 * autocannon's CLI otherwise or with SCIMKIT_LOADGEN=autocannon (a Node process that spends
 * more CPU per request than bare node:http, so the bare server idles between requests).
 */
const LOADGEN = process.env.SCIMKIT_LOADGEN ?? ((await hasWrk()) ? 'wrk' : 'autocannon');
async function hasWrk(): Promise<boolean> {
  try {
    await run$('wrk', ['--version']);
    return true;
  } catch (e) {
    // wrk --version prints its version and exits 1
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    return (stdout + stderr).startsWith('wrk');
  }
}

/** Requests answered and seconds taken by one run of the load generator on CPU 0. */
async function generate(url: string, seconds: number): Promise<{ total: number; duration: number }> {
  if (LOADGEN === 'wrk') {
    const { stdout } = await run$('taskset', ['-c', '0', 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-H', AUTH.replace('=', ': '), url]);
    const done = /(\d+) requests in ([\d.]+)(m?s)/.exec(stdout);
    if (!done) throw new Error(`wrk printed no total: ${stdout}`);
    const bad = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
    if (bad) throw new Error(`${url}: ${bad[1]} answers were not 2xx`);
    return { total: Number(done[1]), duration: Number(done[2]) / (done[3] === 'ms' ? 1000 : 1) };
  }
  const cli = join(import.meta.dirname, '../node_modules/autocannon/autocannon.js');
  const { stdout } = await run$('taskset', ['-c', '0', process.execPath, cli, '-c', String(CONNECTIONS), '-d', String(seconds), '-j', '-H', AUTH, url], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const r = JSON.parse(stdout) as { requests: { total: number }; duration: number; non2xx: number };
  if (r.non2xx) throw new Error(`${url}: ${r.non2xx} answers were not 2xx`);
  return { total: r.requests.total, duration: r.duration };
}

async function load(url: string, pid: number, seconds = 3): Promise<Run> {
  const before = cpuOf(pid);
  const { total: n, duration } = await generate(url, seconds);
  const after = cpuOf(pid);
  return { rps: n / duration, userUs: ((after.user - before.user) / n) * 1e6, systemUs: ((after.system - before.system) / n) * 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The value `q` of the way up the sorted values. */
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;
/** Rounds of the A/B beside the previous build: many short ones, since this machine's load moves within a minute. */
const AB_ROUNDS = 13;

/** Server CPU µs per request of this build and the previous one, each adapter, in alternating 2 s rounds. */
async function beside(servers: Map<string, { url: string; pid: number }>): Promise<Section> {
  const rows = [];
  for (const adapter of ['node', 'express']) {
    const got: Record<string, number[]> = { [adapter]: [], [`${adapter}-previous`]: [] };
    for (let round = 0; round < AB_ROUNDS; round++) {
      const order = round % 2 ? [`${adapter}-previous`, adapter] : [adapter, `${adapter}-previous`];
      for (const k of order) {
        const s = servers.get(k)!;
        const r = await load(s.url, s.pid, 2);
        got[k]!.push(r.userUs + r.systemUs);
      }
    }
    for (const k of [`${adapter}-previous`, adapter]) {
      const xs = got[k]!;
      rows.push({
        server: LABEL[k]!,
        'server CPU µs per request (median of rounds)': fmt(median(xs), 1),
        quartiles: `${fmt(quantile(xs, 0.25), 1)}–${fmt(quantile(xs, 0.75), 1)}`,
        'this / previous': k === adapter ? `${fmt(median(xs) / median(got[`${adapter}-previous`]!), 2)}×` : '',
      });
    }
  }
  return {
    title: 'HTTP: GET by id, this build beside the previous one (server CPU per request)',
    notes: `The servers of the section above (10,000 users, pinned to CPU 1; ${LOADGEN} on CPU 0, ${CONNECTIONS} connections), this build and the previous one (${PREVIOUS}) in ${AB_ROUNDS} alternating rounds of 2 s each, adapter by adapter; the median of the rounds and their quartiles.`,
    rows,
  };
}

export async function run(): Promise<Section[]> {
  const kinds = [...new Set(PAIRS.flat())];
  const servers = new Map<string, { url: string; pid: number; stop: () => void }>();
  const here = join(import.meta.dirname, '..');
  for (const kind of kinds) {
    const [adapter, which] = kind.split('-') as [string, string | undefined];
    const s = adapter === 'node' || adapter === 'express' ? await startBuild(adapter, which === 'previous' ? PREVIOUS! : here, 1) : await startServer(kind, 1);
    servers.set(kind, { url: `http://127.0.0.1:${s.port}/scim/v2/Users/${s.userId ?? 'fixed'}`, pid: s.pid, stop: s.stop });
  }
  let abSection: Section | undefined;
  const runs = new Map<string, Run[]>();
  const ratios = new Map<string, number[]>();
  const cpuRatios = new Map<string, number[]>();
  const measure = async (k: string) => {
    const s = servers.get(k)!;
    const r = await load(s.url, s.pid);
    runs.set(k, [...(runs.get(k) ?? []), r]);
    return r;
  };
  try {
    for (const k of kinds) await load(servers.get(k)!.url, servers.get(k)!.pid); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [bare, kind] of PAIRS) {
        const order = round % 2 === 0 ? [bare, kind] : [kind, bare];
        const got: Record<string, Run> = {};
        for (const k of order) got[k] = await measure(k);
        ratios.set(kind, [...(ratios.get(kind) ?? []), got[kind]!.rps / got[bare]!.rps]);
        const cpuOfRun = (r: Run) => r.userUs + r.systemUs;
        cpuRatios.set(kind, [...(cpuRatios.get(kind) ?? []), cpuOfRun(got[kind]!) / cpuOfRun(got[bare]!)]);
      }
    }
    if (PREVIOUS) abSection = await beside(servers);
  } finally {
    for (const s of servers.values()) s.stop();
  }
  const cpu = (k: string) => {
    const rs = runs.get(k)!;
    const user = median(rs.map((r) => r.userUs));
    const system = median(rs.map((r) => r.systemUs));
    return { user, system, text: `${(user + system).toFixed(1)} (${user.toFixed(1)} + ${system.toFixed(1)})` };
  };
  const rows = [];
  for (const k of kinds) {
    const ratio = ratios.get(k);
    const cpuRatio = cpuRatios.get(k);
    const target = TARGET[k];
    rows.push({
      server: LABEL[k]!,
      'server CPU µs per request (user + system, median of runs)': cpu(k).text,
      'CPU vs its bare server (median of round ratios)': cpuRatio
        ? `${median(cpuRatio).toFixed(2)}× (rounds: ${cpuRatio.map((r) => r.toFixed(2)).join(', ')})`
        : '',
      target: target === undefined ? '' : `≤ ${target}×: ${median(cpuRatio!) <= target ? 'met' : 'missed'}`,
      'req/s (median of runs)': fmt(median(runs.get(k)!.map((r) => r.rps))),
      'req/s vs its bare server': ratio ? `${median(ratio).toFixed(2)}×` : '',
    });
  }
  const extra = (k: string, base: string) => cpu(k).user + cpu(k).system - (cpu(base).user + cpu(base).system);
  return [
    {
      title: `HTTP: GET by id against the bare ceiling (alternating rounds, server on CPU 1, ${LOADGEN} on CPU 0)`,
      notes: `Each server in its own process pinned to CPU 1 (taskset); the scimkit servers (bench/ceiling-server.ts) hold 10,000 users in MemoryStore, the activity log on, rate limits off${PREVIOUS ? `, this build and the previous one (${PREVIOUS})` : ''}. ${LOADGEN === 'wrk' ? 'wrk (one thread)' : "autocannon's CLI"} pinned to CPU 0, ${CONNECTIONS} connections, 3 s per run, ${ROUNDS} rounds in ABBA order after a warm-up. The bare servers answer one fixed User whatever is asked. Server CPU is the process's user and system time over the run (/proc/<pid>/stat, 10 ms ticks) divided by the requests answered; the target (#34) is that CPU against its bare server's in the same round. The calibration rows are the bare server doing busy work of a known length per request: on this machine a server's own µs cost more than their length in req/s (docs/design.md, "The HTTP ceiling"). In this run scimkit/node used ${extra('node', 'bare').toFixed(1)} µs of CPU per GET by id more than bare node:http, and scimkit/express ${extra('express', 'bare-express').toFixed(1)} µs more than bare Express.`,
      rows,
    },
    ...(abSection ? [abSection] : []),
  ];
}
