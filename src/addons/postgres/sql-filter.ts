/**
 * SCIM filter → parameterised SQL over the JSONB document, with the semantics of
 * compileFilter. The filter is first checked by the core's one pass (`checkFilter`: attributes
 * resolved, operators and literals checked against their types, literals folded), so a filter
 * the MemoryStore refuses is refused here with the same 400, and what is left here is SQL:
 * where the attribute folds case, the folded copy the store keeps (`doc_ci`,
 * addons/postgres/folded.ts) against the literal the check folded, never SQL lower() (its
 * answer follows the database's locale); `co`/`sw`/`ew` as escaped LIKE, `pr`, typed compares,
 * `not`/`ne` exact in the presence of NULLs (every predicate is COALESCEd to a boolean),
 * multi-valued attributes and value paths through EXISTS, and the shapes an index answers
 * (the text columns, the e-mail index, the member table).
 * Values only ever travel as parameters.
 * Longer than 400 lines because the sort keys and keyset conditions read the document through
 * the same accessors (the folded copy, the columns, a multi-valued attribute's element) as
 * the filter: apart, those accessors would be exported for one other file.
 * @module
 */
import type { ResourceType } from 'scimkit';
import {
  type CheckedAttribute,
  type CheckedComparison,
  type CheckedFilter,
  checkFilter,
  type Filter,
  foldCase,
  foldsCase,
  idsNamed,
  type ResolvedAttribute,
  resolveSortPath,
} from 'scimkit/store-kit';
import { foldedEmailsJson, type TableNames, TRIGRAM_INDEXED, UNQUALIFIED } from './tables.js';

