// MemoryStore pages at 100,000 users: an unsorted page is a slice (O(page)), a count is O(1),
// a sorted page keeps a bounded heap of startIndex + count entries. Beside them, in the same
// run, what the store did before (build every match, sort them all, slice): the baseline.
import { MemoryStore, SchemaRegistry, type ScimResource } from 'scimkit';
import { resolveSortPath, sortResources } from 'scimkit/store-kit';
import { fmt, measure, type Section } from './harness.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

export async function run(): Promise<Section[]> {
  const User = new SchemaRegistry().resourceType('User')!;
  const store = new MemoryStore();
  const ctx = { tenant: 'bench', requestId: 'b' };
  const all: ScimResource[] = [];
  for (let i = 0; i < 100_000; i++) {
    all.push(
      await store.create(ctx, User, {
        schemas: [U],
        userName: `user${(i * 7919) % 100_000}@example.com`,
        emails: [{ value: `u${i}@example.com`, type: 'work' }],
      }),
    );
  }
  resolveSortPath(User, 'userName');
  const page =
    (startIndex: number, sorted: boolean, count = 100) =>
    () =>
      store.search(ctx, User, { startIndex, count, members: false, ...(sorted ? { sort: { path: 'userName', order: 'ascending' as const } } : {}) });
  // the previous algorithm, on the same data: every match built, the whole list sorted, then sliced
  const before = (startIndex: number, sorted: boolean) => () => {
    const matches = [...all];
    const list = sorted ? sortResources(User, matches, 'userName', false) : matches;
    return list.slice(startIndex - 1, startIndex - 1 + 100);
  };
  const m = await measure({
    'unsorted page, startIndex 1': page(1, false),
    'unsorted page, startIndex 99,901': page(99_901, false),
    'count=0 (total only)': page(1, false, 0),
    'sorted by userName, startIndex 1': page(1, true),
    'sorted by userName, startIndex 50,001': page(50_001, true),
    'baseline: build all + slice, startIndex 99,901': before(99_901, false),
    'baseline: build all + full sort + slice, startIndex 1': before(1, true),
  });
  const rows = [...m].map(([name, v]) => ({
    'search (100,000 users, page of 100)': name,
    'req/s': fmt(v.hz),
    'mean µs': fmt(v.meanUs, 1),
    'p99 µs': fmt(v.p99Us, 1),
  }));
  // a whole walk by startIndex: the sum of every page
  const walk = async () => {
    const t0 = performance.now();
    for (let s = 1; s <= 100_000; s += 100) await page(s, false)();
    return performance.now() - t0;
  };
  const walked = await walk();
  rows.push({
    'search (100,000 users, page of 100)': 'walk all 1,000 unsorted pages by startIndex (total ms)',
    'req/s': '',
    'mean µs': fmt(walked * 1000, 0),
    'p99 µs': '',
  });
  return [
    {
      title: 'MemoryStore pages at 100,000 users',
      notes:
        'Direct store.search calls. Baseline rows redo, on the same data in the same run, what MemoryStore did before: build and (when sorted) sort every match for each page.',
      rows,
    },
  ];
}
