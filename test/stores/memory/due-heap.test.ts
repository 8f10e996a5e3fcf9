// The heap MemoryOutbox claims from: entries come out by due time, then commit order, however
// they went in, and a rebuild keeps that order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DueEntry, DueHeap } from '../../../src/stores/memory/due-heap.js';

const byDueThenOrder = (a: DueEntry<number>, b: DueEntry<number>) => a.dueAt - b.dueAt || a.order - b.order;

describe('DueHeap', () => {
  it('pops entries by due time, then order, for any pushes and pops interleaved', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.nat(50), { nil: undefined }), { maxLength: 300 }), (script) => {
        const heap = new DueHeap<number>();
        const model: DueEntry<number>[] = [];
        let order = 0;
        for (const step of script) {
          if (step === undefined) {
            model.sort(byDueThenOrder);
            expect(heap.pop()).toEqual(model.shift());
          } else {
            const entry = { item: order, dueAt: step, order: order++ };
            heap.push(entry);
            model.push(entry);
          }
          expect(heap.size).toBe(model.length);
        }
        model.sort(byDueThenOrder);
        const rest: DueEntry<number>[] = [];
        for (let e = heap.pop(); e; e = heap.pop()) rest.push(e);
        expect(rest).toEqual(model);
      }),
    );
  });

  it('a rebuild holds exactly the given entries, in order', () => {
    const heap = new DueHeap<string>();
    heap.push({ item: 'stale', dueAt: 0, order: 0 });
    heap.rebuild([
      { item: 'b', dueAt: 5, order: 2 },
      { item: 'a', dueAt: 5, order: 1 },
      { item: 'c', dueAt: 1, order: 9 },
    ]);
    expect([heap.pop()?.item, heap.pop()?.item, heap.pop()?.item, heap.pop()]).toEqual(['c', 'a', 'b', undefined]);
  });
});
