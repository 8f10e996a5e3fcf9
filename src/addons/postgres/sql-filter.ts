/**
 * SCIM filter → parameterised SQL over the JSONB document, with the semantics of
 * compileFilter: where the attribute folds case, over the folded copy the store keeps
 * (`doc_ci`, store/postgres/folded.ts) against the literal folded by the core's `foldCase`,
 * never SQL lower() (its answer follows the database's locale); `co`/`sw`/`ew` as escaped LIKE,
 * `pr`, typed compares, `not`/`ne` exact in the presence of NULLs (every predicate is
 * COALESCEd to a boolean), multi-valued attributes and value paths through EXISTS.
 * Values only ever travel as parameters.
 * @module
 */
import { type AttributeDefinition, type ResourceType, ScimError } from 'scimkit';
import {
  type AttrPath,
  type CompareFilter,
  type Filter,
  foldCase,
  foldsCase,
  formatAttrPath,
  isDateTime,
  resolveSortPath,
  subAttribute,
} from 'scimkit/store-kit';
import { type TableNames, UNQUALIFIED } from './tables.js';

/** Collects parameters and returns their placeholders; knows the tables its statement reads. */
export class Params {
  /** The values, in placeholder order. */
  readonly values: unknown[] = [];
  /** The store's tables (its schema's), which member and group look-ups and the e-mail index name. */
  readonly tables: TableNames;
  #aliases = 0;
  /** Comparisons of unknown attributes: `reject` (400) or `noMatch` (false). */
  unknownAttributes: 'reject' | 'noMatch' = 'reject';
  /** Parameters of a statement over the tables `tables` (by default the search_path's). */
  constructor(tables: TableNames = UNQUALIFIED) {
    this.tables = tables;
  }
  /** A placeholder for a value. */
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
  /**
   * A fresh alias for an element set, numbered per statement: the same filter gives the same
   * SQL text every time (statement reuse, one pg_stat_statements entry per query shape).
   */
  alias(): string {
    return `e${++this.#aliases}`;
  }
}

