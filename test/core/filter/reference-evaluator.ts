// A deliberately plain evaluator, written from RFC 7644 §3.4.2.2 without sharing code with
// src/core/filter/compile.ts, for the property test that the two agree. Slow is fine here.
import type { Filter, Literal } from '../../../src/store-kit.js';

type Kind = 'string' | 'caseExact' | 'boolean' | 'dateTime' | 'complexMulti';
// The attributes the generators use, with their kinds (the test is about these only).
export const KINDS: Record<string, Kind> = {
  userName: 'string',
  displayName: 'string',
  externalId: 'caseExact',
  active: 'boolean',
  'name.familyName': 'string',
  'meta.lastModified': 'dateTime',
  emails: 'complexMulti',
  'emails.value': 'string',
  'emails.type': 'string',
  'emails.primary': 'boolean',
};

function valuesAt(obj: Record<string, unknown>, path: string): unknown[] {
  const out: unknown[] = [];
  const [head, tail] = path.split('.') as [string, string | undefined];
  let v = obj[head];
  if (v === undefined || v === null) return out;
  const list = Array.isArray(v) ? v : [v];
  for (const item of list) {
    if (tail === undefined) out.push(item);
    else if (item && typeof item === 'object') {
      v = (item as Record<string, unknown>)[tail];
      if (Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
  }
  return out.filter((x) => x !== undefined && x !== null);
}

function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.some(nonEmpty);
  if (typeof v === 'object') return Object.values(v as object).some(nonEmpty);
  return true;
}

function test(kind: Kind, op: string, actual: unknown, lit: Literal): boolean {
  if (kind === 'boolean') return actual === lit;
  if (typeof actual !== 'string' || typeof lit !== 'string') return false;
  if (kind === 'dateTime') {
    const a = new Date(actual).getTime();
    const b = new Date(lit).getTime();
    return op === 'eq' ? a === b : op === 'gt' ? a > b : op === 'ge' ? a >= b : op === 'lt' ? a < b : op === 'le' ? a <= b : false;
  }
  const a = kind === 'caseExact' ? actual : actual.toLowerCase();
  const b = kind === 'caseExact' ? lit : lit.toLowerCase();
  switch (op) {
    case 'eq':
      return a === b;
    case 'co':
      return a.indexOf(b) !== -1;
    case 'sw':
      return a.slice(0, b.length) === b;
    case 'ew':
      return b.length === 0 || a.slice(-b.length) === b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
  return false;
}

export function referenceMatch(f: Filter, obj: Record<string, unknown>, prefix = ''): boolean {
  switch (f.op) {
    case 'and':
      return f.filters.every((x) => referenceMatch(x, obj, prefix));
    case 'or':
      return f.filters.some((x) => referenceMatch(x, obj, prefix));
    case 'not':
      return !referenceMatch(f.filter, obj, prefix);
    case 'valuePath': {
      const elements = obj[f.attr.name];
      return (
        Array.isArray(elements) &&
        elements.some((el) => el && typeof el === 'object' && referenceMatch(f.filter, el as Record<string, unknown>, `${f.attr.name}.`))
      );
    }
    case 'pr': {
      const path = f.attr.sub ? `${f.attr.name}.${f.attr.sub}` : f.attr.name;
      return valuesAt(obj, path).some(nonEmpty);
    }
    default: {
      let path = f.attr.sub ? `${f.attr.name}.${f.attr.sub}` : f.attr.name;
      let kind = KINDS[prefix + path]!;
      if (kind === 'complexMulti') {
        path = `${path}.value`;
        kind = KINDS[prefix + path]!;
      }
      if (f.value === null) {
        const has = valuesAt(obj, path).some(nonEmpty);
        return f.op === 'eq' ? !has : has;
      }
      const any = valuesAt(obj, path).some((v) => test(kind, f.op === 'ne' ? 'eq' : f.op, v, f.value));
      return f.op === 'ne' ? !any : any;
    }
  }
}
