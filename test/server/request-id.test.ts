import { describe, expect, it } from 'vitest';
import { newRequestId } from '../../src/server/request-id.js';

describe('newRequestId', () => {
  it('makes ids in UUID v4 form, none repeated', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const id = newRequestId();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5_000);
  });

  it('draws a new random prefix after a run of 2^20 ids', () => {
    const first = newRequestId().slice(0, 24);
    let changed = false;
    for (let i = 0; i < 2 ** 20 && !changed; i++) changed = newRequestId().slice(0, 24) !== first;
    expect(changed).toBe(true);
  });
});