/** Collects parameters and returns their placeholders; knows the tables its statement reads. */
export class Params {
  /** The values, in placeholder order. */
  readonly values: unknown[] = [];
  /** The store's tables (its schema's), which member and group look-ups and the e-mail index name. */
  readonly tables: TableNames;
  #aliases = 0;
  /** Comparisons of unknown attributes: `reject` (400) or `noMatch` (false), as `checkFilter` takes them. */
  unknownAttributes: 'reject' | 'noMatch' = 'reject';
  /**
   * Set by {@link filterToSql}: the filter requires `eq` on a column with an index of its own
   * (id, userName, externalId, displayName) or on an e-mail address (migration 3's GIN index),
   * so an index finds its few rows whatever the tenant holds.
   */
  narrowedByIndex = false;
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

/** The one value of a single-valued path. */
interface SingleAccess {
  kind: 'single';
  /** jsonb of the value. */
  json: string;
  /** jsonb of the value in the folded copy (`doc_ci`). */
  folded: string;
  /** An indexed text column equal to the folded value (or the value, where the attribute does not fold), for eq, ne and sw. */
  column?: string;
}

/** The elements of a multi-valued attribute, each tested on its own. */
interface ElementsAccess {
  kind: 'elements';
  /** A FROM item producing rows named `alias`: `v`, the element, and `f`, the same element in the folded copy. */
  from: string;
  /** The rows' alias. */
  alias: string;
  /** The sub-attribute tested of each element, if any. */
  sub?: string;
}

/** Where a checked path's values are in SQL. */
type Access = SingleAccess | ElementsAccess;

/** What a filter's paths are relative to: the row `r` of a resource of `type`, or (`element`) the alias of one value of a value path's attribute. */
interface Scope {
  type: ResourceType;
  element?: string;
}

function arrayElements(json: string): string {
  return `jsonb_array_elements(CASE WHEN jsonb_typeof(${json}) = 'array' THEN ${json} ELSE '[]'::jsonb END)`;
}

const COLUMNS: Record<string, string> = { userName: 'r.user_name_ci', externalId: 'r.external_id', displayName: 'r.display_name_ci' };

/** Whether a path names the core `members` of a group, which the store keeps as rows of the member table. */
function isMemberTable(target: CheckedAttribute, type: ResourceType): boolean {
  const r = target.resolved;
  return r !== undefined && !r.extension && target.attribute.name === 'members' && type.coreAttribute('members') === target.attribute;
}

/** Whether a path names the core read-only `groups` of a user, which the store reads from the member table. */
function isGroupsOfMember(target: CheckedAttribute, type: ResourceType): boolean {
  const r = target.resolved;
  const attr = target.attribute;
  return r !== undefined && !r.extension && attr.name === 'groups' && attr.mutability === 'readOnly' && type.coreAttribute('groups') === attr;
}

/** A path at the top of a filter: in the resource's document, its folded copy, a text column or the member table. */
function resourceAccess(target: CheckedAttribute, r: ResolvedAttribute, type: ResourceType, p: Params): Access {
  const base = r.extension ? `(r.doc->${key(r.schema)})` : 'r.doc';
  const foldedBase = r.extension ? `(r.doc_ci->${key(r.schema)})` : 'r.doc_ci';
  const attr = target.attribute;
  const sub = target.sub ? { sub: target.sub.name } : {};
  if (isMemberTable(target, type)) {
    const alias = p.alias();
    return {
      kind: 'elements',
      alias,
      ...sub,
      // folded, a member's type is its resource's (the key look-up is left out when nothing reads f)
      from: `(SELECT m.member || jsonb_build_object('value', m.member_id) AS v, jsonb_build_object('value', m.member_id, 'type', u.doc_ci->'meta'->'resourceType') AS f
            FROM ${p.tables.members} m LEFT JOIN ${p.tables.resources} u ON u.tenant = m.tenant AND u.id = m.member_id WHERE m.tenant = r.tenant AND m.group_id = r.id) ${alias}`,
    };
  }
  if (isGroupsOfMember(target, type)) {
    const alias = p.alias();
    return {
      kind: 'elements',
      alias,
      ...sub,
      from: `(SELECT jsonb_build_object('value', m.group_id, 'type', 'direct', 'display', g.doc->>'displayName') AS v,
              jsonb_build_object('value', m.group_id, 'type', 'direct', 'display', g.doc_ci->>'displayName') AS f
            FROM ${p.tables.members} m LEFT JOIN ${p.tables.resources} g ON g.tenant = m.tenant AND g.id = m.group_id WHERE m.tenant = r.tenant AND m.member_id = r.id) ${alias}`,
    };
  }
  if (attr.multiValued) {
    const alias = p.alias();
    // each element beside its folded copy, at the same place of the other array
    const from = `ROWS FROM (${arrayElements(`${base}->${key(attr.name)}`)}, ${arrayElements(`${foldedBase}->${key(attr.name)}`)}) AS ${alias}(v, f)`;
    return { kind: 'elements', alias, ...sub, from };
  }
  const at = target.sub ? `->${key(attr.name)}->${key(target.sub.name)}` : `->${key(attr.name)}`;
  const access: SingleAccess = { kind: 'single', json: `${base}${at}`, folded: `${foldedBase}${at}` };
  if (!r.extension && !target.sub && r.schema === type.schema.id) {
    if (attr.name === 'id') access.column = 'r.id';
    else if (COLUMNS[attr.name]) access.column = COLUMNS[attr.name];
  }
  return access;
}

/** Where a checked path's values are: in the resource, or in the value `scope.element` of a value path. */
function accessOf(target: CheckedAttribute, scope: Scope, p: Params): Access {
  if (scope.element === undefined) {
    // checkFilter resolves every path at the top of a filter; an unresolved one is a bug here, not bad input
    if (!target.resolved) throw new Error(`filterToSql: ${target.attribute.name} was not resolved against the resource type`);
    return resourceAccess(target, target.resolved, scope.type, p);
  }
  const at = target.sub ? `->${key(target.attribute.name)}->${key(target.sub.name)}` : `->${key(target.attribute.name)}`;
  return { kind: 'single', json: `${scope.element}.v${at}`, folded: `${scope.element}.f${at}` };
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
 * against a checked comparison (its operator, type and literal already checked).
 */
function compareValue(f: CheckedComparison, j: string, jf: string, col: string | undefined, p: Params): string {
  const op = f.op;
  const sqlOp = op === 'gt' ? '>' : op === 'ge' ? '>=' : op === 'lt' ? '<' : op === 'le' ? '<=' : '=';
  switch (f.compare) {
    case 'boolean':
      return `${j} = ${p.add(JSON.stringify(f.value))}::jsonb`;
    case 'number':
      return `(jsonb_typeof(${j}) = 'number' AND (${j})::numeric ${sqlOp} ${p.add(f.value)}::numeric)`;
    case 'instant':
      return `(jsonb_typeof(${j}) = 'string' AND ((${j} #>> '{}'))::timestamptz ${sqlOp} ${p.add(f.value)}::timestamptz)`;
    case 'text': {
      // folded values against the folded literal; binary values and dateTimes never fold
      const source = f.folds ? jf : j;
      const v = col && usesColumn(op) ? col : `(${source} #>> '{}')`;
      const guard = col && v === col ? `${col} IS NOT NULL` : `jsonb_typeof(${source}) = 'string'`;
      switch (op) {
        case 'co':
        case 'sw':
        case 'ew':
          return `(${guard} AND ${v} LIKE ${p.add(likePattern(op, f.operand))})`;
        case 'eq':
        case 'ne':
          return `(${guard} AND ${v} = ${p.add(f.operand)})`;
        default:
          return `(${guard} AND ${v} ${sqlOp} ${p.add(f.operand)} COLLATE "C")`;
      }
    }
  }
}

/** Whether an operator on a text column reads the column (indexed: b-tree for eq and sw, trigrams for co, sw and ew) rather than the document. */
function usesColumn(op: string): boolean {
  return op === 'eq' || op === 'ne' || op === 'sw' || op === 'co' || op === 'ew';
}

/** The escaped LIKE pattern of `co`, `sw` or `ew` with a literal. */
function likePattern(op: 'co' | 'sw' | 'ew', operand: string): string {
  const s = escapeLike(operand);
  return op === 'co' ? `%${s}%` : op === 'sw' ? `${s}%` : `%${s}`;
}

/**
 * For a top-level folded `co`, `sw` or `ew` on a sub-attribute of the core `name`: the
 * trigram-indexed expression (migration 9) over `r` and the pattern it is tested with; else undefined.
 */
function trigramIndexed(f: CheckedComparison): { expression: string; pattern: string } | undefined {
  const r = f.target.resolved;
  if (f.compare !== 'text' || !f.folds || (f.op !== 'co' && f.op !== 'sw' && f.op !== 'ew') || !r || r.extension || !f.target.sub) return undefined;
  const name = f.target.attribute.name;
  const sub = f.target.sub.name;
  const x = TRIGRAM_INDEXED.find((i) => i.sub !== undefined && i.attribute === name && i.sub === sub);
  return x && { expression: x.expression('r.'), pattern: likePattern(f.op, f.operand) };
}

/** `attr op literal`: `ne` is `not eq`, a multi-valued attribute matches when one value does. */
function comparisonSql(f: CheckedComparison, scope: Scope, p: Params): string {
  const a = accessOf(f.target, scope, p);
  let positive: string;
  if (a.kind === 'elements') {
    const sub = a.sub ? `->${key(a.sub)}` : '';
    // a multi-valued simple attribute or a sub-attribute that is itself an array: test each value
    positive = `EXISTS (SELECT 1 FROM ${a.from} WHERE ${compareValue(f, `${a.alias}.v${sub}`, `${a.alias}.f${sub}`, undefined, p)})`;
  } else if (a.column && usesColumn(f.op) && f.compare !== 'boolean') {
    // `col IS NOT NULL AND col = $x` is never NULL, and without COALESCE the planner can use the column's index
    positive = compareValue(f, a.json, a.folded, a.column, p);
  } else {
    positive = `COALESCE(${compareValue(f, a.json, a.folded, a.column, p)}, false)`;
    const indexed = scope.element === undefined ? trigramIndexed(f) : undefined;
    // a necessary condition on the indexed expression, ANDed before the exact test (which is never NULL): the same truth, an index to find it
    if (indexed) positive = `(${indexed.expression} LIKE ${p.add(indexed.pattern)} AND ${positive})`;
  }
  return f.op === 'ne' ? `(NOT ${positive})` : positive;
}

function memberSemiJoin(ids: string[], p: Params, tenant: string): string {
  return `r.id IN (SELECT m.group_id FROM ${p.tables.members} m WHERE m.tenant = ${tenant} AND m.member_id = ANY(${p.add(ids)}::text[]))`;
}

/** For `members[value eq "x" or …]` and `members.value eq "x"` on a group: the ids named, which the member index answers; else undefined. */
function memberIdsNamed(f: CheckedFilter, scope: Scope): string[] | undefined {
  if (scope.element !== undefined) return undefined;
  if (f.op === 'valuePath') return f.attr.uri === undefined && isMemberTable(f.target, scope.type) ? idsNamed(f.written) : undefined;
  if (f.op === 'eq' && f.attr.uri === undefined && f.attr.sub?.toLowerCase() === 'value' && typeof f.value === 'string' && isMemberTable(f.target, scope.type))
    return [f.value];
  return undefined;
}

/** The string `value eq` of a value filter, at its top or in a top-level `and`, else undefined. */
function valueEquals(f: Filter): string | undefined {
  if (f.op === 'eq' && typeof f.value === 'string' && f.attr.uri === undefined && f.attr.sub === undefined && f.attr.name.toLowerCase() === 'value')
    return f.value;
  if (f.op === 'and') for (const x of f.filters) if (valueEquals(x) !== undefined) return valueEquals(x);
  return undefined;
}

/** Whether a path names the core multi-valued `emails` in the resource's document, which the e-mail index of migration 7 reads. */
function isIndexedEmails(target: CheckedAttribute): boolean {
  const r = target.resolved;
  return r !== undefined && !r.extension && target.attribute.name === 'emails' && target.attribute.multiValued === true;
}

/**
 * For `emails.value eq "x"` and `emails[… value eq "x" …]` on a type with core `emails`: a
 * necessary condition the GIN index of migration 7 (over the folded addresses) answers, ANDed
 * before the exact test.
 */
function emailIndexed(f: CheckedFilter, scope: Scope, p: Params): string | undefined {
  const v = scope.element === undefined ? emailEquals(f) : undefined;
  return v === undefined ? undefined : `${p.tables.emailsFolded}(r.doc_ci) @> ARRAY[${p.add(foldCase(v))}]::text[]`;
}

/** The address a filter over the resource requires one of its indexed e-mails to equal, if it does. */
function emailEquals(f: CheckedFilter): string | undefined {
  if ((f.op !== 'eq' && f.op !== 'valuePath') || f.attr.uri !== undefined || !isIndexedEmails(f.target)) return undefined;
  if (f.op === 'valuePath') return valueEquals(f.written);
  return typeof f.value === 'string' && (f.attr.sub === undefined || f.attr.sub.toLowerCase() === 'value') ? f.value : undefined;
}

/** Whether `s` holds a character JSON text escapes (`"`, `\`, a control character): then it is not in the text as it is. */
function jsonEscapes(s: string): boolean {
  for (const c of s) if (c === '"' || c === '\\' || c < ' ') return true;
  return false;
}

/**
 * For `emails.value co|sw|ew "x"` on a type with core `emails`: a necessary condition the
 * trigram index of migration 9 (over the folded e-mail values as JSON text) answers, ANDed before
 * the exact test; `%x%` for all three, as the start or end of one address is inside the text.
 * None when `x` holds a character JSON escapes.
 */
function emailTrigram(f: CheckedFilter, scope: Scope, p: Params): string | undefined {
  if (scope.element !== undefined || (f.op !== 'co' && f.op !== 'sw' && f.op !== 'ew') || f.attr.uri !== undefined || !isIndexedEmails(f.target))
    return undefined;
  if (f.compare !== 'text' || !f.folds || f.target.sub?.name !== 'value' || jsonEscapes(f.operand)) return undefined;
  return `${foldedEmailsJson('r.')} LIKE ${p.add(likePattern('co', f.operand))}`;
}

function node(f: CheckedFilter, scope: Scope, p: Params, tenant: string): string {
  // the index condition's parameter comes first: it is first in the text
  const email = emailIndexed(f, scope, p) ?? emailTrigram(f, scope, p);
  const exact = exactNode(f, scope, p, tenant);
  return email ? `(${email} AND ${exact})` : exact;
}

function exactNode(f: CheckedFilter, scope: Scope, p: Params, tenant: string): string {
  const ids = memberIdsNamed(f, scope);
  if (ids) return memberSemiJoin(ids, p, tenant);
  switch (f.op) {
    case 'and':
    case 'or':
      return `(${f.filters.map((x) => node(x, scope, p, tenant)).join(f.op === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${node(f.filter, scope, p, tenant)})`;
    case 'false':
      return 'false';
    case 'valuePath': {
      const a = accessOf(f.target, scope, p);
      if (a.kind === 'elements') return `EXISTS (SELECT 1 FROM ${a.from} WHERE ${node(f.filter, { type: scope.type, element: a.alias }, p, tenant)})`;
      // a single-valued complex attribute: its one value is the element
      const alias = p.alias();
      return `EXISTS (SELECT 1 FROM (SELECT ${a.json} AS v) ${alias} WHERE jsonb_typeof(${alias}.v) = 'object' AND ${node(f.filter, { type: scope.type, element: alias }, p, tenant)})`;
    }
    case 'pr': {
      const a = accessOf(f.target, scope, p);
      if (a.kind === 'elements') return `EXISTS (SELECT 1 FROM ${a.from} WHERE ${present(a.sub ? `${a.alias}.v->${key(a.sub)}` : `${a.alias}.v`)})`;
      return present(a.json);
    }
    default:
      return comparisonSql(f, scope, p);
  }
}

/**
 * The WHERE condition for a filter over `scim_resources r`, with its parameters added to
 * `p`; `tenant` is the placeholder of the tenant parameter (for member look-ups). A filter
 * `checkFilter` refuses throws its ScimError (400 invalidFilter), as the MemoryStore's does;
 * an unknown attribute under `p.unknownAttributes = 'noMatch'` is a comparison that is false.
 */
export function filterToSql(filter: Filter, type: ResourceType, p: Params, tenant: string): string {
  const checked = checkFilter(filter, type, { unknownAttributes: p.unknownAttributes });
  p.narrowedByIndex = narrowsByIndex(checked);
  return node(checked, { type }, p, tenant);
}

/** Whether a filter requires, at its top or in a top-level `and`, equality with an indexed column or an e-mail address. */
function narrowsByIndex(f: CheckedFilter): boolean {
  if (f.op === 'and') return f.filters.some(narrowsByIndex);
  if (emailEquals(f) !== undefined) return true;
  if (f.op !== 'eq' || f.compare === 'boolean') return false;
  const r = f.target.resolved;
  return r !== undefined && !r.extension && !f.target.sub && (f.target.attribute.name === 'id' || COLUMNS[f.target.attribute.name] !== undefined);
}

/** A sort key: its SQL expression and the cast a parameter compared with it needs. */
export interface SortKey {
  /** The expression over `r`, NULL where the resource has no value. */
  expr: string;
  /** The SQL type of the expression, for casting a keyset parameter. */
  cast: string;
  /** An index of the store is in this key's order, then the id's (migration 12): a keyset is a row comparison that its walk starts at. */
  indexed?: boolean;
}

/**
 * The sort key of a path, as core/rules/sort.ts defines it: of a multi-valued attribute the
 * primary element, else the first; text from the folded copy where the attribute folds case,
 * timestamptz, numeric, or boolean.
 */
export function sortKey(path: string, type: ResourceType): SortKey {
  const r = resolveSortPath(type, path);
  // userName has a column holding the same folded text (rows.ts lookupColumns) in every row
  // since migration 1: read there, a sort of 100,000 users does not take each key out of a
  // JSONB document (display_name_ci is not: rows of early versions left it empty for users)
  if (r.attribute.name === 'userName' && !r.extension && !r.sub && type.coreAttribute('userName') === r.attribute && foldsCase(r.target))
    return { expr: `${COLUMNS.userName} COLLATE "C"`, cast: 'text', indexed: true };
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
  return orderBy(sortKey(path, type).expr, 'r.id', descending);
}

/** The ORDER BY of {@link sortToSql} over a key and an id read elsewhere (a subquery's columns). */
export function orderBy(key: string, id: string, descending: boolean): string {
  return descending ? `${key} DESC NULLS FIRST, ${id} COLLATE "C" DESC` : `${key} ASC NULLS LAST, ${id} COLLATE "C" ASC`;
}

/**
 * The keyset condition "after this position" in the order of {@link sortToSql}: ascending,
 * rows without a key come after every row with one; descending, before.
 */
export function keysetToSql(k: SortKey, descending: boolean, position: [unknown, string], p: Params): string {
  return anyOf(keysetBranches(k, descending, position, p));
}

/** Conditions as one: the only one as it is, several joined by OR. */
export function anyOf(conditions: readonly string[]): string {
  return conditions.length === 1 ? conditions[0]! : `(${conditions.join(' OR ')})`;
}

/**
 * {@link keysetToSql} as disjoint conditions, each one walk of an index when the key is
 * {@link SortKey.indexed}: the rows with a key after the position, a row comparison the walk
 * starts at; ascending, then the rows without a key (last in that order), which no row
 * comparison is true for. Pages run one walk per branch (addons/postgres/reads.ts); an OR of
 * the two would make PostgreSQL read the index from the tenant's first row.
 */
export function keysetBranches(k: SortKey, descending: boolean, position: [unknown, string], p: Params): string[] {
  const [value, id] = position;
  const idp = p.add(id);
  if (k.indexed && value !== null) {
    const after = `(${k.expr}, r.id COLLATE "C") ${descending ? '<' : '>'} (${p.add(value)}::${k.cast}, ${idp})`;
    return descending ? [after] : [after, `(${k.expr}) IS NULL`];
  }
  if (descending) {
    if (value === null) return [`(((${k.expr}) IS NULL AND r.id COLLATE "C" < ${idp}) OR (${k.expr}) IS NOT NULL)`];
    const kp = `${p.add(value)}::${k.cast}`;
    return [`((${k.expr}) < ${kp} OR ((${k.expr}) = ${kp} AND r.id COLLATE "C" < ${idp}))`];
  }
  if (value === null) return [`((${k.expr}) IS NULL AND r.id COLLATE "C" > ${idp})`];
  const kp = `${p.add(value)}::${k.cast}`;
  return [`((${k.expr}) > ${kp} OR ((${k.expr}) = ${kp} AND r.id COLLATE "C" > ${idp}) OR (${k.expr}) IS NULL)`];
}
