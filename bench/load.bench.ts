// The example server (examples/express, MemoryStore) under an Entra-style provisioning mix for
// 30 s, three times: errors, p99, and whether the heap after the second run stays within 10% of
// the heap after the first. Each cycle creates a user and deletes it again, so the store's size is
// the same after every run and heap growth would be a leak, not data.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { fmt, type Section } from './harness.js';

const SEED_USERS = 10_000;
const ROUND_SECONDS = 30;
const token = 'load-bench-token-0123456789-0123456789';
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

interface Cycle {
  n: number;
  id?: string;
}

/** Starts the example as `npm start` does, plus --expose-gc and the heap probe. */
function startExample() {
  const root = join(import.meta.dirname, '..');
  const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', './bench/heap-probe.mjs', 'examples/express/server.ts'], {
    cwd: root,
    // rate limits off: one tenant at thousands of requests a second is past the default budget (500/s), and a 429 breaks a cycle
    env: { ...process.env, PORT: '0', SCIM_TOKEN: token, SCIM_DATA: 'memory', SCIM_RATE_LIMITS: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  let events = 0;
  const waiters: ((line: string) => void)[] = [];
  const pending: string[] = [];
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => {
    // one split per chunk: slicing the buffer per line was quadratic in the chunk, and a reader that
    // falls behind fills the pipe and blocks the server's (synchronous) writes to stdout
    const lines = (buf + d).split('\n');
    buf = lines.pop()!;
    for (const line of lines) {
      if (/ INFO +event /.test(line))
        events++; // the example logs every provisioning event (and every request)
      else if (line.startsWith('{') || line.includes('tenant URL')) {
        const w = waiters.shift();
        if (w) w(line);
        else pending.push(line);
      }
    }
  });
  const nextLine = () => new Promise<string>((r) => (pending.length ? r(pending.shift()!) : waiters.push(r)));
  const heap = async () => {
    proc.kill('SIGUSR2');
    return Number((JSON.parse(await nextLine()) as { heapUsed: number }).heapUsed) / 2 ** 20;
  };
  return { proc, nextLine, heap, events: () => events };
}

async function scim(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** 10,000 users and a group holding all of them, through /Bulk as an initial sync would. */
async function seed(base: string): Promise<string> {
  for (let from = 0; from < SEED_USERS; from += 500) {
    const Operations = Array.from({ length: 500 }, (_, k) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `u${from + k}`,
      data: {
        schemas: [U],
        userName: `user${from + k}@example.com`,
        externalId: `ext-${from + k}`,
        active: true,
        name: { givenName: 'Given', familyName: 'Family' },
      },
    }));
    const r = await scim(base, 'POST', '/Bulk', { schemas: [BULK], Operations });
    if (r.status !== 200) throw new Error(`seed: Bulk answered ${r.status}`);
  }
  const ids: string[] = [];
  for (let start = 1; start <= SEED_USERS; start += 1000) {
    const page = await scim(base, 'GET', `/Users?attributes=id&startIndex=${start}&count=1000`);
    for (const u of page.json.Resources as { id: string }[]) ids.push(u.id);
  }
  const g = await scim(base, 'POST', '/Groups', { schemas: [G], displayName: 'Everyone', members: ids.map((value) => ({ value })) });
  if (g.status !== 201) throw new Error(`seed: group answered ${g.status}`);
  return g.json.id as string;
}

