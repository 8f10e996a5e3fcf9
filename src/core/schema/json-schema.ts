/**
 * SCIM attribute definitions → JSON Schema, compiled once per resource type (shape-validator.ts).
 * JSON Schema checks the types and shapes; what it cannot say (case-insensitive
 * names, mutability, primary, uniqueness) is done in validate.ts around it.
 * @module
 */
import type { ScimProblem } from '../errors.js';
import type { AttributeDefinition } from './attribute.js';
import type { ResourceType } from './registry.js';
import { compileShape, type ShapeError, type ShapeSchema, type ShapeValidator } from './shape-validator.js';

type JsonSchema = Record<string, unknown>;

/** xsd:dateTime (RFC 7643 §2.3.5): a date, a time, optional fraction, optional zone; the instant must exist. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;
/** base64 per RFC 4648 §4, as RFC 7643 §2.3.6 asks for binary. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Whether a string is an xsd:dateTime naming a real instant, years 0001–9999 (what every
 * store can hold: PostgreSQL has no year 0). Each field is checked: `Date.parse` alone rolls
 * February 30th over into March.
 */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > 14 || Number(m[10]) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

function valueSchema(attr: AttributeDefinition, withRequired: boolean): JsonSchema {
  switch (attr.type) {
    case 'string':
    case 'reference':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer' };
    case 'decimal':
      return { type: 'number' };
    case 'dateTime':
      return { type: 'string', format: 'scim-datetime' };
    case 'binary':
      return { type: 'string', format: 'scim-binary' };
    case 'complex':
      return objectSchema(attr.subAttributes ?? [], withRequired);
  }
}

function attributeSchema(attr: AttributeDefinition, withRequired: boolean): JsonSchema {
  const single = valueSchema(attr, withRequired);
  return attr.multiValued ? { type: 'array', items: single } : single;
}

function objectSchema(attrs: readonly AttributeDefinition[], withRequired: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const a of attrs) {
    properties[a.name] = attributeSchema(a, withRequired);
    if (withRequired && a.required && a.mutability !== 'readOnly') required.push(a.name);
  }
  return required.length ? { type: 'object', properties, required } : { type: 'object', properties };
}

/** The JSON Schema of a resource type, for canonically named input; `withRequired` for create/replace/patch results. */
export function toJsonSchema(type: ResourceType, withRequired: boolean): JsonSchema {
  const schema = objectSchema(type.schema.attributes, withRequired);
  const properties = schema.properties as Record<string, JsonSchema>;
  properties.schemas = { type: 'array', items: { type: 'string' } };
  properties.id = { type: 'string' };
  properties.externalId = { type: 'string' };
  const required = (schema.required as string[] | undefined) ?? [];
  for (const ext of type.extensions) {
    properties[ext.schema.id] = objectSchema(ext.schema.attributes, withRequired);
    if (withRequired && ext.required) required.push(ext.schema.id);
  }
  if (required.length) schema.required = required;
  return schema;
}

/** The string formats the generated schemas name. */
export const SCIM_FORMATS: Readonly<Record<string, (s: string) => boolean>> = {
  'scim-datetime': isDateTime,
  'scim-binary': (s) => BASE64.test(s),
};

/** A JSON pointer (`/emails/0/value`, `/urn:…:User/manager`) → a SCIM path (`emails[0].value`, `urn:…:User:manager`). */
export function pointerToPath(pointer: string): string {
  let out = '';
  let atUrn = false;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (out === '') out = seg;
    else out += `${atUrn ? ':' : '.'}${seg}`;
    atUrn = out === seg && seg.includes(':');
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  'scim-datetime': 'an xsd:dateTime (e.g. 2024-01-31T12:00:00Z)',
  'scim-binary': 'base64 data',
};

/** Shape errors → SCIM problems that name the attribute path. */
export function shapeProblems(errors: readonly ShapeError[]): ScimProblem[] {
  return errors.map((e) => {
    const at = pointerToPath(e.instancePath);
    switch (e.keyword) {
      case 'required': {
        const missing = String((e.params as { missingProperty: string }).missingProperty);
        const path = at ? `${at}${/^urn:[^.[]+$/i.test(at) ? ':' : '.'}${missing}` : missing;
        return { path, code: 'required', message: `${path} is required` };
      }
      case 'type': {
        const expected = String((e.params as { type: string }).type);
        const word = expected === 'array' ? 'a multi-valued array' : expected === 'object' ? 'a complex object' : `of type ${expected}`;
        return { path: at, code: 'invalidType', message: `${at || 'the resource'} must be ${word}` };
      }
      case 'format': {
        const f = String((e.params as { format: string }).format);
        return { path: at, code: 'invalidFormat', message: `${at} must be ${TYPE_WORDS[f] ?? f}` };
      }
      default:
        return { path: at, code: e.keyword, message: `${at}: ${e.message ?? 'invalid'}` };
    }
  });
}

/** Compiles the validator of a type once and keeps it with the type object. */
export class CompiledSchemas {
  readonly #cache = new WeakMap<ResourceType, { write?: ShapeValidator; read?: ShapeValidator }>();

  /** The compiled validator for requests (`write`, with required) or responses (`read`). */
  get(type: ResourceType, mode: 'write' | 'read'): ShapeValidator {
    let entry = this.#cache.get(type);
    if (!entry) {
      entry = {};
      this.#cache.set(type, entry);
    }
    let fn = entry[mode];
    if (!fn) {
      fn = compileShape(toJsonSchema(type, mode === 'write') as ShapeSchema, SCIM_FORMATS);
      entry[mode] = fn;
    }
    return fn;
  }
}
