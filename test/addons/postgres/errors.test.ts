// A value too long for an index is the client's error (400 invalidValue) naming the attribute:
// every B-tree index the migrations build over a column a SCIM attribute fills must be known to
// errors.ts, or a later index (migration 12's sort index was one) makes the detail vaguer.
import { describe, expect, it } from 'vitest';
import { inputError } from '../../../src/addons/postgres/errors.js';
import { PostgresStore, type SqlPool } from '../../../src/addons/postgres/index.js';
import { freshPGlite } from '../../pglite.js';

const ATTRIBUTE_OF_COLUMN: Record<string, string> = { user_name_ci: 'userName', external_id: 'externalId', display_name_ci: 'displayName' };

describe('PostgresStore: a value too long to index', () => {
  it('names the attribute of every B-tree index over a SCIM column', async () => {
    const lite = freshPGlite();
    try {
      await new PostgresStore(lite as unknown as SqlPool).migrate();
      const indexes = (
        await lite.query<{ name: string; def: string }>(
          `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'scim_resources' AND indexdef LIKE '%USING btree%'`,
        )
      ).rows;
      const checked = indexes.flatMap(({ name, def }) => {
        const column = Object.keys(ATTRIBUTE_OF_COLUMN).find((c) => new RegExp(`\\b${c}\\b`).test(def));
        return column ? [[name, ATTRIBUTE_OF_COLUMN[column]!] as const] : [];
      });
      expect(checked.map(([name]) => name)).toContain('scim_resources_user_name_order');
      for (const [name, attribute] of checked) {
        const error = inputError({ code: '54000', message: `index row size 3016 exceeds btree version 4 maximum 2704 for index "${name}"` });
        expect(error?.status, name).toBe(400);
        expect(error?.detail, name).toBe(`${attribute} is too long for the store to index; send a shorter value`);
      }
    } finally {
      await lite.close();
    }
  });
});
