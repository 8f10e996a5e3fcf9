/**
 * The brief forms of a request the activity record keeps: its filter and its PATCH operations,
 * cut short (a record stays small whatever the client sent).
 * @module
 */

/** The longest text field a record keeps (filter, PATCH summary, detail, path, User-Agent). */
export const MAX_TEXT = 300;

/**
 * `text` cut to `max` characters, with an ellipsis when cut: a string of its own. V8 keeps a
 * slice or a split part of 13 characters or more as a view of the whole string it came from,
 * so a record keeping 200 characters of a client's 15,000-character path would keep all of
 * it; concatenating and slicing again makes V8 copy the characters (measured: 2,000 records
 * of such paths held 30 MB, with the copy 1 MB).
 */
export function truncate(text: string, max = MAX_TEXT): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return cut.length < 13 ? cut : ` ${cut}`.slice(1);
}

/** How many values a PATCH value carries, for `add members (2)`. */
function countOf(value: unknown): string {
  if (Array.isArray(value)) return ` (${value.length})`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length ? ` {${truncate(keys.join(', '), 80)}}` : '';
  }
  return '';
}

/**
 * A PatchOp body in brief: `replace active; add members (2); remove members[value eq "…"]`,
 * in the client's own op names (Entra sends `Replace`), at most 50 operations and
 * {@link MAX_TEXT} characters. Undefined when the body is no PatchOp.
 */
export function patchSummary(body: unknown): string | undefined {
  const ops = (body as { Operations?: unknown } | null | undefined)?.Operations;
  if (!Array.isArray(ops)) return undefined;
  const parts: string[] = [];
  for (const op of ops.slice(0, 50)) {
    if (op === null || typeof op !== 'object') {
      parts.push('?');
      continue;
    }
    const o = op as { op?: unknown; path?: unknown; value?: unknown };
    const name = typeof o.op === 'string' ? truncate(o.op, 20) : '?';
    const path = typeof o.path === 'string' ? ` ${truncate(o.path, 120)}` : '';
    parts.push(`${name}${path}${countOf(o.value)}`);
  }
  if (ops.length > 50) parts.push(`… ${ops.length - 50} more`);
  return truncate(parts.join('; '));
}

/** Whether a PatchOp names its operations as Entra ID does without `aadOptscim062020` (`Replace`, `Add`). */
export function capitalisedOps(body: unknown): boolean {
  const ops = (body as { Operations?: unknown } | null | undefined)?.Operations;
  return Array.isArray(ops) && ops.some((o) => typeof (o as { op?: unknown } | null)?.op === 'string' && /^[A-Z]/.test((o as { op: string }).op));
}