/** A JSON key as a SQL literal; keys come from schema definitions, never from the client. */
function key(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A SQL jsonb expression for a value, and how to reach its elements when multi-valued. */
interface Access {
  def: AttributeDefinition;
  /** jsonb of the single value, or undefined when multi-valued. */
  json?: string;
  /** jsonb of the single value in the folded copy (`doc_ci`), or undefined when multi-valued. */
  folded?: string;
  /**
   * A FROM item producing rows named `e<n>` for multi-valued attributes (then `sub` applies per
   * element): `v`, the element, and `f`, the same element in the folded copy.
   */
  elements?: string;
  alias?: string;
  sub?: string;
  /** An indexed text column equal to the folded value (or the value, where the attribute does not fold), for eq and sw. */
  column?: string;
}

interface Scope {
  /** Whether paths are the resource's (not a value path's elements). */
  top: boolean;
  resolve(path: AttrPath, forPresence: boolean): Access | undefined;
}

/** An unknown attribute: 400, or (noMatch) a comparison that is false, as compileFilter has it. */
function unknownAttribute(label: string, p: Params): string {
  if (p.unknownAttributes === 'noMatch') return 'false';
  throw ScimError.invalidFilter(`${label} is not an attribute of this resource type`);
}

function arrayElements(json: string): string {
  return `jsonb_array_elements(CASE WHEN jsonb_typeof(${json}) = 'array' THEN ${json} ELSE '[]'::jsonb END)`;
}

const COLUMNS: Record<string, string> = { userName: 'r.user_name_ci', externalId: 'r.external_id', displayName: 'r.display_name_ci' };

function typeScope(type: ResourceType, p: Params): Scope {
  return {
    top: true,
    resolve(path, forPresence) {
      const r = type.resolve(path.uri, path.name, path.sub);
      if (!r) return undefined;
      const base = r.extension ? `(r.doc->${key(r.schema)})` : 'r.doc';
      const foldedBase = r.extension ? `(r.doc_ci->${key(r.schema)})` : 'r.doc_ci';
      const attr = r.attribute;
      let sub = r.sub;
      if (!sub && attr.type === 'complex' && !forPresence) {
        sub = attr.multiValued ? subAttribute(attr, 'value') : undefined;
        if (!sub) throw ScimError.invalidFilter(`${r.path} is complex; compare one of its sub-attributes`);
      }
      const def = sub ?? attr;
      if (!r.extension && attr.name === 'members' && type.coreAttribute('members') === attr) {
        const alias = p.alias();
        return {
          def,
          alias,
          ...(sub ? { sub: sub.name } : {}),
          // folded, a member's type is its resource's (the key look-up is left out when nothing reads f)
          elements: `(SELECT m.member || jsonb_build_object('value', m.member_id) AS v, jsonb_build_object('value', m.member_id, 'type', u.doc_ci->'meta'->'resourceType') AS f
            FROM ${p.tables.members} m LEFT JOIN ${p.tables.resources} u ON u.tenant = m.tenant AND u.id = m.member_id WHERE m.tenant = r.tenant AND m.group_id = r.id) ${alias}`,
        };
      }
      if (!r.extension && attr.name === 'groups' && attr.mutability === 'readOnly' && type.coreAttribute('groups') === attr) {
        const alias = p.alias();
        return {
          def,
          alias,
          ...(sub ? { sub: sub.name } : {}),
          elements: `(SELECT jsonb_build_object('value', m.group_id, 'type', 'direct', 'display', g.doc->>'displayName') AS v,
              jsonb_build_object('value', m.group_id, 'type', 'direct', 'display', g.doc_ci->>'displayName') AS f
            FROM ${p.tables.members} m LEFT JOIN ${p.tables.resources} g ON g.tenant = m.tenant AND g.id = m.group_id WHERE m.tenant = r.tenant AND m.member_id = r.id) ${alias}`,
        };
      }
      if (attr.multiValued) {
        const alias = p.alias();
        // each element beside its folded copy, at the same place of the other array
        const zipped = `ROWS FROM (${arrayElements(`${base}->${key(attr.name)}`)}, ${arrayElements(`${foldedBase}->${key(attr.name)}`)}) AS ${alias}(v, f)`;
        return { def, alias, ...(sub ? { sub: sub.name } : {}), elements: zipped };
      }
      const at = sub ? `->${key(attr.name)}->${key(sub.name)}` : `->${key(attr.name)}`;
      const access: Access = { def, json: `${base}${at}`, folded: `${foldedBase}${at}` };
      if (!r.extension && !sub && r.schema === type.schema.id) {
        if (attr.name === 'id') access.column = 'r.id';
        else if (COLUMNS[attr.name]) access.column = COLUMNS[attr.name];
      }
      return access;
    },
  };
}

function elementScope(parent: AttributeDefinition, alias: string): Scope {
  return {
    top: false,
    resolve(path, forPresence) {
      if (path.uri !== undefined) return undefined;
      const attr = subAttribute(parent, path.name);
      if (!attr) return undefined;
      let sub: AttributeDefinition | undefined;
      if (path.sub !== undefined) {
        sub = subAttribute(attr, path.sub);
        if (!sub) return undefined;
      } else if (attr.type === 'complex' && !forPresence) {
        sub = attr.multiValued ? subAttribute(attr, 'value') : undefined;
        if (!sub) throw ScimError.invalidFilter(`${parent.name}.${attr.name} is complex; compare one of its sub-attributes`);
      }
      const at = sub ? `->${key(attr.name)}->${key(sub.name)}` : `->${key(attr.name)}`;
      return { def: sub ?? attr, json: `${alias}.v${at}`, folded: `${alias}.f${at}` };
    },
  };
}

/** `pr` as compileFilter defines it: not missing, null, "", [] or an object with nothing present (SCIM complex values are one level deep). */
function present(json: string): string {
  return `COALESCE(CASE jsonb_typeof(${json})
    WHEN 'object' THEN EXISTS (SELECT 1 FROM jsonb_each(${json}) kv WHERE kv.value NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))
    WHEN 'array' THEN jsonb_array_length(${json}) > 0
    WHEN 'string' THEN ${json} <> '""'::jsonb
    WHEN 'null' THEN false
    ELSE ${json} IS NOT NULL END, false)`;
}

/**
 * The test of one value (jsonb expression `j`, its folded copy `jf`, or text column `col`)
 * against a comparison.
 */
function compareValue(f: CompareFilter, def: AttributeDefinition, j: string, jf: string, col: string | undefined, p: Params, label: string): string {
  const { op, value: lit } = f;
  const ordering = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  const substring = op === 'co' || op === 'sw' || op === 'ew';
  const sqlOp = op === 'gt' ? '>' : op === 'ge' ? '>=' : op === 'lt' ? '<' : op === 'le' ? '<=' : '=';
  const text = `(${j} #>> '{}')`; // jsonb scalar → text
  const isString = `jsonb_typeof(${j}) = 'string'`;
  switch (def.type) {
    case 'boolean':
      if (typeof lit !== 'boolean') throw ScimError.invalidFilter(`${label} is a boolean; compare it with true or false`);
      if (op !== 'eq' && op !== 'ne') throw ScimError.invalidFilter(`${label} is of type boolean; operator ${op} does not apply to it`);
      return `${j} = ${p.add(JSON.stringify(lit))}::jsonb`;
    case 'integer':
    case 'decimal':
      if (typeof lit !== 'number') throw ScimError.invalidFilter(`${label} is a number; compare it with a number`);
      if (substring) throw ScimError.invalidFilter(`${label} is of type ${def.type}; operator ${op} does not apply to it`);
      return `(jsonb_typeof(${j}) = 'number' AND (${j})::numeric ${sqlOp} ${p.add(lit)}::numeric)`;
    case 'dateTime':
      if (typeof lit !== 'string') throw ScimError.invalidFilter(`${label} is a dateTime; compare it with a "string"`);
      if (!substring) {
        if (!isDateTime(lit)) throw ScimError.invalidFilter(`${label} is a dateTime; ${JSON.stringify(lit.slice(0, 40))} is not an xsd:dateTime`);
        return `(${isString} AND (${text})::timestamptz ${sqlOp} ${p.add(lit)}::timestamptz)`;
      }
      break;
    default:
      if (typeof lit !== 'string') throw ScimError.invalidFilter(`${label} is a string; compare it with a "string"`);
      if (ordering && def.type === 'binary') throw ScimError.invalidFilter(`${label} is of type binary; operator ${op} does not apply to it`);
  }
  const s = lit as string;
  // folded values against the folded literal; binary values and dateTimes never fold
  const fold = foldsCase(def);
  const want = fold ? foldCase(s) : s;
  const source = fold ? jf : j;
  const v = col && (op === 'eq' || op === 'ne' || op === 'sw') ? col : `(${source} #>> '{}')`;
  const guard = col && v === col ? `${col} IS NOT NULL` : `jsonb_typeof(${source}) = 'string'`;
  switch (op) {
    case 'co':
      return `(${guard} AND ${v} LIKE ${p.add(`%${escapeLike(want)}%`)})`;
    case 'sw':
      return `(${guard} AND ${v} LIKE ${p.add(`${escapeLike(want)}%`)})`;
    case 'ew':
      return `(${guard} AND ${v} LIKE ${p.add(`%${escapeLike(want)}`)})`;
    default:
      return `(${guard} AND ${v} ${ordering ? `${sqlOp} ${p.add(want)} COLLATE "C"` : `= ${p.add(want)}`})`;
  }
}

/** The ids of `value eq "x"` (or an `or` of them) on a members element, else undefined. */
function memberIds(f: Filter): string[] | undefined {
  if (f.op === 'eq' && typeof f.value === 'string' && f.attr.uri === undefined && f.attr.sub === undefined && f.attr.name.toLowerCase() === 'value')
    return [f.value];
  if (f.op !== 'or') return undefined;
  const out: string[] = [];
  for (const x of f.filters) {
    const ids = memberIds(x);
    if (!ids) return undefined;
    out.push(...ids);
  }
  return out;
}

function memberSemiJoin(ids: string[], p: Params, tenant: string): string {
  return `r.id IN (SELECT m.group_id FROM ${p.tables.members} m WHERE m.tenant = ${tenant} AND m.member_id = ANY(${p.add(ids)}::text[]))`;
}

/** The string `value eq` of a value filter, at its top or in a top-level `and`, else undefined. */
function valueEquals(f: Filter): string | undefined {
  if (f.op === 'eq' && typeof f.value === 'string' && f.attr.uri === undefined && f.attr.sub === undefined && f.attr.name.toLowerCase() === 'value')
    return f.value;
  if (f.op === 'and') for (const x of f.filters) if (valueEquals(x) !== undefined) return valueEquals(x);
  return undefined;
}

/**
 * For `emails.value eq "x"` and `emails[… value eq "x" …]` on a type with core `emails`: a
 * necessary condition the GIN index of migration 7 (over the folded addresses) answers, ANDed
 * before the exact test.
 */
function emailIndexed(f: Filter, scope: Scope, p: Params): string | undefined {
  if (!scope.top || (f.op !== 'eq' && f.op !== 'valuePath') || f.attr.uri !== undefined || f.attr.name.toLowerCase() !== 'emails') return undefined;
  // the core attribute only: the index reads r.doc->'emails'
  if (!scope.resolve({ name: 'emails' }, true)?.elements?.includes(`r.doc->'emails'`)) return undefined;
  const v =
    f.op === 'valuePath'
      ? f.attr.sub === undefined
        ? valueEquals(f.filter)
        : undefined
      : f.op === 'eq' && typeof f.value === 'string' && (f.attr.sub === undefined || f.attr.sub.toLowerCase() === 'value')
        ? f.value
        : undefined;
  return v === undefined ? undefined : `${p.tables.emailsFolded}(r.doc_ci) @> ARRAY[${p.add(foldCase(v))}]::text[]`;
}

function node(f: Filter, scope: Scope, p: Params, tenant: string): string {
  const email = emailIndexed(f, scope, p);
  if (email) return `(${email} AND ${node1(f, scope, p, tenant)})`;
  return node1(f, scope, p, tenant);
}

function node1(f: Filter, scope: Scope, p: Params, tenant: string): string {
  // members[value eq "x"] and members.value eq "x": a semi-join on the member index
  if (scope.top && (f.op === 'valuePath' || f.op === 'eq') && f.attr.uri === undefined && f.attr.name.toLowerCase() === 'members') {
    const ids =
      f.op === 'valuePath'
        ? f.attr.sub === undefined
          ? memberIds(f.filter)
          : undefined
        : f.attr.sub?.toLowerCase() === 'value' && typeof f.value === 'string'
          ? [f.value]
          : undefined;
    if (ids && scope.resolve({ name: 'members' }, true)?.elements?.includes(`FROM ${p.tables.members} m `)) return memberSemiJoin(ids, p, tenant);
  }
  switch (f.op) {
    case 'and':
    case 'or':
      return `(${f.filters.map((x) => node(x, scope, p, tenant)).join(f.op === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${node(f.filter, scope, p, tenant)})`;
    case 'valuePath': {
      const label = formatAttrPath(f.attr);
      if (f.attr.sub !== undefined) throw ScimError.invalidFilter(`${label}[…]: a value filter applies to a complex attribute, not a sub-attribute`);
      const a = scope.resolve(f.attr, true);
      if (!a) return unknownAttribute(label, p);
      if (a.def.type !== 'complex') throw ScimError.invalidFilter(`${label} is not complex; it cannot take a value filter`);
      if (a.elements) return `EXISTS (SELECT 1 FROM ${a.elements} WHERE ${node(f.filter, elementScope(a.def, a.alias!), p, tenant)})`;
      // a single-valued complex attribute: its one value is the element
      const alias = p.alias();
      return `EXISTS (SELECT 1 FROM (SELECT ${a.json} AS v) ${alias} WHERE jsonb_typeof(${alias}.v) = 'object' AND ${node(f.filter, elementScope(a.def, alias), p, tenant)})`;
    }
    case 'pr': {
      const a = scope.resolve(f.attr, true);
      if (!a) return unknownAttribute(formatAttrPath(f.attr), p);
      if (a.elements) return `EXISTS (SELECT 1 FROM ${a.elements} WHERE ${present(a.sub ? `${a.alias}.v->${key(a.sub)}` : `${a.alias}.v`)})`;
      return present(a.json!);
    }
    default: {
      const label = formatAttrPath(f.attr);
      const a = scope.resolve(f.attr, false);
      if (!a) return unknownAttribute(label, p);
      const test = (j: string, jf: string, col?: string) => {
        if (f.value === null) {
          if (f.op !== 'eq' && f.op !== 'ne') throw ScimError.invalidFilter(`${label}: null can only be compared with eq or ne`);
          return present(j);
        }
        return compareValue(f, a.def, j, jf, col, p, label);
      };
      let positive: string;
      if (a.elements) {
        const sub = a.sub ? `->${key(a.sub)}` : '';
        // a multi-valued simple attribute or a sub-attribute that is itself an array: test each value
        positive = `EXISTS (SELECT 1 FROM ${a.elements} WHERE ${test(`${a.alias}.v${sub}`, `${a.alias}.f${sub}`)})`;
      } else if (a.column && f.value !== null && (f.op === 'eq' || f.op === 'ne' || f.op === 'sw') && a.def.type !== 'boolean') {
        // `col IS NOT NULL AND col = $x` is never NULL, and without COALESCE the planner can use the column's index
        positive = test(a.json!, a.folded!, a.column);
      } else positive = `COALESCE(${test(a.json!, a.folded!, a.column)}, false)`;
      // `eq null` is `not pr`, `ne null` is `pr`; otherwise `ne` is `not eq`
      const negate = f.value === null ? f.op === 'eq' : f.op === 'ne';
      return negate ? `(NOT ${positive})` : positive;
    }
  }
}

/**
 * The WHERE condition for a filter over `scim_resources r`, with its parameters added to
 * `p`; `tenant` is the placeholder of the tenant parameter (for member look-ups).
 */
export function filterToSql(filter: Filter, type: ResourceType, p: Params, tenant: string): string {
  return node(filter, typeScope(type, p), p, tenant);
}

/** A sort key: its SQL expression and the cast a parameter compared with it needs. */
export interface SortKey {
  /** The expression over `r`, NULL where the resource has no value. */
  expr: string;
  /** The SQL type of the expression, for casting a keyset parameter. */
  cast: string;
}

/**
 * The sort key of a path, as schema/sort.ts defines it: of a multi-valued attribute the
 * primary element, else the first; text from the folded copy where the attribute folds case,
 * timestamptz, numeric, or boolean.
 */
export function sortKey(path: string, type: ResourceType): SortKey {
  const r = resolveSortPath(type, path);
  const doc = foldsCase(r.target) ? 'r.doc_ci' : 'r.doc';
  const base = r.extension ? `(${doc}->${key(r.schema)})` : doc;
  let j = `${base}->${key(r.attribute.name)}`;
  if (r.attribute.multiValued)
    j = r.attribute.type === 'complex' ? `COALESCE((SELECT x FROM ${arrayElements(j)} x WHERE x->'primary' = 'true'::jsonb LIMIT 1), ${j}->0)` : `(${j}->0)`;
  if (r.sub) j = `${j}->${key(r.sub.name)}`;
  const def = r.target;
  if (def.type === 'dateTime') return { expr: `(CASE WHEN jsonb_typeof(${j}) = 'string' THEN (${j} #>> '{}')::timestamptz END)`, cast: 'timestamptz' };
  if (def.type === 'integer' || def.type === 'decimal') return { expr: `(CASE WHEN jsonb_typeof(${j}) = 'number' THEN (${j})::numeric END)`, cast: 'numeric' };
  if (def.type === 'boolean') return { expr: `(CASE WHEN jsonb_typeof(${j}) = 'boolean' THEN (${j})::boolean END)`, cast: 'boolean' };
  return { expr: `(CASE WHEN jsonb_typeof(${j}) = 'string' THEN (${j} #>> '{}') END) COLLATE "C"`, cast: 'text' };
}

/** The ORDER BY of a sort: missing values last ascending, first descending (the whole order reverses); ties by id. */
export function sortToSql(path: string, type: ResourceType, descending: boolean): string {
  return descending
    ? `${sortKey(path, type).expr} DESC NULLS FIRST, r.id COLLATE "C" DESC`
    : `${sortKey(path, type).expr} ASC NULLS LAST, r.id COLLATE "C" ASC`;
}

/**
 * The keyset condition "after this position" in the order of {@link sortToSql}: ascending,
 * rows without a key come after every row with one; descending, before.
 */
export function keysetToSql(k: SortKey, descending: boolean, position: [unknown, string], p: Params): string {
  const [value, id] = position;
  const idp = p.add(id);
  if (descending) {
    if (value === null) return `(((${k.expr}) IS NULL AND r.id COLLATE "C" < ${idp}) OR (${k.expr}) IS NOT NULL)`;
    const kp = `${p.add(value)}::${k.cast}`;
    return `((${k.expr}) < ${kp} OR ((${k.expr}) = ${kp} AND r.id COLLATE "C" < ${idp}))`;
  }
  if (value === null) return `((${k.expr}) IS NULL AND r.id COLLATE "C" > ${idp})`;
  const kp = `${p.add(value)}::${k.cast}`;
  return `((${k.expr}) > ${kp} OR ((${k.expr}) = ${kp} AND r.id COLLATE "C" > ${idp}) OR (${k.expr}) IS NULL)`;
}
