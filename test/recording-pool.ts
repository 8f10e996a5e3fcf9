// A pool that keeps the text and values of every statement sent through it: tests read what a
// store sent (and EXPLAIN it) without a hook in the store.
import type { SqlPool } from '../src/addons/postgres/index.js';

/** `pool`, recording each statement sent through `query` in `sent`; `connect` passes through. */
export function recording(pool: SqlPool): { pool: SqlPool; sent: [string, unknown[]][] } {
  const sent: [string, unknown[]][] = [];
  return {
    sent,
    pool: {
      query: (text: string, values?: unknown[]) => {
        sent.push([text, values ?? []]);
        return pool.query(text, values);
      },
      connect: () => pool.connect!(),
    } as SqlPool,
  };
}
