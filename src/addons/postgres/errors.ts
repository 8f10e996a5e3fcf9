/**
 * PostgreSQL errors as SCIM errors: what is the client's input (an index entry too large:
 * 400 naming the attribute, for a host that raised `maxIndexedStringLength` past what the
 * store indexes) and what is a passing outage (a connection refused, reset or shut down, too
 * many connections, a statement or lock timeout: 503 with Retry-After, which IdPs back off
 * on, where a 500 counts against the object and, repeated, quarantines the job).
 * @module
 */
import { ScimError } from 'scimkit';
import type { SqlQueryable } from './sql.js';

/** The SQLSTATE of a unique violation: a unique key another resource holds. */
export const UNIQUE_VIOLATION = '23505';

/** The SQLSTATE of a foreign key violation: a member that names no resource of the tenant. */
export const FOREIGN_KEY_VIOLATION = '23503';

/** The SQLSTATE and detail of an error from the database (both absent on any other error). */
export function pgError(e: unknown): { code?: string; detail?: string } {
  return (e ?? {}) as { code?: string; detail?: string };
}

/** The SQLSTATE of program_limit_exceeded: an index entry larger than the index can hold. */
const PROGRAM_LIMIT_EXCEEDED = '54000';

/** The attribute each index of the shipped migrations holds. */
const INDEXED_BY: Record<string, string> = {
  scim_resources_user_name: 'userName',
  scim_resources_user_name_order: 'userName',
  scim_resources_external_id: 'externalId',
  scim_resources_display_name: 'displayName',
  scim_resources_emails: 'emails.value',
  scim_resources_emails_folded: 'emails.value',
  scim_unique_pkey: 'a unique attribute',
};

/** The SCIM error for a PostgreSQL error caused by the input, else `undefined`. */
export function inputError(e: unknown): ScimError | undefined {
  const { code, message } = (e ?? {}) as { code?: string; message?: string };
  if (code !== PROGRAM_LIMIT_EXCEEDED || typeof message !== 'string') return undefined;
  const index = /for index "([^"]+)"/.exec(message)?.[1];
  const attr = (index && INDEXED_BY[index]) ?? 'a value';
  return ScimError.invalidValue(`${attr} is too long for the store to index; send a shorter value`);
}

/** Node's socket errors of a database that went away or is not there. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The SQLSTATEs of a serialization failure and a deadlock: the transaction may simply run again. */
export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

/**
 * Whether an error is the database being unreachable or overloaded for a while: SQLSTATE
 * class 08 (connection exception), 57P01–57P03 (shutdown, crash, cannot connect now), 53300
 * (too many connections), 57014 and 55P03 (statement and lock timeouts), Node's socket
 * errors, and node-postgres's own words for a connection that ended or never came, or for a
 * statement its `query_timeout` gave up on (that connection is not handed on: its statement is
 * still out).
 */
export function isUnavailable(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: string; message?: string };
  if (typeof code === 'string') {
    if (code.startsWith('08') || code === '53300' || code === '57P01' || code === '57P02' || code === '57P03' || code === '57014' || code === '55P03')
      return true;
    if (SOCKET_CODES.has(code)) return true;
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|not queryable|Query read timeout/i.test(
      message,
    )
  );
}

/** The SCIM error for a PostgreSQL error, or `undefined` when it is neither input nor an outage (a bug: 500). */
export function scimErrorOf(e: unknown): ScimError | undefined {
  if (e instanceof ScimError) return e;
  const input = inputError(e);
  if (input) return input;
  if (isUnavailable(e)) return ScimError.unavailable('The database is unavailable; try again shortly', 1);
  const { code } = (e ?? {}) as { code?: string };
  if (typeof code === 'string' && RETRYABLE_SQLSTATES.has(code)) return ScimError.unavailable('The write conflicted with concurrent writes; try again', 1);
  return undefined;
}

/**
 * `q` with input errors and outages thrown as SCIM errors, every other error as it was.
 * `keepRetryable`: serialization failures and deadlocks stay raw, for the transaction around
 * them to run again; outside a transaction they are 503.
 */
export function translatingErrors(q: SqlQueryable, keepRetryable = false): SqlQueryable {
  return {
    query: (text, params) =>
      q.query(text, params).catch((e: unknown) => {
        const code = (e as { code?: unknown } | null)?.code;
        const retryable = typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
        throw inputError(e) ?? (isUnavailable(e) || (retryable && !keepRetryable) ? scimErrorOf(e) : e);
      }),
  };
}
