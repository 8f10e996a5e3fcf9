/**
 * Identity keys: when two strings name the same account. Uniqueness (userName, a unique
 * displayName, any unique attribute that is not caseExact) and account linking compare these
 * keys, so a look-alike of a taken name is taken too (docs/design.md, "Identity keys").
 * @module
 */
import type { AttributeDefinition } from '../schema/attribute.js';
import { foldCase, foldsCase } from './case-fold.js';
import { valueKey } from './equality.js';

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
/** The dotless ı and a dot above on an i: İ folds to i + U+0307, which reads as a plain i. */
const TURKIC_I = /ı|(?<=[ijı])\u0307/g;
/** The ideographic full stop, a label separator in IDNA (UTS #46) as the full-width and half-width stops NFKC maps already are. */
const IDEOGRAPHIC_STOP = /\u3002/g;
const TRAILING_DOTS = /\.+$/;

/**
 * The identity key of a name or address: two values are the same identity exactly when their
 * keys are equal. The steps, in order:
 * 1. default-ignorable code points dropped (zero-width spaces and joiners, soft hyphens,
 *    variation selectors: invisible, so never a difference between two names);
 * 2. NFKC (full-width `ＡＤＭＩＮ＠acme.io`, ligatures, composed and decomposed accents);
 * 3. {@link foldCase}, then NFKC again (folding can leave a decomposed sequence);
 * 4. the Turkish i's made one: the dotless `ı` is `i`, and `İ` (folded to i and a combining
 *    dot) is `i`;
 * 5. the ideographic full stop `。` read as `.`, white space trimmed at both ends;
 * 6. for an address (a key with an `@`), trailing dots dropped: `acme.io.` is the fully
 *    qualified spelling of the domain `acme.io`.
 *
 * Look-alikes across scripts (a Cyrillic `а` for a Latin `a`) stay distinct: that needs the
 * confusables data of UTS #39, which scimkit does not ship.
 *
 * @example
 * ```ts
 * import { identityKey } from 'scimkit';
 *
 * identityKey('ＡＤＭＩＮ@Acme.io.') === identityKey('admin@acme.io'); // true
 * // key your own accounts the same way to answer linkAccounts' byEmail
 * ```
 */
export function identityKey(text: string): string {
  let key = foldCase(text.replace(IGNORABLE, '').normalize('NFKC')).normalize('NFKC');
  key = key
    .replace(TURKIC_I, (c) => (c === 'ı' ? 'i' : ''))
    .replace(IDEOGRAPHIC_STOP, '.')
    .trim();
  return key.includes('@') ? key.replace(TRAILING_DOTS, '') : key;
}

/**
 * The key under which a resource holds a value of a unique attribute: two values conflict
 * exactly when their keys are equal. Strings of an attribute that folds case
 * ({@link foldsCase}) by their {@link identityKey}; other strings and references exactly;
 * dateTimes, binary values, numbers and booleans by the equality rule ({@link valueKey}).
 * Undefined for a value that holds no key (absent, null, an object).
 */
export function uniqueKey(attribute: AttributeDefinition, value: unknown): string | undefined {
  if (typeof value === 'string' && (attribute.type === 'string' || attribute.type === 'reference')) return foldsCase(attribute) ? identityKey(value) : value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return valueKey(attribute, value);
  return undefined;
}
