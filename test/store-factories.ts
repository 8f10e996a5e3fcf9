// The stores a behaviour test runs on: MemoryStore, PostgresStore on PGlite, and (with
// DATABASE_URL, as in CI) PostgresStore on a pool of a scratch PostgreSQL database. Call it
// at the top of a test file: it registers the clean-up with afterAll.
import { afterAll } from 'vitest';
import { PostgresStore, type SqlPool } from '../src/addons/postgres/index.js';
import { MemoryStore, type ProvisioningStore } from '../src/index.js';
import { freshPGlite } from './pglite.js';
import { scratchDatabase } from './scratch-database.js';
import { closeServers } from './server/helpers.js';

/** Named factories of fresh stores; `postgres: false` leaves the PostgreSQL server out. */
export function storeFactories(options: { postgres?: boolean; poolSize?: number } = {}): [string, () => Promise<ProvisioningStore>][] {
  const lite = freshPGlite();
  const closing: (() => Promise<void>)[] = [() => lite.close()];
  afterAll(async () => {
    // servers write their activity log after the responses: closed before their databases
    await closeServers();
    for (const close of closing) await close();
  });
  const out: [string, () => Promise<ProvisioningStore>][] = [
    ['MemoryStore', async () => new MemoryStore()],
    [
      'PostgresStore (PGlite)',
      async () => {
        const s = new PostgresStore(lite as unknown as SqlPool);
        await s.migrate();
        return s;
      },
    ],
  ];
  if (options.postgres !== false && process.env.DATABASE_URL)
    out.push([
      'PostgresStore (PostgreSQL pool)',
      async () => {
        const db = await scratchDatabase('scimkit_stores', options.poolSize ?? 10);
        closing.push(db.drop);
        const s = new PostgresStore(db.pool);
        await s.migrate();
        return s;
      },
    ]);
  return out;
}
