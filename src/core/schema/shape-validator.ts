/**
 * A validator for the JSON Schema that json-schema.ts generates (type, format, properties,
 * required, items: nothing else), compiled once into closures. No code is generated from
 * strings, so it runs where `eval` and `new Function` are forbidden (Cloudflare Workers,
 * `node --disallow-code-generation-from-strings`); docs/design.md has the measurements that
 * chose it over ajv.
 * @module
 */

/** A JSON Schema as json-schema.ts writes it. */
export type ShapeSchema = {
  type?: 'string' | 'boolean' | 'integer' | 'number' | 'object' | 'array';
  format?: string;
  properties?: Record<string, ShapeSchema>;
  required?: readonly string[];
  items?: ShapeSchema;
};

/** One problem, in ajv's shape (instancePath is a JSON pointer), so its reporting is shared. */
export interface ShapeError {
  /** Where, as a JSON pointer (`/emails/0/value`). */
  instancePath: string;
  /** The keyword that failed. */
  keyword: 'type' | 'format' | 'required';
  /** The keyword's parameter: the expected type, the format, or the missing property. */
  params: {
    /** The type expected (`type`). */
    type?: string;
    /** The format not matched (`format`). */
    format?: string;
    /** The member missing (`required`). */
    missingProperty?: string;
  };
  /** What is wrong, in words. */
  message: string;
}

/** A compiled validator: true when the data fits; otherwise false, with `errors` set. */
export interface ShapeValidator {
  (data: unknown): boolean;
  /** The problems of the last call (null when it passed). */
  errors: ShapeError[] | null;
}

type Check = (data: unknown, path: string, errors: ShapeError[]) => void;
type Test = (data: unknown) => boolean;

/** A compiled node: a fast test that allocates nothing (valid data, the usual case), and the
 * slow walk that names every problem with its path, run only when the test fails. */
interface Node {
  test: Test;
  collect: Check;
}

const TYPE_TESTS: Record<NonNullable<ShapeSchema['type']>, Test> = {
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  array: (v) => Array.isArray(v),
};

const TYPE_CODES: Record<NonNullable<ShapeSchema['type']>, number> = { string: 1, boolean: 2, integer: 3, number: 4, object: 5, array: 6 };

/** A JSON pointer segment (RFC 6901 §3). */
const segment = (key: string): string => (key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key);

function compileNode(schema: ShapeSchema, formats: Readonly<Record<string, (s: string) => boolean>>): Node {
  const type = schema.type;
  const typeTest = type ? TYPE_TESTS[type] : (v: unknown) => v !== null && typeof v === 'object';
  const format = schema.format;
  const formatTest = format === undefined ? undefined : formats[format];
  if (format !== undefined && !formatTest) throw new TypeError(`unknown format ${format}`);
  const required = schema.required ?? [];
  const keys = Object.keys(schema.properties ?? {});
  const segments = keys.map(segment);
  const children = keys.map((k) => compileNode(schema.properties![k]!, formats));
  const item = schema.items ? compileNode(schema.items, formats) : undefined;
  const byKey = new Map(keys.map((k, i) => [k, children[i]!]));

  const code = type ? TYPE_CODES[type] : 0;
  const test: Test = (data) => {
    // the type test inline (one call site calling six different functions is slow)
    switch (code) {
      case 1:
        if (typeof data !== 'string') return false;
        break;
      case 2:
        return typeof data === 'boolean';
      case 3:
        return typeof data === 'number' && Number.isInteger(data);
      case 4:
        return typeof data === 'number' && Number.isFinite(data);
      case 5:
        if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
        break;
      case 6:
        if (!Array.isArray(data)) return false;
        break;
      default:
        if (data === null || typeof data !== 'object') return true;
    }
    if (formatTest && typeof data === 'string' && !formatTest(data)) return false;
    if (required.length || children.length) {
      const o = data as Record<string, unknown>;
      // own members only: a schema attribute named like an Object.prototype member ("constructor") is not inherited
      for (let i = 0; i < required.length; i++) if (!Object.hasOwn(o, required[i]!) || o[required[i]!] === undefined) return false;
      // the data's own keys (fewer than the schema's, usually), each looked up once
      if (children.length) {
        for (const k in o) {
          const child = byKey.get(k);
          if (child !== undefined) {
            const v = o[k];
            if (v !== undefined && !child.test(v)) return false;
          }
        }
      }
    }
    if (item) {
      const a = data as unknown[];
      for (let i = 0; i < a.length; i++) if (!item.test(a[i])) return false;
    }
    return true;
  };

  // ajv's order: the type (a value of the wrong type gets that one error), the format,
  // required, then properties in the schema's order, then items
  const collect: Check = (data, path, errors) => {
    if (!typeTest(data)) {
      if (type) errors.push({ instancePath: path, keyword: 'type', params: { type }, message: `must be ${type}` });
      return;
    }
    if (formatTest && typeof data === 'string' && !formatTest(data)) {
      errors.push({ instancePath: path, keyword: 'format', params: { format: format! }, message: `must match format "${format}"` });
    }
    const o = data as Record<string, unknown>;
    for (const p of required)
      if (!Object.hasOwn(o, p) || o[p] === undefined)
        errors.push({ instancePath: path, keyword: 'required', params: { missingProperty: p }, message: `must have required property '${p}'` });
    for (let i = 0; i < children.length; i++) {
      const v = Object.hasOwn(o, keys[i]!) ? o[keys[i]!] : undefined;
      if (v !== undefined && !children[i]!.test(v)) children[i]!.collect(v, `${path}/${segments[i]}`, errors);
    }
    if (item) {
      const a = data as unknown[];
      for (let i = 0; i < a.length; i++) if (!item.test(a[i])) item.collect(a[i], `${path}/${i}`, errors);
    }
  };
  return { test, collect };
}

/** Compiles a schema once; `formats` are the string formats it may name. */
export function compileShape(schema: ShapeSchema, formats: Readonly<Record<string, (s: string) => boolean>>): ShapeValidator {
  const root = compileNode(schema, formats);
  const validate = ((data: unknown) => {
    if (root.test(data)) {
      validate.errors = null;
      return true;
    }
    const errors: ShapeError[] = [];
    root.collect(data, '', errors);
    validate.errors = errors;
    return false;
  }) as ShapeValidator;
  validate.errors = null;
  return validate;
}
