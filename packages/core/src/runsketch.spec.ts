import fc from 'fast-check';
import { RunSketch } from './runsketch';

/** Every run of 2..maxWords words of a stream (markers, negative, end a sentence) with its hash and its word ids. */
function runsOf(stream: Int32Array, maxWords: number): Array<{ key: string; h: number }> {
  const out: Array<{ key: string; h: number }> = [];
  for (let i = 0; i < stream.length; i++) {
    const w = stream[i] as number;
    if (w < 0) continue;
    let h = RunSketch.first(w);
    const words = [w];
    for (let k = 1; k < maxWords && i + k < stream.length; k++) {
      const next = stream[i + k] as number;
      if (next < 0) break;
      h = RunSketch.extend(h, next);
      words.push(next);
      out.push({ key: words.join(' '), h });
    }
  }
  return out;
}

const streamArb = fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(-1, -6)), { minLength: 1, maxLength: 300 }).map((a) => Int32Array.from(a));

describe('RunSketch', () => {
  it('admits every run that occurs twice, however small the sketch (collisions only admit more)', () => {
    fc.assert(
      fc.property(fc.array(streamArb, { minLength: 1, maxLength: 6 }), fc.constantFrom(0, 10, 100_000), fc.integer({ min: 2, max: 4 }), (streams, size, maxWords) => {
        const sketch = new RunSketch(size);
        const seen = new Map<string, number>();
        for (const st of streams) {
          sketch.addStream(st, maxWords);
          for (const r of runsOf(st, maxWords)) seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
        }
        for (const st of streams) for (const r of runsOf(st, maxWords)) if ((seen.get(r.key) as number) >= 2) expect(sketch.admits(r.h)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects nearly every run seen once when it has room for them, and estimates the runs it admits (slot collisions inflate the estimate a little)', () => {
    // 20,000 distinct two-word runs, each once, and 500 of them a second time
    const words: number[] = [];
    for (let i = 0; i < 20_000; i++) words.push(2 * i, 2 * i + 1, -1);
    for (let i = 0; i < 500; i++) words.push(2 * i, 2 * i + 1, -1);
    const sketch = new RunSketch(20_000);
    sketch.addStream(Int32Array.from(words), 4);
    let onceAdmitted = 0;
    for (let i = 500; i < 20_000; i++) if (sketch.admits(RunSketch.extend(RunSketch.first(2 * i), 2 * i + 1))) onceAdmitted++;
    for (let i = 0; i < 500; i++) expect(sketch.admits(RunSketch.extend(RunSketch.first(2 * i), 2 * i + 1))).toBe(true);
    expect(onceAdmitted / 19_500).toBeLessThan(0.02);
    expect(sketch.admittedEstimate()).toBeGreaterThanOrEqual(500);
    expect(sketch.admittedEstimate()).toBeLessThan(2_000);
  });
});

describe('RunSketch batches', () => {
  /** Every run's hash state of a stream, as addStream counts them. */
  const hashes = (stream: Int32Array, maxWords: number) => runsOf(stream, maxWords).map((r) => r.h);

  it('marks in batches what add marks run by run, over arrays of its own or given ones', () => {
    // 120,000 words of a 3,000-word vocabulary, sentences of 1..30 words: 700,000 slots, several batches
    let x = 7;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    const words: number[] = [];
    for (let i = 0; i < 120_000; i++) words.push(next() % 30 === 0 ? -1 : (next() >>> 8) % 3_000);
    const stream = Int32Array.from(words);
    const runs = 50_000;
    const byRun = new RunSketch(runs);
    const counted = [...hashes(stream.subarray(0, 70_000), 4), ...hashes(stream.subarray(70_000), 4)];
    for (const h of counted) byRun.add(h);
    const words32 = RunSketch.slotsFor(runs) >>> 5;
    const given = { once: new Uint32Array(words32), twice: new Uint32Array(words32) };
    const batched = new RunSketch(runs, given);
    batched.addStream(stream.subarray(0, 70_000), 4);
    batched.addStream(stream.subarray(70_000), 4);
    const all = [...counted];
    for (let k = 0; k < 1_000; k++) all.push(next());
    let admitted = 0;
    let differ = 0;
    for (const h of all) {
      if (batched.admits(h) !== byRun.admits(h)) differ++;
      if (byRun.admits(h)) admitted++;
    }
    expect(differ).toBe(0);
    expect(admitted).toBeGreaterThan(1_000);
    expect(admitted).toBeLessThan(all.length);
    expect(batched.admittedEstimate()).toBe(byRun.admittedEstimate());
    // the given arrays hold the marks, once settled: a sketch over them reads the same
    batched.settle();
    const reader = new RunSketch(runs, given);
    expect(all.filter((h) => reader.admits(h) !== byRun.admits(h))).toEqual([]);
    expect(() => new RunSketch(runs, { once: new Uint32Array(words32 - 1), twice: new Uint32Array(words32) })).toThrow(RangeError);
  });
});
