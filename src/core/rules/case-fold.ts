/**
 * The one case-folding rule (RFC 7643 §2.1: an attribute that is not caseExact compares
 * case-insensitively): filters, sort, the equality rule, MemoryStore's indexes and the folded
 * copies PostgresStore keeps all compare `foldCase` of both sides. Computed here, in
 * JavaScript, never by a database's `lower()`, whose result depends on the database's
 * locale (docs/filters.md, "Case").
 * @module
 */
import type { AttributeDefinition } from '../schema/attribute.js';

const NON_ASCII = /[^\p{ASCII}]/u;
/** What upper-then-lower casing leaves different from Unicode's case folding (CaseFolding.txt, status C and F). */
const AFTER_ROUND_TRIP = /[ßς\u13f8-\u13fd\uab70-\uabbf]/g;

function afterRoundTrip(c: string): string {
  if (c === 'ß') return 'ss'; // ẞ (U+1E9E) comes back from upper-then-lower as ß
  if (c === 'ς') return 'σ'; // the final form toLowerCase gives a Σ at the end of a word
  const cp = c.charCodeAt(0);
  // Cherokee folds to its capitals (the small letters came later, Unicode 8)
  return String.fromCharCode(cp >= 0xab70 ? cp - 0xab70 + 0x13a0 : cp - 8);
}

function foldSegment(s: string): string {
  // upper-then-lower is context-free but for the final sigma, which afterRoundTrip undoes
  return s.toUpperCase().toLowerCase().replace(AFTER_ROUND_TRIP, afterRoundTrip);
}

/**
 * The case-folded form of a string: Unicode's default full case folding (CaseFolding.txt,
 * statuses C and F, as Python's `str.casefold()`) of its NFC form. The same on every
 * machine, store and database locale: `"İnci"` → `"i̇nci"` (i and a combining dot), `"ΣΟΦΟΣ"`
 * and `"σοφος"` → `"σοφοσ"`, `"Straße"` and `"STRASSE"` → `"strasse"`, `"Émile"` composed or
 * decomposed → `"émile"`. Per character, so a folded part of a string is a part of the folded
 * string (`co`, `sw`, `ew` on folded values). ASCII takes a fast path (`toLowerCase`).
 *
 * Not a look-alike rule: full-width letters, zero-width characters and the dotless ı stay
 * distinct here; uniqueness and account linking use {@link identityKey}, which folds those too.
 *
 * @example
 * ```ts
 * import { foldCase } from 'scimkit';
 *
 * foldCase('ÅSTRÖM') === foldCase('åström'); // true
 * ```
 */
export function foldCase(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  const nfc = text.normalize('NFC');
  // the dotless ı folds to itself, while upper-then-lower would make it an i
  return nfc.includes('ı') ? nfc.split('ı').map(foldSegment).join('ı') : foldSegment(nfc);
}

/**
 * Whether an attribute's string values compare case-folded ({@link foldCase}): strings and
 * references that are not caseExact. Binary values never do (base64 is case-sensitive; RFC
 * 7643 §2.3.6 makes binary case exact), nor do dateTimes (compared as instants) or the other
 * types. Every comparison of the core and every store asks this one question.
 */
export function foldsCase(attribute: AttributeDefinition): boolean {
  return !attribute.caseExact && (attribute.type === 'string' || attribute.type === 'reference');
}
