import { describe, expect, it } from 'vitest';
import { isoTime } from '../../../src/server/activity/iso-time.js';

describe('isoTime', () => {
  it('is Date#toISOString for any millisecond, across seconds, in any order', () => {
    const start = Date.parse('2026-12-02T01:59:58.990Z');
    const times = [
      ...Array.from({ length: 3000 }, (_, i) => start + i),
      0,
      -1,
      1e12 + 7,
      start,
      Date.parse('9999-12-31T23:59:59.999Z'),
      Math.floor(Date.now()),
    ];
    for (const t of times) expect(isoTime(t), String(t)).toBe(new Date(t).toISOString());
  });
});