export async function run(): Promise<Section[]> {
  const server = startExample();
  try {
    const url = /(http:\/\/\S+)/.exec(await server.nextLine())?.[1];
    if (!url) throw new Error('the example did not print its tenant URL');
    const groupId = await seed(url);
    const basePath = new URL(url).pathname;
    let next = 0;
    const userName = (c: Cycle) => `load-${c.n}@example.com`;
    const filter = (name: string) => `${basePath}/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`;
    // One provisioning cycle per connection loop, as Entra ID sends them: look up an existing
    // user, look up the new one (miss), create it, update it, add it to a group, deactivate it
    // with Entra's "False" string, delete it. autocannon resets the context at each loop.
    const mix: autocannon.Request[] = [
      {
        method: 'GET',
        setupRequest: (r, c: object) => {
          const cycle = c as Cycle;
          cycle.n = next++;
          return { ...r, path: filter(`user${cycle.n % SEED_USERS}@example.com`) };
        },
      },
      { method: 'GET', setupRequest: (r, c: object) => ({ ...r, path: filter(userName(c as Cycle)) }) },
      {
        method: 'POST',
        path: `${basePath}/Users`,
        setupRequest: (r, c: object) => ({
          ...r,
          body: JSON.stringify({ schemas: [U], userName: userName(c as Cycle), externalId: `x-${(c as Cycle).n}`, active: true, displayName: 'Load' }),
        }),
        onResponse: (status, body, c: object) => {
          if (status === 201) (c as Cycle).id = (JSON.parse(body) as { id: string }).id;
        },
      },
      {
        method: 'PATCH',
        setupRequest: (r, c: object) => ({
          ...r,
          path: `${basePath}/Users/${(c as Cycle).id}`,
          body: JSON.stringify({ schemas: [PATCH], Operations: [{ op: 'Replace', path: 'title', value: `Engineer ${(c as Cycle).n}` }] }),
        }),
      },
      {
        method: 'PATCH',
        path: `${basePath}/Groups/${groupId}`,
        setupRequest: (r, c: object) => ({
          ...r,
          body: JSON.stringify({ schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ value: (c as Cycle).id }] }] }),
        }),
      },
      {
        method: 'PATCH',
        setupRequest: (r, c: object) => ({
          ...r,
          path: `${basePath}/Users/${(c as Cycle).id}`,
          body: JSON.stringify({ schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }),
        }),
      },
      { method: 'DELETE', setupRequest: (r, c: object) => ({ ...r, path: `${basePath}/Users/${(c as Cycle).id}` }) },
    ];
    const rows: Record<string, string>[] = [];
    const heaps: number[] = [await server.heap()];
    rows.push({
      run: 'after seeding',
      requests: '',
      'req/s': '',
      'p50 ms': '',
      'p99 ms': '',
      errors: '',
      'non-2xx': '',
      users: fmt(SEED_USERS),
      'heap (MiB)': fmt(heaps[0]!, 1),
    });
    for (const round of [1, 2, 3]) {
      const r = await autocannon({ url, connections: 10, duration: ROUND_SECONDS, headers, requests: mix });
      await new Promise((ok) => setTimeout(ok, 500)); // let the last cut-off requests finish on the server
      const users = (await scim(url, 'GET', '/Users?count=0')).json.totalResults as number;
      const heap = await server.heap();
      heaps.push(heap);
      rows.push({
        run: String(round),
        requests: fmt(r.requests.total),
        'req/s': fmt(r.requests.total / r.duration),
        'p50 ms': fmt(r.latency.p50, 1),
        'p99 ms': fmt(r.latency.p99, 1),
        errors: String(r.errors + r.timeouts),
        'non-2xx': String(r.non2xx),
        users: fmt(users),
        'heap (MiB)': fmt(heap, 1),
      });
    }
    const pct = (a: number, b: number) => {
      const p = (100 * (b - a)) / a;
      return `${p >= 0 ? '+' : ''}${fmt(p, 1)}%`;
    };
    return [
      {
        title: `Load: the example server under an Entra-style provisioning mix, ${ROUND_SECONDS} s three times`,
        notes:
          `\`examples/express/server.ts\` as \`npm start\` runs it (MemoryStore, every feature on, each request and event logged, the activity ring per tenant on), seeded through /Bulk with ${fmt(SEED_USERS)} users and a group holding all of them; autocannon with 10 connections on loopback. ` +
          'Each connection loops over one provisioning cycle: look up an existing user, look up the new one (miss), create it, replace its title, add it to the big group, deactivate it with "False", delete it. ' +
          'Cycles cut off at the end of a run leave a few users behind (the users column). Heap is the live heap after two forced collections. ' +
          `Heap after run 2 vs run 1: ${pct(heaps[1]!, heaps[2]!)}; run 3 vs run 2: ${pct(heaps[2]!, heaps[3]!)}. ${fmt(server.events())} events logged. Target: zero errors, heap within 10%.`,
        rows,
      },
    ];
  } finally {
    server.proc.kill('SIGKILL');
  }
}
