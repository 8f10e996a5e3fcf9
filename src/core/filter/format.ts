/**
 * Filter tree → canonical text that parses back to the same tree.
 * @module
 */
import { type Filter, formatAttrPath, type Literal } from './ast.js';

function literal(v: Literal): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function operand(f: Filter): string {
  return f.op === 'and' || f.op === 'or' ? `(${formatFilter(f)})` : formatFilter(f);
}

/** Formats a filter as canonical text: lower-case operators, JSON literals, logical operands in parentheses. */
export function formatFilter(f: Filter): string {
  switch (f.op) {
    case 'pr':
      return `${formatAttrPath(f.attr)} pr`;
    case 'and':
    case 'or':
      return f.filters.map(operand).join(` ${f.op} `);
    case 'not':
      return `not (${formatFilter(f.filter)})`;
    case 'valuePath':
      return `${formatAttrPath(f.attr)}[${formatFilter(f.filter)}]`;
    default:
      return `${formatAttrPath(f.attr)} ${f.op} ${literal(f.value)}`;
  }
}
