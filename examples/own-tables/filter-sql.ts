import { type ResourceType, SOFT_DELETE_SCHEMA_ID } from 'scimkit';
import { type AttrPath, type CompareFilter, type Filter, foldCase, foldsCase } from 'scimkit/store-kit';

/**
 * A WHERE condition on the table aliased `t` that every match of a filter meets. `exact`: it
 * is the filter itself, so SQL alone answers the search; otherwise the store tests the rows it
 * selects with scimkit's own evaluator (`compileFilter`), which decides.
 */
export interface Narrowing {
  sql: string;
  exact: boolean;
}

/** A column that holds an attribute: as it is, or `folded` (foldCase of it). */
interface Column {
  column: string;
  folded: boolean;
}

/** The attributes with a column, by canonical path, for `eq`. */
const COLUMNS: Record<'users' | 'teams', Record<string, Column>> = {
  users: {
    userName: { column: 't.email_folded', folded: true },
    externalId: { column: 't.external_ref', folded: false },
    active: { column: 't.active', folded: false },
  },
  teams: {
    displayName: { column: 't.name_folded', folded: true },
    externalId: { column: 't.external_ref', folded: false },
  },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether a string is an id of this app: a lowercase UUID, as the store makes them. Any other names nothing. */
export const isId = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** A condition being built: `$?` marks each parameter, `values` holds them in the same order. */
interface Part {
  sql: string;
  exact: boolean;
  values: unknown[];
}

/**
 * The condition the mapped parts of `filter` make, its literals appended to `params`, or
 * undefined when no part is mapped: `eq` on a column above, `id eq`, `members[value eq]`,
 * the soft-delete marker's `pr`, and `and`, `or`, `not` of those.
 */
export function narrowing(filter: Filter, type: ResourceType, table: 'users' | 'teams', params: unknown[]): Narrowing | undefined {
  const pathOf = (f: { attr: AttrPath }) => type.resolve(f.attr.uri, f.attr.name, f.attr.sub);
  const join = (parts: Part[], operator: string, exact: boolean): Part => ({
    sql: parts.map((p) => `(${p.sql})`).join(` ${operator} `),
    exact,
    values: parts.flatMap((p) => p.values),
  });

  const equals = (f: CompareFilter, path: string): Part | undefined => {
    const attribute = pathOf(f)?.target;
    const { value } = f;
    if (path === 'id' || path === 'members.value') {
      // ids are lowercase UUIDs, compared exactly (caseExact): any other literal names nothing
      if (!isId(value)) return { sql: 'FALSE', exact: true, values: [] };
      if (path === 'id') return { sql: 't.id = $?::uuid', exact: true, values: [value] };
      const sql = 'EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id AND (m.user_id = $?::uuid OR m.member_team_id = $?::uuid))';
      return { sql, exact: true, values: [value, value] };
    }
    const column = COLUMNS[table][path];
    // a literal of another type is the evaluator's 400 to give
    if (!column || !attribute || typeof value !== (attribute.type === 'boolean' ? 'boolean' : 'string')) return undefined;
    // values that are equal have equal folds: exact where the attribute compares folded
    if (column.folded) return { sql: `${column.column} = $?`, exact: foldsCase(attribute), values: [foldCase(value as string)] };
    // a column as it is answers only exact comparisons (a folded attribute's case variants are not equal there)
    return foldsCase(attribute) ? undefined : { sql: `${column.column} = $?`, exact: true, values: [value] };
  };

  const visit = (f: Filter): Part | undefined => {
    switch (f.op) {
      case 'and': {
        // the parts it maps narrow it; it is exact when every part is mapped exactly
        const parts = f.filters.map(visit);
        const known = parts.filter((p) => p !== undefined);
        return known.length === 0 ? undefined : join(known, 'AND', known.length === parts.length && known.every((p) => p.exact));
      }
      case 'or': {
        // narrows only when every alternative does
        const parts = f.filters.map(visit);
        return parts.every((p) => p !== undefined)
          ? join(
              parts,
              'OR',
              parts.every((p) => p.exact),
            )
          : undefined;
      }
      case 'not': {
        // SQL's NULL is no SCIM answer: NOT of a comparison with a NULL column must be true
        const inner = visit(f.filter);
        return inner?.exact ? { ...inner, sql: `NOT COALESCE((${inner.sql}), false)` } : undefined;
      }
      case 'valuePath': {
        const inner = f.filter;
        const onValue = inner.op === 'eq' && inner.attr.uri === undefined && inner.attr.sub === undefined && inner.attr.name.toLowerCase() === 'value';
        return onValue && pathOf(f)?.path === 'members' ? equals(inner, 'members.value') : undefined;
      }
      case 'pr': {
        const marker = table === 'users' && pathOf(f)?.path === `${SOFT_DELETE_SCHEMA_ID}:deletedAt`;
        return marker ? { sql: 't.deleted_at IS NOT NULL', exact: true, values: [] } : undefined;
      }
      case 'eq': {
        const path = pathOf(f)?.path;
        return path === undefined ? undefined : equals(f, path);
      }
      default:
        return undefined;
    }
  };
  const part = visit(filter);
  if (!part) return undefined;
  let next = 0;
  return { sql: part.sql.replace(/\$\?/g, () => `$${params.push(part.values[next++])}`), exact: part.exact };
}
