/**
 * The filter tree of RFC 7644 §3.4.2.2, a discriminated union on `op`.
 * @module
 */

/** An attribute path as written: `[uri ":"] name ["." sub]`, in the client's spelling. */
export interface AttrPath {
  /** The schema URN, when the path was qualified. */
  uri?: string;
  /** The attribute name. */
  name: string;
  /** The sub-attribute name. */
  sub?: string;
}

/** The comparison operators (RFC 7644 Table 3). */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

/** A comparison value: a JSON string, number, boolean or null. */
export type Literal = string | number | boolean | null;

/** `attr op value`. */
export interface CompareFilter {
  /** The operator. */
  op: CompareOp;
  /** The attribute compared. */
  attr: AttrPath;
  /** The literal it is compared with. */
  value: Literal;
}

/** `attr pr`: the attribute has a non-empty value. */
export interface PresentFilter {
  /** Always `pr`. */
  op: 'pr';
  /** The attribute tested. */
  attr: AttrPath;
}

/** `a and b and …` or `a or b or …`, flattened. */
export interface LogicalFilter {
  /** `and` or `or`. */
  op: 'and' | 'or';
  /** Two or more operands. */
  filters: Filter[];
}

/** `not ( filter )`. */
export interface NotFilter {
  /** Always `not`. */
  op: 'not';
  /** The negated filter. */
  filter: Filter;
}

/**
 * `attr[filter]`: one value of a (multi-valued) complex attribute satisfies `filter`,
 * whose paths name sub-attributes. `emails[type eq "work"].value eq "x"` parses to
 * `emails[type eq "work" and value eq "x"]`: one element must satisfy both.
 */
export interface ValuePathFilter {
  /** Always `valuePath`. */
  op: 'valuePath';
  /** The complex attribute. */
  attr: AttrPath;
  /** The filter each value is tested with. */
  filter: Filter;
}

/** A SCIM filter. */
export type Filter = CompareFilter | PresentFilter | LogicalFilter | NotFilter | ValuePathFilter;

/** Formats an attribute path back to text (`urn:…:User:name.givenName`), as error details name it. */
export function formatAttrPath(p: AttrPath): string {
  return `${p.uri !== undefined ? `${p.uri}:` : ''}${p.name}${p.sub !== undefined ? `.${p.sub}` : ''}`;
}

/** Visits every node of a filter, parents before children. */
export function walkFilter(filter: Filter, visit: (node: Filter, parent: Filter | undefined) => void, parent?: Filter): void {
  visit(filter, parent);
  switch (filter.op) {
    case 'and':
    case 'or':
      for (const f of filter.filters) walkFilter(f, visit, filter);
      break;
    case 'not':
    case 'valuePath':
      walkFilter(filter.filter, visit, filter);
      break;
    default:
      break;
  }
}
