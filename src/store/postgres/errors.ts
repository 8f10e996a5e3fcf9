/**
 * PostgreSQL errors that are the client's input, not the server's fault, as SCIM errors.
 * Validation keeps values within what the store indexes by default; a host that raises
 * `maxIndexedStringLength` past it gets a 400 naming the attribute instead of a 500.
 * @module
 */
import { ScimError } from '../../errors.js';
import type { SqlQueryable } from './store.js';

/** The SQLSTATE of program_limit_exceeded: an index entry larger than the index can hold. */
const PROGRAM_LIMIT_EXCEEDED = '54000';

/** The attribute each index of the shipped migrations holds. */
const INDEXED_BY: Record<string, string> = {
  scim_resources_user_name: 'userName',
  scim_resources_external_id: 'externalId',
  scim_resources_display_name: 'displayName',
  scim_resources_emails: 'emails.value',
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

/** `q` with input errors thrown as SCIM errors, every other error as it was. */
export function translatingErrors(q: SqlQueryable): SqlQueryable {
  return {
    query: (text, params) =>
      q.query(text, params).catch((e: unknown) => {
        throw inputError(e) ?? e;
      }),
  };
}
