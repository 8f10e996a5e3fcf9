// A PostgreSQL database of its own for one test or benchmark, on the server DATABASE_URL
// names: created empty, dropped afterwards (tests that share `test` would see each other's rows).
import pg from 'pg';

/** A fresh database: its URL, a pool on it, and `drop()` (ends the pool, drops the database). */
export interface ScratchDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** Creates a database named after `prefix` on the server of `DATABASE_URL`. */
export async function scratchDatabase(prefix: string, poolSize = 4): Promise<ScratchDatabase> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: poolSize });
  // the forced drop below ends connections the pool may still hold
  pool.on('error', () => undefined);
  return {
    url: url.toString(),
    pool,
    drop: async () => {
      await pool.end();
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
