// The durable embedded default, measured (issue "Nothing lost"): PGlite with a data directory
// (PostgresStore as in production) beside SQLite through better-sqlite3 12, the two candidates
// that install from npm on Node 20. Durable writes/s and latency, acknowledged writes lost
// to kill -9, startup at 100,000 users, install size. better-sqlite3 is not a dependency:
// `npm install --no-save better-sqlite3@12` before running this (its rows are skipped otherwise).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { SchemaRegistry } from 'scimkit';
import { PostgresStore } from 'scimkit/postgres';
import { fmt, type Section } from './harness.js';

type SqliteCtor = typeof import('better-sqlite3')['default'];
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const User = new SchemaRegistry().resourceType('User')!;
const WRITES = 400;
const SEED = 100_000;

async function sqlite(): Promise<SqliteCtor | undefined> {
  try {
    return (await import('better-sqlite3')).default;
  } catch {
    return undefined;
  }
}

function du(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, f) => n + du(join(path, f)), 0);
}

/** The package's directory in node_modules (its package.json is not always exported). */
const packageDir = (name: string) => join(import.meta.dirname, '..', 'node_modules', name);

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function pgliteWrites(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'scimkit-pglite-'));
  const db = new PGlite(dir);
  const store = new PostgresStore(db as never);
  await store.migrate();
  const ctx = { tenant: 'default', requestId: 'b' };
  const times: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const t0 = performance.now();
    await store.create(
      ctx,
      User,
      { schemas: [U], userName: `w${i}` },
      {
        events: (o) => [{ id: randomUUID(), type: 'user.created', resourceType: 'User', resourceId: o.stored!.id as string, data: { resource: o.stored! } }],
      },
    );
    times.push(performance.now() - t0);
  }
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return times;
}

function sqliteWrites(Database: SqliteCtor, sync: 'FULL' | 'NORMAL'): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'scimkit-sqlite-'));
  const db = new Database(join(dir, 'scim.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.exec('CREATE TABLE r (id TEXT PRIMARY KEY, user_name TEXT UNIQUE, doc TEXT); CREATE TABLE e (seq INTEGER PRIMARY KEY, id TEXT, data TEXT)');
  const ins = db.prepare('INSERT INTO r VALUES (?, ?, ?)');
  const ev = db.prepare('INSERT INTO e (id, data) VALUES (?, ?)');
  const write = db.transaction((id: string, doc: string) => {
    ins.run(id, id, doc);
    ev.run(randomUUID(), doc);
  });
  const times: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const id = randomUUID();
    const t0 = performance.now();
    write(id, JSON.stringify({ schemas: [U], id, userName: `w${i}` }));
    times.push(performance.now() - t0);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return times;
}

/** Kills a writer with SIGKILL after `ms` and returns [acknowledged, of them missing after reopening]. */
async function killNine(engine: 'pglite' | 'sqlite', ms: number): Promise<[number, number]> {
  const dir = mkdtempSync(join(tmpdir(), `scimkit-kill-${engine}-`));
  const acked: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'embedded-writer.ts'), engine, dir], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'ready') setTimeout(() => p.kill('SIGKILL'), ms);
        else if (line.startsWith('ack ')) acked.push(line.slice(4));
      }
    });
    p.on('exit', () => resolve());
    p.on('error', reject);
  });
  let present: Set<string>;
  if (engine === 'pglite') {
    const db = new PGlite(dir);
    present = new Set((await db.query<{ id: string }>('SELECT id FROM scim_resources')).rows.map((r) => r.id));
    await db.close();
  } else {
    const Database = (await sqlite())!;
    const db = new Database(join(dir, 'scim.db'));
    present = new Set((db.prepare('SELECT id FROM r').all() as { id: string }[]).map((r) => r.id));
    db.close();
  }
  rmSync(dir, { recursive: true, force: true });
  return [acked.length, acked.filter((id) => !present.has(id)).length];
}

async function pgliteStartup(): Promise<[number, number]> {
  const dir = mkdtempSync(join(tmpdir(), 'scimkit-pglite-start-'));
  const seed = new PGlite(dir);
  const store = new PostgresStore(seed as never);
  await store.migrate();
  await seed.query(
    `INSERT INTO scim_resources (tenant, type, id, doc, user_name_ci, version, created, last_modified)
     SELECT 'default', 'User', 'u' || i, jsonb_build_object('schemas', jsonb_build_array('${U}'), 'id', 'u' || i, 'userName', 'user' || i,
       'meta', jsonb_build_object('resourceType', 'User', 'created', '2024-01-01T00:00:00Z', 'lastModified', '2024-01-01T00:00:00Z', 'version', 'W/"1"')),
       'user' || i, 1, now(), now() FROM generate_series(1, ${SEED}) i`,
  );
  // folds the rows inserted above (addons/postgres/folded.ts): the start-up measured below has none to fold
  await store.migrate();
  await seed.close();
  const bytes = du(dir);
  const t0 = performance.now();
  const db = new PGlite(dir);
  const again = new PostgresStore(db as never);
  await again.migrate();
  await again.get({ tenant: 'default', requestId: 's' }, User, 'u50000');
  const ms = performance.now() - t0;
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return [ms, bytes];
}

