/**
 * Where PostgresStore's tables are: the SQL names of its tables, indexes and function,
 * qualified by the PostgreSQL schema the store was given, or unqualified (found through the
 * connection's `search_path`, as before the option existed) without one.
 * @module
 */

/** A PostgreSQL identifier longer than this many bytes would be truncated (NAMEDATALEN - 1): two long names could name one schema. */
const MAX_IDENTIFIER_BYTES = 63;

/** The SQL names of one store's objects. Every statement of the store names its objects through these. */
export interface TableNames {
  /** The schema the store was given, or undefined (the `search_path`). */
  readonly schema: string | undefined;
  /** The resources. */
  readonly resources: string;
  /** The unique keys. */
  readonly unique: string;
  /** The membership rows. */
  readonly members: string;
  /** The applied migrations. */
  readonly migrations: string;
  /** The outbox's counter per tenant. */
  readonly eventSeq: string;
  /** The outbox's events. */
  readonly events: string;
  /** The activity log. */
  readonly activity: string;
  /** The resources per tenant and type, as rows of changes summed on read (migration 12). */
  readonly counts: string;
  /** The trigger function that writes {@link TableNames.counts} (migration 12). */
  readonly countResources: string;
  /** The connection records: one per tenant (migration 8). */
  readonly connections: string;
  /** The credentials of the connections (migration 8). */
  readonly credentials: string;
  /** The function of the e-mail index of migration 3 (lower-cased in SQL; no longer read, kept for instances of earlier versions). */
  readonly emailsCi: string;
  /** The function of the folded e-mail index (migration 7). */
  readonly emailsFolded: string;
  /** An index (or any relation) of the store by its plain name, qualified like the tables. */
  relation(name: string): string;
  /** A qualified name as a SQL string literal (for `::regclass`, `to_regclass`). */
  literal(qualified: string): string;
}

/** An identifier in double quotes, its own quotes doubled: any name is taken as it is, never as SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `body` in dollar quotes whose tag it does not contain: a schema name in it (quoted as an
 * identifier, which dollar quoting does not see) could otherwise end the quotes early.
 */
export function dollarQuoted(body: string): string {
  let tag = '$do$';
  for (let i = 1; body.includes(tag); i++) tag = `$do${i}$`;
  return `${tag}${body}${tag}`;
}

/** A string as a SQL literal (standard_conforming_strings, PostgreSQL's default since 9.1). */
function quoteLiteral(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * The schema name of PostgresStore's options, checked: a TypeError at construction for a name
 * PostgreSQL would refuse or change (empty, a NUL, longer than 63 bytes, which PostgreSQL
 * truncates, or starting with `pg_`, which it reserves), rather than a failure at the first
 * migration or two stores that share a truncated name.
 */
export function checkedSchema(schema: unknown): string {
  const refuse = (why: string) => new TypeError(`PostgresStore: schema ${JSON.stringify(schema)} ${why}`);
  if (typeof schema !== 'string') throw refuse('is not a string');
  if (schema === '') throw refuse('is empty');
  if (schema.includes('\u0000')) throw refuse('contains a NUL character');
  if (Buffer.byteLength(schema, 'utf8') > MAX_IDENTIFIER_BYTES) throw refuse(`is longer than ${MAX_IDENTIFIER_BYTES} bytes (PostgreSQL would truncate it)`);
  if (schema.startsWith('pg_')) throw refuse('starts with pg_, which PostgreSQL reserves for its own schemas');
  return schema;
}

/** The names of a store's objects in `schema` (a name PostgreSQL would refuse or change is a TypeError), or unqualified without one. */
export function tableNames(schema?: string): TableNames {
  const prefix = schema === undefined ? '' : `${quoteIdentifier(checkedSchema(schema))}.`;
  const relation = (name: string) => `${prefix}${name}`;
  return {
    schema,
    resources: relation('scim_resources'),
    unique: relation('scim_unique'),
    members: relation('scim_members'),
    migrations: relation('scim_migrations'),
    eventSeq: relation('scim_event_seq'),
    events: relation('scim_events'),
    activity: relation('scim_activity'),
    counts: relation('scim_resource_counts'),
    countResources: relation('scim_count_resources'),
    connections: relation('scim_connections'),
    credentials: relation('scim_credentials'),
    emailsCi: relation('scim_emails_ci'),
    emailsFolded: relation('scim_emails_folded'),
    relation,
    literal: quoteLiteral,
  };
}

/** A single-valued text of a resource that a trigram index of migration 9 serves for `co`, `sw` and `ew`. */
export interface TrigramIndexed {
  /** The index's plain name (qualify it with {@link TableNames.relation}). */
  readonly index: string;
  /** The core attribute path it serves (the resource's own schema, never an extension). */
  readonly attribute: string;
  /** The sub-attribute it serves, if any. */
  readonly sub?: string;
  /**
   * The indexed text over the row named by `row` (`''` in the index definition, `'r.'` in a
   * query): the planner uses the index only for this very expression.
   */
  expression(row: string): string;
}

/** The folded text of a sub-attribute of `name` in the folded copy, as the filter reads it. */
function foldedName(sub: string): (row: string) => string {
  return (row) => `((${row}doc_ci->'name'->'${sub}') #>> '{}')`;
}

/**
 * The values that `co`, `sw` and `ew` filters are served for by trigram indexes (migration 9,
 * where the server has pg_trgm): the folded text columns and the folded parts of `name`. The
 * e-mail values, multi-valued, have their own index ({@link EMAILS_TRIGRAM_INDEX}).
 */
export const TRIGRAM_INDEXED: readonly TrigramIndexed[] = [
  { index: 'scim_resources_user_name_trgm', attribute: 'userName', expression: (row) => `${row}user_name_ci` },
  { index: 'scim_resources_display_name_trgm', attribute: 'displayName', expression: (row) => `${row}display_name_ci` },
  { index: 'scim_resources_family_name_trgm', attribute: 'name', sub: 'familyName', expression: foldedName('familyName') },
  { index: 'scim_resources_given_name_trgm', attribute: 'name', sub: 'givenName', expression: foldedName('givenName') },
  { index: 'scim_resources_formatted_name_trgm', attribute: 'name', sub: 'formatted', expression: foldedName('formatted') },
];

/** The index of the e-mail values' trigrams (migration 9), over {@link foldedEmailsJson}. */
export const EMAILS_TRIGRAM_INDEX = 'scim_resources_emails_trgm';

/**
 * The folded e-mail values of the row named by `row` as the text of a JSON array: every folded
 * address is in it as it is, unless it holds a character JSON escapes (`"`, `\`, a control
 * character). Built-in and immutable, no function of the store: without an index, cheaper per
 * row than the exact test (96 ms against 211 ms over 100,000 rows); only the values, so fewer
 * trigrams to write than the whole `emails` (5,000 rows inserted beside the six indexes: 418 ms
 * against 760 ms; 206 ms without them).
 */
export function foldedEmailsJson(row: string): string {
  return `(jsonb_path_query_array(${row}doc_ci, '$.emails[*].value')::text)`;
}

/** The names of a store without a schema: the tables on the `search_path`. */
export const UNQUALIFIED: TableNames = tableNames();
