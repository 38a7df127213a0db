import fc from 'fast-check';
import { ByteColumn, CountColumn, IntColumn } from './intcolumn';

describe('CountColumn', () => {
  it('reads back every count it was given, below and above 16 bits, as it grows and as counts change', () => {
    const count = fc.oneof(fc.integer({ min: 0, max: 0x10010 }), fc.integer({ min: 0xfff0, max: 0x10010 }), fc.integer({ min: 0, max: 0x7fffffff }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), count), { maxLength: 200 }), fc.nat({ max: 40 }), (writes, extra) => {
        const col = new CountColumn(4);
        const oracle: number[] = [];
        for (const [at, v] of writes) {
          if (oracle.length === 0 || at % 3 === 0) {
            col.extend(1);
            oracle.push(0);
          }
          const i = at % oracle.length;
          col.set(i, v);
          oracle[i] = v;
        }
        col.extend(extra);
        for (let k = 0; k < extra; k++) oracle.push(0);
        expect(col.length).toBe(oracle.length);
        expect(Array.from({ length: oracle.length }, (_x, i) => col.get(i))).toEqual(oracle);
        expect(Array.from(col.toInt32())).toEqual(oracle);
      }),
    );
  });

  it('refuses a negative count (an index invariant broken), and reads 0 past its end', () => {
    const col = new CountColumn(2);
    col.extend(1);
    expect(() => col.set(0, -1)).toThrow(RangeError);
    expect(col.get(10_000)).toBe(0);
  });
});

describe('ByteColumn', () => {
  it('keeps its values as it grows', () => {
    const col = new ByteColumn(0);
    for (let i = 0; i < 100; i++) {
      col.extend(1);
      col.data[i] = (i % 4) + 1;
    }
    expect(col.length).toBe(100);
    expect(Array.from(col.data.subarray(0, 100))).toEqual(Array.from({ length: 100 }, (_x, i) => (i % 4) + 1));
  });
});

describe('IntColumn.from', () => {
  it('takes a view with the room asked as its column, and copies one without it', () => {
    const roomy = new Int32Array(10).subarray(0, 4);
    roomy.set([1, 2, 3, 4]);
    const taken = IntColumn.from(roomy, 6);
    expect(taken.data.buffer).toBe(roomy.buffer);
    expect(Array.from(taken.view())).toEqual([1, 2, 3, 4]);
    // appending within the room needs no new array
    taken.extend(6);
    expect(taken.data.buffer).toBe(roomy.buffer);
    const tight = IntColumn.from(roomy, 7);
    expect(tight.data.buffer).not.toBe(roomy.buffer);
    expect(tight.data.length).toBeGreaterThanOrEqual(11);
    expect(Array.from(tight.view())).toEqual([1, 2, 3, 4]);
  });
});
