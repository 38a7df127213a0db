import fc from 'fast-check';
import { FIELD_COUNT } from './params';
import type { SectionReader } from './snapshotlayout';
import { runBytes, TokenStreams } from './streams';
import { writeVarint } from './varint';

/** A token stream: sentences, each a field marker −(f + 1) then word ids (some large, to take several varint bytes). */
const streamArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: FIELD_COUNT - 1 }), fc.array(fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 30 })), { maxLength: 12 })), {
    maxLength: 6,
  })
  .map((sentences) => Int32Array.from(sentences.flatMap(([f, words]) => [-(f + 1), ...words])));

type Op = { kind: 'append' | 'set'; slot: number; stream: Int32Array } | { kind: 'delete'; slot: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), slot: fc.integer({ min: 0, max: 40 }), stream: streamArb }),
  fc.record({ kind: fc.constant('set' as const), slot: fc.integer({ min: 0, max: 40 }), stream: streamArb }),
  fc.record({ kind: fc.constant('delete' as const), slot: fc.integer({ min: 0, max: 40 }) }),
);

describe('token streams', () => {
  it('read back every stream appended or set, as a map of slots to values would, after any mix of changes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const streams = new TokenStreams();
        const want = new Map<number, number[]>();
        for (const op of ops) {
          if (op.kind === 'delete') {
            streams.delete(op.slot);
            want.delete(op.slot);
          } else {
            if (op.kind === 'append') streams.append(op.slot, op.stream);
            else streams.set(op.slot, op.stream);
            want.set(op.slot, Array.from(op.stream));
          }
        }
        for (let slot = 0; slot <= 45; slot++) {
          expect(streams.has(slot)).toBe(want.has(slot));
          const got = streams.get(slot);
          expect(got ? Array.from(got) : undefined).toEqual(want.get(slot));
        }
      }),
    );
  });

  it("read a snapshot's streams section in place, from the start of each slot's", () => {
    const section = new Uint8Array(64);
    let p = 0;
    const start = new Float64Array([-1, -1, -1]);
    // slot 1: [−1, 5, 300], slot 2: empty; slot 0 free
    start[1] = p;
    for (const v of [3, 0, 5 + FIELD_COUNT, 300 + FIELD_COUNT]) p = writeVarint(section, p, v);
    start[2] = p;
    p = writeVarint(section, p, 0);
    const streams = TokenStreams.fromSection(section.subarray(0, p), start);
    expect(streams.has(0)).toBe(false);
    expect(streams.get(0)).toBeUndefined();
    expect(Array.from(streams.get(1) as Int32Array)).toEqual([-1, 5, 300]);
    expect(Array.from(streams.get(2) as Int32Array)).toEqual([]);
    // a change after load: slot 1 held as values, slot 2 gone, a new slot appended past the section's slots
    streams.set(1, Int32Array.from([-2, 7]));
    streams.delete(2);
    streams.append(5, Int32Array.from([-3, 1, 2]));
    expect(Array.from(streams.get(1) as Int32Array)).toEqual([-2, 7]);
    expect(streams.has(2)).toBe(false);
    expect(streams.has(4)).toBe(false);
    expect(Array.from(streams.get(5) as Int32Array)).toEqual([-3, 1, 2]);
  });

  it('find a run of words by its bytes in every stream that holds it, and in no varint stream of large words that lacks it', () => {
    const holds = (st: ArrayLike<number>, run: readonly number[]): boolean => {
      for (let i = 0; i + run.length <= st.length; i++) if (run.every((w, k) => st[i + k] === w)) return true;
      return false;
    };
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 3 })), { maxLength: 20 }), (ops, picks) => {
        const streams = new TokenStreams();
        const live = new Map<number, Int32Array>();
        for (const op of ops) {
          if (op.kind === 'delete') {
            streams.delete(op.slot);
            live.delete(op.slot);
          } else {
            if (op.kind === 'append') streams.append(op.slot, op.stream);
            else streams.set(op.slot, op.stream);
            live.set(op.slot, op.stream);
          }
        }
        const slots = [...live.keys()];
        if (!slots.length) return;
        // runs of words taken from the streams themselves: every stream that holds one may hold it
        const runs = picks.map(([a, b, n]) => {
          const st = live.get(slots[a % slots.length] as number) as Int32Array;
          const from = st.length ? b % st.length : 0;
          return Array.from(st.subarray(from, from + n)).filter((v) => v >= 0);
        });
        for (const run of runs) {
          if (!run.length) continue;
          const bytes = runBytes(run);
          for (const [slot, st] of live) if (holds(st, run)) expect(streams.mayHold(slot, bytes)).toBe(true);
        }
        // words of five varint bytes that no stream holds: no appended stream may hold them
        const absent = [2 ** 30 + 1, 2 ** 30 + 3];
        for (const [slot, st] of live) {
          if (st.some((v) => absent.includes(v))) continue;
          const appended = ops.filter((o) => o.slot === slot).pop()?.kind === 'append';
          if (appended) expect(streams.mayHold(slot, runBytes(absent))).toBe(false);
        }
      }),
    );
  });

  it('read a section left in its file as they read its bytes, one read per stream, across long runs of free slots and changes', () => {
    // per slot a stream, or a run of free slots (up to 100, past the slots searched for where a stream ends)
    const slotArb = fc.oneof(streamArb, fc.integer({ min: 1, max: 100 }));
    fc.assert(
      fc.property(fc.array(slotArb, { minLength: 1, maxLength: 30 }), fc.array(opArb, { maxLength: 10 }), (layout, ops) => {
        const bytes = new Uint8Array(1 << 16);
        const start: number[] = [];
        let p = 0;
        for (const item of layout) {
          if (typeof item === 'number') {
            for (let i = 0; i < item; i++) start.push(-1);
            continue;
          }
          start.push(p);
          p = writeVarint(bytes, p, item.length);
          for (const v of item) p = writeVarint(bytes, p, v < 0 ? -v - 1 : v + FIELD_COUNT);
        }
        const section = bytes.slice(0, p);
        let reads = 0;
        const inFile: SectionReader = {
          byteLength: section.length,
          read(offset: number, length: number): Uint8Array {
            reads++;
            if (offset < 0 || offset + length > section.length) throw new RangeError('read outside the section');
            return section.slice(offset, offset + length);
          },
        };
        const inMemory = TokenStreams.fromSection(section, Float64Array.from(start));
        const deferred = TokenStreams.fromSection(inFile, Float64Array.from(start));
        expect(reads).toBe(0);
        const same = (changed: boolean): void => {
          for (let slot = 0; slot < start.length + 45; slot++) {
            expect(deferred.has(slot)).toBe(inMemory.has(slot));
            const want = inMemory.get(slot);
            const got = deferred.get(slot);
            expect(got ? Array.from(got) : undefined).toEqual(want ? Array.from(want) : undefined);
            // a run the stream holds may be held; a word no stream holds is not
            const values = want ? Array.from(want) : [];
            const first = values.findIndex((v) => v >= 0);
            if (first >= 0) expect(deferred.mayHold(slot, runBytes(values.slice(first, first + 1)))).toBe(true);
            // (a stream set as values may hold anything)
            if (want && !changed) expect(deferred.mayHold(slot, runBytes([2 ** 30 + 1]))).toBe(false);
          }
        };
        same(false);
        // a stream read from the file is one read, or two for one followed by more free slots than are searched
        const live = start.filter((x) => x >= 0).length;
        expect(reads).toBeLessThanOrEqual(2 * live);
        for (const op of ops) {
          for (const streams of [inMemory, deferred]) {
            if (op.kind === 'delete') streams.delete(op.slot);
            else if (op.kind === 'set') streams.set(op.slot, op.stream);
            else streams.set(op.slot, op.stream.slice());
          }
        }
        same(true);
      }),
      { numRuns: 60 },
    );
  });
});
