/**
 * What every store can hold (the same rule for MemoryStore and PostgresStore): a string
 * with no NUL character (PostgreSQL's text and JSONB refuse it) and no lone surrogate (not
 * UTF-8). Validation refuses anything else as 400 naming the attribute, and the filter
 * parser refuses it in literals, so no store ever answers 500 to what validation accepted.
 * @module
 */

/** Whether every store can hold this string: no NUL, and well-formed UTF-16 (no lone surrogate). */
export function isStorableString(value: string): boolean {
  return !value.includes('\u0000') && (value as string & { isWellFormed(): boolean }).isWellFormed();
}
