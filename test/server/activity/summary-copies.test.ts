// What an activity record keeps of a client's text is a string of its own: a record holding
// 200 characters of a 15,000-character path must not hold the path (V8 keeps a slice or a
// split part as a view of the whole; records of refused requests are kept by the thousand).
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { truncate } from '../../../src/server/activity/summary.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap bytes `keep` holds after `make` filled it, measured after full collections. */
function held(make: (i: number) => string): number {
  gc();
  const before = getHeapStatistics().used_heap_size;
  const keep: string[] = [];
  for (let i = 0; i < 2000; i++) keep.push(make(i));
  gc();
  const after = getHeapStatistics().used_heap_size;
  expect(keep.length).toBe(2000);
  return after - before;
}

describe('truncate', () => {
  it('2,000 tenant names cut from 15,000-character paths hold under 4 MB (views of the paths held 30 MB)', () => {
    const tenant = (i: number) => `/${i}${'x'.repeat(15_000)}/Users`.split('/')[1]!;
    expect(held((i) => truncate(tenant(i), 200))).toBeLessThan(4 * 1024 * 1024);
  });

  it('a part short enough to keep whole is a copy too', () => {
    const short = (i: number) => `/${i}-tenant-name-of-some-length/${'x'.repeat(15_000)}`.split('/')[1]!;
    expect(held((i) => truncate(short(i), 200))).toBeLessThan(4 * 1024 * 1024);
  });

  it('cuts to max characters with an ellipsis, and keeps shorter text as it is', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('a'.repeat(40), 300)).toBe('a'.repeat(40));
  });
});
