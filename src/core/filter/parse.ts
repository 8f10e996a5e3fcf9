/**
 * A hand-written, linear-time parser for SCIM filters (RFC 7644 §3.4.2.2 Figure 1)
 * and PATCH paths (RFC 7644 §3.5.2). Every malformed input gets a positioned error.
 * @module
 */
import { excerpt, ScimError } from '../errors.js';
import { isStorableString } from '../schema/storable.js';
import type { AttrPath, CompareOp, Filter, Literal } from './ast.js';

/** Limits of {@link parseFilter}. */
export interface FilterParseOptions {
  /** The longest filter accepted, in characters (default 8192). */
  maxLength?: number;
  /** The deepest nesting of parentheses, `not` and value paths (default 32). */
  maxDepth?: number;
}

/** The operators keyed by their two lower-cased character codes. */
const OPERATORS = new Map<number, CompareOp | 'pr'>(
  (['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le', 'pr'] as const).map((op) => [(op.charCodeAt(0) << 8) | op.charCodeAt(1), op]),
);

/** ATTRNAME (RFC 7644 §3.10) between two offsets: ALPHA *(ALPHA / DIGIT / "-" / "_"), or `$ref`. */
function validName(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  const first = text.charCodeAt(from);
  if (first === 36) return to - from === 4 && text.startsWith('$ref', from);
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90))) return false;
  for (let i = from + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
function isWordChar(c: number): boolean {
  // letters, digits, and - _ . : $ (URNs and $ref)
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 46 || c === 58 || c === 36;
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The parser state over one text; shared by filters and PATCH paths. */
export class FilterParser {
  readonly #text: string;
  readonly #maxDepth: number;
  readonly #error: (detail: string) => ScimError;
  #pos = 0;
  #depth = 0;

  /** A parser over `text`; `error` builds the ScimError (invalidFilter or invalidPath). */
  constructor(text: string, maxDepth: number, error: (detail: string) => ScimError) {
    this.#text = text;
    this.#maxDepth = maxDepth;
    this.#error = error;
  }

  /** Where the parser stands. */
  get position(): number {
    return this.#pos;
  }

  /** Fails at the current position, saying what was expected. */
  fail(expected: string, at = this.#pos): never {
    const rest = this.#text.slice(at);
    const found = rest.length ? `found ${excerpt(rest, 20)}` : 'found the end of the filter';
    throw this.#error(`at position ${at}: expected ${expected}, ${found}`);
  }

  /** Skips white space. */
  skipSpace(): void {
    while (this.#pos < this.#text.length && isSpace(this.#text.charCodeAt(this.#pos))) this.#pos++;
  }

  /** Whether the whole text is consumed. */
  atEnd(): boolean {
    return this.#pos >= this.#text.length;
  }

  /** The character code at the current position (NaN at the end). */
  peek(): number {
    return this.#text.charCodeAt(this.#pos);
  }

  /** Consumes one expected character. */
  expect(ch: string, what = `"${ch}"`): void {
    if (this.#text[this.#pos] !== ch) this.fail(what);
    this.#pos++;
  }

  #word(): string {
    const start = this.#pos;
    while (this.#pos < this.#text.length && isWordChar(this.#text.charCodeAt(this.#pos))) this.#pos++;
    return this.#text.slice(start, this.#pos);
  }

  /** Consumes `keyword` (lower-case letters) in any case when a space or `(` follows it. */
  #keyword(keyword: string): boolean {
    const text = this.#text;
    const at = this.#pos;
    for (let k = 0; k < keyword.length; k++) if ((text.charCodeAt(at + k) | 0x20) !== keyword.charCodeAt(k)) return false;
    const next = text.charCodeAt(at + keyword.length);
    if (!(isSpace(next) || next === 40)) return false;
    this.#pos = at + keyword.length;
    return true;
  }

  /** Reads `[uri ":"] name ["." sub]`, scanning once: no regular expressions on the hot path. */
  attrPath(): AttrPath {
    const text = this.#text;
    const start = this.#pos;
    let colon = -1;
    let dot = -1;
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (!isWordChar(c)) break;
      if (c === 58) {
        colon = i;
        dot = -1;
      } else if (c === 46 && dot < 0) dot = i;
    }
    if (i === start) this.fail('an attribute path');
    const nameStart = Math.max(colon + 1, start);
    const nameEnd = dot >= 0 ? dot : i;
    if (!validName(text, nameStart, nameEnd) || (dot >= 0 && !validName(text, dot + 1, i))) {
      this.fail('an attribute path such as name.givenName or urn:…:User:userName', start);
    }
    this.#pos = i;
    const out: AttrPath = { name: text.slice(nameStart, nameEnd) };
    if (colon >= start) out.uri = text.slice(start, colon);
    if (dot >= 0) out.sub = text.slice(dot + 1, i);
    return out;
  }

  /** Reads a sub-attribute name after `].`. */
  subAttribute(): string {
    const start = this.#pos;
    const word = this.#word();
    if (!validName(word, 0, word.length)) this.fail('a sub-attribute name', start);
    return word;
  }

  #enter(): void {
    if (++this.#depth > this.#maxDepth) throw this.#error(`at position ${this.#pos}: nesting deeper than ${this.#maxDepth} levels`);
  }

  /** FILTER = or-expression. `inValuePath` forbids nested value paths (RFC 7644 valFilter). */
  or(inValuePath: boolean): Filter {
    return this.#chain('or', () => this.and(inValuePath));
  }

  /** and-expression: binds tighter than or. */
  and(inValuePath: boolean): Filter {
    return this.#chain('and', () => this.unary(inValuePath));
  }

  /** `operand (keyword operand)*`, flattened into one node; the keyword needs space before it. */
  #chain(keyword: 'and' | 'or', operand: () => Filter): Filter {
    const first = operand();
    const filters = [first];
    for (;;) {
      const save = this.#pos;
      this.skipSpace();
      if (this.#pos > save && this.#keyword(keyword)) {
        this.skipSpace();
        filters.push(operand());
      } else {
        this.#pos = save;
        break;
      }
    }
    return filters.length === 1 ? first : { op: keyword, filters };
  }

  /** `not (…)`, `(…)`, a value path or an attribute expression. */
  unary(inValuePath: boolean): Filter {
    this.skipSpace();
    if (this.#keyword('not')) {
      this.skipSpace();
      if (this.peek() !== 40) this.fail('"(" after not');
      return { op: 'not', filter: this.#group(inValuePath) };
    }
    if (this.peek() === 40) return this.#group(inValuePath);
    const attr = this.attrPath();
    if (this.peek() === 91) {
      if (inValuePath) this.fail('a comparison (value filters cannot nest)');
      if (attr.sub !== undefined) this.fail('a value filter on a complex attribute, not on a sub-attribute');
      this.#pos++;
      this.#enter();
      this.skipSpace();
      const inner = this.or(true);
      this.skipSpace();
      this.expect(']', '"]" or a logical operator');
      this.#depth--;
      if (this.peek() === 46) {
        this.#pos++;
        const sub = this.subAttribute();
        const cmp = this.#comparison({ name: sub });
        return { op: 'valuePath', attr, filter: { op: 'and', filters: [inner, cmp] } };
      }
      return { op: 'valuePath', attr, filter: inner };
    }
    return this.#comparison(attr);
  }

  #group(inValuePath: boolean): Filter {
    this.expect('(');
    this.#enter();
    this.skipSpace();
    const inner = this.or(inValuePath);
    this.skipSpace();
    this.expect(')', '")" or a logical operator');
    this.#depth--;
    return inner;
  }

  #comparison(attr: AttrPath): Filter {
    const before = this.#pos;
    this.skipSpace();
    if (this.#pos === before) this.fail('a space and an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)');
    const text = this.#text;
    const at = this.#pos;
    const op = OPERATORS.get(((text.charCodeAt(at) | 0x20) << 8) | (text.charCodeAt(at + 1) | 0x20));
    if (op === undefined || isWordChar(text.charCodeAt(at + 2))) this.fail('an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)', at);
    this.#pos = at + 2;
    if (op === 'pr') return { op: 'pr', attr };
    const afterOp = this.#pos;
    this.skipSpace();
    if (this.#pos === afterOp) this.fail('a space and a value');
    return { op, attr, value: this.literal() };
  }

  /** A JSON string, number, true, false or null. */
  literal(): Literal {
    const c = this.peek();
    if (c === 34) return this.#string();
    if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = this.#pos;
      const m = NUMBER.exec(this.#text);
      if (!m) this.fail('a number');
      this.#pos += m[0].length;
      if (this.#pos < this.#text.length && isWordChar(this.peek())) this.fail('a space, ")" or "]" after the number');
      return Number(m[0]);
    }
    const start = this.#pos;
    const word = this.#word().toLowerCase();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    return this.fail('a value: a "string", a number, true, false or null', start);
  }

  #string(): string {
    const start = this.#pos;
    const text = this.#text;
    this.#pos++;
    let out = '';
    let run = this.#pos;
    for (;;) {
      if (this.#pos >= text.length) throw this.#error(`at position ${start}: the string that starts here is not closed`);
      const c = text.charCodeAt(this.#pos);
      if (c === 34) {
        out += text.slice(run, this.#pos);
        this.#pos++;
        if (!isStorableString(out)) throw this.#error(`at position ${start}: the string holds a NUL character or a lone surrogate, which no store can hold`);
        return out;
      }
      if (c < 32) throw this.#error(`at position ${this.#pos}: a control character must be escaped inside a string`);
      if (c === 92) {
        out += text.slice(run, this.#pos);
        const e = text[this.#pos + 1];
        if (e === 'u') {
          const hex = text.slice(this.#pos + 2, this.#pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.#error(`at position ${this.#pos}: \\u must be followed by four hex digits`);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.#pos += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          this.#pos += 2;
        } else throw this.#error(`at position ${this.#pos}: invalid escape in string`);
        run = this.#pos;
        continue;
      }
      this.#pos++;
    }
  }
}

function checkLength(text: unknown, max: number, error: (d: string) => ScimError): asserts text is string {
  if (typeof text !== 'string') throw error('the filter must be a string');
  if (text.length > max) throw error(`the filter is ${text.length} characters long; the limit is ${max}`);
}

/**
 * Parses a SCIM filter into a {@link Filter} tree, in time linear in its length.
 * Malformed input throws a 400 `invalidFilter` whose detail gives the position and what was expected.
 */
export function parseFilter(text: string, options: FilterParseOptions = {}): Filter {
  const error = (d: string) => ScimError.invalidFilter(d);
  checkLength(text, options.maxLength ?? 8192, error);
  const p = new FilterParser(text, options.maxDepth ?? 32, error);
  p.skipSpace();
  if (p.atEnd()) throw error('the filter is empty');
  const f = p.or(false);
  p.skipSpace();
  if (!p.atEnd()) p.fail('"and", "or" or the end of the filter');
  return f;
}
