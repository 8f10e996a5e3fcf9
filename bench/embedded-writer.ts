// A child process of bench/embedded.bench.ts: opens one embedded candidate on a data
// directory and creates users one after another, printing each id once its write returned
// (acknowledged), until it is killed.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

const [engine, dir] = process.argv.slice(2) as ['pglite' | 'sqlite', string];
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

if (engine === 'pglite') {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PostgresStore } = await import('scimkit/postgres');
  const { SchemaRegistry } = await import('scimkit');
  const db = new PGlite(dir);
  const store = new PostgresStore(db as never);
  await store.migrate();
  const User = new SchemaRegistry().resourceType('User')!;
  const ctx = { tenant: 'default', requestId: 'w' };
  console.log('ready');
  for (let i = 0; ; i++) {
    const u = await store.create(
      ctx,
      User,
      { schemas: [U], userName: `k${i}-${randomUUID()}` },
      { events: (o) => [{ id: randomUUID(), type: 'user.created', resourceType: 'User', resourceId: o.stored!.id as string, data: { resource: o.stored! } }] },
    );
    console.log(`ack ${u.id}`);
  }
} else {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dir, 'scim.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${process.env.SQLITE_SYNC ?? 'FULL'}`);
  db.exec('CREATE TABLE IF NOT EXISTS r (id TEXT PRIMARY KEY, user_name TEXT UNIQUE, doc TEXT)');
  db.exec('CREATE TABLE IF NOT EXISTS e (seq INTEGER PRIMARY KEY, id TEXT, data TEXT)');
  const ins = db.prepare('INSERT INTO r VALUES (?, ?, ?)');
  const ev = db.prepare('INSERT INTO e (id, data) VALUES (?, ?)');
  const write = db.transaction((id: string, doc: string) => {
    ins.run(id, id, doc);
    ev.run(randomUUID(), doc);
  });
  console.log('ready');
  for (;;) {
    const id = randomUUID();
    write(id, JSON.stringify({ schemas: [U], id, userName: id }));
    console.log(`ack ${id}`);
    // yield, as a server between requests would
    await new Promise((r) => setImmediate(r));
  }
}
