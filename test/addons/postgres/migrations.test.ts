// migrate(): each migration's script whole, index builds CONCURRENTLY, a report of what it
// did, idempotent, and safe from several instances at once.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, PostgresStore, type SqlPool } from '../../../src/addons/postgres/index.js';
import { freshPGlite } from '../../pglite.js';
import { scratchDatabase } from '../../scratch-database.js';

const ALL = MIGRATIONS.map((m) => m.id);

describe('migrate', () => {
  it('on PGlite: reports what it applied, then nothing; the indexes are valid', async () => {
    const lite = freshPGlite();
    try {
      const store = new PostgresStore(lite as unknown as SqlPool);
      const first = await store.migrate();
      expect(first.applied.map((a) => a.id)).toEqual(ALL);
      expect(first.current).toBe(ALL.at(-1));
      const again = await store.migrate();
      expect(again).toEqual({ applied: [], current: ALL.at(-1) });
      const invalid = await lite.query('SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid');
      expect(invalid.rows[0]).toEqual({ n: 0 });
      const fk = await lite.query("SELECT convalidated FROM pg_constraint WHERE conname = 'scim_members_member_fk'");
      expect(fk.rows[0]).toEqual({ convalidated: true });
      // migration 11: migration 3's e-mail index, which no query reads since migration 7, is gone; the folded one serves
      const emails = await lite.query("SELECT to_regclass('scim_resources_emails')::text AS old, to_regclass('scim_resources_emails_folded')::text AS folded");
      expect(emails.rows[0]).toEqual({ old: null, folded: 'scim_resources_emails_folded' });
    } finally {
      await lite.close();
    }
  });

  it.runIf(process.env.DATABASE_URL)('on PostgreSQL from two instances at once: each migration applied once, by one of them', async () => {
    const db = await scratchDatabase('scimkit_migrate');
    const other = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const [a, b] = await Promise.all([new PostgresStore(db.pool).migrate(), new PostgresStore(other).migrate()]);
      expect([...a.applied, ...b.applied].map((x) => x.id).sort((x, y) => x - y)).toEqual(ALL);
      expect([a.current, b.current]).toEqual([ALL.at(-1), ALL.at(-1)]);
      const { rows } = await db.pool.query('SELECT id FROM scim_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(ALL);
      const invalid = await db.pool.query('SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid');
      expect(invalid.rows[0]).toEqual({ n: 0 });
    } finally {
      await other.end();
      await db.drop();
    }
  });
});
