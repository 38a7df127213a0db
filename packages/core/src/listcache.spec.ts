import fc from 'fast-check';
import { ListCache } from './listcache';

const list = (n: number, v = n): Int32Array => new Int32Array(n).fill(v);

describe('ListCache', () => {
  it('lets the lists used longest ago go first when a new one does not fit', () => {
    const c = new ListCache(10);
    c.set(1, list(4));
    c.set(2, list(4));
    // 1 is used: 2 is now the coldest
    expect(c.get(1)?.length).toBe(4);
    c.set(3, list(4));
    expect(c.has(2)).toBe(false);
    expect(c.has(1)).toBe(true);
    expect(c.has(3)).toBe(true);
    expect(c.ints).toBe(8);
    // a list larger than the budget is kept alone, until the next one
    c.set(4, list(25));
    expect([c.has(1), c.has(3), c.has(4)]).toEqual([false, false, true]);
    expect(c.ints).toBe(25);
    c.set(5, list(2));
    expect([c.has(4), c.has(5), c.ints]).toEqual([false, true, 2]);
    expect(() => new ListCache(0)).toThrow(RangeError);
  });

  it('holds what a model of recency says, within its budget, whatever the sequence of uses, changes and clears', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), t: fc.integer({ min: 0, max: 12 }), n: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('get' as const), t: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('delete' as const), t: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.array(op, { maxLength: 80 }), (budget, ops) => {
        const c = new ListCache(budget);
        // the model: terms from coldest to most recent, with their lengths
        let model: Array<[number, number]> = [];
        const sum = () => model.reduce((s, [, n]) => s + n, 0);
        for (const o of ops) {
          if (o.kind === 'set') {
            model = model.filter(([t]) => t !== o.t);
            while (model.length > 0 && sum() + o.n > budget) model.shift();
            model.push([o.t, o.n]);
            c.set(o.t, list(o.n, o.t));
          } else if (o.kind === 'get') {
            const at = model.findIndex(([t]) => t === o.t);
            const got = c.get(o.t);
            expect(got === undefined).toBe(at < 0);
            if (at >= 0) {
              expect(got?.length).toBe(model[at]?.[1]);
              if (got && got.length > 0) expect(got[0]).toBe(o.t);
              model.push(...model.splice(at, 1));
            }
          } else if (o.kind === 'delete') {
            model = model.filter(([t]) => t !== o.t);
            c.delete(o.t);
          } else {
            model = [];
            c.clear();
          }
          expect(c.ints).toBe(sum());
          expect(c.size).toBe(model.length);
          // within the budget, but for one list larger than it held alone
          expect(c.ints <= budget || c.size === 1).toBe(true);
        }
        for (let t = 0; t <= 12; t++) expect(c.has(t)).toBe(model.some(([u]) => u === t));
      }),
      { numRuns: 200 },
    );
  });
});