function sqliteStartup(Database: SqliteCtor): [number, number] {
  const dir = mkdtempSync(join(tmpdir(), 'scimkit-sqlite-start-'));
  const seed = new Database(join(dir, 'scim.db'));
  seed.pragma('journal_mode = WAL');
  seed.exec('CREATE TABLE r (id TEXT PRIMARY KEY, user_name TEXT UNIQUE, doc TEXT)');
  const ins = seed.prepare('INSERT INTO r VALUES (?, ?, ?)');
  seed.transaction(() => {
    for (let i = 1; i <= SEED; i++) ins.run(`u${i}`, `user${i}`, JSON.stringify({ schemas: [U], id: `u${i}`, userName: `user${i}` }));
  })();
  seed.close();
  const bytes = du(dir);
  const t0 = performance.now();
  const db = new Database(join(dir, 'scim.db'));
  db.prepare('SELECT doc FROM r WHERE id = ?').get('u50000');
  const ms = performance.now() - t0;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return [ms, bytes];
}

export async function run(): Promise<Section[]> {
  const Database = await sqlite();
  const rows: Record<string, string>[] = [];
  const kills = 3;
  const pg = await pgliteWrites();
  let pgLost = 0;
  let pgAcked = 0;
  for (let k = 0; k < kills; k++) {
    const [a, l] = await killNine('pglite', 1500 + k * 500);
    pgAcked += a;
    pgLost += l;
  }
  const [pgStart, pgBytes] = await pgliteStartup();
  rows.push({
    candidate: 'PGlite 0.5 with a data directory (PostgresStore, events in the same transaction)',
    'durable writes/s': fmt(1000 / (pg.reduce((a, b) => a + b, 0) / pg.length)),
    'mean / p99 ms': `${fmt(pg.reduce((a, b) => a + b, 0) / pg.length, 2)} / ${fmt(percentile(pg, 0.99), 2)}`,
    'kill -9: acknowledged / lost': `${fmt(pgAcked)} / ${pgLost}`,
    'startup at 100,000 users (ms)': fmt(pgStart),
    'data on disk (MB)': fmt(pgBytes / 1e6, 1),
    'install (MB)': fmt(du(packageDir('@electric-sql/pglite')) / 1e6, 1),
  });
  if (Database) {
    for (const sync of ['FULL', 'NORMAL'] as const) {
      const sq = sqliteWrites(Database, sync);
      let lost = 0;
      let acked = 0;
      if (sync === 'FULL')
        for (let k = 0; k < kills; k++) {
          const [a, l] = await killNine('sqlite', 1500 + k * 500);
          acked += a;
          lost += l;
        }
      const [start, bytes] = sync === 'FULL' ? sqliteStartup(Database) : [Number.NaN, Number.NaN];
      rows.push({
        candidate: `better-sqlite3 12, WAL, synchronous=${sync} (a bare table and an events table; no store exists for it)`,
        'durable writes/s': fmt(1000 / (sq.reduce((a, b) => a + b, 0) / sq.length)),
        'mean / p99 ms': `${fmt(sq.reduce((a, b) => a + b, 0) / sq.length, 2)} / ${fmt(percentile(sq, 0.99), 2)}`,
        'kill -9: acknowledged / lost': sync === 'FULL' ? `${fmt(acked)} / ${lost}` : '',
        'startup at 100,000 users (ms)': Number.isNaN(start) ? '' : fmt(start, 1),
        'data on disk (MB)': Number.isNaN(bytes) ? '' : fmt(bytes / 1e6, 1),
        'install (MB)': fmt(du(packageDir('better-sqlite3')) / 1e6, 1),
      });
    }
  }
  return [
    {
      title: 'Embedded default: PGlite and better-sqlite3 side by side',
      notes: `${WRITES} sequential creates each (PGlite: through PostgresStore with its event, as \`npm start\` runs it; SQLite: the same two inserts in one transaction, the least a store would do). kill -9: a writer killed ${kills} times after 1.5–2.5 s, every id it printed after its write returned then looked up. Startup: open the data of ${fmt(SEED)} users and read one by id. Install: the package directory (better-sqlite3 also needs a C++ toolchain or a prebuilt binary from GitHub, which this machine cannot reach).`,
      rows,
    },
  ];
}
