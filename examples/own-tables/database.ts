// How the store reaches PostgreSQL: a pg.Pool (a client per transaction) or PGlite (its own
// transaction()), one write per transaction, a deadlock retried, and the database's refusals
// turned into SCIM errors (a 409 that names the attribute, a 400 for a value it cannot store,
// a 503 for a database that cannot answer now) instead of a 500.
import { ScimError, type StoreContext } from 'scimkit';
import { refuseLate } from 'scimkit/store-kit';

/** Anything that runs one statement with parameters: a pg.Pool, a pg.PoolClient, PGlite or its transaction. */
export interface Sql {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

/** A pg.Pool (`connect()` lends a client for a transaction) or PGlite (`transaction(fn)`). */
export type Database =
  | (Sql & { connect(): Promise<Sql & { release(destroy?: boolean): void }> })
  | (Sql & { transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> });

/** The unique indexes of examples/own-tables/migration.ts, by the SCIM attribute each keeps unique. */
const UNIQUE_INDEXES: Record<string, string> = {
  users_email_key: 'userName',
  users_external_ref: 'externalId',
  teams_name_key: 'displayName',
  teams_external_ref: 'externalId',
};

/** SQLSTATEs of a transaction that lost to another one and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

interface PgError {
  code?: string;
  constraint?: string;
}

/**
 * Runs `fn` in one transaction and commits it unless the request is past its deadline by then
 * (scimkit answered it 503 already: nothing of it may commit). A deadlock or a serialization
 * failure runs it again, twice at most.
 */
export async function inTransaction<T>(db: Database, ctx: StoreContext, fn: (tx: Sql) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(db, ctx, fn);
    } catch (e) {
      if (attempt < 3 && RETRYABLE.has(String((e as PgError).code))) continue;
      throw scimErrorOf(e);
    }
  }
}

async function once<T>(db: Database, ctx: StoreContext, fn: (tx: Sql) => Promise<T>): Promise<T> {
  if ('transaction' in db)
    return db.transaction(async (tx) => {
      const out = await fn(tx);
      refuseLate(ctx);
      return out;
    });
  const client = await db.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    refuseLate(ctx);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw e;
  } finally {
    // a client whose ROLLBACK failed has a dead connection: pg-pool destroys it instead of lending it again
    client.release(broken);
  }
}

/** `db` for reads outside a transaction: each statement's error becomes the SCIM error it means. */
export function reader(db: Sql): Sql {
  return {
    async query<Row>(text: string, params?: unknown[]) {
      try {
        return await db.query<Row>(text, params);
      } catch (e) {
        throw scimErrorOf(e);
      }
    },
  };
}

/** What a database error means to a SCIM client; an error that is no refusal of the database (a bug) stays as it is. */
export function scimErrorOf(e: unknown): unknown {
  if (e instanceof ScimError) return e;
  const { code = '', constraint = '' } = (e ?? {}) as PgError;
  if (code === '23505') {
    const attribute = UNIQUE_INDEXES[constraint];
    return ScimError.uniqueness(attribute ? `${attribute} is already taken` : 'A unique value is already taken');
  }
  // a member deleted by a request that committed first
  if (code === '23503') return ScimError.invalidValue('members: a member was deleted meanwhile; read the group and try again');
  // data exceptions: a NUL character, a number PostgreSQL cannot hold
  if (code.startsWith('22')) return ScimError.invalidValue('A value cannot be stored (a NUL character, or a number out of range)');
  if (RETRYABLE.has(code)) return ScimError.unavailable('Too many concurrent writes to the same resources; try again', 1);
  // the database cannot answer now: connection lost (08), too many connections (53), shut
  // down or timed out (57); and Node's own codes for a connection that failed (ECONNREFUSED…)
  if (/^(08|53|57)/.test(code) || /^E[A-Z]+$/.test(code) || /Connection terminated/i.test(String((e as Error)?.message)))
    return ScimError.unavailable('The database is not answering; try again', 1);
  return e;
}
