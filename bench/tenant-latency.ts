// What the containment benches share (bench/heavy-filter.bench.ts, bench/containment.bench.ts):
// child processes that report as JSON lines on stdout (so neither an attacker's work nor the
// measuring client's is the server's), a tenant's GETs one after another over HTTP as the
// measuring client sends them, and the percentiles of what it measured.
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The `p` quantile (0-1) of `xs`, nearest rank. */
export const percentile = (xs: number[], p: number): number => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/** A child process of a bench script, its first line on stdout, and an iterator over the next ones. */
export interface BenchChild {
  proc: ChildProcess;
  first: string;
  lines: AsyncIterator<string>;
}

/**
 * Runs `bench/<script> ...args` under tsx and waits for its first line. `env` is added to this
 * process's (e.g. TSX_TSCONFIG_PATH, to import the adapters from src/ rather than dist/);
 * `nodeArgs` go before the script (e.g. --expose-gc).
 */
export async function benchChild(script: string, args: string[], options: { env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<BenchChild> {
  const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', join(import.meta.dirname, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...options.env },
  });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`${script} ${args.join(' ')} printed nothing`);
  return { proc, first: first.value, lines };
}

/** Sends SIGTERM to a child and returns the next line it prints (its report), parsed. */
export async function stopChild<T>(child: BenchChild): Promise<T> {
  child.proc.kill('SIGTERM');
  const last = await child.lines.next();
  if (last.done) throw new Error('the child ended without a report');
  return JSON.parse(last.value) as T;
}

/** What a tenant's GETs measured: each one's milliseconds, and how many got each status. */
export interface Gets {
  ms: number[];
  statuses: Record<string, number>;
}

/**
 * `GET path` with `token`, one after another on one keep-alive connection, as an IdP reads:
 * `count` of them after 20 unmeasured ones, or fewer when `until()` says to stop (checked
 * after each). A status other than 200 is counted, not thrown: what a tenant is refused is
 * part of what a containment bench measures.
 */
export async function tenantGets(port: number, path: string, token: string, count: number, until: () => boolean = () => false): Promise<Gets> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const req = request({ agent, host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  const ms: number[] = [];
  const statuses: Record<string, number> = {};
  for (let i = 0; i < count + 20 && !until(); i++) {
    const t0 = performance.now();
    const status = await get();
    if (i < 20) continue;
    ms.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  agent.destroy();
  return { ms, statuses };
}
