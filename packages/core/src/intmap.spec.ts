import fc from 'fast-check';
import { IntPairMap } from './intmap';

describe('IntPairMap', () => {
  it('behaves like a Map under random set/add/delete (including deletions inside probe chains)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('set', 'add', 'del', 'get'), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: -3, max: 3 }))),
        (ops) => {
          const m = new IntPairMap(2);
          const ref = new Map<string, number>();
          for (const [op, a, b, v] of ops) {
            const k = `${a},${b}`;
            if (op === 'set') {
              m.set(a, b, v);
              ref.set(k, v);
            } else if (op === 'add') {
              const before = m.add(a, b, v);
              expect(before).toBe(ref.get(k) ?? 0);
              const after = before + v;
              if (after === 0) ref.delete(k);
              else ref.set(k, after);
            } else if (op === 'get') {
              const had = ref.get(k);
              expect(m.getOrSet(a, b, 99)).toBe(had ?? 99);
              if (had === undefined) ref.set(k, 99);
            } else {
              expect(m.delete(a, b)).toBe(ref.delete(k));
            }
          }
          expect(m.size).toBe(ref.size);
          for (const [k, v] of ref) {
            const [a, b] = k.split(',').map(Number) as [number, number];
            expect(m.get(a, b)).toBe(v);
          }
          let n = 0;
          m.forEach(() => n++);
          expect(n).toBe(ref.size);
        },
      ),
      { numRuns: 300 },
    );
  });
});
