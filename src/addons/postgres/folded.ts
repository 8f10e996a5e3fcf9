/**
 * The folded copies PostgresStore keeps beside each document, so that SQL compares what the
 * core's `foldCase` computed and never calls `lower()` (whose answer depends on the database's
 * locale): `doc_ci`, the `user_name_ci` and `display_name_ci` columns, and the identity keys of
 * `scim_unique`. Also the re-fold of rows that lack them: every row when migration 7 adds them,
 * and after that rows an instance of an earlier version wrote (docs/stores.md, "Case").
 * @module
 */
import type { ScimResource } from 'scimkit';
import { foldCase, identityKey, isObject } from 'scimkit/store-kit';
import type { SqlQueryable } from './sql.js';
import type { TableNames } from './tables.js';

function foldStrings(v: unknown): unknown {
  if (typeof v === 'string') return foldCase(v);
  if (Array.isArray(v)) return v.map(foldStrings);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = foldStrings(v[k]);
    return out;
  }
  return v;
}

/**
 * The folded copy of a stored document (`doc_ci`): every string value folded, keys and other
 * values as they are, so a path means the same in both and an element of an array is at the
 * same place. Of `meta` only `resourceType` (what a group member's `type` is compared by): its
 * version and times move in statements that do not fold, and no filter folds them.
 */
export function foldedDocument(doc: ScimResource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(doc)) {
    if (k !== 'meta') out[k] = foldStrings(doc[k]);
    else if (typeof doc.meta?.resourceType === 'string') out.meta = { resourceType: foldCase(doc.meta.resourceType) };
  }
  return out;
}

/** The folded text of a value for a text column, or NULL. */
export function foldedText(v: unknown): string | null {
  return typeof v === 'string' ? foldCase(v) : null;
}

/** Core attributes that fold case (RFC 7643): their keys re-keyed even when nothing tells from the stored value. */
const FOLDING = new Set(['userName', 'displayName']);

/**
 * The key of a `scim_unique` row as this version writes it, from the key an earlier version
 * wrote (`stored`) and the document's value. Earlier versions kept a folding attribute's key
 * lower-cased (`toLowerCase`) and any other string exactly; the migration knows no schema, so
 * it reads which from the row: a key that is the lower-cased value of a value with upper-case
 * letters was folded, one equal to such a value was exact; userName and displayName fold
 * (RFC 7643). A key of another attribute whose value had no upper-case letters stays as it is.
 * externalId is always exact; values that are not strings keep their keys.
 */
export function rekeyed(attr: string, stored: string, value: unknown): string {
  if (typeof value !== 'string' || attr === 'externalId') return stored;
  const lower = value.toLowerCase();
  if (stored !== lower) return stored; // exact (with upper-case letters), or already an identity key
  if (value !== lower || FOLDING.has(attr)) return identityKey(value);
  return stored;
}

/** Rows re-folded per transaction. */
const BATCH = 500;

type StaleRow = { tenant: string; type: string; id: string; doc: ScimResource; version: string | number };

/**
 * Folds every row whose folded copies are missing or older than its version
 * (`folded_version IS DISTINCT FROM version`: rows of a database before migration 7, and rows
 * an instance of an earlier version inserted or updated), in batches of one transaction each,
 * in key order. A row locked and read at its version gets its folded document and columns and
 * its unique keys re-keyed ({@link rekeyed}); a new key another resource holds already (two
 * look-alike names from before this rule) is left as it was, and both resources stay. Returns
 * how many rows it folded.
 */
export async function refold(q: SqlQueryable, t: TableNames): Promise<number> {
  let after: [string, string, string] = ['', '', ''];
  let folded = 0;
  for (;;) {
    await q.query('BEGIN');
    let rows: StaleRow[];
    try {
      rows = (
        await q.query(
          `SELECT tenant, type, id, doc, version FROM ${t.resources}
           WHERE folded_version IS DISTINCT FROM version AND (tenant, type, id) > ($1, $2, $3)
           ORDER BY tenant, type, id LIMIT ${BATCH} FOR NO KEY UPDATE`,
          after,
        )
      ).rows as StaleRow[];
      if (rows.length) {
        await q.query(
          `UPDATE ${t.resources} r SET doc_ci = b.doc_ci, folded_version = r.version,
             user_name_ci = CASE WHEN r.user_name_ci IS NULL THEN NULL ELSE b.user_name_ci END,
             display_name_ci = CASE WHEN r.display_name_ci IS NULL THEN NULL ELSE b.display_name_ci END
           FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[]) AS b(tenant, type, id, doc_ci, user_name_ci, display_name_ci)
           WHERE r.tenant = b.tenant AND r.type = b.type AND r.id = b.id`,
          [
            rows.map((r) => r.tenant),
            rows.map((r) => r.type),
            rows.map((r) => r.id),
            rows.map((r) => JSON.stringify(foldedDocument(r.doc))),
            rows.map((r) => foldedText(r.doc.userName)),
            rows.map((r) => foldedText(r.doc.displayName)),
          ],
        );
        await rekeyUnique(q, t, rows);
      }
      await q.query('COMMIT');
    } catch (e) {
      await q.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    folded += rows.length;
    const last = rows[rows.length - 1];
    if (!last || rows.length < BATCH) return folded;
    after = [last.tenant, last.type, last.id];
  }
}

/** Re-keys the unique keys of locked rows: the new key inserted where it is free, then the old one deleted. */
async function rekeyUnique(q: SqlQueryable, t: TableNames, rows: StaleRow[]): Promise<void> {
  const byId = new Map(rows.map((r) => [`${r.tenant}\u0000${r.type}\u0000${r.id}`, r]));
  const held = (
    await q.query(
      `SELECT u.tenant, u.type, u.attr, u.value, u.id FROM ${t.unique} u
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS b(tenant, type, id) ON u.tenant = b.tenant AND u.type = b.type AND u.id = b.id`,
      [rows.map((r) => r.tenant), rows.map((r) => r.type), rows.map((r) => r.id)],
    )
  ).rows as { tenant: string; type: string; attr: string; value: string; id: string }[];
  const changes = held
    .map((u) => ({ ...u, next: rekeyed(u.attr, u.value, byId.get(`${u.tenant}\u0000${u.type}\u0000${u.id}`)?.doc[u.attr]) }))
    .filter((u) => u.next !== u.value);
  if (!changes.length) return;
  await q.query(
    `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS k(tenant, type, attr, old, new, id)),
     claimed AS (
       INSERT INTO ${t.unique} (tenant, type, attr, value, id) SELECT tenant, type, attr, new, id FROM k
       ON CONFLICT DO NOTHING RETURNING tenant, type, attr, value
     )
     DELETE FROM ${t.unique} u USING k, claimed c
     WHERE u.tenant = k.tenant AND u.type = k.type AND u.attr = k.attr AND u.value = k.old
       AND c.tenant = k.tenant AND c.type = k.type AND c.attr = k.attr AND c.value = k.new`,
    [
      changes.map((c) => c.tenant),
      changes.map((c) => c.type),
      changes.map((c) => c.attr),
      changes.map((c) => c.value),
      changes.map((c) => c.next),
      changes.map((c) => c.id),
    ],
  );
}
