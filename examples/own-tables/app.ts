// The example's whole server, built from the environment as `npm run example:own-tables` reads
// it: the database (PostgreSQL at DATABASE_URL, else an embedded PGlite), the app's tables
// (migration.ts), the store over them (store.ts) and scimkit on node:http. server.ts listens
// and prints; test/examples/own-tables.test.ts builds the same server in-process.
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { bearerToken, createScimServer, generateToken, type ScimServer } from 'scimkit';
import { toNodeHandler } from 'scimkit/node';
import type { Database } from './database.js';
import { migrate } from './migration.js';
import { OwnTablesStore } from './store.js';

/** The example, ready to listen: its HTTP server, scimkit, the token it accepts and where its tables are. */
export interface OwnTablesApp {
  /** The HTTP server, not listening yet; SCIM is under `/scim/v2`. */
  http: Server;
  /** scimkit's server, for `shutdown`. */
  scim: ScimServer;
  /** The bearer token it accepts: SCIM_TOKEN, or one made for this run. */
  token: string;
  /** Where the tables are, for the start-up line. */
  database: string;
  /** Closes the database (after the HTTP server has stopped). */
  close(): Promise<void>;
}

/**
 * Opens the database, creates the app's tables when missing, and builds the server. Reads
 * `DATABASE_URL` (PostgreSQL; without it, an embedded PGlite in memory), `SCIM_DATA` (a folder
 * for PGlite's files, kept between runs; `memory` for none; it wins over DATABASE_URL, as in
 * examples/postgres), `PG_POOL_SIZE`, `SCIM_TOKEN` and `SCIM_BASE_URL` from `env`.
 */
export async function createOwnTablesApp(env: Record<string, string | undefined>): Promise<OwnTablesApp> {
  const folder = env.SCIM_DATA || (env.DATABASE_URL ? undefined : 'memory');
  const lite = folder ? new PGlite(folder === 'memory' ? undefined : resolve(folder)) : undefined;
  // the settings docs/stores.md ("Deadlines, and the pool") gives a deployment: a connect with
  // no answer fails, dead idle connections are dropped, and no statement runs for ever
  const pool = lite
    ? undefined
    : new pg.Pool({
        connectionString: env.DATABASE_URL,
        max: Number(env.PG_POOL_SIZE ?? 10),
        connectionTimeoutMillis: 2_000,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        idleTimeoutMillis: 10_000,
        query_timeout: 15_000,
        statement_timeout: 15_000,
      });
  // an idle pooled connection that the server drops must not end the process
  pool?.on('error', (e) => console.error('[pg] idle connection error:', e.message));
  const db: Database = lite ?? pool!;
  const close = async () => {
    await pool?.end();
    await lite?.close();
  };
  try {
    await migrate(db);
    return { ...scimOver(db, env), database: whereTablesAre(folder), close };
  } catch (e) {
    // a migration that failed, a token too short: nothing stays open behind the error
    await close();
    throw e;
  }
}

/** scimkit over the store on `db`, on node:http under `/scim/v2`. */
function scimOver(db: Database, env: Record<string, string | undefined>): Pick<OwnTablesApp, 'http' | 'scim' | 'token'> {
  const token = env.SCIM_TOKEN || generateToken();
  const baseUrl = env.SCIM_BASE_URL;
  const scim = createScimServer({
    authenticate: bearerToken(token),
    store: new OwnTablesStore(db),
    // team names are unique in this app (the index teams_name_key), as Entra ID expects of group names
    uniqueGroupDisplayName: true,
    ...(baseUrl ? { baseUrl } : {}),
  });
  return { http: createServer(toNodeHandler(scim, { basePath: '/scim/v2' })), scim, token };
}

/** Where the tables are: PGlite's folder (`memory`: none), or PostgreSQL when there is no folder. */
function whereTablesAre(folder: string | undefined): string {
  if (folder === undefined) return 'PostgreSQL at DATABASE_URL';
  return `embedded PostgreSQL (PGlite), ${folder === 'memory' ? 'in memory: the tables go when it stops' : `in ${resolve(folder)}`}`;
}
